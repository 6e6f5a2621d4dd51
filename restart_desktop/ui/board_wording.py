"""The dialog where a supervisor writes and confirms how the board reads a barrier: the board
pack shows this wording, never the barrier's title or description as typed. A wording that may
identify someone is refused with the reason, and the dialog comes back with what was typed."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.app.outcomes import BarrierView
from restart_desktop.ui.widgets import FieldError, buddy_label

MAX_CHARS = 300


class BoardWordingDialog(QDialog):
    def __init__(
        self, view: BarrierView, typed: str = "", problem: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Wording for the board")
        self.setMinimumWidth(520)
        shown = QLabel(
            f"As recorded (not shown to the board): <b>{html.escape(view.title)}</b>"
            + (f"<br>{html.escape(view.description)}" if view.description else "")
        )
        shown.setWordWrap(True)
        explain = QLabel(
            "Write the barrier as the board should read it: what the problem is "
            "and whom it affects, with no name, prison number or CRN."
        )
        explain.setWordWrap(True)
        self.wording = QPlainTextEdit()
        self.wording.setAccessibleName("Wording for the board")
        self.wording.setTabChangesFocus(True)
        self.wording.setPlainText(typed or view.board_wording)
        label = buddy_label("&Wording for the board:", self.wording)
        self.error = FieldError()
        self.error.show_message(problem or None)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.confirm_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.confirm_button.setText("&Confirm for the board")
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (shown, explain, label, self.wording, self.error, buttons):
            layout.addWidget(widget)
        self.wording.setFocus()

    def text(self) -> str:
        return self.wording.toPlainText()

    def _on_accept(self) -> None:
        if not self.text().strip():
            self.error.show_message("Write how the board should read the barrier.")
            return
        if len(self.text()) > MAX_CHARS:
            self.error.show_message(
                f"Keep it to {MAX_CHARS} characters: the board reads a line or two."
            )
            return
        self.accept()
