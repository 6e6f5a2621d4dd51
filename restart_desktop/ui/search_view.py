"""Search notes (Ctrl+K): every note and addendum on this laptop, found by a word in it."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from PySide6.QtCore import (
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.notes import (
    SEARCH_LIMIT,
    SNIPPET_END,
    SNIPPET_START,
    NoteService,
    SearchHit,
)
from restart_desktop.domain.clock import local_text
from restart_desktop.ui.list_models import TEXT_ROLES, EnterTableView, Index, RowListTableModel
from restart_desktop.ui.tasks import TaskRunner, user_message
from restart_desktop.ui.widgets import SearchBox, buddy_label

SNIPPET_ROLE = Qt.ItemDataRole.UserRole + 3
COLUMNS = ("Person", "Contact", "In", "Text")
COL_PERSON, COL_DATE, COL_KIND, COL_SNIPPET = range(len(COLUMNS))
TYPING_PAUSE_MS = 150  # search when typing pauses, not on every keystroke of a word


def snippet_plain(snippet: str) -> str:
    return snippet.replace(SNIPPET_START, "").replace(SNIPPET_END, "")


def snippet_html(snippet: str) -> str:
    """Escape the note text, then mark the matches (the text can never become markup)."""
    escaped = html.escape(snippet)
    return escaped.replace(SNIPPET_START, "<b><u>").replace(SNIPPET_END, "</u></b>")


_ANSWERED_ROLES = frozenset({*TEXT_ROLES, SNIPPET_ROLE, Qt.ItemDataRole.ToolTipRole})


def found_text(found: int) -> str:
    """How many notes a search found, in words; a full page is not all there is."""
    if found >= SEARCH_LIMIT:
        return f"The newest {found} notes: add a word to find fewer"
    return "1 note" if found == 1 else f"{found} notes"


class SearchResultsTableModel(RowListTableModel[SearchHit]):
    COLUMNS = COLUMNS

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.set_rows(hits)

    #: The zone times are shown in: the session clock's (None: the laptop's own).
    zone: dt.tzinfo | None = None

    def hit(self, row: int) -> SearchHit | None:
        return self.row_item(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The view asks each painted cell for a dozen roles (font, colours, alignment...):
        # those answer at once, before any row is looked up.
        if role not in _ANSWERED_ROLES:
            return None
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None:
            return None
        column = index.column()
        if role in TEXT_ROLES:
            if column == COL_PERSON:
                return hit.person_name
            if column == COL_DATE:
                return local_text(hit.contact_at, zone=self.zone)
            if column == COL_KIND:
                return "Addendum" if hit.kind == "addendum" else "Note"
            return snippet_plain(hit.snippet)
        if role == SNIPPET_ROLE and column == COL_SNIPPET:
            return hit.snippet
        if role == Qt.ItemDataRole.ToolTipRole and column == COL_SNIPPET:
            return snippet_html(hit.snippet)
        return None


def snippet_segments(snippet: str) -> list[tuple[str, bool]]:
    """The snippet as (text, is_match) pieces, in order."""
    segments: list[tuple[str, bool]] = []
    rest = snippet
    while rest:
        start = rest.find(SNIPPET_START)
        if start < 0:
            segments.append((rest, False))
            break
        if start:
            segments.append((rest[:start], False))
        end = rest.find(SNIPPET_END, start)
        end = len(rest) if end < 0 else end
        segments.append((rest[start + 1 : end], True))
        rest = rest[end + 1 :]
    return [(text, match) for text, match in segments if text]


class SnippetDelegate(QStyledItemDelegate):
    """Draws the snippet with the matched words in bold and underlined (not colour alone).

    Painted piece by piece with the painter's fonts: a QTextDocument per row per paint cost
    more than the search itself.
    """

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        hit_snippet = index.data(SNIPPET_ROLE)
        if not isinstance(hit_snippet, str):
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        option.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        roles = QPalette.ColorRole
        painter.save()
        painter.setPen(option.palette.color(roles.HighlightedText if selected else roles.Text))
        rect = option.rect.adjusted(4, 0, -4, 0)
        painter.setClipRect(rect)
        plain, bold = QFont(option.font), QFont(option.font)
        bold.setBold(True)
        bold.setUnderline(True)
        x = rect.left()
        for text, match in snippet_segments(hit_snippet):
            font = bold if match else plain
            painter.setFont(font)
            width = QFontMetrics(font).horizontalAdvance(text)
            painter.drawText(
                x,
                rect.top(),
                width + 1,
                rect.height(),
                int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft),
                text,
            )
            x += width
            if x > rect.right():
                break
        painter.restore()


class NoteSearchView(QWidget):
    """Signals:
    note_requested(str, str): open the note (person id, note id) in its case.
    results_shown(int): the results of the latest search are in the table (how many).
    """

    note_requested = Signal(str, str)
    results_shown = Signal(int)

    def __init__(
        self, service: NoteService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._runner = runner
        self._generation = 0
        self.box = SearchBox()
        self.box.setAccessibleName("Search all notes")
        self.box.setPlaceholderText('Words in any note or addendum; "exact phrase" in quotes')
        self.box.setClearButtonEnabled(True)
        label = buddy_label("Search &notes:", self.box)
        self.status = QLabel("")
        self.status.setAccessibleName("Search results count")
        self.model = SearchResultsTableModel(self)
        self.model.zone = service.clock.zone
        self.table = EnterTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Notes found")
        self.table.setItemDelegateForColumn(COL_SNIPPET, SnippetDelegate(self.table))
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(
            COL_SNIPPET, QHeaderView.ResizeMode.Stretch
        )
        for column, width in ((COL_PERSON, 220), (COL_DATE, 130), (COL_KIND, 80)):
            self.table.setColumnWidth(column, width)
        row = QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.box, 1)
        row.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(TYPING_PAUSE_MS)
        self._pause.timeout.connect(self.search_now)
        self.box.textChanged.connect(lambda _text: self._pause.start())
        self.box.returnPressed.connect(self._on_return)
        self.box.down_pressed.connect(self._focus_results)
        self.table.row_activated.connect(self._open_row)

    def focus_box(self) -> None:
        self.box.setFocus()
        self.box.selectAll()

    def search_now(self) -> None:
        self._pause.stop()
        self._generation += 1
        generation, service, words = self._generation, self._service, self.box.text()
        if not words.strip():
            self.model.set_hits([])
            self.status.setText("")
            return
        self._runner.run(
            lambda: service.find(words),
            lambda hits: self._on_results(generation, hits),
            self._on_failed,
        )

    def _on_results(self, generation: int, hits: list[SearchHit]) -> None:
        # Every search that read the notes is recorded, shown or overtaken; after the
        # results are shown, so that the worker does not wait for the trail's write.
        found = len(hits)
        if generation == self._generation:
            self.model.set_hits(hits)
            self.status.setText(found_text(found))
            if hits:
                self.table.setCurrentIndex(self.model.index(0, COL_PERSON))
            self.results_shown.emit(found)
        service = self._service
        self._runner.run(lambda: service.record_search(found), lambda _none: None, self._on_failed)

    def _on_failed(self, error: BaseException) -> None:
        self.status.setText(user_message(error))

    def _on_return(self) -> None:
        if self._pause.isActive():
            self.search_now()
            return
        self._focus_results()

    def _focus_results(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, COL_PERSON))

    def _open_row(self, row: int) -> None:
        hit = self.model.hit(row)
        if hit is not None:
            self.note_requested.emit(hit.person_id, hit.note_id)
