"""Intake on a real SQLCipher database: the queue, the duplicate check, the allocator's
decisions, the permissions of each role, and a referring partner's CSV batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import NotPermitted, UserError, ValidationFailed
from restart_desktop.app.intake import IntakeService
from restart_desktop.app.intake_views import DuplicateFound, IntakeFields
from restart_desktop.app.notes import NoteService
from restart_desktop.app.outcomes import OutcomeService
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus, Role
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.intake import DecisionKind, IntakeStatus
from restart_desktop.store.intake_models import IntakeDecision
from restart_desktop.store.models import Handover, Person, Worker
from tests.support.clock import set_clock
from tests.support.roles import as_role


@pytest.fixture(autouse=True)
def _today(enrolled: AppSession) -> None:
    set_clock(enrolled, dt.datetime(2026, 3, 10, 10, 0))


def _fields(**overrides: object) -> IntakeFields:
    values: dict[str, object] = dict(
        given_name="Testy",
        family_name="Example",
        date_of_birth=dt.date(1990, 5, 1),
        nomis_number="Z1234AB",
        prison_code="bullingdon",
        release_date=dt.date(2026, 5, 1),
        source="prison_resettlement",
        recommender_name="Fictional Officer",
        recommender_organisation="HMP Bullingdon",
        recommender_role="Resettlement officer",
        recommender_contact="01234 000000",
        recommended_on=dt.date(2026, 3, 2),
        reason="Repeat short sentences, no address on release",
        in_thames_valley=True,
        iom=False,
        mappa_level="none",
        earlier_custodial_sentences=3,
    )
    values.update(overrides)
    return IntakeFields(**values)  # type: ignore[arg-type]


def _colleague(session: AppSession, organisation: str = "pact") -> str:
    worker_id = uuid7()
    with session.db.write() as s:
        s.add(Worker(id=worker_id, name="Fictional Colleague", organisation_code=organisation))
    return worker_id


def test_a_workers_recommendation_waits_in_the_queue_not_on_a_caseload(
    enrolled: AppSession,
) -> None:
    service = IntakeService(enrolled)
    case_id = service.record(_fields())
    with enrolled.db.read() as s:
        person = s.get(Person, case_id)
        assert person is not None
        assert person.allocated_worker_id is None
        assert person.status == CaseStatus.RECOMMENDED
    [row] = service.queue()
    assert row.person_id == case_id
    assert row.status.label == "Waiting for the allocation decision"
    assert row.screen.text == "Eligible"


def test_the_screen_says_what_to_check(enrolled: AppSession) -> None:
    service = IntakeService(enrolled)
    service.record(_fields(mappa_level="2", nomis_number="", given_name="Second"))
    service.record(_fields(in_thames_valley=False, nomis_number="", given_name="Third"))
    texts = {row.name: row.screen.text for row in service.queue()}
    assert texts["EXAMPLE, Second"] == "Check: MAPPA level 2 recorded"
    assert texts["EXAMPLE, Third"] == (
        "Not eligible: not resident or released into the Thames Valley"
    )


def test_duplicates_are_found_before_a_second_record_is_made(enrolled: AppSession) -> None:
    service = IntakeService(enrolled)
    service.record(_fields())
    with pytest.raises(DuplicateFound) as same_number:
        service.record(_fields(given_name="Other", date_of_birth=None))
    assert [d.why for d in same_number.value.found] == ["same prison number"]
    with pytest.raises(DuplicateFound) as same_name:
        service.record(_fields(nomis_number="", given_name="TESTY", family_name="example "))
    assert [d.why for d in same_name.value.found] == ["same name and date of birth"]
    assert len(service.queue()) == 1  # nothing saved by the refusals
    service.record(_fields(given_name="Other", date_of_birth=None), allow_duplicate=True)
    assert len(service.queue()) == 2


def test_a_worker_cannot_decide(enrolled: AppSession) -> None:
    case_id = IntakeService(enrolled).record(_fields())
    with pytest.raises(NotPermitted):
        IntakeService(enrolled).decide(case_id, DecisionKind.MORE_INFORMATION, words="Why?")


def test_the_allocator_accepts_and_allocates(enrolled: AppSession) -> None:
    case_id = IntakeService(enrolled).record(_fields())
    colleague = _colleague(enrolled)
    allocator = IntakeService(as_role(enrolled, Role.ALLOCATOR))
    with pytest.raises(ValidationFailed, match="organisation"):
        allocator.decide(
            case_id, DecisionKind.ACCEPT, organisation="aspire_oxford", worker_id=colleague
        )
    allocator.decide(
        case_id,
        DecisionKind.ACCEPT,
        organisation="pact",
        worker_id=colleague,
        words="Meet in custody this month",
    )
    assert allocator.queue() == []
    with enrolled.db.read() as s:
        person = s.get(Person, case_id)
        assert person is not None
        assert (person.allocated_worker_id, person.status) == (colleague, "accepted")
        handover = s.scalars(select(Handover).where(Handover.person_id == case_id)).one()
        assert handover.to_worker_id == colleague
    detail = allocator.for_case(case_id)
    assert detail is not None
    assert detail.row.status == IntakeStatus.ACCEPTED
    [decision] = detail.decisions
    assert (decision.worker, decision.by) == ("Fictional Colleague", enrolled.worker.name)
    with pytest.raises(UserError, match="already decided"):
        allocator.decide(case_id, DecisionKind.DECLINE, reason_code="other", words="No")


def test_a_decline_needs_a_coded_reason_and_words(enrolled: AppSession) -> None:
    case_id = IntakeService(enrolled).record(_fields())
    allocator = IntakeService(as_role(enrolled, Role.ALLOCATOR))
    with pytest.raises(ValidationFailed) as refused:
        allocator.decide(case_id, DecisionKind.DECLINE)
    assert set(refused.value.problems) == {"reason", "words"}
    allocator.decide(
        case_id,
        DecisionKind.DECLINE,
        reason_code="not_thames_valley",
        words="Moving to Kent on release",
    )
    with enrolled.db.read() as s:
        person = s.get(Person, case_id)
        assert person is not None
        assert person.status == CaseStatus.DECLINED
        assert s.scalar(select(func.count()).select_from(IntakeDecision)) == 1


def test_more_information_keeps_it_in_the_queue(enrolled: AppSession) -> None:
    case_id = IntakeService(enrolled).record(_fields())
    allocator = IntakeService(as_role(enrolled, Role.ALLOCATOR))
    allocator.decide(case_id, DecisionKind.MORE_INFORMATION, words="Ask probation for MAPPA")
    [row] = allocator.queue()
    assert row.status == IntakeStatus.MORE_INFORMATION


def test_the_allocators_services_refuse_notes_referrals_and_scores(
    enrolled: AppSession,
) -> None:
    case_id = (
        CaseService(enrolled)
        .create_case(CaseFields(given_name="Testy", family_name="Example"))
        .case_id
    )
    allocator = as_role(enrolled, Role.ALLOCATOR)
    with pytest.raises(NotPermitted):
        NoteService(allocator).timeline(case_id)
    with pytest.raises(NotPermitted):
        ReferralService(allocator).for_person(case_id)
    with pytest.raises(NotPermitted):
        OutcomeService(allocator).assessments(case_id)
    # ...while the worker's own services answer.
    NoteService(enrolled).timeline(case_id)


def _csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "batch.csv"
    header = (
        "given_name,family_name,date_of_birth,nomis_number,prison,release_date,"
        "recommended_on,source,in_thames_valley,iom,mappa,earlier_custodial_sentences"
    )
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def test_a_csv_batch_is_imported_whole(enrolled: AppSession, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Anna,Madeup,1988-01-02,Z1111AA,bullingdon,2026-04-01,2026-03-01,probation,yes,no,none,2",
        "Ben,Madeup,02/03/1979,,bullingdon,,2026-03-03,self_recommendation,yes,,,",
    )
    ids = IntakeService(enrolled).import_csv(path)
    assert len(ids) == 2
    assert [r.name for r in IntakeService(enrolled).queue()] == ["MADEUP, Anna", "MADEUP, Ben"]


def test_a_row_with_more_values_than_columns_imports_nothing(
    enrolled: AppSession, tmp_path: Path
) -> None:
    """A reason with a comma and no quotes round it: the words after the comma would be
    dropped without a word. Refused, naming the line, and nothing of the file imported."""
    path = tmp_path / "batch.csv"
    path.write_text(
        "given_name,family_name,recommended_on,source,reason\n"
        "Anna,Madeup,2026-03-01,probation,Released soon\n"
        "Ben,Madeup,2026-03-01,probation,No address, and a court date on the 4th\n",
        encoding="utf-8",
    )
    with pytest.raises(UserError, match="line 3: 1 more value than the header has columns"):
        IntakeService(enrolled).import_csv(path)
    assert IntakeService(enrolled).queue() == []


@pytest.mark.parametrize(
    ("rows", "line"),
    [
        # A quote opened and never closed: the rest of the file would be one value.
        ('Anna,Madeup,2026-03-01,probation\n"Ben,Madeup,2026-03-01,probation\nCara,X,,\n', 3),
        # A value longer than Python's csv module reads (a pasted document, a binary file).
        ("Anna,Madeup,2026-03-01,probation\n" + "Ben" * 50_000 + ",Madeup,2026-03-01,x\n", 3),
    ],
)
def test_a_file_that_is_not_csv_is_refused_in_words(
    enrolled: AppSession, tmp_path: Path, rows: str, line: int
) -> None:
    path = tmp_path / "batch.csv"
    path.write_text("given_name,family_name,recommended_on,source\n" + rows, encoding="utf-8")
    with pytest.raises(UserError, match=f"line {line}: ") as refused:
        IntakeService(enrolled).import_csv(path)
    assert "Nothing was imported" in str(refused.value)
    assert IntakeService(enrolled).queue() == []


def test_a_csv_batch_with_bad_rows_imports_nothing(enrolled: AppSession, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Anna,Madeup,1988-01-02,Z1111AA,bullingdon,2026-04-01,2026-03-01,probation,yes,no,none,2",
        "Ben,Madeup,not a date,,bullingdon,,2026-03-03,self_recommendation,yes,,,",
        "Cara,Madeup,,,bullingdon,,2026-03-03,nobody,maybe,,,",
        "Anna,Madeup,1988-01-02,Z1111AA,bullingdon,,2026-03-03,probation,,,,",
    )
    with pytest.raises(UserError) as refused:
        IntakeService(enrolled).import_csv(path)
    message = str(refused.value)
    assert "line 3: date_of_birth" in message
    assert "line 4: in_thames_valley" in message
    assert "line 5: the same person as line 2 (same prison number)" in message
    assert "line 2" not in message.replace("as line 2", "")
    assert IntakeService(enrolled).queue() == []


@pytest.mark.parametrize(
    ("field", "day"),
    [
        ("recommended_on", dt.date(1, 3, 2)),
        ("release_date", dt.date(9999, 5, 1)),
        ("release_date", dt.date(202, 5, 1)),
    ],
)
def test_a_year_typed_wrong_is_refused_in_words(
    enrolled: AppSession, field: str, day: dt.date
) -> None:
    problems = IntakeService(enrolled).problems(_fields(**{field: day}))
    assert "check the year" in problems[field]
