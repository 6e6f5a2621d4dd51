"""The contact note's date and time, typed part by part (ui.note_editor). A module of its
own: the unlock window's start-up imports ui.widgets, and this class is not wanted there."""

from __future__ import annotations

from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QDateTimeEdit

#: Characters a person types between the parts of a date and time.
_SEPARATORS = frozenset("/:.- ")


class DateTimeEdit(QDateTimeEdit):
    """A date and time typed part by part as a person writes it: "04/11/2025 09:30" gives
    that, wherever the typing starts.

    Qt's own moves on to the next part once one is complete (the "04" of the day) and then
    took the "/" typed after it as a move to the part after that, so the month went into
    the year and the date kept its old month and year without a word. A separator typed just
    after such a move is now taken as already done. Typing over everything selected (Ctrl+A)
    or from the very start (Home) starts at the day, where Qt refused the digits.
    """

    _advanced = False  # the last key completed a part and Qt moved on to the next

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if text and text in _SEPARATORS and self._advanced:
            self._advanced = False
            event.accept()
            return
        line = self.lineEdit()
        everything = line.hasSelectedText() and line.selectedText() == line.text()
        at_start = not line.hasSelectedText() and line.cursorPosition() == 0
        if text.isdigit() and (everything or at_start):
            self.setCurrentSectionIndex(0)
            self.setSelectedSection(self.sectionAt(0))
        before = self.currentSectionIndex()
        super().keyPressEvent(event)
        self._advanced = text.isdigit() and self.currentSectionIndex() != before

    def focusInEvent(self, event: QFocusEvent) -> None:
        self._advanced = False
        super().focusInEvent(event)
