"""The first run as a new worker meets it (issue 21, finding 7): Alt+S sets up, Enter moves
through the form, an error goes once the field is corrected, and a computer without a
keyring is said at once, in words rather than a Python class."""

from __future__ import annotations

from collections.abc import Callable

import keyring
from keyring.backends import fail
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.ui.application import MainWindow
from tests.ui.conftest import SIGNAL_TIMEOUT_MS

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier


def test_alt_s_sets_up_enter_moves_on_and_errors_go_when_corrected(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    page = window.onboarding
    assert page is not None
    qtbot.waitUntil(page.name.hasFocus, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert page.error.text() == ""  # this computer's keyring is fine

    qtbot.keyClick(page.name, Qt.Key.Key_S, ALT)  # "&Set up", not the Settings menu
    qtbot.waitUntil(lambda: "Enter your name" in page.error.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert window.settings_menu.menuAction() not in window.menuBar().actions()

    qtbot.keyClicks(page.name, "Fictional Newstarter")
    assert page.error.text() == ""  # the red text goes as the worker corrects
    qtbot.keyClick(page.name, Qt.Key.Key_Return)
    assert page.organisation.hasFocus()


def test_no_keyring_is_said_before_the_form_is_filled_in_plain_words(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    keyring.set_keyring(fail.Keyring())
    window = make_window()
    page = window.onboarding
    assert page is not None
    qtbot.waitUntil(lambda: page.error.text() != "", timeout=SIGNAL_TIMEOUT_MS)
    said = page.error.text()
    assert said.startswith("Before you start:")
    assert "no keyring is available" in said
    assert "keyring.backends" not in said
    assert "fail.Keyring" not in said
    qtbot.keyClicks(page.name, "Fictional Newstarter")
    assert page.error.text() == said  # typing does not fix the keyring: it stays said
