"""Intake end to end through a real export folder: a recommendation made on a worker's laptop,
decided on the allocator's (made allocator with `team promote --role allocator`), arriving on
the allocated worker's laptop with its decision; the allocator's laptop never holds a note."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from restart_desktop import cli
from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.intake import IntakeService
from restart_desktop.app.intake_views import IntakeFields
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import Role
from restart_desktop.domain.intake import DecisionKind, IntakeStatus
from restart_desktop.store.intake_models import IntakeDecision
from restart_desktop.store.models import Change, ContactNote, Person
from tests.support.clock import local
from tests.support.constants import PASSPHRASE
from tests.support.team import Laptop, make_team

NOTE = "Fictional note the allocator must never receive"


def _sync(laptop: Laptop) -> None:
    session = laptop.open()
    try:
        SyncService(session).sync_now()
    finally:
        session.close()


def _note(session: AppSession, case_id: str) -> None:
    NoteService(session).finalise(
        DraftFields(person_id=case_id, text=NOTE, contact_at=local(2026, 1, 5, 10)), confirmed=True
    )


def test_a_recommendation_is_decided_and_reaches_the_worker(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    team = make_team(tmp_path / "team", workers=3)
    supervisor, recommender, receiver, allocator_laptop = team.laptops

    session = recommender.open()
    try:
        case_id = IntakeService(session).record(
            IntakeFields(
                given_name="Testy",
                family_name="Intakeson",
                nomis_number="Z4321ZZ",
                source="self_recommendation",
                recommended_on=dt.date.today(),
                in_thames_valley=True,
                iom=False,
                mappa_level="none",
                earlier_custodial_sentences=2,
            )
        )
        own = (
            CaseService(session)
            .create_case(CaseFields(given_name="Testy", family_name="Noted"))
            .case_id
        )
        _note(session, own)
    finally:
        session.close()
    for laptop in (recommender, receiver, allocator_laptop):
        _sync(laptop)  # each worker record reaches the export

    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    _sync(supervisor)
    assert (
        cli.main(
            [
                "--data-dir",
                str(supervisor.paths.root),
                "team",
                "promote",
                allocator_laptop.device_id,
                "--role",
                "allocator",
            ]
        )
        == 0
    )
    assert "is now the allocator" in capsys.readouterr().out
    _sync(supervisor)
    _sync(allocator_laptop)
    _sync(allocator_laptop)  # the promotion and the cases, whichever bundle came first
    session = recommender.open()
    try:
        _note(session, own)  # written after the promotion: the allocator's import sees it
    finally:
        session.close()
    _sync(recommender)
    _sync(allocator_laptop)

    session = allocator_laptop.open()
    try:
        assert session.worker.role == Role.ALLOCATOR
        intake = IntakeService(session)
        [row] = intake.queue()
        assert (row.person_id, row.is_self) == (case_id, True)
        receiver_id = receiver.open()
        try:
            worker_id = receiver_id.worker.id
            organisation = receiver_id.worker.organisation_code
        finally:
            receiver_id.close()
        intake.decide(
            case_id,
            DecisionKind.ACCEPT,
            organisation=organisation,
            worker_id=worker_id,
            words="Meet in custody",
        )
        with session.db.read() as s:
            assert s.scalar(select(func.count()).select_from(ContactNote)) == 0
            assert (
                s.scalar(
                    select(func.count())
                    .select_from(Change)
                    .where(Change.entity.in_(["contact_notes", "referrals", "assessments"]))
                )
                == 0
            )
            assert s.get(Person, own) is not None  # the case file, without its note
    finally:
        session.close()
    _sync(allocator_laptop)
    _sync(recommender)  # publishes the recommendation again for the worker now given it
    _sync(receiver)

    session = receiver.open()
    try:
        with session.db.read() as s:
            person = s.get(Person, case_id)
            assert person is not None
            assert (person.allocated_worker_id, person.status) == (worker_id, "accepted")
            decision = s.scalars(select(IntakeDecision)).one()
            assert decision.decision == DecisionKind.ACCEPT
        detail = IntakeService(session).for_case(case_id)
        assert detail is not None
        assert detail.row.status == IntakeStatus.ACCEPTED
    finally:
        session.close()


HEADER = (
    "given_name,family_name,date_of_birth,nomis_number,prison,release_date,"
    "recommended_on,source,in_thames_valley,iom,mappa,earlier_custodial_sentences"
)


def test_the_allocator_imports_a_batch_and_lists_the_queue(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    data = str(tmp_path / "allocator")
    assert (
        cli.main(
            [
                "--data-dir",
                data,
                "init",
                "--name",
                "Allocator (fictional)",
                "--organisation",
                "opcc_thames_valley",
                "--role",
                "allocator",
            ]
        )
        == 0
    )
    assert "allocator" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "\n".join(
            (
                HEADER,
                "Anna,Madeup,1988-01-02,Z1111AA,bullingdon,2026-04-01,2026-03-01,probation,yes,no,,2",
                "Ben,Madeup,1979-03-02,,nowhere,,2026-03-03,probation,yes,no,level 2,1",
            )
        )
        + "\n",
        encoding="utf-8",
    )
    assert cli.main(["--data-dir", data, "intake", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Nothing was imported" in err
    assert "line 3:" in err
    assert "Traceback" not in err
    assert "line 2" not in err
    good = tmp_path / "good.csv"
    good.write_text(
        "\n".join(
            (
                HEADER,
                "Anna,Madeup,1988-01-02,Z1111AA,bullingdon,2026-04-01,2026-03-01,probation,yes,no,,2",
                "Ben,Madeup,1979-03-02,,bullingdon,,2026-03-03,self_recommendation,"
                "yes,no,level 2,1",
            )
        )
        + "\n",
        encoding="utf-8",
    )
    assert cli.main(["--data-dir", data, "intake", "import", str(good)]) == 0
    assert "Imported 2 recommendations" in capsys.readouterr().out
    assert cli.main(["--data-dir", data, "intake", "list"]) == 0
    out = capsys.readouterr().out
    assert "2 recommendations." in out
    assert "Check: MAPPA level 2 recorded" in out
    assert "self" in out
    assert "Madeup" not in out  # ids, never names


def test_a_note_on_a_case_the_allocator_recorded_never_reaches_their_laptop(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The allocator's own recommendation is, by the worker's rule, a case their laptop
    keeps: the importer still drops the notes a supervisor writes on it."""
    team = make_team(tmp_path / "team", workers=1)
    supervisor, allocator_laptop = team.laptops
    _sync(allocator_laptop)
    _sync(supervisor)
    session = supervisor.open()
    try:
        SyncService(session).promote(allocator_laptop.device_id, Role.ALLOCATOR)
    finally:
        session.close()
    _sync(supervisor)
    session = allocator_laptop.open()
    try:
        SyncService(session).sync_now()
        case_id = IntakeService(session).record(
            IntakeFields(
                given_name="Testy",
                family_name="Ownrecord",
                source="probation",
                recommended_on=dt.date.today(),
            )
        )
        SyncService(session).sync_now()
    finally:
        session.close()
    _sync(supervisor)
    session = supervisor.open()
    try:
        _note(session, case_id)
    finally:
        session.close()
    _sync(supervisor)
    _sync(allocator_laptop)
    session = allocator_laptop.open()
    try:
        with session.db.read() as s:
            assert s.get(Person, case_id) is not None
            assert s.scalar(select(func.count()).select_from(ContactNote)) == 0
            assert (
                s.scalar(
                    select(func.count()).select_from(Change).where(Change.entity == "contact_notes")
                )
                == 0
            )
    finally:
        session.close()
