"""The digest follows the changes written since the last one (issue 24): a new note costs
its own changes, not the database; and it always equals the digest worked out from scratch,
and the supervisor's laptop, working it out for the worker, agrees."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text, update

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService, laptop_of
from restart_desktop.store.erasure import erase_cases
from restart_desktop.store.models import Change, Person
from restart_desktop.sync.digest import holdings
from restart_desktop.sync.digest_totals import bring_up_to_date, reset
from restart_desktop.sync.digest_totals import sums as digest_sums
from tests.support.team import make_team


def _holdings(session: AppSession) -> dict[str, Any]:
    return holdings(laptop_of(session), session.clock.today())


def test_a_new_note_costs_its_own_changes_and_the_digest_is_the_same_as_from_scratch(
    tmp_path: Path,
) -> None:
    team = make_team(tmp_path / "team", workers=1)
    supervisor, worker = (laptop.open() for laptop in team.laptops)
    try:
        cases = CaseService(worker)
        made = [
            cases.create_case(CaseFields(given_name="Testy", family_name=f"Digest{n}")).case_id
            for n in range(5)
        ]
        for session in (worker, supervisor, worker):
            SyncService(session).sync_now(check_digests=True)
        before = _holdings(worker)
        with worker.db.read() as s:
            held = int(s.execute(select(func.count()).select_from(Change)).scalar_one())
            changes_before = int(s.execute(select(func.max(Change.seq))).scalar_one())
        NoteService(worker).finalise(
            DraftFields(
                person_id=made[0],
                contact_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
                text="Fictional contact for the digest",
            ),
            confirmed=True,
        )
        with worker.db.read() as s:
            new = int(s.execute(select(func.count()).select_from(Change)).scalar_one()) - held
        with worker.db.write() as s:
            taken_in = bring_up_to_date(s, worker.clock.today())
        assert 0 < taken_in == new < held  # the note's changes, not the database's
        after = _holdings(worker)
        assert after["changes"] != before["changes"]
        assert after["state"] != before["state"]
        assert changes_before > 0

        with worker.db.write() as s:
            reset(s)
        assert _holdings(worker) == after  # worked out from scratch: the same
        for session in (worker, supervisor, worker, supervisor):  # both digests compared
            result = SyncService(session).sync_now(check_digests=True)
        assert result.differs_from == ()
    finally:
        supervisor.close()
        worker.close()


def _from_scratch(session: AppSession) -> dict[str, Any]:
    with session.db.write() as s:
        reset(s)
    return _holdings(session)


def _up_to_date_on(session: AppSession, day: dt.date) -> None:
    while True:
        with session.db.write() as s:
            if not bring_up_to_date(s, day):
                return


def test_an_erased_case_leaves_the_running_totals_as_from_scratch(tmp_path: Path) -> None:
    """Cases erased (retention, or a closed case off a worker's laptop) take their changes
    and records out of the totals at the next digest, without working anything out again;
    the change rows written after an erasure are taken in although SQLite may number them
    below rows already read."""
    team = make_team(tmp_path / "team", workers=1)
    worker = team.laptops[1].open()
    try:
        cases = CaseService(worker)
        made = [
            cases.create_case(CaseFields(given_name="Testy", family_name=f"Erased{n}")).case_id
            for n in range(3)
        ]
        NoteService(worker).finalise(
            DraftFields(
                person_id=made[2],
                contact_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
                text="Fictional contact of the last case",
            ),
            confirmed=True,
        )
        before = _holdings(worker)
        with worker.db.write() as s:  # the newest change rows go: their numbers come again
            erase_cases(s, [made[2]], worker.device_id, scrub=False)
        cases.create_case(CaseFields(given_name="Testy", family_name="Afterwards"))
        with worker.db.write() as s:
            taken_out = bring_up_to_date(s, worker.clock.today())
        assert taken_out == 1  # the one case, not the database
        after = _holdings(worker)
        assert after["changes"] != before["changes"]
        assert after["state"] != before["state"]
        assert _from_scratch(worker) == after
    finally:
        worker.close()


def test_a_record_altered_without_a_change_shows_the_next_day(tmp_path: Path) -> None:
    """Once a day the records are hashed again and the changes counted: a record altered
    or a change removed behind the sync's back (a bug, a disk error, a hand edit) shows."""
    team = make_team(tmp_path / "team", workers=1)
    worker = team.laptops[1].open()
    try:
        case = (
            CaseService(worker)
            .create_case(CaseFields(given_name="Testy", family_name="Altered"))
            .case_id
        )
        today = worker.clock.today()
        _up_to_date_on(worker, today)
        with worker.db.read() as s:
            before = digest_sums(s, None)
        with worker.db.write() as s:  # behind the sync's back: no change written
            s.execute(update(Person).where(Person.id == case).values(given_name="Hand"))
            s.execute(
                delete(Change).where(
                    Change.change_id
                    == s.scalars(select(Change.change_id).order_by(Change.seq).limit(1)).one()
                )
            )
        _up_to_date_on(worker, today)
        with worker.db.read() as s:
            assert digest_sums(s, None) == before  # the same day: not seen yet
        _up_to_date_on(worker, today + dt.timedelta(days=1))
        with worker.db.read() as s:
            next_day = digest_sums(s, None)
        assert next_day[0] != before[0]
        assert next_day[1] != before[1]
        with worker.db.write() as s:
            reset(s)
        _up_to_date_on(worker, today + dt.timedelta(days=1))
        with worker.db.read() as s:
            assert digest_sums(s, None) == next_day
    finally:
        worker.close()


def test_a_stored_instant_is_read_for_the_digest_as_if_parsed() -> None:
    """The records' instants are hashed as ISO text; the usual stored form is turned into it
    without parsing, and must give exactly what parsing gives (whole seconds included)."""
    from restart_desktop.store.bulk import stored_instant
    from restart_desktop.sync.digest_totals import _instant

    for value in (
        dt.datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 0, 59, 59, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),  # no microseconds
        dt.datetime(2026, 7, 1, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    ):
        stored = stored_instant(value)
        assert _instant(stored) == dt.datetime.fromisoformat(stored).isoformat()
    # Other forms (older files, an offset) take the long way.
    assert _instant("2026-11-20 10:00:00") == "2026-11-20T10:00:00"
    assert _instant("2026-11-20T10:00:00.500000+01:00") == "2026-11-20T09:00:00.500000"


def test_a_record_that_waited_for_what_it_refers_to_counts_in_the_digest_when_written(
    tmp_path: Path,
) -> None:
    """A supervisor's review of a note can reach a laptop before the note does (the note's
    bundle still on its way through a cloud folder): the review waits, and the digest taken
    at that sync has no item for it. When the note comes at a later sync, the review is
    written without a change of its own: the digest must count it then, or the laptop
    disagrees with every other until the next day's pass from scratch."""
    from restart_desktop.app.review import ReviewService
    from restart_desktop.domain.review import ReviewAction, ReviewItemKind
    from tests.support.roles import as_supervisor

    team = make_team(tmp_path / "team", workers=2)
    supervisor, worker, other = (laptop.open() for laptop in team.laptops)
    try:
        for session in (other, supervisor):
            SyncService(session).sync_now()
        SyncService(supervisor).promote(other.device_id)  # a second supervisor
        SyncService(other).sync_now()
        other = as_supervisor(other)  # as the promotion gives them at their next unlock
        person = (
            CaseService(worker)
            .create_case(CaseFields(given_name="Testy", family_name="Waitson"))
            .case_id
        )
        note = NoteService(worker).finalise(
            DraftFields(
                person_id=person,
                contact_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
                text="Fictional contact, reviewed before it arrives",
            ),
            confirmed=True,
        )
        SyncService(worker).sync_now()
        SyncService(supervisor).sync_now()
        ReviewService(supervisor).act(ReviewItemKind.NOTE, note, ReviewAction.REVIEWED)
        SyncService(supervisor).sync_now()

        held_back = tmp_path / "held-back"
        held_back.mkdir()
        worker_folder = team.export / "devices" / worker.device_id
        for item in list(worker_folder.iterdir()):
            item.rename(held_back / item.name)
        SyncService(other).sync_now(check_digests=True)  # the review waits for the note
        with other.db.read() as s:
            waiting = s.execute(text("SELECT entity FROM sync_pending")).scalars().all()
        assert waiting == ["reviews"]
        for item in held_back.iterdir():
            item.rename(worker_folder / item.name)
        SyncService(other).sync_now(check_digests=True)  # the note, then the review

        kept_up = _holdings(other)
        assert kept_up == _from_scratch(other)
    finally:
        for session in (supervisor, worker, other):
            session.close()
