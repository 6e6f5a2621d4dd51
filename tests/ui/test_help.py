"""Help for a new worker (issue 21, finding 14): every shortcut of the window listed from the
actions and declared keys themselves (F1 or Ctrl+/), First steps, a hint on an empty
caseload, and P moving on down the checklist as Space does."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from restart_desktop.app.session import AppSession
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.help import HelpDialog
from restart_desktop.ui.shortcuts import REGISTRY
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]


def test_f1_lists_every_shortcut_of_the_window_grouped(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    shown: dict[str, str] = {}

    def read(dialog: HelpDialog) -> None:
        shown["text"] = dialog.browser.toPlainText()
        shown["title"] = dialog.windowTitle()
        qtbot.keyClick(dialog.browser, Qt.Key.Key_Escape)

    answer_modal(HelpDialog, read)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: "text" in shown, timeout=SIGNAL_TIMEOUT_MS)
    text = shown["text"]
    assert shown["title"] == "Keyboard shortcuts"
    for action in window.actions():  # every action with a key, in its own words
        for sequence in action.shortcuts():
            if action.isVisible():
                native = sequence.toString(QKeySequence.SequenceFormat.NativeText)
                assert native in text, action.text()
                assert action.text().replace("&", "").rstrip("…") in text
    for declared in REGISTRY:  # and every view's keys, grouped by where they work
        assert declared.what in text
        assert declared.group in text
    assert "File menu" in text
    assert "Release-day checklist" in text


def test_ctrl_slash_also_opens_it_and_first_steps_are_one_menu_away(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    window = make_window()
    assert QKeySequence("Ctrl+/") in window.shortcuts_action.shortcuts()
    opened: list[str] = []

    def read(dialog: HelpDialog) -> None:
        opened.append(dialog.browser.toPlainText())
        dialog.reject()

    answer_modal(HelpDialog, read)
    window.first_steps_action.trigger()
    qtbot.waitUntil(lambda: bool(opened), timeout=SIGNAL_TIMEOUT_MS)
    assert "Add a person" in opened[0]
    assert "Ctrl+L" in opened[0]


def test_an_empty_caseload_says_where_to_start(
    qtbot: QtBot, make_window: MakeWindow, enrolled: AppSession
) -> None:
    enrolled.close()
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    hint = window.workspace.caseload.empty_hint
    qtbot.waitUntil(hint.isVisible, timeout=SIGNAL_TIMEOUT_MS)
    assert "Help > First steps" in hint.text()
    qtbot.keyClicks(window.workspace.caseload.search, "zz")  # an empty search is not that
    qtbot.waitUntil(lambda: not hint.isVisible(), timeout=SIGNAL_TIMEOUT_MS)


def test_p_moves_on_down_the_checklist_as_space_does(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    from restart_desktop.ui.release_plan_dialogs import ItemDialog

    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    panel = window.workspace.open_plan(people["Zebedee Friday"])
    assert panel is not None
    qtbot.waitUntil(lambda: panel.plan is not None, timeout=SIGNAL_TIMEOUT_MS)
    panel.table.setFocus()
    panel.table.selectRow(0)
    first = panel.current_item()
    assert first is not None

    def problem(dialog: ItemDialog) -> None:
        qtbot.keyClicks(dialog.note, "Prison has not confirmed (test)")
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)

    answer_modal(ItemDialog, problem)
    qtbot.keyClick(panel.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: (
            panel.plan is not None
            and panel.plan.item(first.code) is not None
            and panel.plan.item(first.code).state.value == "problem"  # type: ignore[union-attr]
        ),
        timeout=SIGNAL_TIMEOUT_MS,
    )
    current = panel.current_item()
    assert current is not None
    assert current.code != first.code
