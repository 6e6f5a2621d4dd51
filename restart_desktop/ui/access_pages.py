"""The unlock screen, and the card layout it shares with first-run set-up (ui.onboarding).

Neither screen imports the database layer: they must appear fast, and the locked window must
hold nothing about anyone. They only collect input and emit it; the main window does the
work. Set-up is a module of its own, loaded only on a new data folder: a start on a folder
already set up (every start but the first) defines none of it.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.ui.widgets import FieldError, buddy_label

DEMO_BANNER_STYLE = (
    "background: #fde2e2; color: #6b0000; border: 1px solid #b00000; padding: 6px;font-weight: 600;"
)
# Here, not in ui.team_details: the window sets it before it is first shown, and importing
# team_details then loaded the whole database layer first (issue 27: cold start).
EXAMPLES_BANNER_STYLE = "background: #fff4ce; color: #3b2f00; padding: 6px 10px;"


def card(title: str, intro: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("card")
    frame.setFixedWidth(520)  # word-wrapped labels need a known width to size their height
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(frame)
    heading = QLabel(title)
    heading.setStyleSheet("font-size: 18pt; font-weight: 600;")
    layout.addWidget(heading)
    text = QLabel(intro)
    text.setWordWrap(True)
    layout.addWidget(text)
    return frame, layout


# Layout is done with stretches rather than Qt.AlignmentFlag: the first use of the Qt
# namespace costs about 15 ms, and these pages are on the start-up path.
def centred(box: QFrame, parent: QWidget) -> None:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(box)
    row.addStretch(1)
    outer = QVBoxLayout(parent)
    outer.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)


def at_right(widget: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(widget)
    return row


class UnlockPage(QWidget):
    """Shown at start and whenever the app is locked. It shows no personal data.

    Signals:
        passphrase_submitted(str): the worker pressed Unlock.
    """

    passphrase_submitted = Signal(str)

    def __init__(self, demo_passphrase: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box, layout = card(
            "RESTART Desktop is locked",
            "Enter your passphrase to open your caseload.",
        )
        if demo_passphrase is not None:
            demo = QLabel(
                f"Demo data: every person here is fictional. The passphrase is “{demo_passphrase}”."
            )
            demo.setWordWrap(True)
            demo.setStyleSheet(DEMO_BANNER_STYLE)
            demo.setAccessibleName("Demo data notice")
            layout.addWidget(demo)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        label = buddy_label("&Passphrase:", self.passphrase)
        form = QFormLayout()
        form.addRow(label, self.passphrase)
        layout.addLayout(form)
        self.error = FieldError()
        self.error.setAccessibleName("Unlock problem")
        layout.addWidget(self.error)
        self.submit = QPushButton("&Unlock")
        self.submit.setDefault(True)
        layout.addLayout(at_right(self.submit))
        centred(box, self)

        self._wait = 0
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._on_countdown_tick)
        self.submit.clicked.connect(self._on_submit)
        self.passphrase.returnPressed.connect(self._on_submit)

    def reset(self) -> None:
        self.passphrase.clear()
        self.error.show_message(None)
        self.show_busy(False)
        self.passphrase.setFocus()

    def _on_submit(self) -> None:
        if self._wait > 0 or not self.submit.isEnabled():
            return
        if not self.passphrase.text():
            self.error.show_message("Enter your passphrase.")
            return
        self.show_busy(True)
        self.passphrase_submitted.emit(self.passphrase.text())

    def show_busy(self, busy: bool) -> None:
        self.submit.setEnabled(not busy and self._wait == 0)
        self.passphrase.setEnabled(not busy)
        self.submit.setText("Unlocking…" if busy else "&Unlock")

    def show_error(self, message: str, wait_seconds: int = 0) -> None:
        self.show_busy(False)
        self.passphrase.selectAll()
        self.passphrase.setFocus()
        self.error.show_message(message)
        if wait_seconds > 0:
            self._wait = wait_seconds
            self.submit.setEnabled(False)
            self._countdown.start()

    def _on_countdown_tick(self) -> None:
        self._wait -= 1
        if self._wait <= 0:
            self._wait = 0
            self._countdown.stop()
            self.submit.setEnabled(True)
            self.error.show_message("You can try again now.")
        else:
            self.submit.setText(f"Wait {self._wait} s")
