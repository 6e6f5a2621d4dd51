"""Demo data: reproducible, valid by the app's own rules, and plainly fictional."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from restart_desktop.app import demo, demo_notes
from restart_desktop.app.case_views import CaseloadQuery, StatusFilter
from restart_desktop.app.cases import CaseService
from restart_desktop.app.demo_intake import ALLOCATOR
from restart_desktop.app.session import DEMO_PASSPHRASE, AppSession, enrol, unlock
from restart_desktop.domain.case import Role
from restart_desktop.domain.identifiers import crn_problem, nomis_problem
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.store.models import Person, Worker
from tests.support.clock import set_clock
from tests.support.constants import PASSPHRASE
from tests.support.memory_keyring import MemoryKeyring

TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def second(tmp_path: Path, fast_kdf: KdfParams, organisation_code: str) -> Iterator[AppSession]:
    session = enrol(
        DataPaths(tmp_path / "second"),
        name="Second Fictional Worker",
        organisation_code=organisation_code,
        role=Role.WORKER,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    )
    yield session
    session.close()


def _people(session: AppSession) -> list[dict[str, Any]]:
    columns = [c.key for c in Person.__table__.columns if c.key not in Person.BOOKKEEPING]
    with session.db.read() as s:
        people = s.scalars(select(Person).order_by(Person.id))
        return [{"id": p.id, **{c: getattr(p, c) for c in columns}} for p in people]


def _portable(person: dict[str, Any], own_worker: str) -> dict[str, Any]:
    """Each folder has its own worker id; everything else must match."""
    worker = person["allocated_worker_id"]
    return {**person, "allocated_worker_id": "self" if worker == own_worker else worker}


def test_same_seed_and_day_give_the_same_people(enrolled: AppSession, second: AppSession) -> None:
    first_summary = demo.fill_demo_data(enrolled, cases=25, seed=3, today=TODAY)
    demo.fill_demo_data(second, cases=25, seed=3, today=TODAY)

    assert (first_summary.cases, first_summary.workers) == (25, 3)
    assert first_summary.notes > 0
    first = [_portable(p, enrolled.worker.id) for p in _people(enrolled)]
    again = [_portable(p, second.worker.id) for p in _people(second)]
    assert len(first) == 25
    assert first == again


def test_another_seed_gives_other_people(enrolled: AppSession, second: AppSession) -> None:
    demo.fill_demo_data(enrolled, cases=10, seed=3, today=TODAY)
    demo.fill_demo_data(second, cases=10, seed=4, today=TODAY)
    names = [(p["given_name"], p["family_name"]) for p in _people(enrolled)]
    other = [(p["given_name"], p["family_name"]) for p in _people(second)]
    assert names != other


def test_demo_people_are_plainly_fictional_and_valid(enrolled: AppSession) -> None:
    demo.fill_demo_data(enrolled, cases=60, seed=1, today=TODAY)
    people = _people(enrolled)
    assert len(people) == 60

    for person in people:
        assert person["family_name"] in demo.FAMILY_NAMES
        assert person["given_name"] in demo.GIVEN_NAMES
        assert person["nomis_number"] == "" or person["nomis_number"].startswith("Z")
        assert person["crn"] == "" or person["crn"].startswith("Z")
        assert nomis_problem(person["nomis_number"]) is None
        assert crn_problem(person["crn"]) is None
    assert any(p["nomis_number"] for p in people)
    with enrolled.db.read() as s:
        colleagues = {w.name for w in s.scalars(select(Worker))} - {enrolled.worker.name}
    assert colleagues == ({name for name, _ in demo.COLLEAGUES} | {demo.MANAGER[0], ALLOCATOR[0]})
    assert all("Demo" in name for name in colleagues)

    # The demo passes the same checks as a worker's own typing.
    set_clock(enrolled, dt.datetime.combine(TODAY, dt.time(12, 0)), ticking=True)
    service = CaseService(enrolled)
    for person in people:
        case = service.get_case(person["id"])
        assert service.validate(case.fields) == {}, person["id"]
    everyone = CaseloadQuery(status=StatusFilter.ALL)
    assert service.caseload_count(everyone) == 60


def test_demo_folder_keeps_its_secret_in_a_file_not_in_the_keyring(
    data_paths: DataPaths, fast_kdf: KdfParams, memory_keyring: MemoryKeyring
) -> None:
    session = demo.create_demo_folder(data_paths, cases=5, seed=2, today=TODAY, kdf=fast_kdf)
    session.close()

    assert data_paths.is_demo
    assert data_paths.demo_secret.exists()
    assert memory_keyring.secrets == {}
    reopened = unlock(data_paths, DEMO_PASSPHRASE)
    try:
        assert reopened.is_demo
        assert reopened.worker.name == "Demo Team Leader"
        assert CaseService(reopened).caseload_count(CaseloadQuery(status=StatusFilter.ALL)) == 5
    finally:
        reopened.close()


def test_demo_people_have_notes_actions_and_searchable_places(enrolled: AppSession) -> None:
    from restart_desktop.app.notes import NoteService

    summary = demo.fill_demo_data(enrolled, cases=200, seed=5, today=TODAY)
    assert 7 * 200 <= summary.notes <= 13 * 200  # about ten notes a person
    notes = NoteService(enrolled)
    hits = [h for place in demo_notes.RARE_PLACES for h in notes.search(place, limit=10_000)]
    assert 0 < len(hits) < summary.notes * 0.2
    with enrolled.db.read() as s:
        from restart_desktop.store.models import ContactNote, FollowUpAction

        assert all(n.text.strip() for n in s.scalars(select(ContactNote)))
        assert s.scalars(select(FollowUpAction)).first() is not None


def test_demo_intake_has_a_queue_decisions_and_an_allocator(enrolled: AppSession) -> None:
    from restart_desktop.app.intake import IntakeService
    from restart_desktop.domain.intake import IntakeStatus
    from restart_desktop.store.intake_models import IntakeDecision

    demo.fill_demo_data(enrolled, cases=200, seed=1, today=TODAY)
    rows = IntakeService(enrolled).queue(include_decided=True)
    assert len(rows) == 200  # everyone came in through the intake
    assert 0.12 < sum(r.is_self for r in rows) / len(rows) < 0.28  # about a fifth
    waiting = [r for r in rows if r.status in (IntakeStatus.WAITING, IntakeStatus.MORE_INFORMATION)]
    assert waiting
    assert waiting == IntakeService(enrolled).queue()
    with enrolled.db.read() as s:
        declined = [d for d in s.scalars(select(IntakeDecision)) if d.decision == "decline"]
        assert declined
        assert all(d.reason_code for d in declined)
        roles = {w.role for w in s.scalars(select(Worker))}
    assert "allocator" in roles


def test_every_recent_month_of_the_demo_has_acceptances_and_weekday_releases(
    enrolled: AppSession,
) -> None:
    """The walk of a supervisor's week found months of the demo with Accepted 0 and Engaged 0
    beside thousands of releases, and 63% of its releases on a Friday (weekends were moved
    back to the Friday too). Every month with releases, the current one included, now has
    recommendations, acceptances and engagements; releases fall Monday to Friday, about a
    third on the Friday."""
    from restart_desktop.app.figures import FiguresService
    from restart_desktop.domain.figures import Period
    from restart_desktop.store.models import ReleasePlan

    today = dt.date(2026, 12, 10)
    demo.fill_demo_data(enrolled, cases=600, seed=1, today=today)
    service = FiguresService(enrolled)
    months: list[tuple[str, list[int]]] = []
    for month in range(5, 13):  # May to December, to the day before the demo's day
        first = dt.date(2026, month, 1)
        last = min(today, dt.date(2026 + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
        figures = service.figures(Period(first, last), "programme")
        (row,) = figures.table("cases").text_rows(suppress=False)
        months.append((f"{first:%b}", [int(text) for text in row[1:]]))
    for name, (recommended, accepted, engaged, released) in months:
        assert released > 0, months
        assert min(recommended, accepted, engaged) > 0, (name, months)
    with enrolled.db.read() as s:
        days = [
            day
            for day in s.scalars(
                select(ReleasePlan.release_date).where(ReleasePlan.outcome_recorded_at.is_not(None))
            )
            if day is not None
        ]
    assert len(days) > 150
    weekdays = Counter(day.weekday() for day in days)
    assert set(weekdays) == {0, 1, 2, 3, 4}  # never a weekend
    assert 0.25 < weekdays[4] / len(days) < 0.45  # about a third on a Friday, not 63%
    assert all(weekdays[d] / len(days) > 0.08 for d in range(4)), weekdays
