"""A person's case file: every field, edited with validation that explains itself.

Nothing is saved until the worker presses Save (Ctrl+S); a refused save shows each message
under its field and saves nothing. Status changes and allocation are separate actions because
they carry a reason and matter to the whole team.

Longer than 600 lines because ``CaseFileView`` is one widget: the form's fields, the sections
beside it and the dirty state share it. The sections themselves live elsewhere (ui/outcomes.py,
ui/referrals.py, ui/release_plan.py, ui/timeline.py). Next to move out: the form (its groups,
``_fill``, ``_read`` and ``collect``) as a widget of its own.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import fields, replace
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.case_views import CaseDetails, CaseFields, SaveResult, WorkerOption
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.notes import NoteService
from restart_desktop.app.outcomes import OutcomeService
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.versions import EditBase, EditClashed, same
from restart_desktop.domain.allocation import HandoverKind
from restart_desktop.domain.case import ConsentMethod, ReferralSource, display_name, listed
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.ui.clashes import ClashDialog
from restart_desktop.ui.custody import CustodyReturnDialog
from restart_desktop.ui.dialogs import AllocateDialog, ReasonDialog, StatusDialog
from restart_desktop.ui.notices import (
    CASE_KINDS,
    NOTE_KINDS,
    OUTCOME_KINDS,
    PLAN_KINDS,
    REFERRAL_KINDS,
    ChangeBroadcaster,
    follow,
)
from restart_desktop.ui.outcomes import OutcomesPanel
from restart_desktop.ui.referrals import ReferralsPanel
from restart_desktop.ui.release_plan import ReleasePlanPanel
from restart_desktop.ui.shortcuts import bind, declare
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.timeline import TimelinePanel
from restart_desktop.ui.widgets import DateField, FieldError, buddy_label, run_dialog

NAMES = tuple(f.name for f in fields(CaseFields))
_LISTS = ("needs", "consent_categories")  # ticked boxes; their order does not matter
EARLIER = "earlier_custodial_sentences"  # a count chosen from a list, or not asked yet
NOT_ASKED, MANY_SENTENCES = -1, 10
BANNER_STYLE = "background: #fff1c2; color: #000; border: 1px solid #c89b00; padding: 6px;"

CASE_FILE = "Case file"
SAVE_KEY = declare(CASE_FILE, "Ctrl+S", "Save the case file")
AUDIT_KEY = declare(CASE_FILE, "Ctrl+Shift+A", "This case's audit trail")
HOLD_KEY = declare(CASE_FILE, "Ctrl+Shift+H", "Legal hold, or lift it (supervisors)")
CUSTODY_KEY = declare(CASE_FILE, "Ctrl+Shift+R", "Record a return to custody")
SECTION_KEYS = tuple(
    declare(CASE_FILE, f"Alt+{n}", f"Show {what}")
    for n, what in enumerate(("Details", "Contacts", "Release day", "Referrals", "Outcomes"), 1)
)


class CaseFileView(QWidget):
    """Signals:
    case_saved(str): the case was created or changed; the argument is its id.
    title_changed(str): the tab title should now read this.
    audit_requested(str, str): show the audit trail of this case (its id, the person's name).
    export_requested(str): write the subject access export of this case (its id).
    """

    case_saved = Signal(str)
    title_changed = Signal(str)
    audit_requested = Signal(str, str)
    export_requested = Signal(str)

    def __init__(
        self,
        service: CaseService,
        runner: TaskRunner,
        reference: ReferenceData,
        workers: list[WorkerOption],
        case_id: str | None = None,
        parent: QWidget | None = None,
        notes: NoteService | None = None,
        release: ReleaseService | None = None,
        referrals: ReferralService | None = None,
        outcomes: OutcomeService | None = None,
        notices: ChangeBroadcaster | None = None,
    ) -> None:
        super().__init__(parent)
        self._notices = notices
        self._notes = notes
        self._release = release
        self.timeline: TimelinePanel | None = None
        self.release_panel: ReleasePlanPanel | None = None
        self._referrals = referrals
        self.referrals_panel: ReferralsPanel | None = None
        self._outcomes = outcomes
        self.outcomes_panel: OutcomesPanel | None = None
        self._then_close: Callable[[], None] | None = None
        self._filled = CaseFields()  # what the form showed when loaded or last saved
        self._version: str | None = None  # the record's version that ``_filled`` came from
        self._saving: CaseFields | None = None  # the values of the save under way
        self._after_load: Callable[[], None] | None = None  # once, after the next load
        #: Fields whose clash the worker has just settled: the next load is their new base.
        self._settled: set[str] = set()
        self._service = service
        self._runner = runner
        self._reference = reference
        self._workers = workers
        self.case_id = case_id
        self.details: CaseDetails | None = None
        self._dirty = False
        self._loading = False
        self._errors: dict[str, FieldError] = {}

        self.heading = QLabel("New person" if case_id is None else "Loading…")
        self.heading.setObjectName("caseHeading")
        self.heading.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.heading.setAccessibleName("Person")
        self.status_line = QLabel("")
        self.status_line.setWordWrap(True)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setAccessibleName("Release flags and warnings")
        self.banner.hide()
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: #a00000; font-weight: 600;")
        self.summary.setAccessibleName("Problems to correct")
        self.summary.hide()
        self.saved_line = QLabel("")
        self.saved_line.setAccessibleName("Save state")

        # No Alt letter: Alt+S opens the Settings menu; saving is Ctrl+S.
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("Save the case file (Ctrl+S)")
        self.save_button.clicked.connect(lambda: self.save())  # not clicked(bool) as then_close
        self.status_button = QPushButton("Change s&tatus…")
        self.status_button.clicked.connect(self._on_status_clicked)
        self.allocate_button = QPushButton("&Allocate or hand over…")
        self.allocate_button.clicked.connect(self._on_allocate_clicked)
        # Alt+U, and Ctrl+Shift+A as before. Every Alt letter of this page is used once
        # (F, S and H are the menus'); some fields have none: Tab reaches them from the
        # field before (test_accessibility checks that no letter is used twice).
        self.audit_button = QPushButton("A&udit trail…")
        self.audit_button.setToolTip(
            "Who opened, changed or exported this case file, and when (Ctrl+Shift+A)"
        )
        self.audit_button.clicked.connect(self._on_audit_clicked)
        bind(AUDIT_KEY, self, self._on_audit_clicked)
        # Alt+L or Ctrl+Shift+H. A supervisor's action (hidden for workers).
        self.hold_button = QPushButton("&Legal hold…")
        self.hold_button.setToolTip(
            "Keep this case whatever the retention rules say, or lift the hold (Ctrl+Shift+H)"
        )
        self.hold_button.clicked.connect(self._on_hold_clicked)
        bind(HOLD_KEY, self, self._on_hold_clicked)
        # Alt+C or Ctrl+Shift+R.
        self.custody_button = QPushButton("Return to &custody…")
        self.custody_button.setToolTip("Record a recall, a remand or a new sentence (Ctrl+Shift+R)")
        self.custody_button.clicked.connect(self._on_custody_clicked)
        bind(CUSTODY_KEY, self, self._on_custody_clicked)
        self.export_button = QPushButton("Subject access e&xport…")
        self.export_button.setToolTip(
            "Everything held about this person, as a PDF and a JSON "
            "file, with other people's names withheld (Alt+X)"
        )
        self.export_button.clicked.connect(self._on_export_clicked)
        for button in (
            self.status_button,
            self.allocate_button,
            self.audit_button,
            self.hold_button,
            self.custody_button,
            self.export_button,
        ):
            button.setEnabled(case_id is not None)
        bind(SAVE_KEY, self, self.save)  # one per case tab

        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addWidget(self.status_button)
        actions.addWidget(self.allocate_button)
        actions.addWidget(self.audit_button)
        actions.addWidget(self.hold_button)
        actions.addWidget(self.custody_button)
        actions.addWidget(self.export_button)
        actions.addStretch(1)
        actions.addWidget(self.saved_line)

        form_host = QWidget()
        self._form_host = form_host
        form_layout = QGridLayout(form_host)
        form_layout.addWidget(self._person_group(), 0, 0)
        form_layout.addWidget(self._release_group(), 0, 1)
        form_layout.addWidget(self._referral_group(), 1, 0)
        form_layout.addWidget(self._consent_group(), 1, 1)
        form_layout.addWidget(self._needs_group(), 2, 0)
        form_layout.addWidget(self._history_group(), 2, 1)
        form_layout.setRowStretch(3, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_host)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setAccessibleName("Case details form")

        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 4, 0, 0)
        details_layout.addLayout(actions)
        details_layout.addWidget(self.summary)
        details_layout.addWidget(scroll, 1)
        self.sections = QTabWidget()
        self.sections.setAccessibleName("Case file sections")
        self.sections.addTab(details, "Details")
        # A write here, in another tab or from a sync: the heading, status, flags and the
        # details show it (not over typing).
        follow(notices, self, CASE_KINDS | {"referrals"}, self.refresh, case=self._case)
        self.sections.setTabToolTip(0, "Details (Alt+1)")
        # Alt+1 to Alt+5 switch sections: letters are taken by the fields' shortcuts.
        for number in (1, 2, 3, 4, 5):
            bind(SECTION_KEYS[number - 1], self, partial(self._show_section, number - 1))

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.status_line)
        layout.addWidget(self.banner)
        layout.addWidget(self.sections, 1)

        self._connect_dirty_tracking()
        self._ensure_timeline()
        if case_id is None:
            self._fill(CaseFields())
            self._set_dirty(False)
        else:
            self.reload()

    # --- building the form ----------------------------------------------------------------
    def _line(self, name: str, accessible: str, max_length: int = 200) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setMaxLength(max_length)
        return edit

    def _row(self, form: QFormLayout, label: str, widget: QWidget, field: str) -> None:
        if not widget.objectName():
            widget.setObjectName(field)
        caption = buddy_label(label, widget)
        error = FieldError()
        error.setObjectName(f"error_{field}")
        self._errors[field] = error
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(error)
        form.addRow(caption, column)

    def _person_group(self) -> QGroupBox:
        group = QGroupBox("Person")
        form = QFormLayout(group)
        self.given_name = self._line("given_name", "Given name")
        self.family_name = self._line("family_name", "Family name")
        self.preferred_name = self._line("preferred_name", "Preferred name")
        self.date_of_birth = DateField("Date of birth")
        self.nomis_number = self._line("nomis_number", "Prison number (NOMIS)", 16)
        self.nomis_number.setPlaceholderText("A1234BC")
        self.crn = self._line("crn", "Probation case reference (CRN)", 16)
        self.crn.setPlaceholderText("X123456")
        self._row(form, "&Given name:", self.given_name, "given_name")
        self._row(form, "Famil&y name:", self.family_name, "family_name")  # Alt+F: File
        self._row(form, "Preferred name:", self.preferred_name, "preferred_name")
        self._row(form, "Date of &birth:", self.date_of_birth, "date_of_birth")
        self._row(form, "Prison &number:", self.nomis_number, "nomis_number")
        self._row(form, "C&RN:", self.crn, "crn")
        return group

    def _release_group(self) -> QGroupBox:
        group = QGroupBox("Custody and release")
        form = QFormLayout(group)
        self.prison_code = QComboBox()
        self.prison_code.setAccessibleName("Prison")
        self.prison_code.addItem("Not known", "")
        for prison in self._reference.prisons:
            self.prison_code.addItem(prison.name, prison.code)
        self.release_date = DateField("Expected release date")
        self.release_time = self._line("release_time", "Expected release time", 5)
        self.release_time.setPlaceholderText("e.g. 08:30")
        self.sentence_type = QComboBox()
        self.sentence_type.setAccessibleName("Sentence type")
        self.sentence_type.addItem("Not known", "")
        for sentence in self._reference.sentence_types:
            self.sentence_type.addItem(sentence.label, sentence.code)
        self.earlier_custodial_sentences = QComboBox()
        self.earlier_custodial_sentences.setAccessibleName(
            "Custodial sentences served before this one"
        )
        self.earlier_custodial_sentences.addItem("Not asked yet", NOT_ASKED)
        for count in range(MANY_SENTENCES + 1):
            self.earlier_custodial_sentences.addItem(
                f"{count} or more" if count == MANY_SENTENCES else str(count), count
            )
        self.iom = QCheckBox("Managed under &IOM (Integrated Offender Management)")
        self.mappa = QCheckBox("Managed under &MAPPA")
        self.has_settled_address = QCheckBox("Has a settled address for release")
        self.housing_authority = QComboBox()
        self.housing_authority.setAccessibleName(
            "Local housing authority the person chose for the Duty to Refer"
        )
        self.housing_authority.addItem("Not chosen yet", "")
        for authority in self._reference.local_authorities:
            self.housing_authority.addItem(authority.name, authority.code)
        self._row(form, "&Prison:", self.prison_code, "prison_code")
        self._row(form, "Release &date:", self.release_date, "release_date")
        self._row(form, "Release time:", self.release_time, "release_time")
        self._row(form, "S&entence type:", self.sentence_type, "sentence_type")
        self._row(
            form,
            "Earlier sentences:",
            self.earlier_custodial_sentences,
            "earlier_custodial_sentences",
        )
        form.addRow(self.iom)
        form.addRow(self.mappa)
        form.addRow(self.has_settled_address)
        self._row(form, "Housing auth&ority:", self.housing_authority, "housing_authority")
        return group

    def _referral_group(self) -> QGroupBox:
        group = QGroupBox("Recommendation")
        form = QFormLayout(group)
        self.referral_source = QComboBox()
        self.referral_source.setAccessibleName("Recommended by")
        self.referral_source.addItem("Not known", "")
        for source in ReferralSource:
            self.referral_source.addItem(source.label, source.value)
        self.referral_date = DateField("Date recommended")
        self._row(form, "Recommended by:", self.referral_source, "referral_source")
        self._row(form, "Date recommended:", self.referral_date, "referral_date")
        return group

    def _consent_group(self) -> QGroupBox:
        group = QGroupBox("Consent to share with partners")
        form = QFormLayout(group)
        self.consent_given = QCheckBox("Consent to share has been gi&ven")
        self.consent_date = DateField("Date consent was given")
        self.consent_method = QComboBox()
        self.consent_method.setAccessibleName("How consent was given")
        self.consent_method.addItem("Not recorded", "")
        for method in ConsentMethod:
            self.consent_method.addItem(method.label, method.value)
        self.consent_scope = self._line("consent_scope", "What the consent covers", 2000)
        self.consent_scope.setPlaceholderText("Which partners and what information")
        form.addRow(self.consent_given)
        self._row(form, "Date given:", self.consent_date, "consent_date")
        self._row(form, "Ho&w given:", self.consent_method, "consent_method")
        self._row(form, "Covers:", self.consent_scope, "consent_scope")
        # The kinds of service the person agreed to: referrals check these before sending.
        kinds = QWidget()
        kinds.setObjectName("consent_categories")
        kinds_layout = QGridLayout(kinds)
        kinds_layout.setContentsMargins(0, 0, 0, 0)
        self.consent_boxes: dict[str, QCheckBox] = {}
        for number, need in enumerate(self._reference.needs):
            box = QCheckBox(need.label)
            box.setAccessibleName(f"Consent covers {need.label} services")
            self.consent_boxes[need.code] = box
            kinds_layout.addWidget(box, number // 2, number % 2)
        if self.consent_boxes:  # Alt+K reaches the first box
            kinds.setFocusProxy(next(iter(self.consent_boxes.values())))
        self._row(form, "&Kinds of service:", kinds, "consent_categories")
        self.research_consent_date = DateField(
            "Date the person agreed to their pseudonymised data going to the evaluators"
        )
        self._row(form, "Research consent on:", self.research_consent_date, "research_consent_date")
        return group

    def _needs_group(self) -> QGroupBox:
        group = QGroupBox("Needs")
        layout = QVBoxLayout(group)
        self.need_boxes: dict[str, QCheckBox] = {}
        for need in self._reference.needs:
            box = QCheckBox(need.label)
            box.setToolTip(need.description)
            box.setAccessibleName(f"Need: {need.label}")
            self.need_boxes[need.code] = box
            layout.addWidget(box)
        error = FieldError()
        self._errors["needs"] = error
        layout.addWidget(error)
        return group

    def _history_group(self) -> QGroupBox:
        group = QGroupBox("History: status, allocation and key details")
        layout = QVBoxLayout(group)
        self.history = QLabel("No changes yet.")
        self.history.setWordWrap(True)
        self.history.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.history.setAccessibleName("Case history: what changed, who, when and why")
        layout.addWidget(self.history)
        layout.addStretch(1)
        return group

    def _connect_dirty_tracking(self) -> None:
        host = self._form_host  # the details form only, not the contacts tab
        for edit in host.findChildren(QLineEdit):
            edit.textEdited.connect(self._on_edited)
        for combo in host.findChildren(QComboBox):
            combo.currentIndexChanged.connect(self._on_edited)
        for box in host.findChildren(QCheckBox):
            box.toggled.connect(self._on_edited)

    # --- data in and out ------------------------------------------------------------------
    def _case(self) -> str | None:
        return self.case_id

    def reload(self) -> None:
        if self.case_id is None:
            return
        case_id, service = self.case_id, self._service
        self._runner.run(lambda: service.get_case(case_id), self._on_loaded, self._on_failed)

    def refresh(self) -> None:
        """The case changed elsewhere (a change notice): show it. Fields being edited keep
        what the worker typed; the rest, and the heading, status and history, are new."""
        self.reload()

    def _on_loaded(self, details: CaseDetails) -> None:
        """Show the record as stored. Safe at any time (a change notice, a sync): a field the
        worker has changed and not saved keeps what they typed, the others show the new
        values, and the new version becomes the base of the next save."""
        typed = self._touched() if self.details is not None else set()
        # A field being typed in that someone else changed meanwhile keeps the value the
        # worker started from, and the form its older version: the save then shows the clash
        # instead of quietly writing over the newer value.
        moved = {
            name
            for name in typed - self._settled
            if not _same(name, getattr(details.fields, name), getattr(self._filled, name))
        }
        self._settled = set()
        self.details = details
        base = details.fields
        if moved:
            base = replace(base, **{name: getattr(self._filled, name) for name in moved})
        else:
            self._version = details.version
        self._fill(base, keep=typed)
        self._show_details(details)
        self._set_dirty(bool(self._touched()))
        then, self._after_load = self._after_load, None
        if then is not None:
            then()

    def _fill(self, values: CaseFields, keep: set[str] | None = None) -> None:
        """Show ``values`` (the base of the next save), except in the fields in ``keep``."""
        self._filled = values
        for name in NAMES:
            if name not in (keep or ()):
                self._put(name, getattr(values, name))

    def _put(self, name: str, value: Any) -> None:
        """Show one field's value (not an edit by the worker)."""
        self._loading = True
        try:
            widget = getattr(self, name, None)
            if name in _LISTS:
                boxes = self.need_boxes if name == "needs" else self.consent_boxes
                for code, box in boxes.items():
                    box.setChecked(code in (value or ()))
            elif isinstance(widget, DateField):
                widget.set_date(value)
            elif isinstance(widget, QLineEdit):
                widget.setText(value or "")
            elif isinstance(widget, QComboBox):
                _select(
                    widget,
                    (NOT_ASKED if value is None else value) if name == EARLIER else value or "",
                )
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
        finally:
            self._loading = False

    def _read(self, name: str) -> Any:
        """One field as the form holds it; ValueError for a date that cannot be read."""
        widget = getattr(self, name, None)
        if name in _LISTS:
            boxes = self.need_boxes if name == "needs" else self.consent_boxes
            return tuple(code for code, box in boxes.items() if box.isChecked())
        if isinstance(widget, DateField):
            return widget.date_value()
        if isinstance(widget, QLineEdit):
            return widget.text().strip() if name == "release_time" else widget.text()
        if isinstance(widget, QComboBox):
            data = widget.currentData()
            return None if name == EARLIER and data == NOT_ASKED else data
        if isinstance(widget, QCheckBox):
            return widget.isChecked()
        raise AttributeError(name)

    def _changed(self, values: CaseFields) -> list[str]:
        """The fields in which ``values`` differ from what the form loaded."""
        return [
            name
            for name in NAMES
            if not _same(name, getattr(values, name), getattr(self._filled, name))
        ]

    def _touched(self) -> set[str]:
        """The fields the worker has changed and not saved (an unreadable date counts)."""
        touched = set()
        for name in NAMES:
            try:
                value = self._read(name)
            except ValueError:
                touched.add(name)
                continue
            if not _same(name, value, getattr(self._filled, name)):
                touched.add(name)
        return touched

    def _show_details(self, details: CaseDetails) -> None:
        values = details.fields
        name = f"{values.given_name} {values.family_name}".strip()
        if values.preferred_name and values.preferred_name != values.given_name:
            name += f" (known as {values.preferred_name})"
        self.heading.setText(name)
        allocated = details.allocated_worker_name or "nobody"
        closure = self._reference.closure_reason(details.closure_reason)
        why = f": {closure.label}" if closure else ""
        self.status_line.setText(
            f"Status: <b>{html.escape(details.status.label + why)}</b>"
            f" ({html.escape(details.status_reason)}) · Allocated to {html.escape(allocated)}"
            + (
                " · <b>On legal hold</b>: kept whatever the retention rules say"
                if details.legal_hold
                else ""
            )
        )
        # Each flag followed by what to do about it.
        flags = details.flags
        notes = []
        if flags and flags.duty_to_refer:
            notes.append(
                "Duty to Refer due: refer to the local housing authority of the person's "
                "choice (release within 56 days, no settled address)."
            )
        if flags and flags.needs_weekend_plan:
            what = "Friday release" if flags.friday else "Release the day before a bank holiday"
            if flags.friday and flags.pre_bank_holiday:
                what = "Friday release before a bank holiday"
            notes.append(
                f"{what}: services may be closed the next day. Ask the prison to bring the "
                "release forward (Offenders (Day of Release from Detention) Act 2023), or "
                "plan for the closure."
            )
        notes.extend(details.warnings)
        self.banner.setText("\n".join(notes))
        self.banner.setVisible(bool(notes))
        self.history.setText(_history_html(details, self._service.clock))
        self.status_button.setEnabled(True)
        self.allocate_button.setEnabled(True)
        self.audit_button.setEnabled(True)
        self.export_button.setEnabled(True)
        self.custody_button.setEnabled(True)
        self.allocate_button.setVisible(self._service.can_allocate)
        self.hold_button.setEnabled(True)
        self.hold_button.setVisible(self._service.can_allocate)
        self.hold_button.setText("&Lift legal hold…" if details.legal_hold else "&Legal hold…")
        if self.timeline is not None:
            self.timeline.person_name = name
        if self.referrals_panel is not None:
            self.referrals_panel.person_name = name
        if self.outcomes_panel is not None:
            self.outcomes_panel.person_name = name
        self.title_changed.emit(name)

    def collect(self) -> tuple[CaseFields | None, dict[str, str]]:
        """Read the form. Returns the values, or None with the fields that could not be read."""
        problems: dict[str, str] = {}
        values: dict[str, Any] = {}
        for name in NAMES:
            try:
                values[name] = self._read(name)
            except ValueError as error:
                problems[name] = str(error)
        if problems:
            # One round: what can be read is checked too (prison number, CRN...), so the
            # worker sees every problem at once, not the dates first and the rest later.
            readable: dict[str, Any] = {
                name: (None if name in problems else value) for name, value in values.items()
            }
            for name in problems:
                readable.setdefault(name, None)
            try:
                more = self._service.validate(CaseFields(**readable))
            except (TypeError, ValueError):
                more = {}
            return None, {**{k: v for k, v in more.items() if k not in problems}, **problems}
        return CaseFields(**values), {}

    def save(self, then_close: Callable[[], None] | None = None) -> None:
        """Save the form. ``then_close`` runs once, only if this save succeeds (closing the
        tab after "Save" in the unsaved-changes question); a refused save keeps the tab."""
        values, problems = self.collect()
        if values is None:
            self._show_problems(problems)
            return
        service, case_id = self._service, self.case_id
        self._then_close = then_close
        self._saving = values
        # If-Match: the version loaded, and what was loaded in each field the worker changed.
        base = EditBase(
            self._version, {name: getattr(self._filled, name) for name in self._changed(values)}
        )
        self.save_button.setEnabled(False)
        self.saved_line.setText("Saving…")
        if case_id is None:
            self._runner.run(
                lambda: service.create_case(values), self._on_saved, self._on_save_failed
            )
            return

        def checked(changed: list[str]) -> None:
            """Ask why fields that matter changed (if they did), then save."""
            reason = ""
            if changed:
                dialog = ReasonDialog(
                    "Why is this changing?",
                    f"You changed: <b>{html.escape(listed(changed))}</b>. Say why in a few "
                    "words: the reason is kept with the old and new values in the case "
                    "history.",
                    "Save",
                    self,
                )
                if not run_dialog(dialog, self.focusWidget() or self):
                    self._then_close = None
                    self.save_button.setEnabled(True)
                    self.saved_line.setText("Not saved yet: a reason is needed.")
                    return
                reason = dialog.reason.text()
            self._runner.run(
                lambda: service.update_case(case_id, values, reason, base),
                self._on_saved,
                self._on_save_failed,
            )

        self._runner.run(
            lambda: service.reasoned_changes(case_id, values, base), checked, self._on_save_failed
        )

    def _ensure_timeline(self) -> None:
        """The contacts and release-day tabs exist once the person does (a new person is
        saved first)."""
        if self.case_id is None:
            return
        if self.timeline is None and self._notes is not None:
            self.timeline = TimelinePanel(self._notes, self._runner, self._reference, self.case_id)
            follow(self._notices, self.timeline, NOTE_KINDS, self.timeline.reload, case=self._case)
            index = self.sections.addTab(self.timeline, "Contacts and actions")
            self.sections.setTabToolTip(index, "Contacts and actions (Alt+2)")
        if self.release_panel is None and self._release is not None:
            self.release_panel = ReleasePlanPanel(self._release, self._runner, self.case_id)
            # Due times follow the release date (people); a referral ticks an item.
            follow(
                self._notices,
                self.release_panel,
                PLAN_KINDS | {"people"},
                self.release_panel.reload,
                case=self._case,
            )
            index = self.sections.addTab(self.release_panel, "Release day")
            self.sections.setTabToolTip(index, "Release day checklist and outcome (Alt+3)")
        if self.referrals_panel is None and self._referrals is not None:
            self.referrals_panel = ReferralsPanel(
                self._referrals, self._runner, self._reference, self.case_id
            )
            # Consent and the Duty to Refer proposal come from the case (people).
            follow(
                self._notices,
                self.referrals_panel,
                REFERRAL_KINDS | {"people"},
                self.referrals_panel.reload,
                case=self._case,
            )
            index = self.sections.addTab(self.referrals_panel, "Referrals")
            self.sections.setTabToolTip(index, "Referrals to services (Alt+4)")
        if self.outcomes_panel is None and self._outcomes is not None:
            self.outcomes_panel = OutcomesPanel(
                self._outcomes, self._runner, self._reference, self.case_id
            )
            follow(
                self._notices,
                self.outcomes_panel,
                OUTCOME_KINDS,
                self.outcomes_panel.reload,
                case=self._case,
            )
            index = self.sections.addTab(self.outcomes_panel, "Outcomes")
            self.sections.setTabToolTip(index, "Outcome assessments and charts (Alt+5)")

    def _show_section(self, index: int) -> None:
        if index == 1:
            self.show_contacts()
            if self.timeline is not None:
                self.timeline.table.setFocus()
        elif index == 2:
            panel = self.show_release()
            if panel is not None:
                panel.table.setFocus()
        elif index == 3:
            referrals = self.show_referrals()
            if referrals is not None:
                referrals.table.setFocus()
        elif index == 4:
            outcomes = self.show_outcomes()
            if outcomes is not None:
                outcomes.table.setFocus()
        else:
            self.sections.setCurrentIndex(0)
            self.given_name.setFocus()

    def show_outcomes(self) -> OutcomesPanel | None:
        self._ensure_timeline()
        if self.outcomes_panel is not None:
            self.sections.setCurrentWidget(self.outcomes_panel)
        return self.outcomes_panel

    def show_referrals(self) -> ReferralsPanel | None:
        self._ensure_timeline()
        if self.referrals_panel is not None:
            self.sections.setCurrentWidget(self.referrals_panel)
        return self.referrals_panel

    def show_release(self) -> ReleasePlanPanel | None:
        self._ensure_timeline()
        if self.release_panel is not None:
            self.sections.setCurrentWidget(self.release_panel)
            if self.release_panel.plan is None and self.release_panel.isVisible():
                self.release_panel.start_button.setFocus()
        return self.release_panel

    def show_contacts(self) -> TimelinePanel | None:
        self._ensure_timeline()
        if self.timeline is not None:
            self.sections.setCurrentWidget(self.timeline)
        return self.timeline

    def _on_saved(self, result: SaveResult) -> None:
        then_close, self._then_close = self._then_close, None
        was_new, self.case_id = self.case_id is None, result.case_id
        self._ensure_timeline()
        self._show_problems({})
        self.save_button.setEnabled(True)
        if self._saving is not None:  # what was saved is the base until the reload shows it
            self._filled, self._saving = self._saving, None
        self._set_dirty(bool(self._touched()))
        self.saved_line.setText(f"Saved at {self._service.clock.now_text()}")
        self.case_saved.emit(result.case_id)
        if then_close is not None:
            then_close()
            return
        if was_new:  # its notice came before it had an id: nothing here followed it yet
            self.reload()
        # Otherwise the change notice refreshes the details and the sections it moved.

    def _on_save_failed(self, error: BaseException) -> None:
        if isinstance(error, EditClashed):
            self._on_clashed(error)
            return
        self._then_close = None
        self.save_button.setEnabled(True)
        self.saved_line.setText("Not saved")
        if isinstance(error, ValidationFailed):
            self._show_problems(error.problems)
        else:
            self._show_problems({"": user_message(error)})

    def _on_clashed(self, error: EditClashed) -> None:
        """Someone else changed a field the worker changed too: show both, let them choose,
        then save the choice as an ordinary change, from the record as it is now."""
        then_close, self._then_close = self._then_close, None
        self._saving = None
        self.save_button.setEnabled(True)
        dialog = ClashDialog(error.clashes, self._service.clock, self)
        if not run_dialog(dialog, self.focusWidget() or self):
            self.saved_line.setText("Not saved: someone else changed the same field.")
            return
        for clash in error.clashes:
            if not dialog.keeps_mine(clash.field):
                value = clash.theirs_value
                self._put(clash.field, tuple(value or ()) if clash.field in _LISTS else value)
        # The reload makes their values the base (what the worker typed stays), then save.
        self._settled = {clash.field for clash in error.clashes}
        self._after_load = lambda: self.save(then_close)
        self.saved_line.setText("Saving your choices…")
        self.reload()

    def _clear_problems_in_place(self) -> None:
        """The worker is correcting: the messages go, but their room stays until the next
        save, so the form does not jump under the mouse."""
        for label in (*self._errors.values(), self.summary):
            if label.isVisible() and label.text():
                label.setMinimumHeight(label.height())
                label.setText("")

    def _show_problems(self, problems: dict[str, str]) -> None:
        for label in (*self._errors.values(), self.summary):
            label.setMinimumHeight(0)
        for field_name, label in self._errors.items():
            label.show_message(problems.get(field_name))
        if problems:
            self.summary.setText(
                "Nothing was saved. Please correct:\n"
                + "\n".join(f"• {message}" for message in problems.values())
            )
            self.summary.show()
            first = next(iter(problems))
            widget = self.findChild(QWidget, first)
            if widget is not None:
                widget.setFocus()
        else:
            self.summary.hide()

    def _on_failed(self, error: BaseException) -> None:
        self._after_load = None  # a save waiting for this load does not happen later
        self._show_problems({"": user_message(error)})

    # --- status and allocation ------------------------------------------------------------
    def _on_status_clicked(self) -> None:
        if self.details is None or self.case_id is None:
            return
        dialog = StatusDialog(self.details.status, self, self._reference.closure_reasons)
        if not run_dialog(dialog, self.focusWidget() or self):
            return
        service, case_id = self._service, self.case_id
        new, reason, closure = dialog.chosen(), dialog.reason.text(), dialog.closure_reason()
        self._runner.run(
            lambda: service.change_status(case_id, new, reason, closure),
            lambda _: self._after_action(),
            self._on_save_failed,
        )

    def _on_custody_clicked(self) -> None:
        if self.details is None or self.case_id is None:
            return
        name = self.heading.text()
        dialog = CustodyReturnDialog(name, self._service.today(), self)
        if not run_dialog(dialog, self.focusWidget() or self):
            return
        service, case_id, (day, kind, source) = self._service, self.case_id, dialog.chosen()
        self._runner.run(
            lambda: service.record_custody_return(case_id, day, kind, source),
            lambda _: self._after_action(),
            self._on_save_failed,
        )

    def _on_allocate_clicked(self) -> None:
        if self.details is None or self.case_id is None:
            return
        dialog = AllocateDialog(self._workers, self.details.allocated_worker_id, self)
        if not run_dialog(dialog, self.focusWidget() or self):
            return
        service, case_id, worker = self._service, self.case_id, dialog.chosen()
        note, share = dialog.note.toPlainText(), dialog.share.isChecked()
        self._runner.run(
            lambda: service.allocate(case_id, worker, note, share),
            lambda _: self._after_action(),
            self._on_save_failed,
        )

    def _on_hold_clicked(self) -> None:
        if self.details is None or self.case_id is None or not self._service.can_allocate:
            return
        lifting = self.details.legal_hold
        dialog = ReasonDialog(
            "Lift the legal hold" if lifting else "Place a legal hold",
            "Lifting the hold lets the retention rules erase this case when it is due."
            if lifting
            else "While on legal hold, this case is never erased by the retention "
            "rules, on any laptop or in the central export.",
            "Lift hold" if lifting else "Place hold",
            self,
        )
        if not run_dialog(dialog, self.focusWidget() or self):
            return
        service, case_id, reason = self._service, self.case_id, dialog.reason.text()
        self._runner.run(
            lambda: service.set_legal_hold(case_id, not lifting, reason),
            lambda _: self._after_action(),
            self._on_save_failed,
        )

    def _on_audit_clicked(self) -> None:
        if self.case_id is not None and self.details is not None:
            values = self.details.fields  # named as in the trail's lists
            self.audit_requested.emit(
                self.case_id,
                display_name(values.given_name, values.family_name, values.preferred_name),
            )

    def _on_export_clicked(self) -> None:
        if self.case_id is not None:
            self.export_requested.emit(self.case_id)

    def _after_action(self) -> None:
        if self.case_id:
            self.case_saved.emit(self.case_id)  # its change notice refreshes the details

    # --- dirty state ----------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self._dirty

    def _on_edited(self, *_args: object) -> None:
        if self._loading:
            return
        if self.summary.isVisible():  # the messages were about what was there before
            self._clear_problems_in_place()
        # Typing a letter and deleting it again leaves nothing to save.
        self._set_dirty(bool(self._touched()))

    def _set_dirty(self, dirty: bool) -> None:
        was, self._dirty = self._dirty, dirty
        if dirty and not was:  # a refresh while still unsaved keeps a "Not saved: why" line
            self.saved_line.setText("Unsaved changes")
        elif self.saved_line.text() == "Unsaved changes":
            self.saved_line.setText("")


def _history_html(details: CaseDetails, clock: Clock) -> str:
    """Status changes, allocations and handovers, and changes to the other fields that matter
    (old → new), newest first, each with why and who."""
    lines: list[tuple[dt.datetime, str]] = [
        (
            entry.at,
            f"{clock.local_text(entry.at)} · {html.escape(entry.status.label)} · "
            f"{html.escape(entry.reason)} · {html.escape(entry.author)}",
        )
        for entry in details.status_history
    ]
    for handover in details.handovers:
        moved = (
            f"{html.escape(handover.from_name)} → "
            if handover.from_name and handover.kind != HandoverKind.SHARE
            else ""
        )
        note = f" · {html.escape(handover.note)}" if handover.note else ""
        lines.append(
            (
                handover.at,
                f"{clock.local_text(handover.at)} · {handover.kind.label}: {moved}"
                f"{html.escape(handover.to_name)}{note} · {html.escape(handover.by)}",
            )
        )
    for entry in details.field_history:
        if entry.field == "status" or (
            entry.field == "allocated_worker_id" and entry.new != "Not allocated"
        ):
            continue  # listed above, from the status log and the handovers
        was = html.escape(entry.old) or "(none)"
        now = html.escape(entry.new) or "(none)"
        lines.append(
            (
                entry.at,
                f"{clock.local_text(entry.at)} · {html.escape(entry.label)}: {was} → "
                f"{now} · {html.escape(entry.reason)} · {html.escape(entry.by)}",
            )
        )
    for back in details.custody_returns:
        lines.append(
            (
                back.recorded_at,
                f"{clock.local_text(back.recorded_at)} · <b>Back in custody"
                f"</b>: {html.escape(back.summary)} · {html.escape(back.recorded_by)}",
            )
        )
    lines.sort(key=lambda line: line[0], reverse=True)
    return "<br>".join(text for _, text in lines) if lines else "No changes yet."


def _same(name: str, one: Any, other: Any) -> bool:
    if name in _LISTS:
        return sorted(one or ()) == sorted(other or ())
    return same(one, other)


def _select(combo: QComboBox, value: str | int) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))
