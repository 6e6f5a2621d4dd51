"""The intake queue (Ctrl+8), a new recommendation (Ctrl+N) and the allocator's decision, all
from the keyboard: the queue oldest first, Enter decides the selected recommendation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.case_views import WorkerOption
from restart_desktop.app.errors import UserError, ValidationFailed
from restart_desktop.app.intake import IntakeService
from restart_desktop.app.intake_letter import DecisionLetter, decision_letter
from restart_desktop.app.intake_views import DuplicateFound, IntakeFields, IntakeRow
from restart_desktop.domain.intake import DecisionKind, IntakeStatus
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.ui.list_models import EnterTableView, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, save_failed_message, user_message
from restart_desktop.ui.widgets import (
    DateField,
    FieldError,
    ask_save_path,
    buddy_label,
    open_dialog,
)

Index = QModelIndex | QPersistentModelIndex


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


class IntakeTableModel(RowListTableModel[IntakeRow]):
    COLUMNS: ClassVar[tuple[str, ...]] = (
        "Recommended",
        "Name",
        "Prison number",
        "Recommended by",
        "Release",
        "Screen",
        "Status",
    )
    SCREEN = 5
    #: Pixels a column (the screen column stretches), for a 1366x768 laptop's window.
    WIDTHS: ClassVar[dict[int, int]] = {0: 110, 1: 210, 2: 115, 3: 170, 4: 95, 6: 240}

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == self.SCREEN:
            role = Qt.ItemDataRole.DisplayRole  # the screen's points, whole
        return super().data(index, role)

    def cells(self, row: IntakeRow) -> Sequence[Any]:
        return (
            _day(row.recommended_on),
            row.name,
            row.nomis_number,
            row.source,
            _day(row.release_date),
            row.screen.text,
            row.status.label,
        )


class IntakeView(QWidget):
    """The recommendations on this laptop waiting for a decision, oldest first.

    Signals:
        new_requested(): the user asked to record a new recommendation.
        import_requested(): the user asked to import a partner's CSV file.
    """

    new_requested = Signal()
    import_requested = Signal()

    def __init__(
        self,
        service: IntakeService,
        runner: TaskRunner,
        reference: ReferenceData,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.reference = service, runner, reference
        self.workers: list[WorkerOption] = []
        self.model = IntakeTableModel(self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Recommendations waiting for the allocation decision")
        self._size_columns()
        self.table.row_activated.connect(self.decide_row)
        self.show_decided = QCheckBox("Show &decided")
        self.show_decided.toggled.connect(lambda _on: self.refresh())
        self.decide_button = QPushButton("De&cide…")
        self.decide_button.setToolTip("Accept and allocate, decline or ask for more (Enter)")
        self.decide_button.clicked.connect(lambda: self.decide_row(self.table.currentIndex().row()))
        self.letter_button = QPushButton("Decision &letter…")
        self.letter_button.setToolTip("A short letter telling the recommender the decision (PDF)")
        self.letter_button.clicked.connect(self.save_letter)
        new_button = QPushButton("&New recommendation…")
        new_button.setToolTip("Record a recommendation (Ctrl+N)")
        new_button.clicked.connect(self.new_requested)
        import_button = QPushButton("&Import from a file…")
        import_button.setToolTip("A referring partner's CSV file, checked before it is imported")
        import_button.clicked.connect(self.import_requested)
        self.summary = QLabel()
        self.summary.setAccessibleName("Number waiting for a decision")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Result of the last decision or letter")
        self.message.hide()
        self.just_decided: IntakeRow | None = None
        bar = QHBoxLayout()
        for widget in (
            self.summary,
            self.show_decided,
            new_button,
            import_button,
            self.letter_button,
            self.decide_button,
        ):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.table)
        # Only once it has a parent: a parentless widget made visible becomes a window.
        self.decide_button.setVisible(service.can_decide)
        self.dialog: DecisionDialog | None = None
        self.letter_thread: QObject | None = None

    def _size_columns(self) -> None:
        """Whole headings and names on one line; the screen's points take what is left (its
        full text is read out and shown as the cell's tooltip)."""
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(IntakeTableModel.SCREEN, QHeaderView.ResizeMode.Stretch)
        for column, width in IntakeTableModel.WIDTHS.items():
            self.table.setColumnWidth(column, width)

    def refresh(self) -> None:
        include = self.show_decided.isChecked()
        self.runner.run(lambda: self.service.queue(include), self._on_loaded)

    def _on_loaded(self, rows: list[IntakeRow]) -> None:
        current = self.table.currentIndex().row()
        self.model.set_rows(rows)
        waiting = sum(1 for r in rows if r.status.value in ("waiting", "more_information"))
        self.summary.setText(
            f"{waiting} waiting for a decision" if waiting != 1 else "1 waiting for a decision"
        )
        if rows:
            self.table.selectRow(min(max(current, 0), len(rows) - 1))

    def focus_first(self) -> None:
        self.table.setFocus()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def say(self, text: str) -> None:
        """A result or a problem, under the buttons (the count of those waiting stays)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def letter_item(self) -> IntakeRow | None:
        """Whose letter Alt+L writes: the selected recommendation once it has a decision; while
        it has none, the one just decided (which has left the queue)."""
        item = self.model.row_item(self.table.currentIndex().row())
        if self.just_decided is not None and (item is None or item.status == IntakeStatus.WAITING):
            return self.just_decided
        return item

    def save_letter(self, target: Path | None = None) -> None:
        """The decision letter, saved where the user says (see ``letter_item``)."""
        item = self.letter_item()
        if item is None:
            return
        service = self.service
        self.runner.run(
            lambda: decision_letter(service, item.person_id),
            lambda letter: self._write_letter(letter, target),
            lambda error: self.say(user_message(error)),
        )

    def _write_letter(self, letter: DecisionLetter, target: Path | None) -> None:
        target = target or ask_save_path(
            self.table,
            "Save the decision letter",
            f"decision-letter-{letter.decided_on:%Y-%m-%d}.pdf",
            ".pdf",
            "PDF",
        )
        if target is None:
            return
        from restart_desktop.documents.onward import letter_writer

        self.letter_thread = letter_writer(letter, target, self)
        self.letter_thread.written.connect(lambda path: self.say(f"Letter saved: {path}"))
        self.letter_thread.failed.connect(
            lambda error: self.say(save_failed_message("The letter", error))
        )
        self.letter_thread.start()

    def decide_row(self, row: int) -> None:
        item = self.model.row_item(row)
        if item is None or not self.service.can_decide:
            return
        self.dialog = DecisionDialog(
            self.service, self.runner, self.reference, self.workers, item, self
        )
        dialog = self.dialog
        dialog.accepted.connect(lambda: self._on_decided(item, dialog.kind()))
        dialog.finished.connect(lambda _result: self.table.setFocus())
        open_dialog(dialog)

    def _on_decided(self, item: IntakeRow, kind: DecisionKind) -> None:
        self.just_decided = item
        self.say(
            f"{kind.label}: {item.name}. Decision letter (Alt+L) writes the letter telling "
            "the recommender."
        )


class DecisionDialog(QDialog):
    """The allocator's decision on one recommendation: accept and allocate (organisation,
    worker), decline (a coded reason and words) or ask for more information."""

    def __init__(
        self,
        service: IntakeService,
        runner: TaskRunner,
        reference: ReferenceData,
        workers: list[WorkerOption],
        row: IntakeRow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.row, self.workers = service, runner, row, workers
        self.setWindowTitle("Decide the recommendation")
        self.accept_choice = QRadioButton("&Accept and allocate")
        self.decline_choice = QRadioButton("Dec&line")
        self.more_choice = QRadioButton("Ask for &more information")
        self.kinds = QButtonGroup(self)
        for kind, button in (
            (DecisionKind.ACCEPT, self.accept_choice),
            (DecisionKind.DECLINE, self.decline_choice),
            (DecisionKind.MORE_INFORMATION, self.more_choice),
        ):
            self.kinds.addButton(button)
            button.setProperty("kind", kind.value)
        self.accept_choice.setChecked(True)
        self.organisation = QComboBox()
        self.organisation.setAccessibleName("Partner organisation")
        self.organisation.addItem("", "")
        for organisation in reference.organisations:
            if organisation.kind == "partner charity":
                self.organisation.addItem(organisation.name, organisation.code)
        self.worker = QComboBox()
        self.worker.setAccessibleName("Worker")
        self.organisation.currentIndexChanged.connect(lambda _i: self._fill_workers())
        self.reason = QComboBox()
        self.reason.setAccessibleName("Reason for declining")
        self.reason.addItem("", "")
        for reason in reference.decline_reasons:
            self.reason.addItem(reason.label, reason.code)
        self.words = QPlainTextEdit()
        self.words.setTabChangesFocus(True)
        self.words.setAccessibleName("In words")
        self.words.setMaximumHeight(100)
        self.error = FieldError()
        form = QFormLayout()
        form.addRow(QLabel(f"{row.name} · {row.screen.text}"))
        for button in (self.accept_choice, self.decline_choice, self.more_choice):
            form.addRow("", button)
        fields = (
            ("&Organisation:", self.organisation),
            ("&Worker:", self.worker),
            ("&Reason:", self.reason),
            ("&Say in words:", self.words),
        )
        for text, widget in fields:
            label = buddy_label(text, widget)
            form.addRow(label, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Record &decision")
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._fill_workers()
        self.kinds.buttonToggled.connect(lambda _button, _on: self._on_kind_chosen())
        self._on_kind_chosen()

    def _on_kind_chosen(self) -> None:
        """Only the fields the chosen decision uses can be filled in: an organisation and a
        worker to accept, a reason to decline (the words go with every decision)."""
        kind = self.kind()
        for field in (self.organisation, self.worker):
            field.setEnabled(kind == DecisionKind.ACCEPT)
        self.reason.setEnabled(kind == DecisionKind.DECLINE)

    def _fill_workers(self) -> None:
        self.worker.clear()
        code = self.organisation.currentData()
        for option in self.workers:
            if option.organisation_code == code:
                self.worker.addItem(option.name, option.id)

    def kind(self) -> DecisionKind:
        checked = self.kinds.checkedButton()
        value = checked.property("kind") if checked is not None else DecisionKind.ACCEPT.value
        return DecisionKind(str(value))

    def _on_ok(self) -> None:
        kind, service = self.kind(), self.service
        organisation = str(self.organisation.currentData() or "")
        worker = self.worker.currentData()
        reason = str(self.reason.currentData() or "")
        words = self.words.toPlainText()
        self.ok.setEnabled(False)
        self.runner.run(
            lambda: service.decide(
                self.row.person_id,
                kind,
                organisation=organisation,
                worker_id=worker if isinstance(worker, str) else None,
                reason_code=reason,
                words=words,
            ),
            lambda _none: self.accept(),
            self._on_error,
        )

    def _on_error(self, error: BaseException) -> None:
        self.ok.setEnabled(True)
        if isinstance(error, ValidationFailed):
            self.error.show_message(" ".join(error.problems.values()))
        elif isinstance(error, UserError):
            self.error.show_message(str(error))
        else:
            raise error


class IntakeDialog(QDialog):
    """A new recommendation (a partner's, or the person's own form or letter typed in): it
    goes into the intake queue. A person who looks already recorded is shown first; saving
    them again takes a second, deliberate Save."""

    def __init__(
        self,
        service: IntakeService,
        runner: TaskRunner,
        reference: ReferenceData,
        today: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner = service, runner
        self.setWindowTitle("New recommendation")
        self._confirmed = False
        self.given_name, self.family_name = QLineEdit(), QLineEdit()
        self.date_of_birth = DateField("Date of birth")
        self.nomis_number = QLineEdit()
        self.prison = QComboBox()
        self.prison.addItem("", "")
        for prison in reference.prisons:
            self.prison.addItem(prison.name, prison.code)
        self.release_date = DateField("Expected release date")
        self.source = QComboBox()
        for kind in reference.recommender_kinds:
            self.source.addItem(kind.label, kind.code)
        self.recommender_name, self.recommender_organisation = QLineEdit(), QLineEdit()
        self.recommender_role, self.recommender_contact = QLineEdit(), QLineEdit()
        self.recommended_on = DateField("Date of the recommendation")
        self.recommended_on.set_date(today)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(80)
        self.in_thames_valley, self.iom = self._answer(), self._answer()
        self.mappa = QComboBox()
        for text, value in (
            ("Not known", ""),
            ("Not under MAPPA", "none"),
            ("Level 1", "1"),
            ("Level 2", "2"),
            ("Level 3", "3"),
        ):
            self.mappa.addItem(text, value)
        self.sentences = QSpinBox()
        self.sentences.setRange(-1, 200)
        self.sentences.setSpecialValueText("Not known")
        self.sentences.setValue(-1)
        self.error = FieldError()
        self.duplicates = QLabel()
        self.duplicates.setWordWrap(True)
        self.duplicates.hide()
        form = QFormLayout()
        rows: tuple[tuple[str, QWidget], ...] = (
            ("&First name:", self.given_name),
            ("&Last name:", self.family_name),
            ("Date of &birth:", self.date_of_birth),
            ("Prison n&umber:", self.nomis_number),
            ("&Prison:", self.prison),
            ("Expected r&elease:", self.release_date),
            ("Recommended b&y:", self.source),
            ("Recommender's &name:", self.recommender_name),
            ("Or&ganisation:", self.recommender_organisation),
            ("Their &job title:", self.recommender_role),
            ("How to &reach them:", self.recommender_contact),
            ("Recommended &on:", self.recommended_on),
            ("W&hy recommended:", self.reason),
            ("In the &Thames Valley:", self.in_thames_valley),
            ("Under &IOM:", self.iom),
            ("&MAPPA:", self.mappa),
            ("Earlier &custodial sentences:", self.sentences),
        )
        for text, widget in rows:
            label = buddy_label(text, widget)
            widget.setAccessibleName(text.replace("&", "").rstrip(":"))
            form.addRow(label, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save.setText("&Save to the intake queue")
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.duplicates)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.saved_id: str | None = None

    @staticmethod
    def _answer() -> QComboBox:
        box = QComboBox()
        for text, value in (("Not known", None), ("Yes", True), ("No", False)):
            box.addItem(text, value)
        return box

    def values(self) -> IntakeFields:
        """What is typed; ValueError for a date that cannot be read."""
        sentences = self.sentences.value()
        return IntakeFields(
            given_name=self.given_name.text(),
            family_name=self.family_name.text(),
            date_of_birth=self.date_of_birth.date_value(),
            nomis_number=self.nomis_number.text(),
            prison_code=str(self.prison.currentData()),
            release_date=self.release_date.date_value(),
            source=str(self.source.currentData()),
            recommender_name=self.recommender_name.text(),
            recommender_organisation=self.recommender_organisation.text(),
            recommender_role=self.recommender_role.text(),
            recommender_contact=self.recommender_contact.text(),
            recommended_on=self.recommended_on.date_value(),
            reason=self.reason.toPlainText(),
            in_thames_valley=self.in_thames_valley.currentData(),
            iom=self.iom.currentData(),
            mappa_level=str(self.mappa.currentData()),
            earlier_custodial_sentences=None if sentences < 0 else sentences,
        )

    def _on_save(self) -> None:
        try:
            values = self.values()
        except ValueError as error:
            self.error.show_message(str(error))
            return
        service, confirmed = self.service, self._confirmed
        self.save.setEnabled(False)
        self.runner.run(
            lambda: service.record(values, allow_duplicate=confirmed),
            self._on_saved,
            self._on_error,
        )

    def _on_saved(self, person_id: str) -> None:
        self.saved_id = person_id
        self.accept()

    def _on_error(self, error: BaseException) -> None:
        self.save.setEnabled(True)
        if isinstance(error, DuplicateFound):
            lines = "\n".join(
                f"• {d.name}, {d.nomis_number or 'no prison number'}: {d.why} ({d.status})"
                for d in error.found
            )
            self.duplicates.setText(
                f"This person may already be recorded:\n{lines}\n"
                "Save again only if this is someone else."
            )
            self.duplicates.show()
            self.save.setText("&Save as someone else")
            self._confirmed = True
            self.save.setFocus()
        elif isinstance(error, ValidationFailed):
            self.error.show_message(" ".join(error.problems.values()))
        elif isinstance(error, UserError):
            self.error.show_message(str(error))
        else:
            raise error
