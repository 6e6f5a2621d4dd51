"""Budgets for the hot paths, as counts that cannot drift with the machine: the SQL statements
each path issues (unlock to the caseload, a caseload keystroke, opening a case file, a note
search, Today, the review queue's first page, one sync with one change), and no full scan of
a large table in any of them (EXPLAIN QUERY PLAN).

A budget is written beside its path. When a feature must raise one, the commit says why;
the timings themselves are in tests/benchmarks (``make bench``). The statements do not grow
with the caseload (checked by the demo data here); the plans are what SQLite chooses without
statistics, so a small demo folder shows the plans of a large one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from restart_desktop.app import demo
from restart_desktop.app.cases import CaseFields, CaseloadQuery, CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.review import ReviewFilter, ReviewService
from restart_desktop.app.session import AppSession, open_key, open_session
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.passphrase import DEMO_PASSPHRASE
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.store.models import ContactNote, Person
from tests.support.clock import local
from tests.support.team import synced_pair

#: The tables that grow with the caseload: a full scan of one is a bug on a hot path.
LARGE_TABLES = frozenset(
    {
        "people",
        "contact_notes",
        "addenda",
        "follow_up_actions",
        "changes",
        "referrals",
        "referral_events",
        "release_plans",
        "release_plan_items",
        "assessments",
        "reviews",
        "handovers",
        "field_changes",
        "audit_entries",
        "note_drafts",
        "sync_case_index",
    }
)
TODAY = dt.date(2026, 11, 20)

Statement = tuple[str, Any]


class Statements:
    """Every SQL statement issued while counting (all engines of this process)."""

    def __init__(self) -> None:
        self.seen: list[Statement] = []
        self.on = False

    def __call__(
        self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if self.on:
            self.seen.append((statement, parameters))

    def during(self, work: Callable[[], object]) -> list[Statement]:
        self.seen, self.on = [], True
        try:
            work()
        finally:
            self.on = False
        return self.seen


@pytest.fixture(scope="module")
def statements() -> Iterator[Statements]:
    counter = Statements()
    event.listen(Engine, "before_cursor_execute", counter)
    yield counter
    event.remove(Engine, "before_cursor_execute", counter)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> DataPaths:
    paths = DataPaths(tmp_path_factory.mktemp("budgets") / "demo")
    demo.create_demo_folder(
        paths, cases=150, seed=1, today=TODAY, kdf=KdfParams(iterations=1, memory_kib=8 * 1024)
    ).close()
    return paths


@pytest.fixture(scope="module")
def key(demo_folder: DataPaths) -> bytes:
    return open_key(demo_folder, DEMO_PASSPHRASE)


@pytest.fixture
def session(demo_folder: DataPaths, key: bytes) -> Iterator[AppSession]:
    opened = open_session(demo_folder, key)
    yield opened
    opened.close()


def _busiest_case(session: AppSession) -> str:
    """The case with the most notes: the dearest case file to open."""
    with session.db.read() as s:
        return str(
            s.execute(
                select(ContactNote.person_id)
                .group_by(ContactNote.person_id)
                .order_by(func.count().desc(), ContactNote.person_id)
                .limit(1)
            ).scalar_one()
        )


def _paths(session: AppSession) -> dict[str, Callable[[], object]]:
    cases, notes = CaseService(session), NoteService(session)
    busiest = _busiest_case(session)
    return {
        "caseload keystroke": lambda: cases.caseload_page_and_count(
            CaseloadQuery(text="exa"), 0, 100
        ),
        "open a case file": lambda: (cases.get_case(busiest), notes.timeline(busiest)),
        "note search": lambda: notes.search("hostel"),
        "today": lambda: ReleaseService(session).today(),
        "review queue, first page": lambda: ReviewService(session).queue(ReviewFilter(), 0, 50),
    }


#: Statements per path (the unlock counts opening the data and the caseload's first page).
BUDGETS = {
    "unlock to the caseload": 8,
    "caseload keystroke": 5,
    # 29 until issue 23 put returns to custody in the case's history and its timeline (one
    # query each; the workers' names they need are read once per call). 32 since issue 27
    # made the audit entries of looking light writes: a PRAGMA synchronous when a pooled
    # connection goes from an ordinary write to a light one (and back), not every time.
    "open a case file": 32,
    "note search": 9,
    "today": 6,
    "review queue, first page": 4,
}


def test_each_hot_path_stays_within_its_statement_budget(
    demo_folder: DataPaths, key: bytes, statements: Statements
) -> None:
    opened: list[AppSession] = []

    def unlock() -> None:
        opened.append(open_session(demo_folder, key))
        CaseService(opened[0]).caseload_page_and_count(CaseloadQuery(), 0, 100)

    counts = {"unlock to the caseload": len(statements.during(unlock))}
    session = opened[0]
    try:
        for name, path in _paths(session).items():
            counts[name] = len(statements.during(path))
    finally:
        session.close()
    over = {name: (count, BUDGETS[name]) for name, count in counts.items() if count > BUDGETS[name]}
    assert not over, f"statements (issued, budget) over budget: {over}"


def test_no_hot_path_scans_a_large_table(session: AppSession, statements: Statements) -> None:
    raw = session.db.engine.raw_connection()
    scans: list[str] = []
    try:
        for name, path in _paths(session).items():
            for sql, parameters in statements.during(path):
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                plan = raw.cursor().execute("EXPLAIN QUERY PLAN " + sql, parameters).fetchall()
                for *_ids, detail in plan:
                    words = str(detail).split()
                    if words[:1] == ["SCAN"] and words[1] in LARGE_TABLES and "USING" not in words:
                        scans.append(f"{name}: {detail} in {' '.join(sql.split())[:120]}")
                    if "ix_changes_figures" in words:  # every person's changes: not a hot path's
                        scans.append(f"{name}: {detail} in {' '.join(sql.split())[:120]}")
    finally:
        raw.close()
    assert scans == []


def test_one_note_synced_stays_within_its_budget(tmp_path: Path, statements: Statements) -> None:
    """One sync of a worker's laptop with one new note, after the team has synced once."""
    with synced_pair(tmp_path / "team") as (supervisor, worker):
        case = (
            CaseService(worker)
            .create_case(CaseFields(given_name="Testy", family_name="Budgeted"))
            .case_id
        )
        SyncService(worker).sync_now()
        NoteService(worker).finalise(
            DraftFields(case, local(2026, 11, 20, 10, 0), text="Fictional note."), confirmed=True
        )
        counted = len(statements.during(lambda: SyncService(worker).sync_now()))
    assert counted <= SYNC_ONE_NOTE_BUDGET, counted


