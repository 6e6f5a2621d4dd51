"""Approving laptops from the window (Settings > Laptops asking to join), as `restart-desktop
team approve` does: the supervisor sees each laptop asking to join with the fingerprint to
compare aloud, approves one after saying it matches, leaves another waiting; a worker has no
such menu entry; an export out of reach is said in words."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from restart_desktop.app.session import AppSession, enrol
from restart_desktop.app.sync import SyncService, SyncState
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.join_requests import JoinRequestsDialog
from restart_desktop.ui.tasks import BUG_MESSAGE
from tests.support.constants import PASSPHRASE
from tests.support.roles import as_supervisor
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier
#: A menu opened from the keyboard on the offscreen platform says it cannot grab the keyboard
#: or raise itself (a window system's work): the menu works all the same.
MENU_ON_OFFSCREEN = pytest.mark.qt_log_ignore(
    r"^This plugin does not support (grabbing the keyboard|raise\(\))$"
)


def _asking(
    root: Path, name: str, export: Path, fast_kdf: KdfParams, organisation: str
) -> tuple[DataPaths, str]:
    """A worker's laptop that asked to join; its folder and the fingerprint it showed."""
    paths = DataPaths(root / name.split()[0].lower())
    session = enrol(
        paths,
        name=name,
        organisation_code=organisation,
        role=Role.WORKER,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    )
    try:
        _supervisor, own = SyncService(session).request_to_join(export)
    finally:
        session.close()
    return paths, own


def _state_of(paths: DataPaths) -> SyncState:
    from restart_desktop.app.session import unlock as unlock_folder

    session = unlock_folder(paths, PASSPHRASE)
    try:
        return SyncService(session).sync_now().state
    finally:
        session.close()


def _open_from_the_settings_menu(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_S, ALT)
    menu = window.settings_menu
    qtbot.waitUntil(menu.isVisible, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(menu, Qt.Key.Key_J)


def _supervisor_with_team(enrolled: AppSession, tmp_path: Path) -> Path:
    export = tmp_path / "export"
    export.mkdir()
    SyncService(as_supervisor(enrolled)).create_team(export, DeviceKeys.generate().age_recipient)
    enrolled.close()
    return export


@MENU_ON_OFFSCREEN
def test_the_supervisor_compares_the_fingerprint_approves_one_and_leaves_one(
    qtbot: QtBot,
    make_window: MakeWindow,
    enrolled: AppSession,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
) -> None:
    export = _supervisor_with_team(enrolled, tmp_path)
    alice, alice_print = _asking(tmp_path, "Alice Fictional", export, fast_kdf, organisation_code)
    bryn, bryn_print = _asking(tmp_path, "Bryn Fictional", export, fast_kdf, organisation_code)

    window = make_window()
    unlock(qtbot, window)
    assert window.join_action.isVisible()
    seen: dict[str, object] = {}

    def work(dialog: JoinRequestsDialog) -> None:
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=SIGNAL_TIMEOUT_MS)
        rows = [dialog.model.row_item(n) for n in range(2)]
        seen["rows"] = [(r.worker, r.fingerprint) for r in rows if r]
        seen["waiting"] = dialog.message.text()
        assert QApplication.focusWidget() is dialog.table  # the first laptop, selected
        qtbot.keyClick(dialog.table, Qt.Key.Key_Tab)
        seen["tab"] = QApplication.focusWidget() is dialog.approve_button
        qtbot.keyClick(dialog.approve_button, Qt.Key.Key_Backtab)

        questions: list[str] = []

        def leave(box: QMessageBox) -> None:  # Bryn's does not match: Esc, not approved
            questions.append(box.text())
            qtbot.keyClick(box, Qt.Key.Key_Escape)

        qtbot.keyClick(dialog.table, Qt.Key.Key_Down)  # Bryn
        answer_modal(QMessageBox, leave)
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Not approved" in dialog.message.text(), timeout=1000)
        seen["left"] = dialog.message.text()

        def same(box: QMessageBox) -> None:  # Alice's matches: Enter approves
            questions.append(box.text())
            qtbot.keyClick(box, Qt.Key.Key_Return)

        qtbot.keyClick(dialog.table, Qt.Key.Key_Up)  # Alice
        answer_modal(QMessageBox, same)
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
        seen["questions"] = questions
        seen["approved"] = dialog.message.text()
        remaining = dialog.model.row_item(0)
        seen["remaining"] = remaining.worker if remaining else None
        qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)  # closes the dialog

    answer_modal(JoinRequestsDialog, work)
    _open_from_the_settings_menu(qtbot, window)
    qtbot.waitUntil(lambda: "approved" in seen, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=SIGNAL_TIMEOUT_MS)

    assert seen["rows"] == [("Alice Fictional", alice_print), ("Bryn Fictional", bryn_print)]
    assert seen["waiting"] == "2 laptops waiting to be approved."
    assert seen["tab"] is True
    questions = seen["questions"]
    assert isinstance(questions, list)
    assert bryn_print in questions[0]
    assert "Bryn Fictional" in questions[0]
    assert alice_print in questions[1]
    assert "Alice Fictional" in questions[1]
    assert (
        seen["left"] == "Not approved: Bryn Fictional's laptop is still waiting, outside the team."
    )
    assert seen["approved"] == (
        "Approved Alice Fictional's laptop: it receives the team's changes from its next "
        "sync. 1 laptop waiting to be approved."
    )
    assert seen["remaining"] == "Bryn Fictional"
    # In the team's roster as after `team approve`; Bryn's laptop still waits, outside it.
    assert _state_of(alice) == SyncState.SYNCED
    assert _state_of(bryn) == SyncState.WAITING_FOR_APPROVAL


def test_a_worker_has_no_such_menu_entry(
    qtbot: QtBot, make_window: MakeWindow, enrolled: AppSession
) -> None:
    enrolled.close()
    window = make_window()
    unlock(qtbot, window)
    assert not window.join_action.isVisible()
    assert not window.join_action.isEnabled()
    texts = [a.text() for a in window.settings_menu.actions() if a.isVisible()]
    assert "Laptops asking to &join…" not in texts
    window.join_action.trigger()  # even so, nothing opens
    assert QApplication.activeModalWidget() is None


def test_an_export_out_of_reach_is_said_in_words(
    qtbot: QtBot, make_window: MakeWindow, enrolled: AppSession, tmp_path: Path
) -> None:
    export = _supervisor_with_team(enrolled, tmp_path)
    window = make_window()
    unlock(qtbot, window)
    shutil.move(str(export), str(tmp_path / "unplugged"))  # the USB stick is pulled out
    said: list[str] = []

    def read(dialog: JoinRequestsDialog) -> None:
        qtbot.waitUntil(
            lambda: dialog.message.text() not in ("", "Reading the central export…"),
            timeout=SIGNAL_TIMEOUT_MS,
        )
        said.append(dialog.message.text())
        assert not dialog.approve_button.isEnabled()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    answer_modal(JoinRequestsDialog, read)
    window.join_action.trigger()
    assert said == [f"The central export {export} cannot be reached."]
    assert BUG_MESSAGE not in said
