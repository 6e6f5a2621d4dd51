"""One writer at a time, never a long wait: a worker's save made while a large sync import
runs on another thread succeeds (it takes its turn between two bundles, never "another copy");
an import interrupted between two bundles leaves each bundle wholly applied or not at all and
the next sync finishes it; a second process holding the database is named as such, this app's
own background work is not."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import UserError
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService
from restart_desktop.store import engine as store_engine
from restart_desktop.store import writer
from restart_desktop.store.errors import BusyWithOwnWork, DatabaseLocked, StorageError
from restart_desktop.store.models import Change, Person, SyncPeer
from restart_desktop.sync.folder import FolderTarget
from tests.support.team import Laptop, Team, make_team

pytestmark = pytest.mark.e2e

IMPORTED = 5000


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    """A supervisor and a worker whose laptop has published 5,000 new cases."""
    made = make_team(tmp_path_factory.mktemp("busy") / "team", workers=1)
    worker = made.laptops[1].open()
    try:
        with worker.db.write() as s:  # one change each: quicker than 5,000 saves
            s.add_all(
                Person(
                    given_name="Testy",
                    family_name=f"Bulkson{n}",
                    status="recommended",
                    status_reason="Recommended to the programme",
                )
                for n in range(IMPORTED)
            )
        SyncService(worker).sync_now()
    finally:
        worker.close()
    return made


@pytest.fixture
def fresh(team: Team, tmp_path: Path) -> Team:
    return team.copy_to(tmp_path / "team")


def _short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's own wait is for other processes only: 50 ms makes any reliance on it fail."""
    monkeypatch.setattr(store_engine, "BUSY_TIMEOUT_MS", 50)


def _held(session: AppSession, device_id: str) -> list[int]:
    with session.db.read() as s:
        return sorted(s.scalars(select(Change.seq).where(Change.device_id == device_id)))


def test_a_save_during_a_5000_change_import_succeeds(
    fresh: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    _short_busy_timeout(monkeypatch)
    supervisor = fresh.laptops[0].open()
    try:
        case_id = (
            CaseService(supervisor)
            .create_case(CaseFields(given_name="Testy", family_name="Saveson"))
            .case_id
        )
        failures: list[BaseException] = []
        done = threading.Event()

        def sync() -> None:
            try:
                SyncService(supervisor).sync_now()
            except BaseException as error:  # reported by the assertion below
                failures.append(error)
            finally:
                done.set()

        importing = threading.Thread(target=sync, name="test-sync")
        importing.start()
        saves_during = 0
        n = 0
        while not done.is_set():
            n += 1
            CaseService(supervisor).update_case(
                case_id,
                CaseFields(given_name="Testy", family_name="Saveson", preferred_name=f"Save {n}"),
            )
            with supervisor.db.read() as s:
                received = int(s.execute(select(func.count()).select_from(Person)).scalar_one())
            if 1 < received < IMPORTED + 1 and not done.is_set():
                saves_during += 1  # the import had begun and not finished
            time.sleep(0.02)
        importing.join()
        assert failures == []
        assert saves_during >= 1
        with supervisor.db.read() as s:
            assert s.get(Person, case_id).preferred_name == f"Save {n}"  # type: ignore[union-attr]
            received = int(s.execute(select(func.count()).select_from(Person)).scalar_one())
        assert received == IMPORTED + 1
    finally:
        supervisor.close()


def test_an_import_stopped_between_bundles_keeps_each_bundle_whole(
    fresh: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor_laptop, worker_laptop = fresh.laptops[0], fresh.laptops[1]
    published = FolderTarget(fresh.export).published(worker_laptop.device_id)
    assert len(published) >= 5  # 5,000 changes go in short transactions: several bundles
    ends = {0} | {item.to_seq for item in published}
    real_read = FolderTarget.read
    reads = {"n": 0}

    def unreadable_half_way(self: FolderTarget, item: object) -> tuple[bytes, bytes]:
        reads["n"] += 1
        if reads["n"] > len(published) // 2:
            raise PermissionError(13, "Permission denied")  # the share went read-protected
        return real_read(self, item)  # type: ignore[arg-type]

    monkeypatch.setattr(FolderTarget, "read", unreadable_half_way)
    supervisor = supervisor_laptop.open()
    try:
        with pytest.raises(UserError, match="The sync stopped"):
            SyncService(supervisor).sync_now()
        with supervisor.db.read() as s:
            peer = s.get(SyncPeer, worker_laptop.device_id)
            high_water = peer.high_water if peer else 0
        assert 0 < high_water < max(ends)  # stopped half-way
        assert high_water in ends  # at a bundle's end: never inside one
        assert _held(supervisor, worker_laptop.device_id) == list(range(1, high_water + 1))
        monkeypatch.setattr(FolderTarget, "read", real_read)
        SyncService(supervisor).sync_now()  # the next sync finishes the job
        worker = worker_laptop.open()
        try:  # every change the worker's laptop made, once each
            assert _held(supervisor, worker_laptop.device_id) == _held(worker, worker.device_id)
        finally:
            worker.close()
        with supervisor.db.read() as s:
            peer = s.get(SyncPeer, worker_laptop.device_id)
            assert peer is not None
            assert peer.high_water == max(ends)
        with supervisor.db.read() as s:
            assert int(s.execute(select(func.count()).select_from(Person)).scalar_one()) == IMPORTED
    finally:
        supervisor.close()


HOLDER = """
import sys, time
from pathlib import Path
from restart_desktop.store.engine import connect_raw
connection = connect_raw(Path(sys.argv[1]), bytes.fromhex(sys.argv[2]))
connection.execute("BEGIN IMMEDIATE")
print("holding", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


def test_another_process_holding_the_database_is_another_copy(
    fresh: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    _short_busy_timeout(monkeypatch)
    laptop: Laptop = fresh.laptops[0]
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(laptop.paths.database), laptop.key.hex()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    session = laptop.open()
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(DatabaseLocked, match="in use by another copy of RESTART Desktop"):
            CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Lockson"))
    finally:
        holder.communicate("\n", timeout=30)  # lets go, ends, and closes the pipes
        session.close()


def test_our_own_background_work_is_not_another_copy(
    fresh: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save that waits too long for this app's own sync says so; it never blames a copy."""
    _short_busy_timeout(monkeypatch)
    monkeypatch.setattr(writer, "FOREGROUND_WAIT_S", 0.3)
    session = fresh.laptops[0].open()
    holding, release = threading.Event(), threading.Event()

    def long_background_write() -> None:
        with session.db.background(), session.db.write():
            holding.set()
            release.wait(10)

    background = threading.Thread(target=long_background_write, name="test-background")
    background.start()
    try:
        assert holding.wait(10)
        with pytest.raises(StorageError) as raised:
            CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Waitson"))
        assert isinstance(raised.value, BusyWithOwnWork)
        assert "another copy" not in str(raised.value)
        assert "in the background" in str(raised.value)
    finally:
        release.set()
        background.join()
    try:
        saved = CaseService(session).create_case(
            CaseFields(given_name="Testy", family_name="Waitson")
        )
        assert saved.case_id
    finally:
        session.close()
