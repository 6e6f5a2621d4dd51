"""Outcomes in the window: a person's assessments with the radar and line charts and their table
equivalent (a case-file section), the assessment dialog, and the barriers register view."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    Qt,
    QUrl,
)
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.cases import CaseloadQuery, CaseService, StatusFilter
from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.outcomes import (
    AssessmentFields,
    AssessmentView,
    BarrierCounts,
    BarrierFields,
    BarrierQuery,
    BarrierView,
    OutcomeService,
    assessment_edit_base,
    barrier_edit_base,
    distance_of,
)
from restart_desktop.app.versions import EditBase, EditClashed
from restart_desktop.domain.outcomes import (
    BARRIER_TRANSITIONS,
    HIGHEST,
    AreaScore,
    BarrierStatus,
    Distance,
    score_problems,
)
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.ui.board_wording import BoardWordingDialog
from restart_desktop.ui.charts import LineChart, RadarChart, Series
from restart_desktop.ui.clashes import ask_clashes
from restart_desktop.ui.confirm import confirm_finalise
from restart_desktop.ui.list_models import EnterTableView, Index, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import (
    DateField,
    FieldError,
    SearchBox,
    ask_save_path,
    run_dialog,
)

# --- models ---------------------------------------------------------------------------------


class AssessmentsTableModel(RowListTableModel[AssessmentView]):
    COLUMNS = ("Date", "State", "By", "Who took part", "Agreed")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        view = self.row_item(index.row()) if index.isValid() else None
        if view is None or role not in (
            Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole
        ):
            return None
        return (
            f"{view.assessed_on:%d/%m/%Y}",
            "Final" if view.finalised_at else "Draft",
            view.by,
            view.present,
            "Agreed" if view.agreed else ("Disagreement" if view.disagreement else "Not agreed"),
        )[index.column()]


class ScoresTableModel(QAbstractTableModel):
    """The charts' numbers as a table: an area a row, a finalised assessment a column, then
    the change from the first to the latest. What a screen reader reads instead of a chart."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dates: list[dt.date] = []
        self.rows: list[tuple[str, list[int | None], Distance]] = []

    def set_assessments(
        self, final: list[AssessmentView], distances: list[Distance] | None = None
    ) -> None:
        """``distances``: distance_of(final), when the caller has worked it out already."""
        self.beginResetModel()
        self.dates = [a.assessed_on for a in final]
        by_code = [
            {s.code: s.worker for s in a.scores if s.worker is not None and not s.skipped}
            for a in final
        ]
        self.rows = [
            (d.label, [scores.get(d.code) for scores in by_code], d)
            for d in (distances if distances is not None else distance_of(final))
        ]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.dates) + 2

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == 0:
            return "Area"
        if section <= len(self.dates):
            return f"{self.dates[section - 1]:%d/%m/%Y}"
        if section == len(self.dates) + 1:
            return "Change"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole
        ):
            return None
        label, values, distance = self.rows[index.row()]
        column = index.column()
        if column == 0:
            return label
        if column <= len(self.dates):
            value = values[column - 1]
            return "skipped" if value is None else str(value)
        change = distance.change
        if change is None or distance.first_on == distance.latest_on:
            return ""  # scored once: no change to show yet
        return f"{change:+d}"


# --- the assessment dialog ------------------------------------------------------------------


