"""The dialogs of a person's contacts and actions: an addendum to a finalised note, a new
action (and its due date), and closing an action with what came of it."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.notes import (
    NoteView,
)
from restart_desktop.domain.clock import local_text
from restart_desktop.domain.notes import ActionOwner, ActionStatus, due_in_the_past
from restart_desktop.ui.widgets import DateField, FieldError, buddy_label, ok_cancel


class AddendumDialog(QDialog):
    def __init__(
        self, note: NoteView, zone: dt.tzinfo | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add to the note")
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Addendum text")
        self.text.setTabChangesFocus(True)
        self.error = FieldError()
        buttons = ok_cancel(self, "Add addendum", self._on_accept)
        layout = QVBoxLayout(self)
        label = QLabel(
            f"Adding to the note of {local_text(note.contact_at, zone=zone)} "
            f"({note.contact_type.label.lower()}). A finalised note is never changed: write the "
            "correction or the late information; it is shown under the note with your name "
            "and the time. Ctrl+Enter adds it."
        )
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(self.text)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self._on_accept)
        self.text.textChanged.connect(lambda: self.error.show_message(None))
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _on_accept(self) -> None:
        if not self.text.toPlainText().strip():
            self.error.show_message("Write the correction or the late information.")
            return
        self.accept()


class ActionDialog(QDialog):
    """A new follow-up action: what, who, by when (``today``: the session's day, for the
    default due date and the "already passed" warning)."""

    def __init__(
        self, today: dt.date, person_name: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._today = today
        self.setWindowTitle("New follow-up action")  # no name: titles show in the taskbar
        self.description = QLineEdit()
        self.description.setAccessibleName("What is to be done")
        self.owner = QComboBox()
        self.owner.setAccessibleName("Who will do it")
        for owner in ActionOwner:
            self.owner.addItem(owner.label, owner.value)
        self.owner_detail = QLineEdit()
        self.owner_detail.setAccessibleName("Which partner agency")
        self.owner_detail.setAccessibleDescription(
            "Only for an action a partner agency does: its name, shown under Who"
        )
        self.owner_detail.setPlaceholderText("e.g. Aspire housing team")
        self.owner_detail.setMaxLength(200)
        self.description.setPlaceholderText("What is to be done, e.g. Ring the council about ID")
        self.due = DateField("Due date (optional)")
        self.due.set_date(today + dt.timedelta(days=7))
        self.error = FieldError()
        self.past_warning = QLabel("")
        self.past_warning.setWordWrap(True)
        self.past_warning.setAccessibleName("Due date warning")
        self.due.textChanged.connect(self._on_due_changed)
        form = QFormLayout()
        for caption, widget in (
            ("&What:", self.description),
            ("W&ho:", self.owner),
            ("&Partner:", self.owner_detail),
            ("D&ue:", self.due),
        ):
            label = buddy_label(caption, widget)
            form.addRow(label, widget)
        buttons = ok_cancel(self, "Add action", self._on_accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.past_warning)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        # Wide enough to read what is typed (it was 206 pixels); the partner's name only
        # for a partner's action, so the action's details are not typed there by mistake.
        self.setMinimumWidth(520)
        self.owner.currentIndexChanged.connect(self._on_owner_changed)
        self._on_owner_changed()

    def _on_owner_changed(self, *_args: object) -> None:
        partner = self.owner.currentData() == ActionOwner.PARTNER.value
        self.owner_detail.setEnabled(partner)
        if not partner:
            self.owner_detail.clear()

    def _on_due_changed(self, *_args: object) -> None:
        try:
            due = self.due.date_value()
        except ValueError:
            due = None
        past = due_in_the_past(due, self._today)
        self.past_warning.setText(
            "This date has already passed: the action will show as overdue straight away."
            if past
            else ""
        )
        self.error.show_message(None)

    def due_date(self) -> dt.date | None:
        """The due date typed (None: no date); only call after the dialog was accepted."""
        return self.due.date_value()

    def _on_accept(self) -> None:
        if not self.description.text().strip():
            self.error.show_message("Say what is to be done.")
            return
        try:
            due = self.due.date_value()
        except ValueError as error:
            self.error.show_message(str(error))
            return
        if due_in_the_past(due, self._today):
            answer = QMessageBox.question(
                self,
                "Due date",
                "This date is in the past. Save it anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,  # Enter goes back to the date
            )
            if answer != QMessageBox.StandardButton.Yes:
                self.due.setFocus()
                self.due.selectAll()
                return
        self.accept()


class CloseActionDialog(QDialog):
    """Done or not done, and how it turned out."""

    def __init__(
        self, description: str, person_name: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Close action")  # no name: titles show in the taskbar
        self.status = QComboBox()
        self.status.setAccessibleName("Was it done")
        self.status.addItem(ActionStatus.DONE.label, ActionStatus.DONE.value)
        self.status.addItem(ActionStatus.NOT_DONE.label, ActionStatus.NOT_DONE.value)
        self.outcome = QLineEdit()
        self.outcome.setAccessibleName("Outcome")
        self.error = FieldError()
        form = QFormLayout()
        heading = QLabel(
            f"<b>{html.escape(person_name)}</b>: {html.escape(description)}"
            if person_name
            else html.escape(description)
        )
        heading.setWordWrap(True)
        form.addRow(heading)
        for caption, widget in (("&Result:", self.status), ("&Outcome:", self.outcome)):
            label = buddy_label(caption, widget)
            form.addRow(label, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def chosen(self) -> ActionStatus:
        return ActionStatus(self.status.currentData())

    def _on_accept(self) -> None:
        if not self.outcome.text().strip():
            self.error.show_message("Say how it turned out.")
            return
        self.accept()
