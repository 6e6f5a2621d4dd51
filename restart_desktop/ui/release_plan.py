"""A person's release plan: the checklist worked through at the gate, with one key per tick
(Space: done now; N: not needed; P: problem; Enter: details), the release outcome, and the
person's release-day sheet as a PDF."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QVBoxLayout, QWidget

from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import (
    ItemUpdate,
    PlanItemView,
    PlanView,
    ReleaseSheet,
    item_edit_base,
)
from restart_desktop.app.versions import EditClashed
from restart_desktop.domain.checklist import FirstNight, ItemState
from restart_desktop.ui.clashes import ask_clashes
from restart_desktop.ui.list_models import EnterTableView, fit_columns
from restart_desktop.ui.release_plan_dialogs import AddItemDialog, ItemDialog, OutcomeDialog
from restart_desktop.ui.release_plan_model import (
    COL_DUE,
    COL_ITEM,
    COL_RECORDED,
    COL_SECTION,
    COL_STATE,
    PlanItemsTableModel,
    detail_text,
)
from restart_desktop.ui.shortcuts import bind, declare
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import ask_save_path, run_dialog

TABLE_FONT_PT = 12
ROW_HEIGHT = 34
LATE_STYLE = "background: #a40000; color: #ffffff; padding: 6px; font-weight: 600;"
MOVED_STYLE = "background: #fff1c2; color: #000; border: 1px solid #c89b00; padding: 6px;"

CHECKLIST = "Release-day checklist"
DONE_KEY = declare(CHECKLIST, "Space", "Mark the item done now, and move on")
NOT_NEEDED_KEY = declare(CHECKLIST, "N", "Not needed (with a reason), and move on")
PROBLEM_KEY = declare(CHECKLIST, "P", "A problem (with a note), and move on")
ADD_KEY = declare(CHECKLIST, "Insert", "Add an item to this person's plan")
declare(CHECKLIST, "Return", "Open the item: state, time, note, appointment")
declare(CHECKLIST, "Alt+O", "Record the release outcome")
declare(CHECKLIST, "Alt+T", "The release-day sheet for the person (PDF)")


class ReleasePlanPanel(QWidget):
    """A person's release-day checklist and outcome; the case file reloads them when a change
    notice concerns them."""

    def __init__(
        self,
        service: ReleaseService,
        runner: TaskRunner,
        case_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.case_id = case_id
        self.plan: PlanView | None = None
        self.person_name = ""
        self._sheet_writer: QObject | None = None

        self.release_line = QLabel("Loading…")
        self.release_line.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.release_line.setAccessibleName("Release")
        self.moved = QLabel("")
        self.moved.setWordWrap(True)
        self.moved.setAccessibleName("Release date changes")
        self.moved.hide()
        self.progress = QLabel("")
        self.progress.setStyleSheet("font-size: 14pt;")
        self.progress.setAccessibleName("Progress")
        self.outcome_line = QLabel("")
        self.outcome_line.setWordWrap(True)
        self.outcome_line.setAccessibleName("Release outcome")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Message")
        self.message.setOpenExternalLinks(False)
        # Tab reaches the "Open it" link of a saved sheet; Enter opens it.
        self.message.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.message.linkActivated.connect(self._on_link)

        self.no_plan = QWidget()
        no_plan_layout = QHBoxLayout(self.no_plan)
        no_plan_text = QLabel("There is no release plan for this person yet.")
        no_plan_text.setStyleSheet("font-size: 13pt;")
        self.start_button = QPushButton("St&art the release plan")
        self.start_button.clicked.connect(self._on_start_clicked)
        no_plan_layout.addWidget(no_plan_text)
        no_plan_layout.addWidget(self.start_button)
        no_plan_layout.addStretch(1)
        self.no_plan.hide()

        self.model = PlanItemsTableModel(service.clock, self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(
            "Release checklist. Space: done now. N: not needed. P: problem. Enter: details."
        )
        font = self.table.font()
        font.setPointSize(TABLE_FONT_PT)
        self.table.setFont(font)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.setTabKeyNavigation(False)  # Tab moves on to the buttons
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_ITEM, QHeaderView.ResizeMode.Stretch)
        fit_columns(self.table, (COL_SECTION, COL_DUE, COL_STATE))
        # When and by whom, then the note: a long note is cut where the item would be (the
        # line under the table has it whole).
        fit_columns(self.table, (COL_RECORDED,), share=0.2)
        self.help = QLabel("")
        self.help.setWordWrap(True)
        self.help.setStyleSheet("font-size: 12pt;")
        self.help.setAccessibleName("What this item means")

        self.done_button = QPushButton("&Done now (Space)")
        self.not_needed_button = QPushButton("&Not needed… (N)")
        self.problem_button = QPushButton("&Problem… (P)")
        self.details_button = QPushButton("D&etails… (Enter)")
        self.add_button = QPushButton("Add &item…")
        self.sheet_button = QPushButton("Release-day shee&t (PDF)…")
        self.outcome_button = QPushButton("Record &outcome…")
        buttons = QHBoxLayout()
        for button in (
            self.done_button,
            self.not_needed_button,
            self.problem_button,
            self.details_button,
            self.add_button,
        ):
            button.setMinimumHeight(ROW_HEIGHT)
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.sheet_button, self.outcome_button):
            button.setMinimumHeight(ROW_HEIGHT)
            buttons.addWidget(button)
        self.plan_widgets: tuple[QWidget, ...] = (
            self.table,
            self.help,
            self.done_button,
            self.not_needed_button,
            self.problem_button,
            self.details_button,
            self.add_button,
            self.sheet_button,
            self.outcome_button,
            self.progress,
            self.outcome_line,
        )

        layout = QVBoxLayout(self)
        layout.addWidget(self.release_line)
        layout.addWidget(self.moved)
        layout.addWidget(self.progress)
        layout.addWidget(self.no_plan)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.help)
        layout.addWidget(self.outcome_line)
        layout.addWidget(self.message)

        self.done_button.clicked.connect(self.mark_done)
        self.not_needed_button.clicked.connect(lambda: self.edit_item(ItemState.NOT_NEEDED))
        self.problem_button.clicked.connect(lambda: self.edit_item(ItemState.PROBLEM))
        self.details_button.clicked.connect(lambda: self.edit_item())
        self.add_button.clicked.connect(self.add_item)
        self.sheet_button.clicked.connect(self.make_sheet)
        self.outcome_button.clicked.connect(self.record_outcome)
        self.table.row_activated.connect(lambda _row: self.edit_item())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_help())
        for declared, slot in (
            (DONE_KEY, self.mark_done),
            (NOT_NEEDED_KEY, lambda: self.edit_item(ItemState.NOT_NEEDED)),
            (PROBLEM_KEY, lambda: self.edit_item(ItemState.PROBLEM)),
            (ADD_KEY, self.add_item),
        ):
            bind(declared, self.table, slot, Qt.ShortcutContext.WidgetShortcut)
        self.reload()

    # --- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        service, case_id = self._service, self.case_id
        self._runner.run(lambda: service.plan(case_id), self._on_loaded, self._on_failed)

    def _on_loaded(self, plan: PlanView | None) -> None:
        current = self.current_item()
        self.plan = plan
        has_plan = plan is not None
        self.no_plan.setVisible(not has_plan)
        for widget in self.plan_widgets:
            widget.setVisible(has_plan)
        if plan is None:
            self.release_line.setText("Release day")
            self.moved.hide()
            self.model.set_rows([])
            return
        self.person_name = plan.person_name
        self.model.today = self._service.clock.today()
        self.model.set_rows(list(plan.items))
        self._show_header(plan)
        if plan.items:
            row = self.model.row_of(current.code) if current else -1
            if row < 0:
                row = next(
                    (
                        n
                        for n, i in enumerate(plan.items)
                        if i.applies and i.state == ItemState.OPEN
                    ),
                    0,
                )
            index = self.model.index(row, COL_ITEM)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index, EnterTableView.ScrollHint.PositionAtCenter)
        self._show_help()

    def _show_header(self, plan: PlanView) -> None:
        if plan.release_date is not None:
            when = f"{plan.release_date:%A %d/%m/%Y}"
            when += f" at {plan.release_time}" if plan.release_time else ", time not known"
        else:
            when = "date not known"
        where = f" from {plan.prison}" if plan.prison else ""
        self.release_line.setText(f"Release{where}: {when}")
        flags = []
        if plan.flags and plan.flags.upcoming and plan.flags.friday:
            flags.append("Friday release")
        if plan.flags and plan.flags.upcoming and plan.flags.pre_bank_holiday:
            flags.append("before a bank holiday")
        if plan.flags and plan.flags.duty_to_refer:
            flags.append("Duty to Refer due")
        progress = plan.progress
        text = progress.text
        if progress.required_outstanding:
            text += f" · {progress.required_outstanding} required still to do"
        if flags:
            text += " · " + ", ".join(flags)
        self.progress.setText(text)
        move = plan.move
        if move is not None:
            was = (
                f"{move.previous_date:%a %d/%m/%Y}"
                + (f" {move.previous_time}" if move.previous_time else "")
                if move.previous_date
                else "no date"
            )
            moved = self._service.clock.local_text(move.changed_at, "%d/%m at %H:%M")
            words = f"Release moved on {moved} (it was {was})."
            if move.late:
                words += (
                    " Changed within 48 hours of the release: check transport, appointments "
                    "and tonight's accommodation again."
                )
            self.moved.setText(words)
            self.moved.setStyleSheet(LATE_STYLE if move.late else MOVED_STYLE)
            self.moved.show()
        else:
            self.moved.hide()
        outcome = plan.outcome
        if outcome.recorded:
            fields = outcome.fields
            night = FirstNight(fields.first_night).label if fields.first_night else ""
            detail = f" ({fields.first_night_detail})" if fields.first_night_detail else ""
            if fields.met_at_gate:
                gate = "met at the gate" + (
                    " at " + self._service.clock.local_text(fields.met_at_gate_at, "%H:%M")
                    if fields.met_at_gate_at
                    else ""
                )
            else:
                gate = "not met at the gate"
            self.outcome_line.setText(f"Outcome: first night: {night}{detail}; {gate}.")
        else:
            self.outcome_line.setText("Outcome not recorded yet (Record outcome, Alt+O).")

    def _show_help(self) -> None:
        item = self.current_item()
        zone = self._service.clock.zone
        self.help.setText(detail_text(item, zone) if item is not None else "")

    def _on_failed(self, error: BaseException) -> None:
        self.message.setText(user_message(error))

    def current_item(self) -> PlanItemView | None:
        return self.model.item(self.table.currentIndex().row())

    # --- actions ----------------------------------------------------------------------------
    def _save(
        self,
        work: Callable[[], str | None],
        message: str = "",
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.message.setText("Saving…")

        def done(result: object) -> None:
            # The plan (and every view showing it) reloads from the change notice.
            self.message.setText(result if isinstance(result, str) else message)

        self._runner.run(work, done, failed or self._on_failed)

    def _on_start_clicked(self) -> None:
        service, case_id = self._service, self.case_id

        def start() -> None:
            service.start_plan(case_id)

        self._save(start, "Release plan started.")

    def mark_done(self) -> None:
        item, plan = self.current_item(), self.plan
        if item is None or plan is None:
            return
        if not item.applies:
            self.message.setText(
                f"This item does not apply to this release ({item.applies_label.lower()})."
            )
            return
        if item.state == ItemState.DONE and item.state_at is not None:
            self.message.setText(
                f"Already done at {self._service.clock.local_text(item.state_at, '%H:%M')}. "
                "Press Enter to change it."
            )
            return
        service, plan_id, code = self._service, plan.id, item.code
        self._save(lambda: service.mark_done(plan_id, code), f"Done: {item.label}.")
        self._move_on()

    def _move_on(self) -> None:
        """To the next item, as a worker ticking down the list expects."""
        row = self.table.currentIndex().row()
        if row + 1 < self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(row + 1, COL_ITEM))

    def edit_item(self, state: ItemState | None = None) -> None:
        item, plan = self.current_item(), self.plan
        if item is None or plan is None:
            return
        dialog = ItemDialog(item, self._service.clock, state, self)
        if not run_dialog(dialog, self.table):
            return
        update = dialog.item_update()
        self._save_item(plan.id, item, replace(update, base=item_edit_base(item, update)))
        if state is not None:  # N or P: on to the next item, as Space does
            self._move_on()

    def _save_item(self, plan_id: str, item: PlanItemView, update: ItemUpdate) -> None:
        """Save what the dialog changed; if someone else changed the same field meanwhile,
        show both and save the worker's choice (version-checked again)."""
        service = self._service

        def failed(error: BaseException) -> None:
            if not isinstance(error, EditClashed) or update.base is None:
                self._on_failed(error)
                return
            keeps = ask_clashes(self, error, self._service.clock)
            if keeps is None:
                self.message.setText("Not saved: someone else changed this item.")
                self.reload()
                return
            self._save_item(plan_id, item, replace(update, base=update.base.rebased(error, keeps)))

        self._save(
            lambda: service.update_item(plan_id, item.code, update),
            f"{update.state.label}: {item.label}.",
            failed,
        )

    def add_item(self) -> None:
        plan = self.plan
        if plan is None:
            return
        current = self.current_item()
        dialog = AddItemDialog(plan.person_name, self, current.section if current else None)
        if not run_dialog(dialog, self.table):
            return
        service, label = self._service, dialog.label.text()
        section, required = dialog.chosen_section(), dialog.required.isChecked()

        def add() -> None:
            service.add_item(plan.id, label, section, required)

        self._save(add, f"Added: {label.strip()}.")

    def record_outcome(self) -> None:
        plan = self.plan
        if plan is None:
            return
        self._ask_outcome(plan.id, OutcomeDialog(plan, self._service.clock, self))

    def _ask_outcome(self, plan_id: str, dialog: OutcomeDialog) -> None:
        """Run the outcome dialog; a refused save opens it again with what was typed and
        the reason under the field, so nothing typed at the gate is lost."""
        if not run_dialog(dialog, self.table):
            return
        service, outcome = self._service, dialog.outcome()

        def failed(error: BaseException) -> None:
            if not isinstance(error, ValidationFailed):
                self._on_failed(error)
                return
            dialog.show_problems(error.problems)
            self.message.setText("Outcome not saved yet: see what to correct.")
            QTimer.singleShot(0, lambda: self._ask_outcome(plan_id, dialog))

        self._save(lambda: service.record_outcome(plan_id, outcome), failed=failed)

    def make_sheet(self) -> None:
        """Ask where to save, then make the PDF on the worker thread."""
        if self.plan is None:
            return
        day = self.plan.release_date or self._service.clock.today()
        target = ask_save_path(
            self.table,
            "Save the release-day sheet",
            f"Release day sheet {day:%d-%m-%Y}.pdf",
            ".pdf",
            "PDF files",
        )
        if target is None:
            return
        service, case_id = self._service, self.case_id
        self.message.setText("Making the release-day sheet…")
        # The data comes from the database worker; the PDF is drawn on a Qt thread of its own.
        self._runner.run(
            lambda: service.release_sheet(case_id),
            lambda sheet: self._write_sheet(sheet, target),
            self._on_sheet_failed,
        )

    def _write_sheet(self, sheet: ReleaseSheet, target: Path) -> None:
        from restart_desktop.documents.release_sheet import sheet_writer

        # Kept until it has finished.
        self._sheet_writer = sheet_writer(sheet, target, self).begin(
            self._on_sheet_made, self._on_sheet_failed
        )

    def _on_sheet_made(self, path: Path) -> None:
        link = QUrl.fromLocalFile(str(path)).toString()
        self.message.setText(
            f'Release-day sheet saved as {html.escape(str(path))}. <a href="{link}">Open it</a>'
            " to print or check it."
        )

    def _on_sheet_failed(self, error: BaseException) -> None:
        if isinstance(error, OSError):
            self.message.setText(
                f"The sheet could not be saved there ({error.strerror or error}). Choose "
                "another folder."
            )
            return
        self._on_failed(error)

    def _on_link(self, link: str) -> None:
        QDesktopServices.openUrl(QUrl(link))