class AssessmentDialog(QDialog):
    """Score each area 1-10 with the person (0 shows "not scored"), their own score if they
    give one, or skip an area with the reason; then save the draft or finalise it."""

    def __init__(
        self,
        reference: ReferenceData,
        fields: AssessmentFields,
        person_name: str,
        parent: QWidget | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Outcome assessment")  # no name: titles show in the taskbar
        self.finalise_requested = False
        self.confirm: Callable[[], bool] | None = None  # the question before finalising
        self._fields = fields
        self._read_only = read_only
        descriptions = {a.code: a for a in reference.outcome_areas}
        self.date = DateField("Date of the assessment")
        self.date.set_date(fields.assessed_on or dt.date.today())
        self.present = QLineEdit(fields.present)
        self.present.setAccessibleName("Who took part")
        self.present.setPlaceholderText("e.g. the person and their worker")
        self.meaning = QLabel("")
        self.meaning.setWordWrap(True)
        self.meaning.setAccessibleName("What the scores mean for this area")
        self.meaning.setMinimumHeight(64)
        grid = QGridLayout()
        for column, title in enumerate(
            ("Area", "Score (1-10)", "Person's own", "Skip: why", "Note")
        ):
            header = QLabel(f"<b>{title}</b>")
            grid.addWidget(header, 0, column)
        self.rows: list[tuple[AreaScore, QSpinBox, QSpinBox, QLineEdit, QLineEdit]] = []
        for number, area in enumerate(fields.scores, start=1):
            worker, person = QSpinBox(), QSpinBox()
            for box, who in ((worker, "score"), (person, "the person's own score")):
                box.setRange(0, HIGHEST)
                box.setSpecialValueText("–")
                box.setAccessibleName(f"{area.label}: {who}")
            worker.setValue(area.worker or 0)
            person.setValue(area.person or 0)
            skip = QLineEdit(area.skipped)
            skip.setAccessibleName(f"{area.label}: reason for not scoring it")
            note = QLineEdit(area.note)
            note.setAccessibleName(f"{area.label}: note")
            grid.addWidget(QLabel(area.label), number, 0)
            grid.addWidget(worker, number, 1)
            grid.addWidget(person, number, 2)
            grid.addWidget(skip, number, 3)
            grid.addWidget(note, number, 4)
            described = descriptions.get(area.code)
            text = (
                f"<b>{html.escape(area.label)}</b> · low (1-3): {html.escape(described.low)} "
                f"· middle (4-7): {html.escape(described.middle)} · high (8-10): "
                f"{html.escape(described.high)}"
            ) if described else f"<b>{html.escape(area.label)}</b>"  # fmt: skip
            for widget in (worker, person, skip, note):
                widget.setToolTip(text)
                widget.installEventFilter(self)
                widget.setProperty("meaning", text)
            self.rows.append((area, worker, person, skip, note))
        grid.setColumnStretch(3, 1)
        grid.setColumnStretch(4, 2)
        grid.setRowStretch(len(fields.scores) + 1, 1)  # rows at the top, space below
        self.agreed = QCheckBox("The person and the worker &agree on these scores")
        self.agreed.setChecked(fields.agreed)
        self.disagreement = QLineEdit(fields.disagreement)
        self.disagreement.setAccessibleName("Where the person sees it differently")
        self.disagreement.setPlaceholderText("Where the person sees it differently")
        disagreement_label = QLabel("Where the person sees it &differently:")
        disagreement_label.setBuddy(self.disagreement)
        self.error = FieldError()
        top = QFormLayout()
        date_label = QLabel("&Date:")
        date_label.setBuddy(self.date)
        present_label = QLabel("&Who took part:")
        present_label.setBuddy(self.present)
        top.addRow(date_label, self.date)
        top.addRow(present_label, self.present)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("&Save draft", QDialogButtonBox.ButtonRole.AcceptRole)
        self.finalise_button = buttons.addButton(
            "Save and &finalise", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(lambda: self._on_accept(False))
        self.finalise_button.clicked.connect(lambda: self._on_accept(True))
        host = QWidget()
        host.setLayout(grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(host)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.meaning)
        layout.addWidget(self.agreed)
        layout.addWidget(disagreement_label)
        layout.addWidget(self.disagreement)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.agreed.toggled.connect(lambda on: self.disagreement.setEnabled(not on))
        self.disagreement.setEnabled(not fields.agreed)
        self.resize(980, 620)
        if self.rows:
            self.rows[0][1].setFocus()
        # Ctrl+Enter finalises, as it finalises a note.
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, lambda: self._on_accept(True))
        self._initial = self.fields()
        if read_only:  # a finalised assessment: to read, not to change
            for control in (self.date, self.present, self.agreed, self.disagreement,
                            self.save_button, self.finalise_button):  # fmt: skip
                control.setEnabled(False)
            for _area, worker, person, skip, note in self.rows:
                worker.setReadOnly(True)
                person.setReadOnly(True)
                skip.setReadOnly(True)
                note.setReadOnly(True)
            self.save_button.hide()
            self.finalise_button.hide()
            self.error.show_message("Finalised: this assessment is a record and is not changed.")

    def reject(self) -> None:
        """Esc or Cancel: scores already typed are not thrown away without asking."""
        if not self._read_only and self.fields() != self._initial and QMessageBox.question(
            self,
            "Discard the changes?",
            "The scores and notes you typed will be lost. Discard them?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        ) != QMessageBox.StandardButton.Discard:
            return
        super().reject()

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.FocusIn:
            meaning = watched.property("meaning")
            if meaning:
                self.meaning.setText(str(meaning))
        return super().eventFilter(watched, event)

    def fields(self) -> AssessmentFields:
        scores = tuple(
            AreaScore(
                code=area.code,
                label=area.label,
                worker=worker.value() or None,
                person=person.value() or None,
                skipped=skip.text().strip(),
                note=note.text().strip(),
            )
            for area, worker, person, skip, note in self.rows
        )
        try:
            day = self.date.date_value()
        except ValueError:
            day = None
        return AssessmentFields(
            self._fields.person_id, day, self.present.text(), scores,
            self.agreed.isChecked(), self.disagreement.text(),
        )  # fmt: skip

    def _on_accept(self, finalise: bool) -> None:
        """Check here what can be checked here, so nothing typed is lost to a refusal."""
        if self._read_only:
            return
        try:
            day = self.date.date_value()
        except ValueError as error:
            self.error.show_message(str(error))
            self.date.setFocus()
            return
        problem = None
        if day is None:
            problem = "Enter the date of the assessment."
        elif day > dt.date.today():
            problem = "The assessment date is in the future."
        if problem:
            self.error.show_message(problem)
            self.date.setFocus()
            return
        if finalise:
            fields = self.fields()
            problems = score_problems(fields.scores, fields.agreed, fields.disagreement)
            if problems:
                self.error.show_message(
                    "Not finalised yet (Save draft keeps it as it is):\n"
                    + "\n".join(f"• {message}" for message in problems.values())
                )
                return
        if finalise and self.confirm is not None and not self.confirm():
            return  # back to the dialog, as it was
        self.finalise_requested = finalise
        self.accept()


# --- a person's outcomes --------------------------------------------------------------------


class OutcomesPanel(QWidget):
    """A person's outcome assessments and charts; the case file reloads them when a change
    notice concerns them."""

    def __init__(
        self,
        service: OutcomeService,
        runner: TaskRunner,
        reference: ReferenceData,
        case_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._reference = reference
        self.case_id = case_id
        self.person_name = ""
        self.record_button = QPushButton("&Record an assessment… (Ins)")
        self.edit_button = QPushButton("&Open… (Enter)")
        self.radar_png = QPushButton("Radar as &PNG…")
        self.line_png = QPushButton("Line chart as PN&G…")
        buttons = QHBoxLayout()
        for button in (self.record_button, self.edit_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.radar_png)
        buttons.addWidget(self.line_png)
        self.model = AssessmentsTableModel(self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Assessments, oldest first. Insert: new. Enter: edit a draft.")
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(150)
        self.radar = RadarChart()
        self.line = LineChart()
        self.scores = ScoresTableModel(self)
        self.scores_table = QTableView()
        self.scores_table.setModel(self.scores)
        self.scores_table.verticalHeader().hide()
        self.scores_table.setAccessibleName(
            "Scores by area at each finalised assessment, and the change since the first"
        )
        self.scores_table.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(self.radar)
        charts.addWidget(self.line)
        self.views = QTabWidget()
        self.views.setAccessibleName("Charts, or the same numbers as a table")
        self.views.addTab(charts, "Charts")
        self.views.addTab(self.scores_table, "Numbers (table)")
        self.scores_table.setTabKeyNavigation(False)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Distance travelled")
        self.message = QLabel("")
        self.message.setAccessibleName("Outcomes message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.message.linkActivated.connect(lambda link: QDesktopServices.openUrl(QUrl(link)))
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        layout.addWidget(self.summary)
        layout.addWidget(self.views, 1)
        layout.addWidget(self.message)
        self.message.setMaximumHeight(80)
        self.record_button.clicked.connect(self.record)
        self.edit_button.clicked.connect(self.edit)
        self.table.row_activated.connect(lambda _row: self.edit())
        self.radar_png.clicked.connect(lambda: self.save_png(self.radar, "radar"))
        self.line_png.clicked.connect(lambda: self.save_png(self.line, "line chart"))
        QShortcut(QKeySequence("Insert"), self.table, self.record).setContext(
            Qt.ShortcutContext.WidgetShortcut
        )
        self.assessments: list[AssessmentView] = []
        self.reload()

    def reload(self) -> None:
        service, case_id = self._service, self.case_id
        self._runner.run(lambda: service.assessments(case_id), self._on_loaded, self._on_failed)

    def _on_loaded(self, assessments: list[AssessmentView]) -> None:
        self.assessments = assessments
        self.model.set_rows(assessments)
        if assessments:
            self.table.setCurrentIndex(self.model.index(len(assessments) - 1, 0))
        final = [a for a in assessments if a.final]
        distances = distance_of(final)
        labels = tuple(d.label for d in distances)
        if final:
            first, latest = final[0], final[-1]
            by_code = [{s.code: s.worker for s in a.scores if not s.skipped}
                       for a in (first, latest)]  # fmt: skip
            series = [Series(f"First, {first.assessed_on:%d/%m/%Y}",
                             tuple(by_code[0].get(d.code) for d in distances))]  # fmt: skip
            if len(final) > 1:
                series.append(Series(f"Latest, {latest.assessed_on:%d/%m/%Y}",
                                     tuple(by_code[1].get(d.code) for d in distances)))  # fmt: skip
            self.radar.set_data(labels, tuple(series))
            self.radar.title = f"{self.person_name}: latest outcome scores against the first"
            self.line.title = f"{self.person_name}: outcome scores over time"
            per_date = [{s.code: s.worker for s in a.scores if not s.skipped} for a in final]
            self.line.set_data(
                tuple(a.assessed_on for a in final),
                tuple(Series(d.label, tuple(p.get(d.code) for p in per_date))
                      for d in distances),
            )  # fmt: skip
            moved = [d for d in distances if d.change]
            words = ", ".join(f"{d.label} {d.change:+d}" for d in moved if d.change is not None)
            self.summary.setText(
                f"{len(final)} finalised assessment{'s' if len(final) != 1 else ''}; "
                f"distance travelled since {first.assessed_on:%d/%m/%Y}: "
                + (words or "no change yet")
                + "."
            )
        else:
            self.radar.set_data((), ())
            self.line.set_data((), ())
            self.summary.setText(
                "No finalised assessment yet. Record one with the person (Insert)."
            )
        self.scores.set_assessments(final, distances)
        self._update_buttons()

    def _update_buttons(self) -> None:
        current = self.current()
        self.edit_button.setEnabled(current is not None)
        has_final = any(a.final for a in self.assessments)
        self.radar_png.setEnabled(has_final)
        self.line_png.setEnabled(has_final)

    def _on_failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))

    def current(self) -> AssessmentView | None:
        return self.model.row_item(self.table.currentIndex().row())

    def record(self) -> None:
        draft = next((a for a in reversed(self.assessments) if not a.final), None)
        if draft is not None:  # one draft at a time: carry on with it
            self.message.setText(f"Carrying on with the draft of {draft.assessed_on:%d/%m/%Y}.")
            self._open(draft.fields(), draft.id, draft)
            return
        fields = AssessmentFields(self.case_id, dt.date.today(), "",
                                  self._service.blank_scores())  # fmt: skip
        self._open(fields, None)

    def edit(self) -> None:
        current = self.current()
        if current is None:
            return
        if current.final:
            dialog = AssessmentDialog(self._reference, current.fields(), self.person_name, self,
                                      read_only=True)  # fmt: skip
            run_dialog(dialog, self.table)
            return
        self._open(current.fields(), current.id, current)

    def _open(self, fields: AssessmentFields, assessment_id: str | None,
              loaded: AssessmentView | None = None) -> None:  # fmt: skip
        dialog = AssessmentDialog(self._reference, fields, self.person_name, self)
        session = self._service.session
        dialog.confirm = lambda: confirm_finalise(
            dialog, session, "this assessment",
            "A finalised assessment never changes; the next one is recorded beside it.")
        if not run_dialog(dialog, self.table):
            return
        new, finalise = dialog.fields(), dialog.finalise_requested
        base = assessment_edit_base(loaded, new) if loaded is not None else None
        self._save_draft(new, assessment_id, finalise, base)

    def _save_draft(self, new: AssessmentFields, assessment_id: str | None, finalise: bool,
                    base: EditBase | None) -> None:  # fmt: skip
        """Save the draft (only what the dialog changed); a clash with someone else's change
        is shown and the worker's choice saved from the draft as it is now."""
        service = self._service

        def work() -> str:
            saved = service.save_draft(new, assessment_id, base)
            if finalise:
                service.finalise(saved)
                return "Assessment finalised."
            return "Draft saved."

        def failed(error: BaseException) -> None:
            if isinstance(error, EditClashed) and base is not None:
                keeps = ask_clashes(self, error)
                if keeps is not None:
                    self._save_draft(new, assessment_id, finalise, base.rebased(error, keeps))
                    return
                self.message.setText("Not saved: someone else changed this draft.")
                self.reload()
                return
            self._on_failed(error)
            if finalise:
                self.message.setText(
                    "Saved as a draft, not finalised: " + user_message(error).split(":", 1)[-1]
                )
            self.reload()  # the draft was saved before finalising was refused

        self._runner.run(work, self._after_save, failed)

    def _after_save(self, message: str) -> None:
        self.message.setText(message)  # the list and charts reload from the change notice

    def save_png(self, chart: RadarChart | LineChart, what: str) -> None:
        # The picture names the person inside; the file name does not (folder listings).
        target = ask_save_path(self.table, f"Save the {what}",
                               f"Outcomes {what} {dt.date.today():%d-%m-%Y}.png", ".png",
                               "PNG pictures")  # fmt: skip
        if target is None:
            return
        try:
            chart.save_png(target)
        except OSError as error:
            self.message.setText(f"The picture could not be saved there ({error}).")
            return
        link = QUrl.fromLocalFile(str(target)).toString()
        self.message.setText(
            f'Saved as {html.escape(str(target))}. <a href="{link}">Open it</a>.'
        )


# --- the barriers register ------------------------------------------------------------------


class BarriersTableModel(RowListTableModel[BarrierView]):
    COLUMNS = ("Raised", "Barrier", "Category", "Status", "Cases")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        view = self.row_item(index.row()) if index.isValid() else None
        if view is None or role not in (
            Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole
        ):
            return None
        return (
            f"{view.raised_on:%d/%m/%Y}",
            view.title,
            view.category_label,
            view.status.label,
            str(len(view.case_ids)) if view.case_ids else "",
        )[index.column()]


class BarrierCountsTableModel(QAbstractTableModel):
    """Barriers raised in the period: a category a row, a status a column, with totals."""

    def __init__(self, reference: ReferenceData, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._labels = {c.code: c.label for c in reference.barrier_categories}
        self.counts = BarrierCounts()

    def set_counts(self, counts: BarrierCounts) -> None:
        self.beginResetModel()
        self.counts = counts
        self.endResetModel()

    def _categories(self) -> list[str]:
        return list(self.counts.by_category)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.counts.by_category) + 1

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(BarrierStatus) + 2

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        statuses = list(BarrierStatus)
        if section == 0:
            return "Category"
        if section <= len(statuses):
            status = statuses[section - 1]
            return "Escalated" if status == BarrierStatus.ESCALATED else status.label
        if section == len(statuses) + 1:
            return "Total"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole
        ):
            return None
        categories = self._categories()
        category = categories[index.row()] if index.row() < len(categories) else None
        statuses = list(BarrierStatus)
        column = index.column()
        if column == 0:
            return self._labels.get(category, category) if category else "All categories"
        status = statuses[column - 1] if column <= len(statuses) else None
        return str(self.counts.total(category, status))


class BarrierDialog(QDialog):
    """A barrier: what keeps getting in the way, its category, when, and the cases it hit."""

    def __init__(
        self,
        reference: ReferenceData,
        cases: CaseService,
        runner: TaskRunner,
        fields: BarrierFields | None = None,
        case_names: tuple[str, ...] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._cases = cases
        self._runner = runner
        self.setWindowTitle("Barrier" if fields else "New barrier")
        fields = fields or BarrierFields("", "", raised_on=dt.date.today())
        self.title = QLineEdit(fields.title)
        self.title.setMaxLength(200)
        self.title.setAccessibleName("Title")
        self.title.setPlaceholderText("e.g. No housing on a Friday afternoon")
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category.addItem("Choose…", "")
        for category in reference.barrier_categories:
            self.category.addItem(category.label, category.code)
        self.category.setCurrentIndex(max(0, self.category.findData(fields.category)))
        self.description = QPlainTextEdit(fields.description)
        self.description.setTabChangesFocus(True)
        self.description.setAccessibleName("What happens, and what would fix it")
        self.description.setMaximumHeight(100)
        self.raised_on = DateField("Date raised")
        self.raised_on.set_date(fields.raised_on)
        self.linked: dict[str, str] = dict(zip(fields.case_ids, case_names, strict=False))
        self.case_search = SearchBox()
        self.case_search.setAccessibleName("Find a case to link: name or prison number, then Enter")
        self.case_search.setPlaceholderText("Name or prison number, then Enter to link the case")
        self.found = QLabel("")
        self.found.setWordWrap(True)
        self.cases_label = QLabel("")
        self.cases_label.setWordWrap(True)
        self.cases_label.setAccessibleName("Cases linked")
        self.unlink = QPushButton("Unlink the &last case")
        self.errors = {k: FieldError() for k in ("title", "category", "raised_on")}
        form = QFormLayout()
        for caption, widget, key in (
            ("&Title:", self.title, "title"),
            ("&Category:", self.category, "category"),
            ("&Description:", self.description, ""),
            ("&Raised on:", self.raised_on, "raised_on"),
            ("&Link a case:", self.case_search, ""),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            form.addRow(label, widget)
            if key:
                form.addRow("", self.errors[key])
        form.addRow("", self.found)
        form.addRow("Cases affected:", self.cases_label)
        form.addRow("", self.unlink)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Save")
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        # Enter in the search links the case; it must not press Save and close the dialog.
        self.case_search.installEventFilter(self)
        self.unlink.clicked.connect(self._on_unlink)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self._show_linked()
        self.setMinimumWidth(600)
        self.title.setFocus()

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        from PySide6.QtCore import QEvent

        if (
            watched is self.case_search
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._on_find()
            return True
        return super().eventFilter(watched, event)

    def _show_linked(self) -> None:
        self.cases_label.setText("; ".join(self.linked.values()) or "none (optional)")
        self.unlink.setEnabled(bool(self.linked))

    def _on_find(self) -> None:
        text, cases = self.case_search.text().strip(), self._cases
        if not text:
            return
        self.found.setText("Looking…")
        query = CaseloadQuery(text=text, status=StatusFilter.ALL.value)
        self._runner.run(lambda: cases.caseload_page(query, 0, 2), self._on_found,
                         lambda error: self.found.setText(user_message(error)))  # fmt: skip

    def _on_found(self, rows: list[Any]) -> None:
        if len(rows) != 1:
            self.found.setText(
                "No case matches." if not rows else "More than one case matches: type more."
            )
            return
        row = rows[0]
        self.linked[row.id] = row.name
        self.found.setText(f"Linked: {row.name}")
        self.case_search.clear()
        self._show_linked()

    def _on_unlink(self) -> None:
        if self.linked:
            self.linked.pop(next(reversed(self.linked)))
            self._show_linked()

    def fields(self) -> BarrierFields:
        try:
            raised = self.raised_on.date_value()
        except ValueError:
            raised = None
        return BarrierFields(
            self.title.text(), str(self.category.currentData() or ""),
            self.description.toPlainText(), tuple(self.linked), raised,
        )  # fmt: skip

    def _on_accept(self) -> None:
        problems: dict[str, str] = {}
        if not self.title.text().strip():
            problems["title"] = "Give the barrier a short title the board will recognise."
        if not self.category.currentData():
            problems["category"] = "Choose a category."
        try:
            if self.raised_on.date_value() is None:
                problems["raised_on"] = "Enter the date the barrier was raised."
        except ValueError as error:
            problems["raised_on"] = str(error)
        for key, label in self.errors.items():
            label.show_message(problems.get(key))
        if problems:
            return
        self.accept()


class BarrierStatusDialog(QDialog):
    def __init__(self, view: BarrierView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Barrier")  # its title may name someone
        self.status = QComboBox()
        self.status.setAccessibleName("New status")
        # The usual next step first; re-opening last, so Enter never re-opens by accident.
        for status in (BarrierStatus.ESCALATED, BarrierStatus.RESOLVED, BarrierStatus.CLOSED,
                       BarrierStatus.OPEN):  # fmt: skip
            if status in BARRIER_TRANSITIONS[view.status]:
                self.status.addItem(status.label, status.value)
        self.resolution = QLineEdit(view.resolution)
        self.resolution.setAccessibleName("How it was resolved, or why it is closed")
        self.resolved_on = DateField("Date resolved or closed")
        self.resolved_on.set_date(dt.date.today())
        self.error = FieldError()
        form = QFormLayout()
        for caption, widget in (
            ("&New status:", self.status),
            ("&Resolution:", self.resolution),
            ("&Date:", self.resolved_on),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            form.addRow(label, widget)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Save")
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Now: <b>{html.escape(view.status.label)}</b>"))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        self.status.setFocus()

    def chosen(self) -> BarrierStatus:
        return BarrierStatus(self.status.currentData())

    def _on_accept(self) -> None:
        status = self.chosen()
        if status in (BarrierStatus.RESOLVED, BarrierStatus.CLOSED):
            if not self.resolution.text().strip():
                self.error.show_message("Say how it was resolved, or why it is closed.")
                return
            try:
                if self.resolved_on.date_value() is None:
                    self.error.show_message("Enter the date it was resolved or closed.")
                    return
            except ValueError as error:
                self.error.show_message(str(error))
                return
        self.accept()


class BarriersView(QWidget):
    """The barriers and escalations register: filters, counts for a period, the list."""

    def __init__(
        self,
        service: OutcomeService,
        cases: CaseService,
        runner: TaskRunner,
        reference: ReferenceData,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._cases = cases
        self._runner = runner
        self._reference = reference
        self._select_after_load: str | None = None
        self.category = QComboBox()
        self.category.setAccessibleName("Category")
        self.category.addItem("Any category", "")
        for category in reference.barrier_categories:
            self.category.addItem(category.label, category.code)
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        self.status.addItem("Any status", "")
        for status in BarrierStatus:
            self.status.addItem(status.label, status.value)
        self.raised_from = DateField("Raised from")
        self.raised_from.set_date(dt.date.today() - dt.timedelta(days=91))
        self.raised_to = DateField("Raised up to")
        self.raised_to.set_date(dt.date.today())
        self.new_button = QPushButton("&New barrier… (Ins)")
        self.edit_button = QPushButton("&Edit… (Enter)")
        self.status_button = QPushButton("&Update status…")
        self.wording_button = QPushButton("Wording for the &board…")
        self.wording_button.setToolTip("What the board pack says about this barrier: no "
                                       "names, prison numbers or CRNs (supervisors)")
        if not service.can_confirm_wording:  # supervisors only (a parentless show() would
            self.wording_button.hide()        # open it as a window of its own)
        filters = QHBoxLayout()
        for caption, widget in (
            ("Cate&gory:", self.category),
            ("St&atus:", self.status),
            ("Raised fr&om:", self.raised_from),
            ("&to:", self.raised_to),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addStretch(1)
        actions = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.status_button,
                       self.wording_button):  # fmt: skip
            actions.addWidget(button)
        actions.addStretch(1)
        self.counts = BarrierCountsTableModel(reference, self)
        self.counts_table = QTableView()
        self.counts_table.setModel(self.counts)
        self.counts_table.verticalHeader().hide()
        self.counts_table.setAccessibleName("Barriers raised in the period, by category and status")
        self.counts_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.counts_table.setTabKeyNavigation(False)
        self.model = BarriersTableModel(self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Barriers, newest first. Insert: new. Enter: edit.")
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 100), (2, 230), (3, 190), (4, 60)):
            self.table.setColumnWidth(column, width)
        self.details = QLabel("")
        self.details.setWordWrap(True)
        self.details.setAccessibleName("The barrier in full")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.period_error = FieldError()
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.period_error)
        layout.addWidget(self.counts_table)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        layout.addWidget(self.message)
        for combo in (self.category, self.status):
            combo.currentIndexChanged.connect(lambda _i: self.refresh())
        for field in (self.raised_from, self.raised_to):
            field.editingFinished.connect(self.refresh)
        self.new_button.clicked.connect(self.new_barrier)
        self.edit_button.clicked.connect(self.edit_barrier)
        self.status_button.clicked.connect(self.change_status)
        self.wording_button.clicked.connect(lambda: self.confirm_wording())
        self.table.row_activated.connect(lambda _row: self.edit_barrier())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_current())
        QShortcut(QKeySequence("Insert"), self.table, self.new_barrier).setContext(
            Qt.ShortcutContext.WidgetShortcut
        )

    def _period(self) -> tuple[dt.date | None, dt.date | None] | None:
        try:
            period = self.raised_from.date_value(), self.raised_to.date_value()
        except ValueError as error:
            self.period_error.show_message(str(error))
            return None
        if period[0] and period[1] and period[0] > period[1]:
            self.period_error.show_message("The 'from' date is after the 'to' date.")
            return None
        self.period_error.show_message(None)
        return period

    def refresh(self) -> None:
        period = self._period()
        if period is None:
            return
        query = BarrierQuery(
            category=str(self.category.currentData() or "") or None,
            status=str(self.status.currentData() or "") or None,
            raised_from=period[0],
            raised_to=period[1],
        )
        service = self._service

        def load() -> tuple[list[BarrierView], BarrierCounts]:
            return service.barriers(query), service.barrier_counts(*period)

        self._runner.run(load, self._on_loaded, self._on_failed)

    def _on_loaded(self, loaded: tuple[list[BarrierView], BarrierCounts]) -> None:
        views, counts = loaded
        current = self.current()
        self.model.set_rows(views)
        self.counts.set_counts(counts)
        # Every category and the totals in view, without scrolling.
        rows = self.counts.rowCount()
        height = self.counts_table.horizontalHeader().height() + 4 + sum(
            self.counts_table.rowHeight(r) for r in range(rows)
        )
        self.counts_table.setFixedHeight(min(height, 360))
        if self._select_after_load:
            current = next((v for v in views if v.id == self._select_after_load), current)
            self._select_after_load = None
        self.message.setText("" if views else "No barriers match: widen the period or filters.")
        if views:
            ids = [v.id for v in views]
            row = ids.index(current.id) if current and current.id in ids else 0
            self.table.setCurrentIndex(self.model.index(row, 0))
        self._show_current()

    def _on_failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))

    def current(self) -> BarrierView | None:
        return self.model.row_item(self.table.currentIndex().row())

    def _show_current(self) -> None:
        view = self.current()
        self.edit_button.setEnabled(view is not None)
        self.status_button.setEnabled(view is not None)
        self.wording_button.setEnabled(view is not None)
        if view is None:
            self.details.setText("")
            return
        e = html.escape
        parts = [
            f"<b>{e(view.title)}</b> ({e(view.category_label)}), raised "
            f"{view.raised_on:%d/%m/%Y} by {e(view.raised_by)}. <b>{e(view.status.label)}</b>.",
        ]
        if view.description:
            parts.append(e(view.description))
        if view.case_names:
            parts.append("Cases: " + e("; ".join(view.case_names)))
        if view.resolution:
            when = f" ({view.resolved_on:%d/%m/%Y})" if view.resolved_on else ""
            parts.append(f"Resolution{when}: {e(view.resolution)}")
        parts.append("For the board: " + (e(view.board_wording) if view.board_wording
                                          else "<i>no wording confirmed yet</i>"))
        self.details.setText("<br>".join(parts))

    def _dialog(self, dialog: QDialog) -> bool:
        return run_dialog(dialog, self.table)

    def _save(self, work: Callable[[], object], message: str,
              failed: Callable[[BaseException], None] | None = None) -> None:  # fmt: skip
        def done(result: object) -> None:
            self.message.setText(message)
            self._select_after_load = result if isinstance(result, str) else None
            # The register reloads from the change notice, and selects it then.

        self._runner.run(work, done, failed or self._on_failed)

    def new_barrier(self) -> None:
        dialog = BarrierDialog(self._reference, self._cases, self._runner, parent=self)
        if not self._dialog(dialog):
            return
        fields, service = dialog.fields(), self._service
        self._save(lambda: service.create_barrier(fields), f"Barrier recorded: {fields.title}.")

    def edit_barrier(self) -> None:
        view = self.current()
        if view is None:
            return
        dialog = BarrierDialog(self._reference, self._cases, self._runner, view.fields(),
                               view.case_names, self)  # fmt: skip
        if not self._dialog(dialog):
            return
        fields = dialog.fields()
        self._update_barrier(view.id, fields, barrier_edit_base(view, fields))

    def _update_barrier(self, barrier_id: str, fields: BarrierFields, base: EditBase) -> None:
        """Save what the dialog changed; a clash with someone else's change is shown and the
        worker's choice saved from the barrier as it is now."""
        service = self._service

        def failed(error: BaseException) -> None:
            if not isinstance(error, EditClashed):
                self._on_failed(error)
                return
            keeps = ask_clashes(self, error)
            if keeps is None:
                self.message.setText("Not saved: someone else changed this barrier.")
                self.refresh()
                return
            self._update_barrier(barrier_id, fields, base.rebased(error, keeps))

        self._save(lambda: service.update_barrier(barrier_id, fields, base), "Barrier saved.",
                   failed)  # fmt: skip

    def change_status(self) -> None:
        view = self.current()
        if view is None:
            return
        dialog = BarrierStatusDialog(view, self)
        if not self._dialog(dialog):
            return
        status, service = dialog.chosen(), self._service
        resolution = dialog.resolution.text()
        try:
            resolved_on = dialog.resolved_on.date_value()
        except ValueError:
            resolved_on = None
        self._save(
            lambda: service.change_barrier_status(view.id, status, resolution, resolved_on),
            f"{status.label}: {view.title}.",
        )

    def confirm_wording(self, typed: str = "", problem: str = "") -> None:
        """Write the barrier's wording for the board; a refused wording comes back in the
        dialog with the reason, as typed."""
        view = self.current()
        if view is None:
            return
        dialog = BoardWordingDialog(view, typed, problem, self)
        if not self._dialog(dialog):
            return
        wording, service = dialog.text(), self._service

        def failed(error: BaseException) -> None:
            if isinstance(error, ValidationFailed) and "board_wording" in error.problems:
                self.confirm_wording(wording, error.problems["board_wording"])
            else:
                self._on_failed(error)

        self._save(lambda: service.confirm_board_wording(view.id, wording),
                   "Wording for the board confirmed.", failed)  # fmt: skip
