"""Retention and erasure across a supervisor's and a worker's laptop through a real central
export folder: real SQLCipher databases, real bundles, the clock moved on by the services'
``today``."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select, text

from restart_desktop import cli
from restart_desktop.app.audit import AuditService
from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.retention import RetentionService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.retention import ErasureRule
from restart_desktop.store.models import Change, ContactNote, Erasure, Person
from restart_desktop.sync.keys import device_keys
from tests.support.bundles import readable_changes
from tests.support.clock import local
from tests.support.constants import PASSPHRASE
from tests.support.pages import decrypted_pages, decrypted_wal_pages
from tests.support.team import Laptop, make_team

TODAY = dt.date.today()
NAME = "Zorblatt"  # the erased person's family name: found nowhere afterwards
SQLITE_HEADER_TEXT = b"SQLite format 3"
LAPTOPS: list[Laptop] = []  # the keys, for reading the files' pages


def _sync(*sessions: AppSession) -> None:
    for session in sessions:
        result = SyncService(session).sync_now(check_digests=True)
        assert result.state == "synced", result.message
        assert result.report.problems == {}
        assert result.differs_from == ()


def _closed_case(session: AppSession, family_name: str) -> str:
    cases = CaseService(session)
    case = cases.create_case(CaseFields(given_name="Testy", family_name=family_name)).case_id
    NoteService(session).finalise(
        DraftFields(
            person_id=case,
            contact_at=local(2026, 11, 20, 10, 30),
            text=f"Fictional visit: {family_name} asked about a food bank.",
        ),
        confirmed=True,
    )
    cases.change_status(case, CaseStatus.ACCEPTED, "Fictional panel")
    cases.change_status(case, CaseStatus.CLOSED, "Fictional: moved away", "moved_out_of_area")
    return case


def _found_anywhere(session: AppSession, word: str) -> list[str]:
    """Every table (the search index's own tables too) whose rows hold ``word``, read
    decrypted through SQLCipher; and "pages" when a page of the file itself holds it (deleted
    cells and free space included), decrypted with the laptop's key."""
    needle = word.lower()
    found = []
    database = session.paths.database
    wal = database.with_name(database.name + "-wal")
    key = next(lap.key for lap in LAPTOPS if lap.device_id == session.device_id)
    assert SQLITE_HEADER_TEXT not in database.read_bytes()[:16]  # really encrypted
    pages = list(decrypted_pages(database, key)) + list(decrypted_wal_pages(wal, key))
    assert b"SQLite format 3" not in pages[0]
    assert b"CREATE TABLE" in b"".join(pages)
    if any(needle.encode() in page.lower() for page in pages):
        found.append("pages")
    with session.db.read() as s:
        tables = s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'")).all()
        for table in tables:
            for row in s.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if isinstance(value, str) and needle in value.lower():
                        found.append(table)
        assert s.execute(text("PRAGMA freelist_count")).scalar() == 0
    return sorted(set(found))


def _in_export(session: AppSession, export: Path, word: str) -> list[str]:
    """The bundles in the central export (decrypted with a team member's key) holding
    ``word``."""
    keys = device_keys(session.db)
    found = []
    for path in sorted(export.glob("devices/*/*.age")):
        if path.name == "digest.age":
            continue
        if any(word in str(change) for change in readable_changes(path, keys)):
            found.append(path.name)
    return found


def test_a_closed_case_leaves_a_workers_laptop_only_once_held_centrally(tmp_path: Path) -> None:
    team = make_team(tmp_path / "team", workers=1)
    LAPTOPS[:] = team.laptops
    supervisor, worker = (laptop.open() for laptop in team.laptops)
    try:
        _sync(supervisor, worker)
        case = _closed_case(worker, NAME)
        kept = (
            CaseService(worker)
            .create_case(CaseFields(given_name="Testy", family_name="Keepsake"))
            .case_id
        )
        later = RetentionService(worker, today=lambda: TODAY + dt.timedelta(days=31))

        # Not yet in the central export: nothing is erased, and the list says why.
        (due,) = later.schedule()
        assert (due.case_id, due.rule, due.due) == (
            case,
            ErasureRule.LAPTOP,
            TODAY + dt.timedelta(days=30),
        )
        assert "not yet confirmed in the central export" in due.waiting_for
        assert later.run().erased == 0
        _sync(worker)  # sent, but no supervisor's laptop has confirmed reading it yet
        assert later.run().erased == 0

        _sync(supervisor, worker)  # the supervisor's digest now confirms it
        assert RetentionService(worker).run().erased == 0  # 30 days have not passed
        (due,) = later.schedule()
        assert due.waiting_for == ""
        assert due.due <= TODAY + dt.timedelta(days=31)
        assert later.run().erased == 1

        with worker.db.read() as s:
            assert s.get(Person, case) is None
            assert s.get(Person, kept) is not None
            assert (
                s.scalars(
                    select(Change).where(Change.case_id == case, Change.entity != "audit_entries")
                ).all()
                == []
            )
            (tombstone,) = s.scalars(select(Erasure)).all()
            assert (tombstone.case_id, tombstone.rule) == (case, ErasureRule.LAPTOP.value)
        assert _found_anywhere(worker, NAME) == []
        assert _found_anywhere(worker, "Keepsake") != []  # the scan does find what is there
        with worker.db.read() as s:  # the search index's triggers are back in place
            assert sorted(
                s.scalars(
                    text(
                        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE "
                        "'%search_delete'"
                    )
                )
            ) == ["addenda_search_delete", "contact_notes_search_delete"]
        assert AuditService(worker).verify() == []

        # The central export and the supervisor keep it; the laptops still agree.
        _sync(worker, supervisor, worker)
        with supervisor.db.read() as s:
            assert s.get(Person, case) is not None
        assert _in_export(supervisor, team.export, NAME) != []
        lead = CaseService(supervisor)
        lead.update_case(case, replace(lead.get_case(case).fields, crn="X123456"))
        _sync(supervisor, worker)  # a change while it stays closed does not bring it back
        with worker.db.read() as s:
            assert s.get(Person, case) is None

        # Reopened (a recall): it comes back to the worker's laptop with its whole history.
        lead.change_status(case, CaseStatus.RECOMMENDED, "Fictional recall to custody")
        _sync(supervisor, worker)
        back = CaseService(worker).get_case(case)
        assert (back.fields.family_name, back.fields.crn, back.status) == (
            NAME,
            "X123456",
            CaseStatus.RECOMMENDED,
        )
        with worker.db.read() as s:
            assert s.scalars(
                select(ContactNote.text).where(ContactNote.person_id == case)
            ).all() == [f"Fictional visit: {NAME} asked about a food bank."]
        _sync(supervisor, worker)  # and the laptops agree again
    finally:
        supervisor.close()
        worker.close()


def test_the_retention_period_erases_everywhere_unless_on_legal_hold(tmp_path: Path) -> None:
    team = make_team(tmp_path / "team", workers=1)
    LAPTOPS[:] = team.laptops
    supervisor, worker = (laptop.open() for laptop in team.laptops)
    try:
        _sync(supervisor, worker)
        case = _closed_case(worker, NAME)
        _sync(worker, supervisor)
        CaseService(supervisor).set_legal_hold(case, True, "Fictional court order")
        _sync(supervisor, worker)

        years = TODAY + dt.timedelta(days=6 * 366)
        for laptop in (worker, supervisor):
            service = RetentionService(laptop, today=lambda: years)
            (due,) = service.schedule()
            assert due.waiting_for == "A supervisor placed a legal hold on it."
            assert service.run().erased == 0
        with worker.db.read() as s:
            assert s.get(Person, case) is not None

        CaseService(supervisor).set_legal_hold(case, False, "Fictional: proceedings ended")
        (due,) = RetentionService(supervisor, today=lambda: years).schedule()
        assert (due.rule, due.due) == (ErasureRule.RETENTION, TODAY.replace(year=TODAY.year + 6))
        assert RetentionService(supervisor, today=lambda: years).run().erased == 1
        assert _found_anywhere(supervisor, NAME) == []

        # The tombstone reaches the worker's laptop, which erases it too; each laptop
        # publishes its bundles again without the case: the central export no longer has it.
        _sync(supervisor, worker, supervisor)
        for laptop in (supervisor, worker):
            with laptop.db.read() as s:
                assert s.get(Person, case) is None
            assert _found_anywhere(laptop, NAME) == []
            assert AuditService(laptop).verify() == []
        assert _in_export(supervisor, team.export, NAME) == []
        assert _in_export(supervisor, team.export, case) != []  # audit entries: ids only
        _sync(worker, supervisor)  # and the laptops still agree
    finally:
        supervisor.close()
        worker.close()


def test_the_retention_command_lists_ids_never_names(
    enrolled: AppSession, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    case = _closed_case(enrolled, NAME)
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    folder = ["--data-dir", str(enrolled.paths.root), "retention"]
    assert cli.main([*folder, "--run"]) == 0
    out = capsys.readouterr().out
    assert "Erased 0 cases from this laptop." in out
    assert "closed cases leave workers' laptops 30 days after closing" in out
    (line,) = [row for row in out.splitlines() if row.startswith(case)]
    due = TODAY + dt.timedelta(days=30)
    assert f"{due:%Y-%m-%d}  laptop" in line
    assert "not yet confirmed" in line
    assert NAME not in out


def test_a_case_handed_away_leaves_the_laptop_and_comes_back_with_its_history(
    tmp_path: Path,
) -> None:
    team = make_team(tmp_path / "team", workers=2)
    LAPTOPS[:] = team.laptops
    supervisor, first, second = (laptop.open() for laptop in team.laptops)
    try:
        _sync(supervisor, first, second, supervisor)
        lead = CaseService(supervisor)
        case = lead.create_case(CaseFields(given_name="Testy", family_name=NAME)).case_id
        lead.allocate(case, first.worker.id, "Fictional: her area")
        _sync(supervisor, first)
        NoteService(first).finalise(
            DraftFields(
                person_id=case,
                contact_at=local(2026, 11, 20, 10, 30),
                text=f"Fictional visit: {NAME} asked about a food bank.",
            ),
            confirmed=True,
        )
        _sync(first, supervisor)
        lead.allocate(case, second.worker.id, "Fictional: she moves to the Reading patch")
        _sync(supervisor, second, first)  # first: handed away, but not yet confirmed
        _sync(supervisor, first)  # now confirmed: erased from the first worker's laptop
        with first.db.read() as s:
            assert s.get(Person, case) is None
        assert _found_anywhere(first, NAME) == []

        lead.allocate(case, first.worker.id, "Fictional: back to her first worker")
        _sync(supervisor, first, second, supervisor)
        with first.db.read() as s:
            assert s.get(Person, case) is not None
            assert s.scalars(
                select(ContactNote.text).where(ContactNote.person_id == case)
            ).all() == [f"Fictional visit: {NAME} asked about a food bank."]
    finally:
        for session in (supervisor, first, second):
            session.close()
