"""Writing a contact note: every field, autosaved as a draft, finalised with Ctrl+Enter.

The draft is saved to the encrypted database within ``AUTOSAVE_MS`` of the last keystroke,
and at once when the editor loses focus, the window locks or the app closes. Saving runs on
the background worker (the GUI thread only copies the fields), so typing never stalls.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.notes import DraftFields, NeedsConfirmation, NoteService
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.notes import ContactType
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.ui.confirm import confirm_finalise
from restart_desktop.ui.datetime_edit import DateTimeEdit
from restart_desktop.ui.shortcuts import bind, declare
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import FieldError, buddy_label

AUTOSAVE_MS = 1500  # the issue allows 2 s; the save itself takes a few ms on the worker

FINALISE_KEYS = (
    declare("Contact note", "Ctrl+Return", "Finalise the note (asks once first)"),
    declare("Contact note", "Ctrl+Enter", "Finalise the note (asks once first)"),
)


class NoteEditor(QWidget):
    """Signals:
    finalised(str): the note was finalised; the argument is its id.
    discarded(): the worker threw the draft away.
    draft_saved(str): the draft was saved; the argument is the draft id.
    """

    finalised = Signal(str)
    discarded = Signal()
    draft_saved = Signal(str)

    def __init__(
        self,
        service: NoteService,
        runner: TaskRunner,
        reference: ReferenceData,
        person_id: str,
        draft_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.person_id = person_id
        # The id is minted here so that every autosave, even two in flight, hits one draft.
        self.draft_id = draft_id or uuid7()
        self._has_draft = draft_id is not None
        self._unsaved = False
        self._loading = False
        self._busy = False
        self._errors: dict[str, FieldError] = {}

        # Now on the session's clock, in its zone: the contact is recorded on that clock.
        self._clock = service.clock
        now = self._clock.local_now().replace(tzinfo=None, second=0, microsecond=0)
        self.contact_at = DateTimeEdit(QDateTime(now))
        self.contact_at.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.contact_at.setCalendarPopup(True)
        self.contact_at.setAccessibleName("Date and time of the contact")
        self.contact_type = QComboBox()
        self.contact_type.setAccessibleName("Type of contact")
        for kind in ContactType:
            self.contact_type.addItem(kind.label, kind.value)
        self.not_seen_reason = QLineEdit()
        self.not_seen_reason.setAccessibleName("Why the person was not seen")
        self.not_seen_reason.setPlaceholderText("e.g. moved wings, in court, refused the visit")
        self.location = QLineEdit()
        self.location.setAccessibleName("Where: prison and wing")
        self.location.setPlaceholderText("e.g. HMP Bullingdon, C wing")
        self.location.setMaxLength(200)
        self.duration = QSpinBox()
        self.duration.setRange(0, 24 * 60)
        self.duration.setSingleStep(5)
        self.duration.setSuffix(" min")
        self.duration.setSpecialValueText("not recorded")
        self.duration.setAccessibleName("Duration in minutes")
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Note text")
        self.text.setPlaceholderText(
            "What happened, what the person said they need, what was agreed."
        )
        self.text.setTabChangesFocus(True)
        self.need_boxes: dict[str, QCheckBox] = {}
        needs_grid = QGridLayout()
        for index, need in enumerate(reference.needs):
            box = QCheckBox(need.label)
            box.setAccessibleName(f"Need discussed: {need.label}")
            self.need_boxes[need.code] = box
            needs_grid.addWidget(box, index // 3, index % 3)

        self.save_state = QLabel("")
        self.save_state.setAccessibleName("Draft save state")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: #a00000; font-weight: 600;")
        self.summary.setAccessibleName("Problems to correct")
        self.summary.hide()
        self.finalise_button = QPushButton("F&inalise note")  # Alt+F: the File menu
        self.finalise_button.setToolTip(
            "Finalise (Ctrl+Enter): the note can then only be added to, never changed"
        )
        self.discard_button = QPushButton("&Discard draft")

        form = QFormLayout()
        for caption, widget, name in (
            ("&When:", self.contact_at, "contact_at"),
            ("T&ype:", self.contact_type, "contact_type"),
            ("Not seen &because:", self.not_seen_reason, "not_seen_reason"),
            ("Wh&ere:", self.location, "location"),
            ("D&uration:", self.duration, "duration_minutes"),
        ):
            label = buddy_label(caption, widget)
            error = FieldError()
            self._errors[name] = error
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(widget)
            column.addWidget(error)
            form.addRow(label, column)
        needs_label = QLabel("Needs discussed:")
        form.addRow(needs_label, needs_grid)
        text_label = buddy_label("&Note:", self.text)
        self._errors["text"] = FieldError()
        self._errors["needs"] = FieldError()

        buttons = QHBoxLayout()
        buttons.addWidget(self.finalise_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_state)
        layout = QVBoxLayout(self)
        heading = QLabel("New contact note")
        heading.setStyleSheet("font-size: 13pt; font-weight: 600;")
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(text_label)
        layout.addWidget(self.text, 1)
        layout.addWidget(self._errors["text"])
        layout.addWidget(self._errors["needs"])
        layout.addWidget(self.summary)
        layout.addLayout(buttons)

        self._autosave = QTimer(self)
        self._autosave.setSingleShot(True)
        self._autosave.setInterval(AUTOSAVE_MS)
        self._autosave.timeout.connect(self.save_now)
        for edit in (self.not_seen_reason, self.location):
            edit.textEdited.connect(self._on_edited)
        self.text.textChanged.connect(self._on_edited)
        self.contact_at.dateTimeChanged.connect(self._on_edited)
        self.contact_type.currentIndexChanged.connect(self._on_type_changed)
        self.duration.valueChanged.connect(self._on_edited)
        for box in self.need_boxes.values():
            box.toggled.connect(self._on_edited)
        self.text.installEventFilter(self)
        self.finalise_button.clicked.connect(lambda: self.finalise())
        self.discard_button.clicked.connect(self._on_discard_clicked)
        for declared in FINALISE_KEYS:
            # Several case files may each have an editor open: only this one's counts.
            bind(declared, self, lambda: self.finalise())
        self._update_reason_enabled()
        if draft_id is not None:
            self._load()

    # --- loading a saved draft ------------------------------------------------------------
    def _load(self) -> None:
        service, draft_id = self._service, self.draft_id
        self._busy = True
        self._runner.run(lambda: service.get_draft(draft_id), self._fill, self._on_failed)

    def _fill(self, fields: DraftFields) -> None:
        self._busy = False
        self._loading = True
        try:
            if fields.contact_at is not None:
                self.contact_at.setDateTime(
                    QDateTime(self._clock.local(fields.contact_at).replace(tzinfo=None))
                )
            index = self.contact_type.findData(fields.contact_type)
            self.contact_type.setCurrentIndex(max(index, 0))
            self.not_seen_reason.setText(fields.not_seen_reason)
            self.location.setText(fields.location)
            self.duration.setValue(fields.duration_minutes or 0)
            self.text.setPlainText(fields.text)
            for code, box in self.need_boxes.items():
                box.setChecked(code in fields.needs)
        finally:
            self._loading = False
        self.save_state.setText("Draft restored")
        self._update_reason_enabled()
        self.text.moveCursor(self.text.textCursor().MoveOperation.End)  # carry on typing

    # --- autosave -------------------------------------------------------------------------
    @property
    def unsaved(self) -> bool:
        """Typing not yet handed to the database."""
        return self._unsaved

    def fields(self) -> DraftFields:
        value = self.contact_at.dateTime().toPython()
        assert isinstance(value, dt.datetime)
        duration = self.duration.value()
        return DraftFields(
            person_id=self.person_id,
            contact_at=self._clock.from_local(value.replace(tzinfo=None, second=0, microsecond=0)),
            contact_type=str(self.contact_type.currentData()),
            not_seen_reason=self.not_seen_reason.text(),
            location=self.location.text(),
            duration_minutes=duration or None,
            text=self.text.toPlainText(),
            needs=tuple(code for code, box in self.need_boxes.items() if box.isChecked()),
        )

    def _on_edited(self, *_args: object) -> None:
        if self._loading:
            return
        if self.summary.isVisible():  # a message about what was there before: now stale
            self.summary.hide()
            for label in self._errors.values():
                label.show_message(None)
        self._unsaved = True
        self.save_state.setText("Typing…")
        self._autosave.start()

    def _on_type_changed(self, *_args: object) -> None:
        self._update_reason_enabled()
        self._on_edited()

    def _update_reason_enabled(self) -> None:
        not_seen = self.contact_type.currentData() == ContactType.NOT_SEEN.value
        self.not_seen_reason.setEnabled(not_seen)

    def save_now(self) -> None:
        """Hand the current fields to the worker thread to save as the draft (if changed)."""
        self._autosave.stop()
        if not self._unsaved:
            return
        self._unsaved = False
        fields, service, draft_id = self.fields(), self._service, self.draft_id
        self._has_draft = True
        self._runner.run(
            lambda: service.save_draft(fields, draft_id), self._on_saved, self._on_save_failed
        )

    def _on_saved(self, draft_id: str) -> None:
        if not self._unsaved:
            self.save_state.setText(f"Draft saved {self._clock.now_text('%H:%M:%S')}")
        self.draft_saved.emit(draft_id)

    def _on_save_failed(self, error: BaseException) -> None:
        self._unsaved = True  # try again with the next keystroke or focus change
        self.save_state.setText("Draft NOT saved: " + user_message(error))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.text and event.type() == QEvent.Type.FocusOut:
            self.save_now()
        return False

    # --- finalising -----------------------------------------------------------------------
    def finalise(self, confirmed: bool = False) -> None:
        if self._busy:
            return
        if (
            not confirmed
            and self.text.toPlainText().strip()
            and not confirm_finalise(
                self,
                self._service.session,
                "this note",
                "A finalised note never changes: corrections are added to it as addenda.",
            )
        ):
            self.window().activateWindow()
            self.text.setFocus()
            return
        self._autosave.stop()
        fields, service = self.fields(), self._service
        draft_id = self.draft_id if self._has_draft else None
        self._busy = True
        self.finalise_button.setEnabled(False)
        self._runner.run(
            lambda: service.finalise(fields, draft_id, confirmed),
            self._on_finalised,
            self._on_finalise_failed,
        )

    def _on_finalised(self, note_id: str) -> None:
        self._busy = False
        self._unsaved = False
        self.finalised.emit(note_id)

    def _on_finalise_failed(self, error: BaseException) -> None:
        self._busy = False
        self.finalise_button.setEnabled(True)
        if isinstance(error, NeedsConfirmation):
            answer = QMessageBox.question(
                self,
                "Check the note",
                "\n".join(error.reasons) + "\n\nFinalise the note anyway?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.finalise(confirmed=True)
            return
        problems = error.problems if isinstance(error, ValidationFailed) else {}
        for name, label in self._errors.items():
            label.show_message(problems.get(name))
        message = user_message(error)
        self.summary.setText(message)
        self.summary.show()
        if "text" in problems:
            self.text.setFocus()

    def _on_failed(self, error: BaseException) -> None:
        self._busy = False
        self.summary.setText(user_message(error))
        self.summary.show()

    def _on_discard_clicked(self) -> None:
        answer = QMessageBox.question(
            self,
            "Discard draft",
            "Throw this draft away? What you typed cannot be brought back.",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Discard:
            return
        self._autosave.stop()
        self._unsaved = False
        service, draft_id = self._service, self.draft_id
        self._runner.run(
            lambda: service.discard_draft(draft_id),
            lambda _none: self.discarded.emit(),
            self._on_failed,
        )

    def focus_text(self) -> None:
        self.text.setFocus(Qt.FocusReason.OtherFocusReason)
