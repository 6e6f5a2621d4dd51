"""Someone else changed a field the worker changed too: show both values and choose.

The same choice as a sync conflict (``ui.sync_ui.ConflictsDialog``): each value with who set it
and when, and the worker keeps one. The choice is then saved as an ordinary change, so it
reaches the other laptops at their next sync. Keyboard only: Tab moves between the fields,
the arrow keys or Alt+M / Alt+T choose, Enter saves the choices, Escape saves nothing.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.versions import Clash, EditClashed
from restart_desktop.domain.clock import Clock


def set_by(clash: Clash, clock: Clock) -> str:
    """ "Fictional Colleague, 05/12/2026 14:05" (in the session clock's zone)."""
    when = clock.local_text(clash.at) if clash.at is not None else "earlier"
    return f"{clash.by}, {when}"


class ClashDialog(QDialog):
    """One group per clashing field: the worker's value and theirs (who, when); keep mine or
    take theirs. Accepted only when every field has a choice."""

    def __init__(
        self, clashes: Sequence[Clash], clock: Clock, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Someone else changed this too")
        self.clashes = tuple(clashes)
        self._clock = clock
        explain = QLabel(
            "Since you opened this, someone else changed the same "
            + ("field" if len(self.clashes) == 1 else "fields")
            + ". Nothing has been saved yet. Choose which value to keep for each: your choice "
            "is saved as a change and reaches the other laptops at their next sync."
        )
        explain.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(explain)
        self.groups: dict[str, QButtonGroup] = {}
        self.mine: dict[str, QRadioButton] = {}
        self.theirs: dict[str, QRadioButton] = {}
        for clash in self.clashes:
            layout.addWidget(self._group(clash))
        self.hint = QLabel("")
        self.hint.setAccessibleName("Message")
        layout.addWidget(self.hint)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.save_button.setText("&Save my choices")
        self.save_button.setDefault(True)  # Enter
        self.buttons.accepted.connect(self._on_accept)
        self.buttons.rejected.connect(self.reject)  # Escape
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def showEvent(self, event: QShowEvent) -> None:  # Qt's name
        super().showEvent(event)
        if self.clashes:  # the first choice has the focus: arrows, Space, Enter
            self.mine[self.clashes[0].field].setFocus()

    def _group(self, clash: Clash) -> QGroupBox:
        group = QGroupBox(clash.label)
        group.setAccessibleName(f"{clash.label}: choose a value")
        column = QVBoxLayout(group)
        mine = QRadioButton(f"Keep &mine: {clash.mine}")
        mine.setAccessibleName(f"Keep mine for {clash.label}: {clash.mine}")
        theirs = QRadioButton(f"Take &theirs: {clash.theirs} ({set_by(clash, self._clock)})")
        theirs.setAccessibleName(
            f"Take theirs for {clash.label}: {clash.theirs}, set by {set_by(clash, self._clock)}"
        )
        detail = QLabel(
            f"Yours: <b>{html.escape(clash.mine)}</b><br>Theirs: "
            f"<b>{html.escape(clash.theirs)}</b>, set by "
            f"{html.escape(set_by(clash, self._clock))}"
        )
        detail.setWordWrap(True)
        choice = QButtonGroup(group)
        choice.addButton(mine)
        choice.addButton(theirs)
        choice.buttonToggled.connect(lambda *_: self.hint.setText(""))
        self.groups[clash.field] = choice
        self.mine[clash.field], self.theirs[clash.field] = mine, theirs
        column.addWidget(detail)
        column.addWidget(mine)
        column.addWidget(theirs)
        return group

    def keeps_mine(self, field: str) -> bool:
        return self.mine[field].isChecked()

    def _on_accept(self) -> None:
        missing = [
            c
            for c in self.clashes
            if not (self.mine[c.field].isChecked() or self.theirs[c.field].isChecked())
        ]
        if missing:
            self.hint.setText(f"Choose a value for {missing[0].label}.")
            self.mine[missing[0].field].setFocus()
            return
        self.accept()


def ask_clashes(parent: QWidget, clashed: EditClashed, clock: Clock) -> dict[str, bool] | None:
    """Show the clash; per field whether the worker keeps their value, or None (Escape)."""
    dialog = ClashDialog(clashed.clashes, clock, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return {clash.field: dialog.keeps_mine(clash.field) for clash in clashed.clashes}
