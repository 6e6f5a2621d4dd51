"""The window's size and place, and the main view shown, remembered per laptop in plain
settings (``window.ini`` in the data folder: no names, nothing from the database); the case
files open at quit, remembered only inside the encrypted database and opened again at the
next start. A first start fits the screen (a 1366x768 laptop with a panel and title bar)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize
from PySide6.QtWidgets import QApplication, QWidget

from restart_desktop.paths import DataPaths

PREFERRED = QSize(1280, 800)
# What a window manager takes around the window: the title bar and frame, and a panel.
FRAME_ALLOWANCE = QSize(16, 48)
OPEN_CASES_SETTING = "open_case_tabs"  # local_settings (encrypted): case ids, in tab order


def first_size(available: QRect) -> QSize:
    """The size of a first start on a screen with this available area: the preferred size,
    made smaller where the screen (less what the window manager adds) is smaller."""
    return QSize(
        min(PREFERRED.width(), available.width() - FRAME_ALLOWANCE.width()),
        min(PREFERRED.height(), available.height() - FRAME_ALLOWANCE.height()),
    )


class WindowState:
    def __init__(self, paths: DataPaths) -> None:
        self._paths = paths

    def _settings(self) -> QSettings:
        return QSettings(str(self._paths.window_settings), QSettings.Format.IniFormat)

    def restore(self, window: QWidget) -> None:
        """The remembered geometry when it still fits a screen; a first-start size otherwise."""
        saved = self._settings().value("window/geometry")
        if isinstance(saved, QByteArray) and not saved.isEmpty() and window.restoreGeometry(saved):
            screen = window.screen() or QApplication.primaryScreen()
            if screen is None or screen.availableGeometry().intersects(window.geometry()):
                return
        screen = QApplication.primaryScreen()
        if screen is None:
            window.resize(PREFERRED)
            return
        available = screen.availableGeometry()
        size = first_size(available)
        window.resize(size)
        window.move(
            available.x() + (available.width() - size.width()) // 2,
            available.y() + max(0, (available.height() - size.height()) // 2 - 16),
        )

    def save(self, window: QWidget, view: str) -> None:
        if not self._paths.root.is_dir():
            return  # nothing set up here: no file either
        settings = self._settings()
        geometry = window.saveGeometry()
        if settings.value("window/geometry") == geometry and (
            not view or settings.value("window/view") == view
        ):
            return  # as remembered: the file is not written again at every quit
        settings.setValue("window/geometry", geometry)
        if view:
            settings.setValue("window/view", view)
        settings.sync()

    def view(self) -> str:
        value = self._settings().value("window/view", "")
        return value if isinstance(value, str) else ""


def encode_cases(case_ids: list[str]) -> str:
    import json  # here, not at the top: the unlock window has no case tabs to remember

    return json.dumps(case_ids)


def decode_cases(value: str) -> list[str]:
    import json

    try:
        loaded = json.loads(value or "[]")
    except ValueError:
        return []
    return [str(x) for x in loaded if isinstance(x, str)] if isinstance(loaded, list) else []
