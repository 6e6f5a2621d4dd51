"""The idle lock closes an open dialog (it may show personal data) but keeps what was typed in
it, encrypted, and offers it back after the unlock (issue 21, finding 6)."""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from restart_desktop.app.notes import NoteService
from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.paths import DataPaths
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.case_file import CaseFileView
from restart_desktop.ui.dialog_drafts import DRAFTS_SETTING
from restart_desktop.ui.note_dialogs import ActionDialog
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier
TYPED = "Ring the Banbury hostel about a bed (test)"


def test_an_action_typed_when_the_lock_came_is_offered_back_after_unlock(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    view = window.workspace.open_case(people["Larry Later"])
    assert isinstance(view, CaseFileView)
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    timeline = view.show_contacts()
    assert timeline is not None
    seen: dict[str, object] = {}

    def unlock_again() -> None:
        page = window.unlock_page
        page.passphrase.clear()
        qtbot.keyClicks(page.passphrase, PASSPHRASE)
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)

    def type_then_lock(dialog: ActionDialog) -> None:
        qtbot.keyClicks(dialog.description, TYPED)
        answer_modal(QMessageBox, carry_on)
        window.lock()  # as the idle timer would, with the dialog open
        assert not dialog.isVisible()
        assert window.session is not None
        seen["kept"] = window.session.setting(DRAFTS_SETTING, "[]")
        QTimer.singleShot(0, unlock_again)

    def carry_on(box: QMessageBox) -> None:
        seen["question"] = box.text()
        answer_modal(ActionDialog, finish)
        qtbot.keyClick(box, Qt.Key.Key_Return)  # "Carry on" is the default

    def finish(dialog: ActionDialog) -> None:
        seen["offered back"] = dialog.description.text()
        qtbot.keyClick(dialog.description, Qt.Key.Key_Return)

    answer_modal(ActionDialog, type_then_lock)
    qtbot.keyClick(timeline.add_action_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "offered back" in seen, timeout=SIGNAL_TIMEOUT_MS)

    assert TYPED in str(seen["kept"])  # in the encrypted database while locked
    assert "The app locked while you were typing" in str(seen["question"])
    assert seen["offered back"] == TYPED
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert window.session is not None
    actions = NoteService(window.session).my_actions()
    assert [a.description for a in actions] == [TYPED]
    assert window.session.setting(DRAFTS_SETTING, "[]") == "[]"  # offered back: forgotten


def test_the_action_dialog_is_wide_and_the_partner_goes_under_who(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """Issue 21, finding 13: typed text stays in view; the partner field is the partner's
    name only, so an action's details never land in My actions' Who column."""
    from restart_desktop.ui.actions_view import COL_ACTION, COL_WHO

    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    view = window.workspace.open_case(people["Larry Later"])
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    timeline = view.show_contacts()
    assert timeline is not None
    seen: dict[str, object] = {}

    def fill(dialog: ActionDialog) -> None:
        seen["width"] = dialog.width()
        qtbot.keyClicks(dialog.description, "Ask about a bed for Friday night (test)")
        seen["partner enabled at first"] = dialog.owner_detail.isEnabled()
        dialog.owner.setFocus()
        qtbot.keyClick(dialog.owner, Qt.Key.Key_Down)
        qtbot.keyClick(dialog.owner, Qt.Key.Key_Down)  # Partner agency
        assert dialog.owner_detail.isEnabled()
        qtbot.keyClick(dialog, Qt.Key.Key_P, ALT)
        qtbot.keyClicks(dialog.owner_detail, "Aspire housing team")
        qtbot.keyClick(dialog.owner_detail, Qt.Key.Key_Return)
        seen["done"] = True

    answer_modal(ActionDialog, fill)
    qtbot.keyClick(timeline.add_action_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "done" in seen, timeout=SIGNAL_TIMEOUT_MS)
    assert int(str(seen["width"])) >= 480
    assert seen["partner enabled at first"] is False
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    window.workspace.show_actions()
    actions = window.workspace.my_actions
    qtbot.waitUntil(lambda: actions.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    assert actions.model.index(0, COL_WHO).data() == "Partner agency (Aspire housing team)"
    assert actions.model.index(0, COL_ACTION).data() == "Ask about a bed for Friday night (test)"


def test_typing_kept_when_the_app_quit_while_locked_is_shown_once_at_the_next_start(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        session.set_setting(
            DRAFTS_SETTING,
            json.dumps(
                [
                    {
                        "title": "New follow-up action",
                        "state": {"0:QLineEdit": TYPED, "1:QComboBox": 0},
                    },
                ]
            ),
        )
    finally:
        session.close()
    shown: list[str] = []

    def read(box: QMessageBox) -> None:
        shown.append(box.detailedText())
        qtbot.keyClick(box, Qt.Key.Key_Return)

    answer_modal(QMessageBox, read)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: bool(shown), timeout=SIGNAL_TIMEOUT_MS)
    assert shown == [f"New follow-up action:\n{TYPED}"]
    assert window.session is not None
    assert window.session.setting(DRAFTS_SETTING, "[]") == "[]"  # shown once, then forgotten
