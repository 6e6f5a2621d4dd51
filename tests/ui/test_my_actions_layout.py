"""My actions on a common laptop screen (1366x768): the worker's own open actions, the
page's main list, keep room beside the lists above them (from the supervisor, follow-up
checks, referrals to chase), which used to leave it a row and a half."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.demo import fill_demo_data
from restart_desktop.app.session import AppSession
from restart_desktop.ui.application import MainWindow
from tests.support.roles import as_supervisor
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock

MakeWindow = Callable[..., MainWindow]


def test_my_own_actions_keep_room_on_a_768_pixel_screen(
    qtbot: QtBot, make_window: MakeWindow, enrolled: AppSession
) -> None:
    as_supervisor(enrolled)
    fill_demo_data(enrolled, cases=200, seed=5)
    enrolled.close()
    window = make_window()
    window.resize(1366, 768)
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    page = window.workspace.my_actions
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: page.model.rowCount() > 10, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.wait(200)  # the layout settles
    above = [t for t in (page.notices, page.chases) if t.isVisible()]
    if page.checks is not None and page.checks.isVisible():
        above.append(page.checks.table)
    assert len(above) >= 2  # the demo gives this supervisor lists above their own
    rows = page.table.viewport().height() // page.table.rowHeight(0)
    assert rows >= 5, f"{rows} rows of the worker's own actions shown"
