"""Outcomes in the window: a person's assessments with the radar and line charts and their table
equivalent (a case-file section), the assessment dialog, and the barriers register view."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.outcomes import (
    AssessmentFields,
    AssessmentView,
    OutcomeService,
    assessment_edit_base,
    distance_of,
)
from restart_desktop.app.versions import EditBase, EditClashed
from restart_desktop.domain.outcomes import HIGHEST, AreaScore, score_problems
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.ui.charts import LineChart, RadarChart, Series
from restart_desktop.ui.clashes import ask_clashes
from restart_desktop.ui.confirm import confirm_finalise
from restart_desktop.ui.list_models import EnterTableView, fit_columns
from restart_desktop.ui.outcome_models import AssessmentsTableModel, ScoresTableModel
from restart_desktop.ui.tasks import TaskRunner, save_failed_message, user_message
from restart_desktop.ui.widgets import DateField, FieldError, ask_save_path, buddy_label, run_dialog

# --- the assessment dialog ------------------------------------------------------------------


class AssessmentDialog(QDialog):
    """Score each area 1-10 with the person (0 shows "not scored"), their own score if they
    give one, or skip an area with the reason; then save the draft or finalise it."""

    def __init__(
        self,
        reference: ReferenceData,
        fields: AssessmentFields,
        person_name: str,
        today: dt.date,
        parent: QWidget | None = None,
        read_only: bool = False,
    ) -> None:
        super().__init__(parent)
        self._today = today  # the session's day: the default date, and no later than it
        self.setWindowTitle("Outcome assessment")  # no name: titles show in the taskbar
        self.finalise_requested = False
        self.confirm: Callable[[], bool] | None = None  # the question before finalising
        self._fields = fields
        self._read_only = read_only
        descriptions = {a.code: a for a in reference.outcome_areas}
        self.date = DateField("Date of the assessment")
        self.date.set_date(fields.assessed_on or today)
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
                (
                    f"<b>{html.escape(area.label)}</b> · low (1-3): {html.escape(described.low)} "
                    f"· middle (4-7): {html.escape(described.middle)} · high (8-10): "
                    f"{html.escape(described.high)}"
                )
                if described
                else f"<b>{html.escape(area.label)}</b>"
            )
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
        disagreement_label = buddy_label(
            "Where the person sees it &differently:", self.disagreement
        )
        self.error = FieldError()
        top = QFormLayout()
        date_label = buddy_label("&Date:", self.date)
        present_label = buddy_label("&Who took part:", self.present)
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
            for control in (
                self.date,
                self.present,
                self.agreed,
                self.disagreement,
                self.save_button,
                self.finalise_button,
            ):
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
        if (
            not self._read_only
            and self.fields() != self._initial
            and QMessageBox.question(
                self,
                "Discard the changes?",
                "The scores and notes you typed will be lost. Discard them?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            != QMessageBox.StandardButton.Discard
        ):
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
            self._fields.person_id,
            day,
            self.present.text(),
            scores,
            self.agreed.isChecked(),
            self.disagreement.text(),
        )

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
        elif day > self._today:
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
        fit_columns(self.table, (0, 1, 2, 4))  # a worker's whole name under "By"
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
            by_code = [
                {s.code: s.worker for s in a.scores if not s.skipped} for a in (first, latest)
            ]
            series = [
                Series(
                    f"First, {first.assessed_on:%d/%m/%Y}",
                    tuple(by_code[0].get(d.code) for d in distances),
                )
            ]
            if len(final) > 1:
                series.append(
                    Series(
                        f"Latest, {latest.assessed_on:%d/%m/%Y}",
                        tuple(by_code[1].get(d.code) for d in distances),
                    )
                )
            self.radar.set_data(labels, tuple(series))
            self.radar.title = f"{self.person_name}: latest outcome scores against the first"
            self.line.title = f"{self.person_name}: outcome scores over time"
            per_date = [{s.code: s.worker for s in a.scores if not s.skipped} for a in final]
            self.line.set_data(
                tuple(a.assessed_on for a in final),
                tuple(Series(d.label, tuple(p.get(d.code) for p in per_date)) for d in distances),
            )
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
        today = self._service.clock.today()
        fields = AssessmentFields(self.case_id, today, "", self._service.blank_scores())
        self._open(fields, None)

    def edit(self) -> None:
        current = self.current()
        if current is None:
            return
        if current.final:
            dialog = AssessmentDialog(
                self._reference,
                current.fields(),
                self.person_name,
                self._service.clock.today(),
                self,
                read_only=True,
            )
            run_dialog(dialog, self.table)
            return
        self._open(current.fields(), current.id, current)

    def _open(
        self,
        fields: AssessmentFields,
        assessment_id: str | None,
        loaded: AssessmentView | None = None,
    ) -> None:
        today = self._service.clock.today()
        dialog = AssessmentDialog(self._reference, fields, self.person_name, today, self)
        session = self._service.session
        dialog.confirm = lambda: confirm_finalise(
            dialog,
            session,
            "this assessment",
            "A finalised assessment never changes; the next one is recorded beside it.",
        )
        if not run_dialog(dialog, self.table):
            return
        new, finalise = dialog.fields(), dialog.finalise_requested
        base = assessment_edit_base(loaded, new) if loaded is not None else None
        self._save_draft(new, assessment_id, finalise, base)

    def _save_draft(
        self,
        new: AssessmentFields,
        assessment_id: str | None,
        finalise: bool,
        base: EditBase | None,
    ) -> None:
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
                keeps = ask_clashes(self, error, self._service.clock)
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
        target = ask_save_path(
            self.table,
            f"Save the {what}",
            f"Outcomes {what} {self._service.clock.today():%d-%m-%Y}.png",
            ".png",
            "PNG pictures",
        )
        if target is None:
            return
        try:
            chart.save_png(target)
        except OSError as error:
            self.message.setText(save_failed_message("The picture", error))
            return
        link = QUrl.fromLocalFile(str(target)).toString()
        self.message.setText(f'Saved as {html.escape(str(target))}. <a href="{link}">Open it</a>.')
