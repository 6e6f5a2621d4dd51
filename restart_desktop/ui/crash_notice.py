"""What the person at the keyboard sees when the application hits a bug nobody caught: a
plain message, never a traceback (which could quote the data being handled)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

CRASH_TITLE = "Something went wrong"
CRASH_MESSAGE = (
    "Something went wrong inside RESTART Desktop, so what you were doing may not have "
    "finished. Check it, and carry on; if it happens again, tell your IT contact the time it "
    "happened. Nothing about the people in your caseload was written to the error report."
)


class CrashNotice:
    """Called by ``restart_desktop.crash``'s hook after the report is logged: one message at a
    time (an error repeated while the message is open adds no second one)."""

    def __init__(self, window: QWidget) -> None:
        self._window = window
        self.box: QMessageBox | None = None

    def __call__(self) -> None:
        if self.box is not None:
            return
        self.box = QMessageBox(
            QMessageBox.Icon.Critical,
            CRASH_TITLE,
            CRASH_MESSAGE,
            QMessageBox.StandardButton.Ok,
            self._window,
        )
        try:
            self.box.exec()
        finally:
            self.box.deleteLater()
            self.box = None
