"""The barriers register (Ctrl+B): barriers to resettlement that workers meet and escalate, with
their counts by category and status, the barrier dialog and the status dialog."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.case_views import CaseloadQuery, StatusFilter
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.outcomes import (
    BarrierCounts,
    BarrierFields,
    BarrierQuery,
    BarrierView,
    OutcomeService,
    barrier_edit_base,
)
from restart_desktop.app.versions import EditBase, EditClashed
from restart_desktop.domain.outcomes import BARRIER_TRANSITIONS, BarrierStatus
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.ui.barrier_models import BarrierCountsTableModel, BarriersTableModel
from restart_desktop.ui.board_wording import BoardWordingDialog
from restart_desktop.ui.clashes import ask_clashes
from restart_desktop.ui.list_models import EnterTableView
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import (
    DateField,
    FieldError,
    SearchBox,
    buddy_label,
    ok_cancel,
    run_dialog,
)


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
        fields = fields or BarrierFields("", "", raised_on=cases.clock.today())
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
            label = buddy_label(caption, widget)
            form.addRow(label, widget)
            if key:
                form.addRow("", self.errors[key])
        form.addRow("", self.found)
        form.addRow("Cases affected:", self.cases_label)
        form.addRow("", self.unlink)
        buttons = ok_cancel(self, "Save", self._on_accept)
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
        self._runner.run(
            lambda: cases.caseload_page(query, 0, 2),
            self._on_found,
            lambda error: self.found.setText(user_message(error)),
        )

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
            self.title.text(),
            str(self.category.currentData() or ""),
            self.description.toPlainText(),
            tuple(self.linked),
            raised,
        )

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
    def __init__(self, view: BarrierView, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Barrier")  # its title may name someone
        self.status = QComboBox()
        self.status.setAccessibleName("New status")
        # The usual next step first; re-opening last, so Enter never re-opens by accident.
        for status in (
            BarrierStatus.ESCALATED,
            BarrierStatus.RESOLVED,
            BarrierStatus.CLOSED,
            BarrierStatus.OPEN,
        ):
            if status in BARRIER_TRANSITIONS[view.status]:
                self.status.addItem(status.label, status.value)
        self.resolution = QLineEdit(view.resolution)
        self.resolution.setAccessibleName("How it was resolved, or why it is closed")
        self.resolved_on = DateField("Date resolved or closed")
        self.resolved_on.set_date(today)  # the session's day
        self.error = FieldError()
        form = QFormLayout()
        for caption, widget in (
            ("&New status:", self.status),
            ("&Resolution:", self.resolution),
            ("&Date:", self.resolved_on),
        ):
            label = buddy_label(caption, widget)
            form.addRow(label, widget)
        buttons = ok_cancel(self, "Save", self._on_accept)
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
        today = service.clock.today()
        self.raised_from.set_date(today - dt.timedelta(days=91))
        self.raised_to = DateField("Raised up to")
        self.raised_to.set_date(today)
        self.new_button = QPushButton("&New barrier… (Ins)")
        self.edit_button = QPushButton("&Edit… (Enter)")
        self.status_button = QPushButton("&Update status…")
        self.wording_button = QPushButton("Wording for the &board…")
        self.wording_button.setToolTip(
            "What the board pack says about this barrier: no "
            "names, prison numbers or CRNs (supervisors)"
        )
        if not service.can_confirm_wording:  # supervisors only (a parentless show() would
            self.wording_button.hide()  # open it as a window of its own)
        filters = QHBoxLayout()
        for caption, widget in (
            ("Cate&gory:", self.category),
            ("St&atus:", self.status),
            ("Raised fr&om:", self.raised_from),
            ("&to:", self.raised_to),
        ):
            label = buddy_label(caption, widget)
            filters.addWidget(label)
            filters.addWidget(widget)
        filters.addStretch(1)
        actions = QHBoxLayout()
        for button in (self.new_button, self.edit_button, self.status_button, self.wording_button):
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
        height = (
            self.counts_table.horizontalHeader().height()
            + 4
            + sum(self.counts_table.rowHeight(r) for r in range(rows))
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
            f"{view.raised_on:%d/%m/%Y} by {e(view.raised_by)}. <b>{e(view.status.label)}</b>."
        ]
        if view.description:
            parts.append(e(view.description))
        if view.case_names:
            parts.append("Cases: " + e("; ".join(view.case_names)))
        if view.resolution:
            when = f" ({view.resolved_on:%d/%m/%Y})" if view.resolved_on else ""
            parts.append(f"Resolution{when}: {e(view.resolution)}")
        parts.append(
            "For the board: "
            + (e(view.board_wording) if view.board_wording else "<i>no wording confirmed yet</i>")
        )
        self.details.setText("<br>".join(parts))

    def _dialog(self, dialog: QDialog) -> bool:
        return run_dialog(dialog, self.table)

    def _save(
        self,
        work: Callable[[], object],
        message: str,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
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
        dialog = BarrierDialog(
            self._reference, self._cases, self._runner, view.fields(), view.case_names, self
        )
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
            keeps = ask_clashes(self, error, self._service.clock)
            if keeps is None:
                self.message.setText("Not saved: someone else changed this barrier.")
                self.refresh()
                return
            self._update_barrier(barrier_id, fields, base.rebased(error, keeps))

        self._save(
            lambda: service.update_barrier(barrier_id, fields, base), "Barrier saved.", failed
        )

    def change_status(self) -> None:
        view = self.current()
        if view is None:
            return
        dialog = BarrierStatusDialog(view, self._service.clock.today(), self)
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

        self._save(
            lambda: service.confirm_board_wording(view.id, wording),
            "Wording for the board confirmed.",
            failed,
        )
