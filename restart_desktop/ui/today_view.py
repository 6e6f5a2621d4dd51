"""Today (Ctrl+T): everyone due out today and in the next seven days, as large cards a worker
can read on a laptop on their knee at the gate, in daylight: what is still not in place for
each, and one click (or Enter) into the plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QPen,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import TodayRow
from restart_desktop.domain.clock import Clock
from restart_desktop.ui.list_models import TEXT_ROLES, Index, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message

ID_ROLE = Qt.ItemDataRole.UserRole + 1
CARD_ROLE = Qt.ItemDataRole.UserRole + 2
CARD_FONT_PT = 13
CARD_PADDING = 12
LINE_GAP = 4
SHOWN_OUTSTANDING = 4
SELECTED = QColor("#d6e6ff")
SELECTED_BAR = QColor("#0b3d91")
BORDER = QColor("#6b6b6b")
# Chips: dark text on light fills, or white on dark red, for contrast outdoors.
CHIP_FRIDAY = ("#ffd966", "#000000")
CHIP_DUTY = ("#ffc9c9", "#000000")
CHIP_LATE = ("#a40000", "#ffffff")
CHIP_DONE = ("#c8ecc8", "#000000")


def when_text(row: TodayRow, today: dt.date) -> str:
    """ "Today 08:30", "Tomorrow", "Wednesday 23/12 09:00", "Saturday 19/12 (2 days ago)"."""
    days = (row.release_date - today).days
    if days == 0:
        day = "Today"
    elif days == 1:
        day = "Tomorrow"
    elif days < 0:
        ago = "yesterday" if days == -1 else f"{-days} days ago"
        day = f"{row.release_date:%A %d/%m} ({ago})"
    else:
        day = f"{row.release_date:%A %d/%m}"
    return f"{day} {row.release_time}" if row.release_time else f"{day}, time not known"


def chips(row: TodayRow, today: dt.date) -> list[tuple[str, tuple[str, str]]]:
    """(text, (fill, text colour)) of the flags on a card, most urgent first."""
    found: list[tuple[str, tuple[str, str]]] = []
    if row.move is not None and row.release_date >= today:
        was = f"{row.move.previous_date:%a %d/%m}" if row.move.previous_date else "no date"
        if row.move.late:
            found.append((f"Moved at short notice (was {was})", CHIP_LATE))
        else:
            found.append((f"Moved (was {was})", CHIP_FRIDAY))
    if row.outcome is not None and not row.outcome.recorded and row.release_date < today:
        found.append(("Outcome not recorded", CHIP_LATE))
    if row.outcome is not None and row.outcome.recorded:
        found.append(("Outcome recorded", CHIP_DONE))
    if not row.worker_name and row.release_date >= today:
        found.append(("Not allocated", CHIP_DUTY))
    if row.flags.duty_to_refer:
        found.append(("Duty to Refer due", CHIP_DUTY))
    if row.flags.upcoming and row.flags.friday:
        found.append(("Friday release", CHIP_FRIDAY))
    if row.flags.upcoming and row.flags.pre_bank_holiday:
        found.append(("Before a bank holiday", CHIP_FRIDAY))
    return found


def progress_text(row: TodayRow) -> str:
    if row.progress is None:
        return "No release plan yet: open to start it"
    return row.progress.text


def outstanding_text(row: TodayRow) -> str:
    if not row.outstanding:
        return "Every required item is done." if row.progress is not None else ""
    shown = list(row.outstanding[:SHOWN_OUTSTANDING])
    more = len(row.outstanding) - len(shown)
    text = "Still to do: " + "; ".join(shown)
    return text + (f"; and {more} more" if more else "")


def card_sentence(row: TodayRow, today: dt.date) -> str:
    """The whole card as one sentence, for screen readers."""
    parts = [
        f"{row.person_name}, release {when_text(row, today)}",
        row.prison,
        f"worker {row.worker_name}" if row.worker_name else "not allocated",
        progress_text(row),
        *(text for text, _style in chips(row, today)),
        outstanding_text(row),
    ]
    return ". ".join(p for p in parts if p) + "."


@dataclass(frozen=True)
class Card:
    """What a card shows, line by line."""

    heading: str
    where: str
    progress: str
    chips: tuple[tuple[str, tuple[str, str]], ...]
    outstanding: str


def card(row: TodayRow, today: dt.date) -> Card:
    where = " · ".join(
        p
        for p in (row.prison, f"Worker: {row.worker_name}" if row.worker_name else "Not allocated")
        if p
    )
    return Card(
        heading=f"{when_text(row, today)}  ·  {row.person_name}",
        where=where,
        progress=progress_text(row),
        chips=tuple(chips(row, today)),
        outstanding=outstanding_text(row),
    )


class TodayListModel(RowListTableModel[TodayRow]):
    COLUMNS = ("Release",)

    def __init__(self, clock: Clock, parent: Any = None) -> None:
        super().__init__(parent)
        self.today = clock.today()  # the session's day; set again at each load

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_item(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role in TEXT_ROLES:
            return card_sentence(row, self.today)
        if role == CARD_ROLE:
            return card(row, self.today)
        if role == ID_ROLE:
            return row.person_id
        return None


class CardDelegate(QStyledItemDelegate):
    """Paints each release as a card of four lines, every card the same height (so a list of
    hundreds lays out at once); text too long for the width ends in "…"."""

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        base = QFont(option.font)
        base.setPointSize(CARD_FONT_PT)
        bold = QFont(base)
        bold.setBold(True)
        big = QFont(bold)
        big.setPointSize(CARD_FONT_PT + 3)
        return base, bold, big

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        base, _bold, big = self._fonts(option)
        height = QFontMetrics(big).height() + 3 * (QFontMetrics(base).height() + LINE_GAP)
        return QSize(400, height + 2 * CARD_PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        content = index.data(CARD_ROLE)
        if not isinstance(content, Card):
            return
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        base, bold, big = self._fonts(option)
        painter.save()
        painter.fillRect(rect.adjusted(0, 2, 0, -2), SELECTED if selected else QColor("#ffffff"))
        painter.setPen(QPen(BORDER, 1))
        painter.drawRect(rect.adjusted(0, 2, -1, -3))
        if selected:
            painter.fillRect(rect.x(), rect.y() + 2, 8, rect.height() - 4, SELECTED_BAR)
        left = rect.x() + CARD_PADDING + 8
        width = rect.width() - CARD_PADDING * 2 - 8
        y = rect.y() + CARD_PADDING
        painter.setPen(QColor("#000000"))
        for font, text in ((big, content.heading), (base, content.where)):
            metrics = QFontMetrics(font)
            painter.setFont(font)
            painter.drawText(
                left,
                y + metrics.ascent(),
                metrics.elidedText(text, Qt.TextElideMode.ElideRight, width),
            )
            y += metrics.height() + LINE_GAP
        # Progress, then the flags as filled chips.
        metrics = QFontMetrics(bold)
        painter.setFont(bold)
        painter.drawText(left, y + metrics.ascent(), content.progress)
        x = left + metrics.horizontalAdvance(content.progress) + 16
        for text, (fill, ink) in content.chips:
            chip = metrics.horizontalAdvance(text) + 12
            if x + chip > left + width:
                break
            painter.fillRect(x, y, chip, metrics.height(), QColor(fill))
            painter.setPen(QColor(ink))
            painter.drawText(x + 6, y + metrics.ascent(), text)
            x += chip + 8
        painter.setPen(QColor("#000000"))
        y += metrics.height() + LINE_GAP
        metrics = QFontMetrics(base)
        painter.setFont(base)
        painter.drawText(
            left,
            y + metrics.ascent(),
            metrics.elidedText(content.outstanding, Qt.TextElideMode.ElideRight, width),
        )
        painter.restore()


class CardListView(QListView):
    """A list where Enter, or a single click, opens the card: at the gate, one tap.

    Signals:
        card_opened(int): the row opened.
    """

    card_opened = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSpacing(2)
        self.setUniformItemSizes(True)  # every card is as tall: lay out hundreds at once
        self.clicked.connect(lambda index: self.card_opened.emit(index.row()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.card_opened.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class TodayView(QWidget):
    """Signals:
    plan_requested(str): open this person's release plan.
    """

    plan_requested = Signal(str)

    def __init__(
        self, service: ReleaseService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self.title = QLabel("Releases today and in the next 7 days")
        self.title.setStyleSheet("font-size: 16pt; font-weight: 600;")
        self.only_mine = QCheckBox("&Only my cases")
        self.only_mine.setToolTip("Show only people allocated to you")
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Load the list again (F5)")
        self.summary = QLabel("")
        self.summary.setAccessibleName("Number of releases")
        self.summary.setStyleSheet("font-size: 12pt;")
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.summary)
        top.addWidget(self.only_mine)
        top.addWidget(self.refresh_button)
        self.model = TodayListModel(service.clock, self)
        self.list = CardListView()
        self.list.setModel(self.model)
        self.list.setItemDelegate(CardDelegate(self.list))
        self.list.setAccessibleName("Releases, soonest first")
        palette = self.list.palette()
        palette.setColor(QPalette.ColorRole.Base, QColor("#f2f2f2"))
        self.list.setPalette(palette)
        self.empty = QLabel("")
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("font-size: 13pt;")
        self.empty.hide()
        hint = QLabel("Enter or a click opens the release plan · Up and Down move · F5 refreshes")
        hint.setStyleSheet("font-size: 11pt;")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.list, 1)
        layout.addWidget(hint)
        self.list.card_opened.connect(self._on_card_opened)
        self.only_mine.toggled.connect(lambda _on: self.refresh())
        self.refresh_button.clicked.connect(self.refresh)
        refresh = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.refresh)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    def refresh(self) -> None:
        service, mine = self._service, self.only_mine.isChecked()
        self._runner.run(lambda: service.today(only_mine=mine), self._on_loaded, self._on_failed)

    def _on_loaded(self, rows: list[TodayRow]) -> None:
        current = self.list.currentIndex().data(ID_ROLE)
        self.model.today = self._service.clock.today()
        self.model.set_rows(rows)
        day = self.model.today
        ahead = [r for r in rows if r.release_date >= day]
        today = sum(1 for r in ahead if r.release_date == day)
        fridays = sum(1 for r in ahead if r.flags.friday)
        behind = len(rows) - len(ahead)
        parts = [f"{len(ahead)} due out", f"{today} today"]
        if fridays:
            parts.append(f"{fridays} on a Friday")
        if behind:
            parts.append(f"{behind} still to record")
        self.summary.setText(", ".join(parts))
        self.title.setText(
            "Releases today and in the next 7 days"
            + (", and outcomes still to record" if behind else "")
        )
        whose = "your cases" if self.only_mine.isChecked() else "the cases on this laptop"
        self.empty.setText(f"Nobody in {whose} is due out in the next 7 days.")
        self.empty.setVisible(not rows)
        if rows:
            ids = [r.person_id for r in rows]
            row = ids.index(current) if current in ids else 0
            self.list.setCurrentIndex(self.model.index(row, 0))

    def _on_failed(self, error: BaseException) -> None:
        self.summary.setText(user_message(error))

    def focus_list(self) -> None:
        self.list.setFocus()

    def current_person(self) -> str | None:
        value = self.list.currentIndex().data(ID_ROLE)
        return str(value) if value else None

    def _on_card_opened(self, row: int) -> None:
        item = self.model.row_item(row)
        if item is not None:
            self.plan_requested.emit(item.person_id)
