"""The caseload as a Qt table model, fetched from the store in pages.

Filtering and sorting happen in SQL (``CaseService``), because the list is paged: a proxy
model could only sort the rows already fetched. Each query carries a generation number so a
slow answer to an old keystroke never overwrites a newer one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from restart_desktop.app.case_views import CaseloadQuery, CaseRow, CaseSort
from restart_desktop.app.cases import CaseService
from restart_desktop.ui.list_models import TEXT_ROLES
from restart_desktop.ui.tasks import TaskRunner, user_message

PAGE_SIZE = 100  # about four screens: enough to scroll while the next page loads
ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
FLAGGED_ROLE = Qt.ItemDataRole.UserRole + 3

COLUMNS = (
    "Name",
    "Prison no.",
    "Prison",
    "Release",
    "Days",
    "Flags",
    "Overdue",
    "Status",
    "Worker",
)
(
    COL_NAME,
    COL_NOMIS,
    COL_PRISON,
    COL_RELEASE,
    COL_DAYS,
    COL_FLAGS,
    COL_OVERDUE,
    COL_STATUS,
    COL_WORKER,
) = range(len(COLUMNS))
SORT_FOR_COLUMN = {
    COL_NAME: CaseSort.NAME,
    COL_NOMIS: CaseSort.NOMIS,
    COL_PRISON: CaseSort.PRISON,
    COL_RELEASE: CaseSort.RELEASE,
    COL_DAYS: CaseSort.RELEASE,
    COL_STATUS: CaseSort.STATUS,
    COL_WORKER: CaseSort.WORKER,
}
FLAG_BACKGROUND = QColor("#fff1c2")  # light amber: readable with dark text, also in print
_FLAG_BRUSH = QBrush(FLAG_BACKGROUND)
_FLAG_TEXT_BRUSH = QBrush(QColor("#000000"))
_R = Qt.ItemDataRole
_DISPLAY, _ACCESSIBLE_TEXT, _TOOLTIP = (
    int(_R.DisplayRole),
    int(_R.AccessibleTextRole),
    int(_R.ToolTipRole),
)
_BACKGROUND, _FOREGROUND, _TEXT_ALIGNMENT = (
    int(_R.BackgroundRole),
    int(_R.ForegroundRole),
    int(_R.TextAlignmentRole),
)
_UNUSED_ROLES = frozenset(
    int(r) for r in (_R.DecorationRole, _R.CheckStateRole, _R.FontRole, _R.SizeHintRole)
)
_FLAG_COLUMNS = frozenset({COL_RELEASE, COL_FLAGS})
_NUMBER_COLUMNS = frozenset({COL_DAYS, COL_OVERDUE})
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

_Index = QModelIndex | QPersistentModelIndex


def format_release(row: CaseRow) -> str:
    if row.release_date is None:
        return ""
    text = row.release_date.strftime("%a %d %b %Y")
    return f"{text} {row.release_time}" if row.release_time else text


def flag_text(row: CaseRow) -> str:
    return ", ".join(row.flags.describe()) if row.flags else ""


class CaseloadTableModel(QAbstractTableModel):
    """Signals:
    loaded(int): a query finished; the argument is the total number of matching cases.
    failed(str): a query failed; the argument is a message for the user.
    """

    loaded = Signal(int)
    failed = Signal(str)

    def __init__(self, service: CaseService, runner: TaskRunner, parent: QObject | None = None):
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._rows: list[CaseRow] = []
        self._cell_cache: dict[int, tuple[str, ...]] = {}
        self._total = 0
        self._query = CaseloadQuery()
        self._generation = 0
        self._fetching = False

    # --- queries --------------------------------------------------------------------------
    @property
    def query(self) -> CaseloadQuery:
        return self._query

    @property
    def total(self) -> int:
        return self._total

    def set_query(self, query: CaseloadQuery) -> None:
        """Show the cases matching ``query``; nothing is fetched if it is what is shown already.

        The view calls this several times while it is set up (sorting enabled, sort indicator,
        filters): only queries that change something reach the database.
        """
        if query == self._query and self._generation > 0:
            return
        self._query = query
        self.refresh()

    def set_sort_quietly(self, sort: CaseSort, descending: bool) -> None:
        """Set the order before the first query, without fetching anything."""
        self._query = replace(self._query, sort=sort, descending=descending)

    def refresh(self) -> None:
        self._generation += 1
        generation, query, service = self._generation, self._query, self._service

        def work() -> tuple[int, list[CaseRow]]:
            return service.caseload_page_and_count(query, 0, PAGE_SIZE)

        self._fetching = True
        self._runner.run(work, lambda r: self._on_first_page(generation, r), self._on_error)

    def _on_first_page(self, generation: int, result: tuple[int, list[CaseRow]]) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._total, self._rows = result
        self._cell_cache.clear()
        self._fetching = False
        self.endResetModel()
        self.loaded.emit(self._total)

    def _on_error(self, error: BaseException) -> None:
        self._fetching = False
        self.failed.emit(user_message(error))

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._fetching and len(self._rows) < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        generation, query, offset = self._generation, self._query, len(self._rows)
        service = self._service
        self._runner.run(
            lambda: service.caseload_page(query, offset, PAGE_SIZE),
            lambda rows: self._on_more(generation, offset, rows),
            self._on_error,
        )

    def _on_more(self, generation: int, offset: int, rows: list[CaseRow]) -> None:
        if generation != self._generation or offset != len(self._rows):
            return
        self._fetching = False
        if not rows:
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    # --- the model ------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def row_at(self, row: int) -> CaseRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, case_id: str) -> int:
        for number, row in enumerate(self._rows):
            if row.id == case_id:
                return number
        return -1

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
            and role in TEXT_ROLES
        ):
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Painting asks for about eight roles of every visible cell: answer with plain int
        # comparisons and cached strings (this was most of a keystroke's time at 10,000 cases).
        role = int(role)
        number = index.row()
        if not 0 <= number < len(self._rows) or not index.isValid():
            return None
        column = index.column()
        if role in (_DISPLAY, _ACCESSIBLE_TEXT):
            return self._cells(number)[column]
        if role in _UNUSED_ROLES:
            return None
        row = self._rows[number]
        if role == ID_ROLE:
            return row.id
        if role == SORT_ROLE:
            return self._sort_value(row, column)
        marked = self._marked(row)
        if role == FLAGGED_ROLE:
            return marked
        if column in _FLAG_COLUMNS and marked:
            if role == _BACKGROUND:
                return _FLAG_BRUSH
            if role == _FOREGROUND:
                return _FLAG_TEXT_BRUSH
        if role == _TEXT_ALIGNMENT and column in _NUMBER_COLUMNS:
            return _RIGHT_ALIGNED
        if role == _TOOLTIP:
            if column == COL_FLAGS and row.flags:
                return self._flag_tooltip(row)
            if column == COL_OVERDUE and row.overdue_actions:
                count = row.overdue_actions
                return f"{count} follow-up action{'s' if count != 1 else ''} past the due date"
        return None

    def _cells(self, number: int) -> tuple[str, ...]:
        cells = self._cell_cache.get(number)
        if cells is None:
            row = self._rows[number]
            cells = tuple(self._display(row, column) for column in range(len(COLUMNS)))
            self._cell_cache[number] = cells
        return cells

    @staticmethod
    def _marked(row: CaseRow) -> bool:
        flags = row.flags
        return bool(flags and (flags.needs_weekend_plan or flags.duty_to_refer))

    def _display(self, row: CaseRow, column: int) -> str:
        if column == COL_NAME:
            return row.name
        if column == COL_NOMIS:
            return row.nomis_number
        if column == COL_PRISON:
            return row.prison
        if column == COL_RELEASE:
            return format_release(row)
        if column == COL_DAYS:
            if row.flags is None or row.flags.days_to_release is None:
                return ""
            days = row.flags.days_to_release
            return str(days) if days >= 0 else f"{-days} ago"
        if column == COL_FLAGS:
            return flag_text(row)
        if column == COL_OVERDUE:
            return str(row.overdue_actions) if row.overdue_actions else ""
        if column == COL_STATUS:
            return row.status.label
        if column == COL_WORKER:
            return row.worker_name or "Unallocated"
        return ""

    def _sort_value(self, row: CaseRow, column: int) -> Any:
        if column in (COL_RELEASE, COL_DAYS):
            return row.release_date or dt.date.max
        return self._display(row, column)

    @staticmethod
    def _flag_tooltip(row: CaseRow) -> str:
        assert row.flags is not None
        tips = []
        if row.flags.needs_weekend_plan:
            tips.append(
                "Housing, drug services and the Jobcentre may be closed the day after this "
                "release. Ask the prison to bring the release forward (Offenders (Day of "
                "Release from Detention) Act 2023), or plan for the closure."
            )
        if row.flags.duty_to_refer:
            tips.append(
                "Release within 56 days with no settled address: a Duty to Refer referral "
                "to a local housing authority is due."
            )
        return "\n".join(tips)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        sort = SORT_FOR_COLUMN.get(column)
        if sort is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if self._generation == 0:
            # The view enabling sorting during set-up: the first real query will use it.
            self.set_sort_quietly(sort, descending)
            return
        self.set_query(replace(self._query, sort=sort, descending=descending))
