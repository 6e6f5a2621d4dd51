"""What the simple read-only lists share: a table model over plain rows with fixed columns,
and a table view that opens a row with Enter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)


class RowListTableModel(QAbstractTableModel, Generic[T]):
    """Rows given whole (``set_rows``); subclasses name ``COLUMNS`` and give each row's text,
    a cell a column, in ``cells`` (what is shown is what a screen reader reads). A model that
    needs other roles (colour, sorting, ids) overrides ``data`` and calls ``cells`` there."""

    COLUMNS: ClassVar[Sequence[str]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def set_rows(self, rows: list[T]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def row_item(self, row: int) -> T | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def cells(self, row: T) -> Sequence[Any]:
        """The row's text, one cell a column."""
        raise NotImplementedError(f"{type(self).__name__} gives no cells")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_item(index.row()) if index.isValid() else None
        if row is None or role not in TEXT_ROLES:
            return None
        return self.cells(row)[index.column()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section]
        return None


class EnterTableView(QTableView):
    """A read-only table where Enter (or Return) on a row opens it, as a double-click does.

    Signals:
        row_activated(int): the row the worker opened.
    """

    row_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()
        self.doubleClicked.connect(lambda index: self.row_activated.emit(index.row()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.row_activated.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


def fit_columns(table: QTableView, columns: Sequence[int], share: float | None = None) -> None:
    """Size ``columns`` to their heading and their rows (the longest name, kind or time), so
    that nothing in them is cut off, whatever the font. With ``share``, the columns may hold a
    note: they take what the other columns' contents leave of the width (at least ``share``
    of it) and a long note is cut there, not the others (the row's details show it whole)."""
    header = table.horizontalHeader()
    if share is None:
        for column in columns:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        return
    _NoteFit(table, tuple(columns), share)


class _NoteFit(QObject):
    """Keeps the columns that may hold a note as wide as their contents, within the room the
    other columns' contents leave, as rows change and the table is resized. Small lists only:
    it measures the rows on show each time."""

    def __init__(self, table: QTableView, columns: tuple[int, ...], share: float) -> None:
        super().__init__(table)
        self._table = table
        self._columns = columns
        self._share = share
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self._fit_now)
        model = table.model()
        for signal in (
            model.modelReset,
            model.layoutChanged,
            model.rowsInserted,
            model.dataChanged,
        ):
            signal.connect(self.fit)
        table.installEventFilter(self)
        table.viewport().installEventFilter(self)  # narrower once a scroll bar shows
        self._fit_now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.FontChange):
            self.fit()
        return False

    def fit(self, *_args: object) -> None:
        """Fit once the events in hand are handled: opening a plan resets the model, shows
        and resizes the table and its viewport, and each measured every row of every column
        (a plan opened from Today took 45-110 ms instead of 18)."""
        self._later.start()  # a timer of its own: it goes with the table

    def _wanted(self, column: int) -> int:
        header = self._table.horizontalHeader()
        return max(self._table.sizeHintForColumn(column), header.sectionSizeHint(column))

    def _fit_now(self) -> None:
        table = self._table
        total = table.viewport().width()
        others = sum(
            self._wanted(column)
            for column in range(table.model().columnCount())
            if column not in self._columns and not table.isColumnHidden(column)
        )
        room = max((total - others) // len(self._columns), int(total * self._share))
        for column in self._columns:
            wanted = self._wanted(column)
            table.setColumnWidth(column, min(wanted, room) if total > 0 else wanted)
