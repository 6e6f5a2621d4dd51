"""Settings > Team details and the example-contacts banner (issue 21, finding 3)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.session import AppSession
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.team_details import TeamDetailsDialog
from tests.support.roles import as_supervisor
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]


def test_a_supervisor_sets_the_team_number_and_the_banner_says_what_is_left(
    qtbot: QtBot, make_window: MakeWindow, enrolled: AppSession
) -> None:
    as_supervisor(enrolled)
    enrolled.close()
    window = make_window()
    unlock(qtbot, window)
    banner = window.examples_banner
    qtbot.waitUntil(banner.isVisible, timeout=SIGNAL_TIMEOUT_MS)
    assert "the release-day sheet's number for RESTART team" in banner.text()
    assert "Settings > Team details" in banner.text()
    done: list[bool] = []

    def fill(dialog: TeamDetailsDialog) -> None:
        assert dialog.windowTitle() == "Team details"
        qtbot.waitUntil(dialog.phone.hasFocus, timeout=SIGNAL_TIMEOUT_MS)  # loaded
        qtbot.keyClicks(dialog.phone, "01632 960 777")
        qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)  # Save is the default button
        qtbot.waitUntil(lambda: dialog.errors["phone"].text() != "", timeout=SIGNAL_TIMEOUT_MS)
        assert "example number" in dialog.errors["phone"].text()
        dialog.phone.selectAll()
        qtbot.keyClicks(dialog.phone, "0300 123 4567")
        done.append(True)
        qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)

    answer_modal(TeamDetailsDialog, fill)
    window.team_action.trigger()
    qtbot.waitUntil(lambda: bool(done), timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: "RESTART team" not in banner.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert "services' contacts" in banner.text()  # the directory's examples are still there
