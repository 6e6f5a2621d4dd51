"""The caseload: filters across the top, the table below; Enter opens a case file."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.case_views import CaseloadQuery, StatusFilter, WorkerOption
from restart_desktop.app.cases import CaseService
from restart_desktop.domain.case import CaseStatus
from restart_desktop.ui.caseload_model import COL_NAME, COL_RELEASE, ID_ROLE, CaseloadTableModel
from restart_desktop.ui.list_models import EnterTableView
from restart_desktop.ui.tasks import TaskRunner
from restart_desktop.ui.widgets import SearchBox, buddy_label

RELEASE_WINDOWS = (
    ("Any release date", None),
    ("Due out in 7 days", 7),
    ("Due out in 14 days", 14),
    ("Due out in 28 days", 28),
    ("Due out in 56 days", 56),
)
ANYONE = "__anyone__"
#: A search is recorded in the audit trail once the typing has stopped this long (never the
#: text typed; one entry per search, not per key).
SEARCH_SETTLED_MS = 1500


class CaseloadView(QWidget):
    """Signals:
    case_opened(str): the worker asked to open this case id.
    new_case_requested(): the worker asked to record a new person.
    """

    case_opened = Signal(str)
    new_case_requested = Signal()

    def __init__(
        self,
        service: CaseService,
        runner: TaskRunner,
        my_worker_id: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._my_worker_id = my_worker_id
        self._service, self._runner = service, runner
        self.model = CaseloadTableModel(service, runner, self)
        self._keep: tuple[str | None, int] = (None, 0)  # selected case, scrolled to: refresh
        self._search_settled = QTimer(self)
        self._search_settled.setSingleShot(True)
        self._search_settled.setInterval(SEARCH_SETTLED_MS)
        self._search_settled.timeout.connect(self._on_search_settled_timeout)
        self._recorded_search = ""

        self.search = SearchBox()
        self.search.setPlaceholderText("Name, prison number or CRN")
        self.search.setAccessibleName("Search the caseload by name, prison number or CRN")
        self.search.setClearButtonEnabled(True)
        search_label = buddy_label("F&ind:", self.search)  # Alt+F is the File menu

        self.status_filter = QComboBox()
        self.status_filter.setAccessibleName("Filter by case status")
        self.status_filter.addItem("Open cases", StatusFilter.OPEN.value)
        self.status_filter.addItem("All cases", StatusFilter.ALL.value)
        for status in CaseStatus:
            self.status_filter.addItem(status.label, status.value)
        status_label = buddy_label("S&tatus:", self.status_filter)

        self.worker_filter = QComboBox()
        self.worker_filter.setAccessibleName("Filter by allocated worker")
        self.worker_filter.addItem("My cases", my_worker_id)
        self.worker_filter.addItem("Everyone's cases", ANYONE)
        worker_label = buddy_label("&Worker:", self.worker_filter)

        self.release_filter = QComboBox()
        self.release_filter.setAccessibleName("Filter by release date")
        for label, days in RELEASE_WINDOWS:
            self.release_filter.addItem(label, days)
        release_label = buddy_label("&Release:", self.release_filter)

        self.new_button = QPushButton("&New recommendation…")
        self.new_button.setToolTip(
            "Record a person recommended to the programme: it goes to "
            "the intake queue for the allocation decision (Ctrl+N)"
        )
        self.new_button.clicked.connect(self.new_case_requested)

        self.count_label = QLabel("")
        self.count_label.setAccessibleName("Number of people shown")

        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Caseload")
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((200, 85, 140, 160, 60, 250, 65, 170)):
            self.table.setColumnWidth(column, width)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(COL_RELEASE, Qt.SortOrder.AscendingOrder)
        self.table.row_activated.connect(self._on_row_activated)

        filters = QHBoxLayout()
        for widget in (
            search_label,
            self.search,
            status_label,
            self.status_filter,
            worker_label,
            self.worker_filter,
            release_label,
            self.release_filter,
        ):
            filters.addWidget(widget)
        filters.setStretch(1, 2)
        filters.addWidget(self.new_button)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        layout.addWidget(self.count_label)
        self.empty_hint = QLabel(
            "No one on your caseload yet. Record the first person with New recommendation "
            "(Ctrl+N), or read Help > First steps. F1 lists every keyboard shortcut."
        )
        self.empty_hint.setWordWrap(True)
        self.empty_hint.setAccessibleName("First steps hint")
        self.empty_hint.hide()
        layout.addWidget(self.empty_hint)

        self.search.textChanged.connect(self._apply_filters)
        self.search.textChanged.connect(self._search_settled.start)
        self.search.down_pressed.connect(self._on_search_down)
        self.status_filter.currentIndexChanged.connect(self._apply_filters)
        self.worker_filter.currentIndexChanged.connect(self._apply_filters)
        self.release_filter.currentIndexChanged.connect(self._apply_filters)
        self.model.loaded.connect(self._on_model_loaded)
        self.model.failed.connect(self.count_label.setText)
        self.search.returnPressed.connect(self.table.setFocus)

        self.setTabOrder(self.search, self.status_filter)
        self.setTabOrder(self.status_filter, self.worker_filter)
        self.setTabOrder(self.worker_filter, self.release_filter)
        self.setTabOrder(self.release_filter, self.new_button)
        self.setTabOrder(self.new_button, self.table)
        self._apply_filters()

    def set_workers(self, workers: list[WorkerOption]) -> None:
        current = self.worker_filter.currentData()
        self.worker_filter.blockSignals(True)
        while self.worker_filter.count() > 2:
            self.worker_filter.removeItem(2)
        for worker in workers:
            if worker.id != self._my_worker_id:
                self.worker_filter.addItem(worker.name, worker.id)
        found = self.worker_filter.findData(current)
        self.worker_filter.setCurrentIndex(max(found, 0))
        self.worker_filter.blockSignals(False)

    def current_query(self) -> CaseloadQuery:
        worker = self.worker_filter.currentData()
        return replace(
            self.model.query,
            text=self.search.text(),
            status=self.status_filter.currentData(),
            worker_id=None if worker == ANYONE else worker,
            release_within_days=self.release_filter.currentData(),
        )

    def _apply_filters(self) -> None:
        self.model.set_query(self.current_query())

    def refresh(self) -> None:
        """Read the list again (a change notice): the person selected stays selected and the
        list stays where it was scrolled to."""
        self._keep = (self.selected_case_id(), self.table.verticalScrollBar().value())
        self.model.refresh()

    def _on_search_down(self) -> None:
        self.table.setFocus()
        if not self.table.currentIndex().isValid() and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, COL_NAME))

    def _on_search_settled_timeout(self) -> None:
        text = self.search.text().strip()
        if not text or text == self._recorded_search:
            return
        self._recorded_search = text
        found = self.model.total
        self._runner.run(lambda: self._service.record_caseload_search(found), lambda _r: None)

    def _on_model_loaded(self, total: int) -> None:
        self.count_label.setText("1 person" if total == 1 else f"{total} people")
        # An empty caseload at the first run, not an empty search: say where to start.
        filtered = bool(self.search.text().strip()) or any(
            box.currentIndex() > 0 for box in (self.status_filter, self.release_filter)
        )
        self.empty_hint.setVisible(total == 0 and not filtered)
        (selected, scrolled), self._keep = self._keep, (None, 0)
        row = self.model.row_of(selected) if selected else -1
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, COL_NAME))
            self.table.verticalScrollBar().setValue(scrolled)
            return
        if self.table.currentIndex().isValid() or self.model.rowCount() == 0:
            return
        self.table.setCurrentIndex(self.model.index(0, COL_NAME))

    def _on_row_activated(self, row: int) -> None:
        case = self.model.row_at(row)
        if case is not None:
            self.case_opened.emit(case.id)

    def selected_case_id(self) -> str | None:
        index = self.table.currentIndex()
        return index.siblingAtColumn(COL_NAME).data(ID_ROLE) if index.isValid() else None
