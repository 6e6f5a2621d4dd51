"""Sync in the window: Ctrl+Shift+S syncs; the status bar says where things stand, offline too."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.exceptions import TimeoutError as QtTimeout
from pytestqt.qtbot import QtBot

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.session import AppSession, enrol
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.ui.application import MainWindow
from tests.support import lock_holder
from tests.support.constants import PASSPHRASE
from tests.support.pg_cluster import SUPERUSER, Cluster
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
    export, supervisor = _team(enrolled, tmp_path, fast_kdf, organisation_code)
    supervisor.close()
    CaseService(enrolled).create_case(CaseFields(given_name="Testy", family_name="Fnineson"))
    enrolled.close()

    window = make_window()
    unlock(qtbot, window)
    label = window.sync_label
    qtbot.waitUntil(lambda: label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS)
    bundles = list((export / "devices").glob("*/*-*.age"))
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
    assert len(list((export / "devices").glob("*/*-*.age"))) == 2

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
    assert offered
    assert offered[0].startswith("1 change made on this laptop")
    assert len(list((export / "devices").glob("*/*-*.age"))) == 3


def _team(
    enrolled: AppSession, tmp_path: Path, fast_kdf: KdfParams, organisation_code: str
) -> tuple[Path, AppSession]:
    """The enrolled worker and a supervisor in one team; returns the export and the
    supervisor's open session."""
    export = tmp_path / "export"
    export.mkdir()
    supervisor = enrol(
        DataPaths(tmp_path / "sup"),
        name="Supervisor (fictional)",
        organisation_code=organisation_code,
        role=Role.SUPERVISOR,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    )
    SyncService(supervisor).create_team(export, DeviceKeys.generate().age_recipient)
    SyncService(enrolled).request_to_join(export)
    SyncService(supervisor).approve(enrolled.device_id)
    return export, supervisor


def test_a_conflict_is_settled_from_the_keyboard_and_reaches_the_supervisor(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    enrolled: AppSession,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
) -> None:
    from dataclasses import replace

    from restart_desktop.ui.sync_ui import ConflictsDialog

    _export, supervisor = _team(enrolled, tmp_path, fast_kdf, organisation_code)
    try:
        mine = CaseService(enrolled)
        case = mine.create_case(CaseFields(given_name="Testy", family_name="Twoview")).case_id
        SyncService(enrolled).sync_now()
        SyncService(supervisor).sync_now()
        theirs = CaseService(supervisor)
        theirs.update_case(case, replace(theirs.get_case(case).fields, nomis_number="A1111AA"))
        mine.update_case(case, replace(mine.get_case(case).fields, nomis_number="B2222BB"))
        SyncService(supervisor).sync_now()
        enrolled.close()

        window = make_window()
        unlock(qtbot, window)
        label = window.sync_label
        qtbot.waitUntil(lambda: label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS)
        assert "1 conflict to settle" in label.text()

        settled: list[str] = []

        def settle(dialog: ConflictsDialog) -> None:
            qtbot.waitUntil(lambda: dialog.options.rowCount() == 2, timeout=SIGNAL_TIMEOUT_MS)
            assert dialog.model.data(dialog.model.index(0, 0)) == (
                "Prison number (case, TWOVIEW, Testy)"
            )
            # The later value (this laptop's) shows for now; the supervisor's was right.
            qtbot.keyClick(dialog.table, Qt.Key.Key_Tab)
            assert dialog.focusWidget() is dialog.option_table
            qtbot.keyClick(dialog.option_table, Qt.Key.Key_Up)
            chosen = dialog.options.row_item(dialog.option_table.currentIndex().row())
            assert chosen is not None
            assert chosen.author == "Supervisor (fictional)"
            qtbot.keyClick(dialog.option_table, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
            qtbot.waitUntil(lambda: dialog.model.rowCount() == 0, timeout=SIGNAL_TIMEOUT_MS)
            settled.append(dialog.message.text())
            dialog.reject()

        answer_modal(ConflictsDialog, settle)
        window.conflicts_action.trigger()
        qtbot.waitUntil(lambda: bool(settled), timeout=SIGNAL_TIMEOUT_MS)
        session = window.session
        assert session is not None
        assert CaseService(session).get_case(case).fields.nomis_number == "A1111AA"
        qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)  # after the dialog
        qtbot.keyClick(window, Qt.Key.Key_S, SYNC_KEYS)  # the choice goes out
        qtbot.waitUntil(
            lambda: label.text().startswith("Synced") and "conflict" not in label.text(),
            timeout=SIGNAL_TIMEOUT_MS,
        )
        SyncService(supervisor).sync_now()
        assert SyncService(supervisor).conflicts() == []
        assert theirs.get_case(case).fields.nomis_number == "A1111AA"
    finally:
        supervisor.close()


