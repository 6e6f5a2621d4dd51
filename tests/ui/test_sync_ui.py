"""Sync in the window: Ctrl+Shift+S syncs; the status bar says where things stand, offline too."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.session import AppSession, enrol
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.ui.application import MainWindow
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

SYNC_KEYS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_sync_now_and_the_status_bar_says_where_things_stand(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    enrolled: AppSession,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    supervisor = enrol(DataPaths(tmp_path / "sup"), name="Supervisor (fictional)",
                       organisation_code=organisation_code, role=Role.SUPERVISOR,
                       passphrase=PASSPHRASE, kdf=fast_kdf)  # fmt: skip
    try:
        SyncService(supervisor).create_team(export, DeviceKeys.generate().age_recipient)
        SyncService(enrolled).request_to_join(export)
        SyncService(supervisor).approve(enrolled.device_id)
    finally:
        supervisor.close()
    CaseService(enrolled).create_case(CaseFields(given_name="Testy", family_name="Fnineson"))
    enrolled.close()

    window = make_window()
    unlock(qtbot, window)
    label = window.sync_label
    qtbot.waitUntil(lambda: label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS)
    bundles = list((export / "devices").rglob("*-*.age"))
    assert len(bundles) == 1  # sent at unlock

    shutil.move(str(export), str(tmp_path / "unplugged"))  # the USB stick is pulled out
    session = window.session
    assert session is not None
    CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Later"))
    qtbot.keyClick(window, Qt.Key.Key_S, SYNC_KEYS)
    qtbot.waitUntil(lambda: label.text().startswith("Offline,"), timeout=SIGNAL_TIMEOUT_MS)
    assert label.text() == "Offline, 1 change waiting"

    shutil.move(str(tmp_path / "unplugged"), str(export))
    qtbot.keyClick(window, Qt.Key.Key_S, SYNC_KEYS)
    qtbot.waitUntil(lambda: label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS)
    assert len(list((export / "devices").rglob("*-*.age"))) == 2

    # Quitting with a change not yet sent and the export reachable: offered, and sent.
    CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Lastone"))
    offered: list[str] = []

    def send(box: QMessageBox) -> None:
        offered.append(box.text())
        button = next(b for b in box.buttons() if b.text() == "&Sync and quit")
        button.click()

    answer_modal(QMessageBox, send)
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=SIGNAL_TIMEOUT_MS)
    assert offered and offered[0].startswith("1 change made on this laptop")
    assert len(list((export / "devices").rglob("*-*.age"))) == 3
