"""What the simple read-only lists share: a table model over plain rows with fixed columns,
and a table view that opens a row with Enter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

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
