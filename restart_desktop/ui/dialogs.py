"""Small dialogs: change status with a reason, a reason for a change to fields that matter,
allocate or hand over a case, and About."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.about import AboutInfo
from restart_desktop.app.case_views import WorkerOption
from restart_desktop.domain.case import ALLOWED_TRANSITIONS, CaseStatus
from restart_desktop.domain.reference import ClosureReason
from restart_desktop.ui.widgets import FieldError, buddy_label, ok_cancel


class StatusDialog(QDialog):
    """Choose the next status (only allowed ones are offered) and say why. Closing asks for
    the coded reason too (closure_reasons.csv), shown only when Closed is chosen."""

    def __init__(
        self,
        current: CaseStatus,
        parent: QWidget | None = None,
        closure_reasons: tuple[ClosureReason, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Change case status")
        self.setMinimumWidth(460)
        self.status = QComboBox()
        self.status.setAccessibleName("New status")
        for option in sorted(ALLOWED_TRANSITIONS[current], key=list(CaseStatus).index):
            self.status.addItem(option.label, option.value)
        self.closure = QComboBox()
        self.closure.setAccessibleName("Why the case is closing")
        self.closure.addItem("Choose a reason", "")
        for reason in closure_reasons:
            self.closure.addItem(reason.label, reason.code)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the status change")
        self.reason.setPlaceholderText("Why, in a few words")
        self.error = FieldError()
        form = QFormLayout()
        form.addRow(QLabel(f"Now: <b>{current.label}</b>"))
        status_label = buddy_label("New &status:", self.status)
        form.addRow(status_label, self.status)
        self.closure_label = QLabel("&Why closing:")
        self.closure_label.setBuddy(self.closure)
        form.addRow(self.closure_label, self.closure)
        reason_label = buddy_label("&Reason:", self.reason)
        form.addRow(reason_label, self.reason)
        form.addRow(self.error)
        buttons = ok_cancel(self, "Change status", self._on_accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.status.currentIndexChanged.connect(self._on_status_changed)
        self._on_status_changed()

    def chosen(self) -> CaseStatus:
        return CaseStatus(self.status.currentData())

    def closure_reason(self) -> str:
        """The closure reason's code ("" unless closing)."""
        return str(self.closure.currentData()) if self._closing() else ""

    def _closing(self) -> bool:
        return self.chosen() == CaseStatus.CLOSED

    def _on_status_changed(self, *_args: object) -> None:
        self.closure.setVisible(self._closing())
        self.closure_label.setVisible(self._closing())

    def _on_accept(self) -> None:
        if self._closing() and not self.closure.currentData():
            self._refuse(
                "Choose why the case is closing: the board and the evaluators "
                "count closures by reason.",
                self.closure,
            )
            return
        if not self.reason.text().strip():
            self._refuse("Give a reason: it is kept with the case's history.", self.reason)
            return
        self.accept()

    def _refuse(self, message: str, focus: QWidget) -> None:
        self.error.show_message(message)
        self.adjustSize()  # make room for the message rather than clip it
        focus.setFocus()


class ReasonDialog(QDialog):
    """Ask the short reason a change to fields that matter needs (kept in the case history).
    ``what`` lists the changes in words."""

    def __init__(self, title: str, what: str, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        explained = QLabel(what)
        explained.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the change")
        self.reason.setPlaceholderText("Why, in a few words")
        self.reason.setMaxLength(500)
        self.error = FieldError()
        reason_label = buddy_label("&Reason:", self.reason)
        form = QFormLayout()
        form.addRow(explained)
        form.addRow(reason_label, self.reason)
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(action)
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _on_accept(self) -> None:
        if not self.reason.text().strip():
            self.error.show_message("Give a reason: it is kept with the case's history.")
            self.adjustSize()
            self.reason.setFocus()
            return
        self.accept()


class AllocateDialog(QDialog):
    """A supervisor's allocation decision: allocate the case, hand it over to another worker
    with a note for them, or share it with a second worker (who then receives it too)."""

    def __init__(
        self, workers: list[WorkerOption], current: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Allocate or hand over")
        self._current = current
        self.worker = QComboBox()
        self.worker.setAccessibleName("Worker to allocate the case to")
        self.worker.addItem("Nobody (back to unallocated)", None)
        for option in workers:
            self.worker.addItem(option.name, option.id)
        found = self.worker.findData(current)
        self.worker.setCurrentIndex(max(found, 0))
        self.share = QCheckBox("&Share with this worker; the case stays allocated as it is")
        self.share.setEnabled(current is not None)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self.note.setAccessibleName("Reason, and handover note for the worker")
        self.note.setPlaceholderText(
            "Why this worker, and what they need to know (kept in the case history)"
        )
        self.note.setMaximumHeight(110)
        label = buddy_label("Allocate &to:", self.worker)
        note_label = buddy_label("Reason and &note:", self.note)
        self.error = FieldError()
        form = QFormLayout()
        form.addRow(label, self.worker)
        form.addRow("", self.share)
        form.addRow(note_label, self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("&Allocate" if current is None else "&Hand over")
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        self.share.toggled.connect(lambda on: self.ok.setText("&Share" if on else "&Hand over"))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(520, 280)

    def _on_accept(self) -> None:
        changing = self.share.isChecked() or self.chosen() != self._current
        if not changing:
            # Refused here, where the note typed is kept, not by the service after the dialog
            # has closed (that read as a problem with the case file's fields).
            self.error.show_message(
                f"The case is already allocated to {self.worker.currentText()}: choose "
                "another worker, or tick Share to give this one a second worker."
                if self._current
                else "The case is not allocated to anyone yet: choose a worker."
            )
            self.worker.setFocus()
            return
        if not self.note.toPlainText().strip():
            handing_over = self._current is not None and not self.share.isChecked()
            self.error.show_message(
                "Write a handover note: the worker taking the case over reads it with the case."
                if handing_over and self.chosen()
                else "Say why: the reason is kept in the case history."
            )
            self.note.setFocus()
            return
        self.accept()

    def chosen(self) -> str | None:
        value = self.worker.currentData()
        return value if isinstance(value, str) else None


class AboutDialog(QDialog):
    """Help > About: the version and build, the licence, the data folder, third-party
    licences (how the LGPL obligations of the one-folder build are met)."""

    def __init__(self, info: AboutInfo, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QTextBrowser

        super().__init__(parent)
        self.setWindowTitle("About RESTART Desktop")
        self.summary = QLabel(
            f"<b>RESTART Desktop</b> {html.escape(info.version)} ({html.escape(info.build)})"
            "<br>Offline case tool for RESTART Thames Valley resettlement workers."
            f"<br>{html.escape(info.licence)}"
            f"<br>Data folder: {html.escape(str(info.data_folder))}"
        )
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Version, build, licence and data folder")
        self.licences = QTextBrowser()
        self.licences.setAccessibleName("Third-party licences")
        self.licences.setMarkdown(info.third_party)
        self.licences.setOpenExternalLinks(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.licences, 1)
        layout.addWidget(buttons)
        self.resize(720, 560)
