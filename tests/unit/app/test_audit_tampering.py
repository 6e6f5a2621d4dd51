"""The audit trail anchored outside the laptop: a worker's laptop publishes a signed head of
its chain at each sync, the supervisor's laptop keeps every head it receives, and someone
holding the worker's database key who cuts the chain short, empties it, rewrites it with the
hashes recomputed, reorders it or puts an older database file back is found at the next sync,
on real SQLCipher databases and a real export folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from restart_desktop import cli
from restart_desktop.app.audit import AuditService
from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import UserError
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.audit import GENESIS, ChainLink, entry_hash
from restart_desktop.store.models import AuditEntry
from restart_desktop.sync.audit_heads import HEAD_NAME
from restart_desktop.sync.folder import DEVICES
from tests.support.team import Laptop, Team, make_team


@pytest.fixture
def team(tmp_path: Path) -> Team:
    return make_team(tmp_path, workers=1)


def _sync(laptop: Laptop) -> None:
    session = laptop.open()
    try:
        assert SyncService(session).sync_now().state == "synced"
    finally:
        session.close()


def _work(laptop: Laptop, cases: int) -> None:
    """Cases created and opened: entries in the laptop's audit chain."""
    session = laptop.open()
    try:
        service = CaseService(session)
        for n in range(cases):
            made = service.create_case(CaseFields(given_name="Testy", family_name=f"Chain{n}"))
            service.get_case(made.case_id)
    finally:
        session.close()


def _broken(laptop: Laptop) -> list[str]:
    session = laptop.open()
    try:
        return [
            f"{link.device_id} {link.seq}: {link.why}" for link in AuditService(session).verify()
        ]
    finally:
        session.close()


def _tamper(laptop: Laptop, *statements: str) -> None:
    """SQL on the laptop's database with its key, behind the application's back."""
    session = laptop.open()
    try:
        with session.db.write() as s:
            for statement in statements:
                s.execute(text(statement))
    finally:
        session.close()


def _rechain(laptop: Laptop, *statements: str) -> None:
    """Alter the chain with ``statements``, then recompute every hash with the project's own
    ``entry_hash``, so that the chain on its own verifies again."""
    session = laptop.open()
    try:
        with session.db.write() as s:
            s.execute(text("DROP TRIGGER audit_entries_immutable"))
            for statement in statements:
                s.execute(text(statement))
        with session.db.read() as s:
            entries = list(
                s.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.device_id == laptop.device_id)
                    .order_by(AuditEntry.seq)
                )
            )
            prev, hashes = GENESIS, []
            for e in entries:
                link = ChainLink(
                    e.device_id, e.seq, e.at, e.worker_id, e.action, e.person_id, e.detail, prev
                )
                prev = entry_hash(link)
                hashes.append((e.id, link.prev_hash, prev))
        with session.db.write() as s:
            for entry_id, prev_hash, hash_ in hashes:
                s.execute(
                    text("UPDATE audit_entries SET prev_hash = :p, hash = :h WHERE id = :i"),
                    {"p": prev_hash, "h": hash_, "i": entry_id},
                )
        own = [
            link
            for link in AuditService(session).verify()
            if "published" not in link.why and "went back" not in link.why
        ]
        assert own == []  # the chain on its own verifies: only the heads can tell
    finally:
        session.close()


def _history(team: Team) -> tuple[int, int]:
    """The worker works and syncs twice, the supervisor syncs after each: the supervisor's
    laptop holds the worker's entries and two of its heads. Returns the heads' entries."""
    supervisor, worker = team.laptops
    heads = []
    for _ in range(2):
        _work(worker, 2)
        _sync(worker)
        _sync(supervisor)
        heads.append(_newest(worker))
    assert _broken(supervisor) == []
    assert _broken(worker) == []
    return heads[0], heads[1]


def _newest(laptop: Laptop) -> int:
    session = laptop.open()
    try:
        with session.db.read() as s:
            return int(
                s.execute(
                    select(func.max(AuditEntry.seq)).where(AuditEntry.device_id == laptop.device_id)
                ).scalar_one()
            )
    finally:
        session.close()


def _found_after_next_sync(team: Team, words: str) -> list[str]:
    supervisor, worker = team.laptops
    _sync(worker)
    _sync(supervisor)
    found = _broken(supervisor)
    assert found, "the supervisor's check found nothing"
    assert all(line.startswith(worker.device_id) for line in found)
    assert any(words in line for line in found), found
    return found


def test_deleting_the_newest_entry_is_found(team: Team) -> None:
    supervisor, worker = team.laptops
    first, second = _history(team)
    newest = second
    _tamper(
        worker,
        f"DELETE FROM audit_entries WHERE device_id = '{worker.device_id}' AND seq = {newest}",
    )
    assert any(
        f"entries {newest} to {newest} were published" in line for line in _broken(worker)
    )  # its own laptop knows at once
    found = _found_after_next_sync(team, f"entries {newest} to {newest} were deleted")
    assert f"went back from entry {newest}" in found[0]


