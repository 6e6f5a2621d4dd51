"""Lock when idle: a watcher that restarts its timer on every keyboard, mouse or touch event
anywhere in the application, and the Settings dialog that sets the minutes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from restart_desktop.ui.widgets import buddy_label

if TYPE_CHECKING:
    from restart_desktop.app.session import AppSession

    OpenedSession = tuple[AppSession, int]  # the session and its idle-lock minutes


MAX_IDLE_LOCK_MINUTES = 120


_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleWatcher(QObject):
    """Restarts a timer on every keyboard, mouse or touch event anywhere in the application.

    Signals:
        idle(): no input for the configured time.
    """

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.idle)
        self._installed = False

    def start(self, milliseconds: int) -> None:
        """Watch input from now on (installed only while unlocked: no Python call per event
        while the window is locked or starting)."""
        self._timer.setInterval(milliseconds)
        self._timer.start()
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True

    def stop(self) -> None:
        self._timer.stop()
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
            self._timer.start()
        return False


class IdleLockDialog(QDialog):
    """Settings > Lock when idle: how many minutes without input before the app locks."""

    def __init__(self, minutes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Lock when idle")
        self.minutes = QSpinBox()
        self.minutes.setRange(1, MAX_IDLE_LOCK_MINUTES)
        self.minutes.setSuffix(" minutes")
        self.minutes.setValue(minutes)
        self.minutes.setAccessibleName("Minutes without use before locking")
        label = buddy_label("&Lock after:", self.minutes)
        form = QFormLayout()
        form.addRow(label, self.minutes)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("RESTART Desktop locks itself when nobody has used it for this long.")
        )
        layout.addLayout(form)
        layout.addWidget(buttons)
