"""The barriers register's table models: the list of barriers and the counts for a period."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt

from restart_desktop.app.outcomes import BarrierCounts, BarrierView
from restart_desktop.domain.outcomes import BarrierStatus
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.ui.list_models import Index, RowListTableModel


class BarriersTableModel(RowListTableModel[BarrierView]):
    COLUMNS = ("Raised", "Barrier", "Category", "Status", "Cases")

    def cells(self, view: BarrierView) -> Sequence[Any]:
        return (
            f"{view.raised_on:%d/%m/%Y}",
            view.title,
            view.category_label,
            view.status.label,
            str(len(view.case_ids)) if view.case_ids else "",
        )


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
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
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
