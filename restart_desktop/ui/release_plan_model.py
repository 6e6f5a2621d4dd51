"""The release-day checklist as a table: what each item's due, state and recorded columns say,
and the model the checklist panel shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from restart_desktop.app.release_views import PlanItemView
from restart_desktop.domain.checklist import ItemState
from restart_desktop.domain.clock import Clock, local_date, local_text
from restart_desktop.ui.list_models import TEXT_ROLES, Index, RowListTableModel

COLUMNS = ("Section", "Item", "Due", "State", "Recorded")
COL_SECTION, COL_ITEM, COL_DUE, COL_STATE, COL_RECORDED = range(len(COLUMNS))
CODE_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_COLOURS = {
    ItemState.DONE: QColor("#c8ecc8"),
    ItemState.PROBLEM: QColor("#ffc9c9"),
    ItemState.NOT_NEEDED: QColor("#e4e4e4"),
}
OVERDUE = QColor("#8a1c00")


def due_text(item: PlanItemView, today: dt.date, zone: dt.tzinfo | None = None) -> str:
    if item.due_at is None:
        return "No release date"
    days = (local_date(item.due_at, zone) - today).days
    if days == 0:
        day = "Today"
    elif days == 1:
        day = "Tomorrow"
    elif days == -1:
        day = "Yesterday"
    else:
        day = local_text(item.due_at, "%a %d/%m", zone)
    return f"{day} {local_text(item.due_at, '%H:%M', zone)}"


def state_text(item: PlanItemView) -> str:
    if not item.applies:
        return "Does not apply"
    text = "Overdue" if item.overdue else item.state.label
    if item.state == ItemState.OPEN and item.required:
        text += " (required)"
    return text


def recorded_text(item: PlanItemView, today: dt.date, zone: dt.tzinfo | None = None) -> str:
    """When and by whom the state was set, then the note: "08:35 Demo Worker: ..."."""
    parts = []
    if item.state_at is not None:
        pattern = "%H:%M" if local_date(item.state_at, zone) == today else "%d/%m %H:%M"
        when = local_text(item.state_at, pattern, zone)
        parts.append(f"{when} {item.state_by}".strip())
    text = " ".join(parts)
    if item.note:
        text = f"{text}: {item.note}" if text else item.note
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def detail_text(item: PlanItemView, zone: dt.tzinfo | None = None) -> str:
    """Everything about the current item, under the table."""
    parts = [item.help] if item.help else []
    if not item.applies:
        parts.append(f"{item.applies_label}.")
    if item.state_at is not None:
        by = f" by {item.state_by}" if item.state_by else ""
        parts.append(f"{item.state.label} {local_text(item.state_at, zone=zone)}{by}.")
    if item.note:
        parts.append(f"Note: {_sentence(item.note)}")
    if item.appointment_at or item.place or item.contact:
        when = local_text(item.appointment_at, "%d/%m %H:%M", zone)
        details = [when] if item.appointment_at else []
        details += [p for p in (item.place, item.contact) if p]
        parts.append(f"Appointment: {_sentence(', '.join(details))}")
    if item.need_label:
        parts.append(f"Need: {item.need_label}.")
    return " ".join(parts)


class PlanItemsTableModel(RowListTableModel[PlanItemView]):
    COLUMNS = COLUMNS

    def __init__(self, clock: Clock, parent: Any = None) -> None:
        super().__init__(parent)
        #: The session's clock: its zone for times, and its day (``today``, set again at each
        #: load) for "Today", "Tomorrow".
        self.clock = clock
        self.today = clock.today()

    def item(self, row: int) -> PlanItemView | None:
        return self.row_item(row)

    def row_of(self, code: str) -> int:
        return next((n for n, i in enumerate(self._rows) if i.code == code), -1)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: C901 - Qt asks every role here
        item = self.item(index.row()) if index.isValid() else None
        if item is None:
            return None
        column = index.column()
        if role in TEXT_ROLES:
            if column == COL_SECTION:
                previous = self.item(index.row() - 1)
                first = previous is None or previous.section != item.section
                # Screen readers get the section on every row; the eye only on the first.
                if first or role == Qt.ItemDataRole.AccessibleTextRole:
                    return item.section.label
                return ""
            if column == COL_ITEM:
                return item.label + (" (added)" if item.extra else "")
            if column == COL_DUE:
                return due_text(item, self.today, self.clock.zone)
            if column == COL_STATE:
                return state_text(item)
            if column == COL_RECORDED:
                return recorded_text(item, self.today, self.clock.zone)
        if role == CODE_ROLE:
            return item.code
        if role == Qt.ItemDataRole.BackgroundRole and column == COL_STATE and item.applies:
            colour = STATE_COLOURS.get(item.state)
            return QBrush(colour) if colour else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if not item.applies or item.state == ItemState.NOT_NEEDED:
                return QBrush(QColor("#4d4d4d"))
            if item.overdue and column in (COL_DUE, COL_STATE):
                return QBrush(OVERDUE)
        if role == Qt.ItemDataRole.FontRole and column == COL_SECTION:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and item.help:
            return item.help
        return None