def test_a_long_sync_shows_progress_keeps_the_window_responsive_and_can_be_stopped(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    enrolled: AppSession,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtCore import QElapsedTimer, QTimer

    from restart_desktop.sync import publish as sync_module

    monkeypatch.setattr(sync_module, "MAX_CHANGES_PER_BUNDLE", 3)  # many small bundles
    _export, supervisor = _team(enrolled, tmp_path, fast_kdf, organisation_code)
    try:
        enrolled.close()
        window = make_window()
        unlock(qtbot, window)
        label, sync = window.sync_label, window.workspace.sync if window.workspace else None
        assert sync is not None
        qtbot.waitUntil(lambda: label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS)
        theirs = CaseService(supervisor)
        SyncService(supervisor).sync_now()  # the worker's record, to allocate cases to
        for n in range(60):  # recommendations allocated to the worker: they come to the laptop
            case = theirs.create_case(CaseFields(given_name="Testy", family_name=f"Bulkson{n}"))
            theirs.allocate(
                case.case_id,
                window.session.worker.id if window.session else "",
                "Fictional allocation",
            )
        SyncService(supervisor).sync_now()  # 20 bundles and more for this laptop to take in

        # Stopped from the status bar after a few bundles: what came in stays.
        seen: list[tuple[int, int]] = []

        def on_progress(done: int, total: int) -> None:
            seen.append((done, total))
            if done == 12 and window.sync_stop.isVisible():  # a few cases in
                qtbot.mouseClick(window.sync_stop, Qt.MouseButton.LeftButton)

        sync.progress.connect(on_progress)
        qtbot.keyClick(window, Qt.Key.Key_S, SYNC_KEYS)
        qtbot.waitUntil(lambda: label.text().startswith("Sync stopped"), timeout=SIGNAL_TIMEOUT_MS)
        assert 0 < _case_count(window) < 60
        assert seen[0][0] == 0
        assert seen[0][1] >= 20
        assert seen[-1] == (0, 0)
        sync.progress.disconnect(on_progress)

        # Again from the keyboard, to the end: the bar moves on, and the window keeps
        # painting meanwhile.
        seen.clear()
        sync.progress.connect(lambda done, total: seen.append((done, total)))
        ticks, longest, clock = [0], [0], QElapsedTimer()
        clock.start()

        def tick() -> None:
            longest[0] = max(longest[0], clock.restart())
            ticks[0] += 1

        timer = QTimer()
        timer.timeout.connect(tick)
        timer.start(5)
        qtbot.keyClick(window, Qt.Key.Key_S, SYNC_KEYS)
        qtbot.waitUntil(lambda: label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS * 3)
        timer.stop()
        assert _case_count(window) == 60
        steps = [done for done, total in seen if total]
        assert steps == sorted(steps)
        assert steps[-1] == seen[0][1] > 0
        assert not window.sync_progress.isVisible()
        assert ticks[0] > 5
        assert longest[0] < 1000
    finally:
        supervisor.close()


def _case_count(window: MainWindow) -> int:
    session = window.session
    assert session is not None
    from sqlalchemy import func, select

    from restart_desktop.store.models import Person

    with session.db.read() as s:
        return int(s.execute(select(func.count()).select_from(Person)).scalar_one())


def test_locking_with_changes_waiting_offers_to_send_them(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    enrolled: AppSession,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
) -> None:
    export, supervisor = _team(enrolled, tmp_path, fast_kdf, organisation_code)
    supervisor.close()
    enrolled.close()
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(
        lambda: window.sync_label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS
    )
    session = window.session
    assert session is not None
    CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Locker"))
    bundles = len(list((export / "devices").glob("*/*-*.age")))
    offered: list[str] = []

    def send(box: QMessageBox) -> None:
        offered.append(box.text())
        next(b for b in box.buttons() if b.text() == "&Sync and lock").click()

    answer_modal(QMessageBox, send)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.is_locked, timeout=SIGNAL_TIMEOUT_MS)
    assert offered
    assert offered[0].startswith("1 change made on this laptop")
    qtbot.waitUntil(
        lambda: len(list((export / "devices").glob("*/*-*.age"))) == bundles + 1,
        timeout=SIGNAL_TIMEOUT_MS,
    )  # sent while the window is locked