def test_deleting_the_newest_entry_then_working_on_is_found_and_sync_goes_on(
    team: Team,
) -> None:
    supervisor, worker = team.laptops
    first, second = _history(team)
    _tamper(
        worker,
        f"DELETE FROM audit_entries WHERE device_id = '{worker.device_id}' AND seq = {second}",
    )
    _work(worker, 1)  # a new entry takes the deleted one's place in the chain
    found = _found_after_next_sync(team, "does not follow the entry before it")
    assert f" {second + 1}: " in found[0]  # the first entry after the one replaced


def test_deleting_every_entry_is_found(team: Team) -> None:
    supervisor, worker = team.laptops
    first, second = _history(team)
    _tamper(worker, "DELETE FROM audit_entries")
    _found_after_next_sync(team, "every entry was deleted")


def test_deleting_the_heads_kept_on_the_laptop_too_is_found(team: Team) -> None:
    supervisor, worker = team.laptops
    first, second = _history(team)
    newest = second
    _tamper(
        worker,
        f"DELETE FROM audit_entries WHERE seq = {newest} AND device_id = '{worker.device_id}'",
        "DROP TRIGGER audit_heads_immutable",
        "DELETE FROM audit_heads",
    )
    assert _broken(worker) == []  # nothing left here to compare with...
    _found_after_next_sync(team, "were deleted")
    assert _broken(worker)  # ...until its own head comes back from the export


def test_rewriting_with_recomputed_hashes_is_found(team: Team) -> None:
    supervisor, worker = team.laptops
    first, second = _history(team)
    _rechain(
        worker,
        f"UPDATE audit_entries SET detail = 'nothing to see' WHERE seq = {first + 1} "
        f"AND device_id = '{worker.device_id}'",
    )
    assert any(
        f"one of entries {first + 1} to {second} was rewritten" in line for line in _broken(worker)
    )  # its own laptop, narrowed by its two heads
    _found_after_next_sync(team, f"one of entries 1 to {second} was rewritten or reordered")


def test_reordering_with_recomputed_hashes_is_found(team: Team) -> None:
    supervisor, worker = team.laptops
    first, second = _history(team)
    device = worker.device_id
    _rechain(
        worker,
        "DROP INDEX IF EXISTS uq_audit_entries_device_seq",
        f"UPDATE audit_entries SET seq = -2 WHERE seq = 2 AND device_id = '{device}'",
        f"UPDATE audit_entries SET seq = 2 WHERE seq = 3 AND device_id = '{device}'",
        f"UPDATE audit_entries SET seq = 3 WHERE seq = -2 AND device_id = '{device}'",
    )
    assert any(f"one of entries 1 to {first} was rewritten" in line for line in _broken(worker))
    _found_after_next_sync(team, f"one of entries 1 to {second} was rewritten or reordered")


def test_an_older_database_file_put_back_is_found(team: Team, tmp_path: Path) -> None:
    supervisor, worker = team.laptops
    _work(worker, 2)
    _sync(worker)
    _sync(supervisor)
    first = _newest(worker)
    kept = tmp_path / "old-copy.db"
    shutil.copy2(worker.paths.database, kept)  # the file as it was (closed: no WAL left)
    _work(worker, 2)
    _sync(worker)
    _sync(supervisor)
    second = _newest(worker)
    assert _broken(supervisor) == []
    shutil.copy2(kept, worker.paths.database)
    session = worker.open()
    try:  # it sends nothing (its numbers are taken), but its audit head goes out
        with pytest.raises(UserError, match="put back from an older copy. Nothing was sent"):
            SyncService(session).sync_now()
    finally:
        session.close()
    _sync(supervisor)
    found = _broken(supervisor)
    assert any("an older copy of its database was put back" in line for line in found), found
    assert f"went back from entry {second}" in found[0]
    assert any(
        f"entries {first + 1} to {second} were published" in line for line in _broken(worker)
    )


def test_audit_verify_names_the_device_and_exits_non_zero(
    team: Team, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor, worker = team.laptops
    first, second = _history(team)
    _tamper(worker, "DELETE FROM audit_entries")
    _sync(worker)
    monkeypatch.setattr("restart_desktop.cli._open_session", lambda _paths: supervisor.open())
    _sync(supervisor)
    assert cli.main(["--data-dir", str(supervisor.paths.root), "audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert worker.device_id in err
    assert "every entry was deleted" in err


def test_a_head_not_signed_by_its_device_is_not_kept(team: Team) -> None:
    supervisor, worker = team.laptops
    first, second = _history(team)
    folder = team.export / DEVICES / worker.device_id
    data = (folder / HEAD_NAME).read_bytes().replace(f'"seq":{second}'.encode(), b'"seq":99')
    (folder / HEAD_NAME).write_bytes(data)
    _sync(supervisor)
    assert _broken(supervisor) == []  # a forged head proves nothing, either way
