"""The table models of a person's outcomes: the assessments list and the scores table that
a screen reader reads instead of the charts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt

from restart_desktop.app.outcomes import AssessmentView, distance_of
from restart_desktop.domain.outcomes import Distance
from restart_desktop.ui.list_models import Index, RowListTableModel


class AssessmentsTableModel(RowListTableModel[AssessmentView]):
    COLUMNS = ("Date", "State", "By", "Who took part", "Agreed")

    def cells(self, view: AssessmentView) -> Sequence[Any]:
        return (
            f"{view.assessed_on:%d/%m/%Y}",
            "Final" if view.finalised_at else "Draft",
            view.by,
            view.present,
            "Agreed" if view.agreed else ("Disagreement" if view.disagreement else "Not agreed"),
        )


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
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
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