def test_the_windows_sync_skips_a_round_while_another_sync_runs(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    enrolled: AppSession,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
) -> None:
    export, supervisor = _team(enrolled, tmp_path, fast_kdf, organisation_code)
    supervisor.close()
    CaseService(enrolled).create_case(CaseFields(given_name="Testy", family_name="Overlap"))
    data_folder = enrolled.paths.root
    enrolled.close()
    holder = lock_holder.start(data_folder)  # a scheduled `restart-desktop sync`, running
    try:
        window = make_window()
        unlock(qtbot, window)  # syncs at unlock: skipped, not waited for
        label = window.sync_label
        qtbot.waitUntil(
            lambda: label.text().startswith("A sync is already running"), timeout=SIGNAL_TIMEOUT_MS
        )
        assert label.text().endswith("changes waiting")  # the case, and the laptop's own records
        assert not list((export / "devices").glob("*/*-*.age"))
    finally:
        lock_holder.stop(holder)
    qtbot.keyClick(window, Qt.Key.Key_S, SYNC_KEYS)
    qtbot.waitUntil(lambda: label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS)
    assert len(list((export / "devices").glob("*/*-*.age"))) == 1


def test_a_central_server_down_is_said_with_the_changes_waiting(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    enrolled: AppSession,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
    pg_cluster: Cluster,
) -> None:
    server = pg_cluster.conninfo(pg_cluster.new_database())
    supervisor = enrol(
        DataPaths(tmp_path / "sup"),
        name="Supervisor (fictional)",
        organisation_code=organisation_code,
        role=Role.SUPERVISOR,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    )
    SyncService(supervisor).create_team(
        f"{server} user={SUPERUSER}", DeviceKeys.generate().age_recipient
    )
    SyncService(enrolled).request_to_join(server)
    SyncService(supervisor).approve(enrolled.device_id)
    supervisor.close()
    enrolled.close()

    window = make_window()
    unlock(qtbot, window)
    label = window.sync_label
    qtbot.waitUntil(lambda: label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS)
    session = window.session
    assert session is not None
    pg_cluster.stop("immediate")
    try:
        CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Down"))
        qtbot.keyClick(window, Qt.Key.Key_S, SYNC_KEYS)
        qtbot.waitUntil(lambda: label.text().startswith("Central"), timeout=SIGNAL_TIMEOUT_MS)
        assert label.text() == "Central server not reachable, 1 change waiting"
    finally:
        pg_cluster.start()
    qtbot.keyClick(window, Qt.Key.Key_S, SYNC_KEYS)
    try:
        qtbot.waitUntil(lambda: label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS)
    except QtTimeout:
        pytest.fail(f"still {label.text()!r}")


def test_central_export_settings_show_the_place_as_kept(
    qtbot: QtBot,
    make_window: Callable[..., MainWindow],
    enrolled: AppSession,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
) -> None:
    """Settings > Central export shows the export as the laptop keeps it (an absolute folder,
    or a server's connection string), under a label that names both kinds."""
    from restart_desktop.ui.sync_ui import ExportDialog

    export, supervisor = _team(enrolled, tmp_path, fast_kdf, organisation_code)
    supervisor.close()
    enrolled.close()
    window = make_window()
    unlock(qtbot, window)
    seen: list[tuple[str, str]] = []

    def look(dialog: ExportDialog) -> None:
        labels = [w.text() for w in dialog.findChildren(QLabel)]
        seen.append((dialog.path.text(), " ".join(labels)))
        dialog.reject()

    answer_modal(ExportDialog, look)
    window.export_action.trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=SIGNAL_TIMEOUT_MS)
    shown, labels = seen[0]
    assert shown == str(export.resolve())
    assert "Folder or server" in labels.replace("&", "")


def test_the_status_bar_says_an_audit_head_that_does_not_verify() -> None:
    """What the command line says as a PROBLEM reaches the window's status words too."""
    from restart_desktop.app.sync import SyncResult, SyncState
    from restart_desktop.domain.clock import Clock
    from restart_desktop.ui.sync_ui import _describe

    result = SyncResult(SyncState.SYNCED, unverified_heads=("Testy Worker",))
    words = _describe(result, 0, Clock())
    assert "chain head of Testy Worker's laptop" in words
    assert "does not verify" in words