def test_bundles_published_again_are_read_once_not_at_every_sync(
    tmp_path: Path, statements: Statements
) -> None:
    """A case allocated to a worker after it was published: the supervisor's laptop publishes
    the bundle holding it again (a newer generation) and the worker's laptop reads it once;
    the syncs after that do not read the records of bundles read (they grow with the team's
    history) while the export shows the same bundles published again."""
    with synced_pair(tmp_path / "team") as (supervisor, worker):
        case = (
            CaseService(supervisor)
            .create_case(CaseFields(given_name="Testy", family_name="Later"))
            .case_id
        )
        SyncService(supervisor).sync_now()
        SyncService(worker).sync_now()  # not the worker's case: not on the laptop
        CaseService(supervisor).allocate(case, worker.worker.id, "Fictional allocation")
        SyncService(supervisor).sync_now()  # the case's bundle published again, for the worker

        def reads_records_of_bundles_read() -> bool:
            seen = statements.during(lambda: SyncService(worker).sync_now())
            return any("FROM sync_read_bundles" in sql for sql, _parameters in seen)

        assert reads_records_of_bundles_read()  # the newer generation, read once
        with worker.db.read() as s:
            assert s.get(Person, case) is not None  # the case came with it
        assert not reads_records_of_bundles_read()


def test_the_own_folder_is_checked_in_full_only_after_someone_else_changed_it(
    tmp_path: Path, statements: Statements
) -> None:
    """Checking a laptop's own folder of the export reads the record of every bundle it ever
    published (hundreds on a large laptop): once per process, then again only after a file
    there was added, removed or renamed by someone else (here a stray file, set aside)."""
    with synced_pair(tmp_path / "team") as (_supervisor, worker):
        CaseService(worker).create_case(CaseFields(given_name="Testy", family_name="Checked"))

        def reads_every_bundles_record() -> bool:
            seen = statements.during(lambda: SyncService(worker).sync_now())
            return any("generation FROM sync_published" in sql for sql, _parameters in seen)

        assert not reads_every_bundles_record()  # it sends its case: a bundle more, its own
        folder = Path(SyncService(worker).target_location()) / "devices" / worker.device_id
        (folder / "0000000900-0000000901.age").write_bytes(b"not a bundle")
        assert reads_every_bundles_record()
        assert not (folder / "0000000900-0000000901.age").exists()  # set aside
        assert not reads_every_bundles_record()


#: A worker's sync sending one note: its own database's statements (reading the export's
#: files is not SQL). 70 until issue 24 kept the digest up to date from the changes since the
#: last sync and recorded what the laptop published (constant work, where the digest read the
#: whole database before). 86 with need to know in the cryptography (issue 20), constant too:
#: the generations of bundles read (2), the cases moved since (1), who the note's case is for
#: and whether it was erased (2). 65 once the sync engine moved into sync/ (issue 26), all
#: constant work: the device's keys read once per sync instead of at each step; the roster's
#: settings read together, so too the retention check's; the export position's reads in one
#: transaction, its last recorded bundle taken from the records it reads anyway; the cases
#: moved read with the team's fingerprint; no target opened to remember a position the sync
#: has just worked out. 62 once the export read its changes by one statement (issue 24): a
#: sync whose changes fit in one bundle no longer reads the range after them to find it empty.
#: 60 once the own-folder check is made in full only when the folder's files are not those a
#: check by this process found (issue 24): a sync after one reads the last bundle recorded and
#: whether any change waits to be scrubbed in one statement, instead of the last change
#: written, the last erased and the record of every bundle published (which grows with the
#: history).
SYNC_ONE_NOTE_BUDGET = 60


def test_the_figures_read_the_log_notes_and_sign_offs_by_index(
    session: AppSession, statements: Statements
) -> None:
    """The figures for a quarter scanned the whole change log four times (issue 27): the
    status moves come from a partial index of two kinds of record (ix_changes_figures), the
    notes and sign-offs of a period from their indexes."""
    from restart_desktop.app.figures import FiguresService
    from restart_desktop.domain.figures import Period

    quarter = Period(TODAY - dt.timedelta(days=91), TODAY)
    raw = session.db.engine.raw_connection()
    scans: list[str] = []
    try:
        for sql, parameters in statements.during(lambda: FiguresService(session).figures(quarter)):
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            plan = raw.cursor().execute("EXPLAIN QUERY PLAN " + sql, parameters).fetchall()
            for *_ids, detail in plan:
                words = str(detail).split()
                if (
                    words[:1] == ["SCAN"]
                    and words[1] in ("changes", "contact_notes", "reviews")
                    and "ix_changes_figures" not in words
                ):  # partial: two kinds only
                    scans.append(f"{detail} in {' '.join(sql.split())[:120]}")
    finally:
        raw.close()
    assert scans == []
