"""The release plan's dialogs: an item's details (done, not needed, a problem, an appointment),
an item added to one person's plan, and the release outcome recorded at the end of the day."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.release_views import ItemUpdate, OutcomeFields, PlanItemView, PlanView
from restart_desktop.domain.checklist import (
    MAX_LABEL_LENGTH,
    MAX_NOTE_LENGTH,
    FirstNight,
    ItemState,
    Records,
    Section,
    state_problems,
)
from restart_desktop.domain.clock import Clock
from restart_desktop.ui.widgets import DateTimeField, FieldError, buddy_label, ok_cancel


class ItemDialog(QDialog):
    """Set one item's state, the time it happened, a note, and for appointments the time,
    place and who to ask for (these go on the person's sheet)."""

    def __init__(
        self,
        item: PlanItemView,
        clock: Clock,
        state: ItemState | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # The session's clock: "now" as the record will have it, and its day for "08:35".
        self._now = clock.now_minute()
        self._today = clock.day_of(self._now)
        self.item = item
        self.setWindowTitle("Checklist item")  # an added item's label may name someone
        heading = QLabel(f"<b>{html.escape(item.label)}</b>")
        heading.setWordWrap(True)
        help_text = QLabel(item.help)
        help_text.setWordWrap(True)
        help_text.setVisible(bool(item.help))
        self.states = QButtonGroup(self)
        state_row = QHBoxLayout()
        self.state_buttons: dict[ItemState, QRadioButton] = {}
        for value, text in (
            (ItemState.OPEN, "&To do"),
            (ItemState.DONE, "&Done"),
            (ItemState.NOT_NEEDED, "&Not needed"),
            (ItemState.PROBLEM, "&Problem"),
        ):
            button = QRadioButton(text)
            self.states.addButton(button)
            self.state_buttons[value] = button
            state_row.addWidget(button)
        state_row.addStretch(1)
        chosen = state or item.state  # Enter, Enter never ticks anything by accident
        self.state_buttons[chosen].setChecked(True)
        self.at = DateTimeField("When it happened", clock)
        self.at.set_value(item.state_at if item.state == chosen and item.state_at else self._now)
        self.note = QLineEdit(item.note)
        self.note.setMaxLength(MAX_NOTE_LENGTH)
        self.note.setAccessibleName("Note")
        self.note_label = QLabel("N&ote:")
        self.note_label.setBuddy(self.note)
        self.errors = {name: FieldError() for name in ("at", "note", "appointment_at")}
        form = QFormLayout()
        when_label = buddy_label("&When:", self.at)
        form.addRow(when_label, self._with_error(self.at, "at"))
        form.addRow(self.note_label, self._with_error(self.note, "note"))
        self.appointment_at = DateTimeField("Appointment time", clock)
        self.appointment_at.set_value(item.appointment_at)
        self.place = QLineEdit(item.place)
        self.place.setAccessibleName("Place and address")
        self.place.setMaxLength(MAX_NOTE_LENGTH)
        self.contact = QLineEdit(item.contact)
        self.contact.setAccessibleName("Who to ask for, or phone number")
        self.contact.setMaxLength(MAX_LABEL_LENGTH)
        self.appointment_box = QGroupBox("Appointment (printed on the person's sheet)")
        appointment_form = QFormLayout(self.appointment_box)
        for caption, widget, key in (
            ("&Appointment at:", self.appointment_at, "appointment_at"),
            ("P&lace and address:", self.place, ""),
            ("As&k for / phone:", self.contact, ""),
        ):
            label = buddy_label(caption, widget)
            appointment_form.addRow(label, self._with_error(widget, key) if key else widget)
        self.appointment_box.setVisible(item.appointment or item.extra)
        buttons = ok_cancel(self, "Save", self._on_accept)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(help_text)
        layout.addLayout(state_row)
        layout.addLayout(form)
        layout.addWidget(self.appointment_box)
        layout.addWidget(buttons)
        self.states.buttonToggled.connect(lambda *_: self._on_state_changed())
        self._on_state_changed()
        self.setMinimumWidth(560)
        # Not-needed and problem need words: start in the note; done, in its time; an item
        # still to do, on the state (the arrow keys choose, Tab moves on).
        if chosen in (ItemState.NOT_NEEDED, ItemState.PROBLEM):
            self.note.setFocus()
        elif chosen == ItemState.DONE:
            self.at.setFocus()
        else:
            self.state_buttons[chosen].setFocus()

    def _with_error(self, widget: QWidget, key: str) -> QWidget:
        host = QWidget()
        column = QVBoxLayout(host)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(self.errors[key])
        return host

    def chosen_state(self) -> ItemState:
        return next(s for s, b in self.state_buttons.items() if b.isChecked())

    def _on_state_changed(self) -> None:
        state = self.chosen_state()
        captions = {
            ItemState.NOT_NEEDED: "Why n&ot needed:",
            ItemState.PROBLEM: "What is the pr&oblem:",
        }
        self.note_label.setText(captions.get(state, "N&ote:"))
        self.at.setEnabled(state != ItemState.OPEN)
        for error in self.errors.values():
            error.show_message(None)

    def item_update(self) -> ItemUpdate:
        """What to save (after the dialog was accepted)."""
        state = self.chosen_state()
        return ItemUpdate(
            state=state,
            at=self.at.value(self._today) if state != ItemState.OPEN else None,
            note=self.note.text(),
            appointment_at=self.appointment_at.value(self._today),
            place=self.place.text(),
            contact=self.contact.text(),
        )

    def _on_accept(self) -> None:
        problems: dict[str, str] = {}
        at: dt.datetime | None = None
        for key, field in (("at", self.at), ("appointment_at", self.appointment_at)):
            try:
                value = field.value(self._today)
            except ValueError as error:
                problems[key] = str(error)
                continue
            if key == "at":
                at = value
        if self.chosen_state() != ItemState.OPEN and at is None and "at" not in problems:
            problems["at"] = "Enter when it happened, e.g. 08:35."
        if not problems:
            problems = state_problems(self.chosen_state(), at, self.note.text(), self._now)
        for key, label in self.errors.items():
            label.show_message(problems.get(key))
        if problems:
            first = next(iter(problems))
            {"at": self.at, "note": self.note, "appointment_at": self.appointment_at}.get(
                first, self.note
            ).setFocus()
            return
        self.accept()


class AddItemDialog(QDialog):
    """An item for this person's plan only."""

    def __init__(
        self, person_name: str, parent: QWidget | None = None, section: Section | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a checklist item")
        self.label = QLineEdit()
        self.label.setAccessibleName("What needs doing")
        self.label.setMaxLength(MAX_LABEL_LENGTH)
        self.section = QComboBox()
        self.section.setAccessibleName("Section")
        for value in Section:
            self.section.addItem(value.label, value.value)
        if section is not None:
            self.section.setCurrentIndex(self.section.findData(section.value))
        self.required = QCheckBox("&Required for the release day")
        self.error = FieldError()
        form = QFormLayout()
        for caption, widget in (("&What needs doing:", self.label), ("S&ection:", self.section)):
            caption_label = buddy_label(caption, widget)
            form.addRow(caption_label, widget)
        form.addRow(self.required)
        buttons = ok_cancel(self, "Add item", self._on_accept)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.label.textEdited.connect(lambda _t: self.error.show_message(None))
        self.setMinimumWidth(480)

    def chosen_section(self) -> Section:
        return Section(self.section.currentData())

    def _on_accept(self) -> None:
        if not self.label.text().strip():
            self.error.show_message("Say what needs doing.")
            self.label.setFocus()
            return
        self.accept()


class OutcomeDialog(QDialog):
    """What happened on the day: where the person slept, met at the gate and when."""

    def __init__(self, plan: PlanView, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Release outcome")  # no name: titles show in the taskbar
        # A time typed alone ("08:40") is on the release day, even when recorded the day after;
        # today when the release was brought forward and the planned day is still ahead.
        today = clock.today()
        self._day = min(plan.release_date, today) if plan.release_date else today
        fields = plan.outcome.fields
        self.first_night = QComboBox()
        self.first_night.setAccessibleName("Where the person slept on the first night")
        self.first_night.addItem("Choose…", "")
        for value in FirstNight:
            self.first_night.addItem(value.label, value.value)
        self.first_night.setCurrentIndex(max(0, self.first_night.findData(fields.first_night)))
        self.detail = QLineEdit(fields.first_night_detail)
        self.detail.setAccessibleName("Where exactly (for example the name of the hostel)")
        self.detail.setMaxLength(200)
        self.met_yes = QRadioButton("&Yes")
        self.met_no = QRadioButton("&No")
        group = QButtonGroup(self)
        group.addButton(self.met_yes)
        group.addButton(self.met_no)
        gate = next((i for i in plan.items if i.records == Records.MET_AT_GATE), None)
        met = fields.met_at_gate
        if met is None and gate is not None and gate.state in (ItemState.DONE, ItemState.PROBLEM):
            met = gate.state == ItemState.DONE
        if met is not None:
            (self.met_yes if met else self.met_no).setChecked(True)
        self.met_at = DateTimeField("Time met at the gate", clock)
        self.met_at.set_value(
            fields.met_at_gate_at or (gate.state_at if gate and gate.state_at else None)
        )
        self.note = QLineEdit(fields.note)
        self.note.setAccessibleName("Anything else about the day")
        self.note.setMaxLength(MAX_NOTE_LENGTH)
        self.errors = {k: FieldError() for k in ("first_night", "met_at_gate", "met_at_gate_at")}
        met_row = QHBoxLayout()
        met_row.addWidget(self.met_yes)
        met_row.addWidget(self.met_no)
        met_row.addStretch(1)
        form = QFormLayout()
        rows: list[tuple[str, QWidget | QHBoxLayout, str]] = [
            ("&First night:", self.first_night, "first_night"),
            ("Where &exactly:", self.detail, ""),
            ("Met at the gate:", met_row, "met_at_gate"),
            ("&Time met:", self.met_at, "met_at_gate_at"),
            ("&Anything else:", self.note, ""),
        ]
        for caption, widget, key in rows:
            label = QLabel(caption)
            host = QWidget()
            column = QVBoxLayout(host)
            column.setContentsMargins(0, 0, 0, 0)
            if isinstance(widget, QHBoxLayout):
                column.addLayout(widget)
            else:
                column.addWidget(widget)
                label.setBuddy(widget)
            if key:
                column.addWidget(self.errors[key])
            form.addRow(label, host)
        buttons = ok_cancel(self, "Save outcome", self._on_accept)
        explain = QLabel(
            "Record this at the end of the release day. It feeds the programme's figures "
            "(housed on the first night, met at the gate)."
        )
        explain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.met_no.toggled.connect(lambda on: self.met_at.setEnabled(not on))
        self.met_at.setEnabled(not self.met_no.isChecked())
        self.setMinimumWidth(560)
        self.first_night.setFocus()

    def outcome(self) -> OutcomeFields:
        met = True if self.met_yes.isChecked() else False if self.met_no.isChecked() else None
        try:
            met_at = self.met_at.value(self._day) if met else None
        except ValueError:
            met_at = None
        return OutcomeFields(
            first_night=str(self.first_night.currentData() or ""),
            first_night_detail=self.detail.text(),
            met_at_gate=met,
            met_at_gate_at=met_at,
            note=self.note.text(),
        )

    def _on_accept(self) -> None:
        problems: dict[str, str] = {}
        if not self.first_night.currentData():
            problems["first_night"] = "Say where the person slept on the first night."
        if not (self.met_yes.isChecked() or self.met_no.isChecked()):
            problems["met_at_gate"] = "Say whether the person was met at the gate."
        if self.met_yes.isChecked():
            try:
                if self.met_at.value(self._day) is None:
                    problems["met_at_gate_at"] = "Enter the time you met the person."
            except ValueError as error:
                problems["met_at_gate_at"] = str(error)
        self.show_problems(problems)
        if problems:
            return
        self.accept()

    def show_problems(self, problems: dict[str, str]) -> None:
        """Each problem under its field (a refusal by the service comes back here, with
        everything typed still in place)."""
        shown = {k: problems[k] for k in problems if k in self.errors}
        other = [text for key, text in problems.items() if key not in self.errors]
        if other:
            shown["first_night"] = " ".join([shown.get("first_night", ""), *other]).strip()
        for key, label in self.errors.items():
            label.show_message(shown.get(key))
        self.adjustSize()
