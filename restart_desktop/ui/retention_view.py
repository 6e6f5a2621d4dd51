"""Settings > Data retention: the retention periods, what this laptop will erase next and
when (and what holds each back), and erasing what is due now."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.retention import (
    RetentionOverview,
    RetentionRun,
    RetentionService,
    ScheduledErasure,
)
from restart_desktop.domain.retention import MAX_EXPORT_YEARS, MAX_LAPTOP_DAYS, RetentionPolicy
from restart_desktop.ui.list_models import EnterTableView, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import FieldError, buddy_label


class ScheduleModel(RowListTableModel[ScheduledErasure]):
    COLUMNS: ClassVar[tuple[str, ...]] = ("Person", "Rule", "Due", "Waiting for")

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        item = self.row_item(index.row())
        if item is None or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return (
            item.name,
            item.rule.label,
            f"{item.due:%d/%m/%Y}",
            item.waiting_for or "Nothing: erased on the due date",
        )[index.column()]


def describe(run: RetentionRun) -> str:
    if not run.erased:
        return "Nothing was due: no case was erased."
    cases = "case" if run.erased == 1 else "cases"
    return f"{run.erased} {cases} erased from this laptop under the retention rules."


class RetentionDialog(QDialog):
    def __init__(
        self, service: RetentionService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Data retention")
        self.resize(860, 560)
        self._service, self._runner = service, runner
        intro = QLabel(
            "Closed cases leave a worker's laptop a set time after closing, and only once "
            "the central export holds every change made to them here. A supervisor's laptop "
            "and the central export keep them for the retention period, then erase them "
            "everywhere. A supervisor's legal hold keeps a case whatever the rules say."
        )
        intro.setWordWrap(True)
        self.laptop_days = QSpinBox()
        self.laptop_days.setRange(1, MAX_LAPTOP_DAYS)
        self.laptop_days.setSuffix(" days after closing")
        self.laptop_days.setAccessibleName("Days a closed case stays on a worker's laptop")
        self.export_years = QSpinBox()
        self.export_years.setRange(1, MAX_EXPORT_YEARS)
        self.export_years.setSuffix(" years after closing")
        self.export_years.setAccessibleName("Years a closed case is kept centrally")
        self.save_button = QPushButton("&Save periods")
        self.save_button.clicked.connect(self._on_save)
        self.error = FieldError()
        form = QFormLayout()
        laptop_label = buddy_label("On workers' &laptops:", self.laptop_days)
        years_label = buddy_label("&Centrally and on supervisors' laptops:", self.export_years)
        form.addRow(laptop_label, self.laptop_days)
        form.addRow(years_label, self.export_years)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addStretch(1)
        form.addRow("", row)
        form.addRow(self.error)
        # Until the periods are read, and for good on a worker's laptop.
        for widget in (self.laptop_days, self.export_years, self.save_button):
            widget.setEnabled(False)
        self.set_by = QLabel("The periods are set by a supervisor.")
        self.set_by.hide()
        form.addRow(self.set_by)

        self.model = ScheduleModel(self)
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("What will be erased next and when")
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel("Working out what is due…")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Retention summary")
        table_label = buddy_label("&What will be erased next, and when:", self.table)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.erase_button = buttons.addButton(
            "&Erase what is due now", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.erase_button.setEnabled(False)
        self.erase_button.clicked.connect(self._on_erase)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(table_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self._runner.run(self._service.overview, self._on_overview, self._on_failed)

    def _on_overview(self, overview: RetentionOverview) -> None:
        self.laptop_days.setValue(overview.policy.laptop_days)
        self.export_years.setValue(overview.policy.export_years)
        for widget in (self.laptop_days, self.export_years, self.save_button):
            widget.setEnabled(overview.can_change)
        self.set_by.setVisible(not overview.can_change)
        self._on_schedule(overview.listed)

    def _on_schedule(self, items: list[ScheduledErasure]) -> None:
        self.model.set_rows(items)
        self.table.resizeColumnsToContents()
        today = self._service.today()
        due = sum(1 for item in items if not item.waiting_for and item.due <= today)
        if not items:
            self.summary.setText("No case on this laptop is due to be erased.")
        else:
            nxt = items[0]
            self.summary.setText(
                f"{len(items)} case{'s' if len(items) != 1 else ''} listed; {due} due now. "
                f"Next: {nxt.due:%d/%m/%Y}. Erasing runs by itself after every sync and when "
                "the data is opened."
            )
        self.erase_button.setEnabled(due > 0)
        if items:
            self.table.selectRow(0)

    def _on_failed(self, error: BaseException) -> None:
        self.summary.setText(user_message(error))

    def _on_save(self) -> None:
        policy = RetentionPolicy(self.laptop_days.value(), self.export_years.value())
        service = self._service

        def saved(_none: None) -> None:
            self.error.show_message("")
            self.summary.setText("The retention periods are saved.")
            self.refresh()

        self._runner.run(
            lambda: service.set_policy(policy),
            saved,
            lambda error: self.error.show_message(user_message(error)),
        )

    def _on_erase(self) -> None:
        answer = QMessageBox.question(
            self,
            "Erase now?",
            "Erase the cases that are due from this laptop now? Erased records cannot be "
            "brought back here.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.erase_button.setEnabled(False)
        self.summary.setText("Erasing…")

        def done(run: RetentionRun) -> None:
            self.summary.setText(describe(run))
            self._runner.run(self._service.schedule, self._after_erase, self._on_failed)

        self._runner.run(self._service.run, done, self._on_failed)

    def _after_erase(self, items: list[ScheduledErasure]) -> None:
        text = self.summary.text()
        self._on_schedule(items)
        self.summary.setText(text)
