"""CaseService: the case file, status changes, allocation and the caseload, on a real database."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from restart_desktop.app.case_views import CaseFields, CaseloadQuery, CaseSort, StatusFilter
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import NotFound, UserError, ValidationFailed
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.ids import uuid7
from restart_desktop.store.models import Change, Worker
from tests.support.clock import set_clock
from tests.support.roles import as_supervisor

TODAY = dt.date(2026, 3, 2)  # a Monday

FULL_CASE = CaseFields(
    given_name="Testy",
    family_name="McExample",
    preferred_name="Tess",
    date_of_birth=dt.date(1984, 2, 29),
    nomis_number="Z1234AB",
    crn="Z123456",
    prison_code="bullingdon",
    release_date=dt.date(2026, 3, 27),  # a Friday, within the Duty to Refer window
    release_time="08:30",
    sentence_type="determinate",
    iom=False,
    mappa=False,
    referral_source="probation",
    referral_date=dt.date(2026, 1, 5),
    has_settled_address=False,
    consent_given=True,
    consent_date=dt.date(2026, 1, 6),
    consent_method="written",
    consent_scope="Fictional partner agencies only",
    consent_categories=("accommodation", "substance_misuse"),
    housing_authority="cherwell",
    needs=("benefits", "accommodation"),
)


@pytest.fixture
def service(enrolled: AppSession) -> CaseService:
    set_clock(enrolled, dt.datetime.combine(TODAY, dt.time(12, 0)), ticking=True)
    return CaseService(enrolled)


def _change_count(session: AppSession) -> int:
    """Changes of records (the audit trail's own entries left out: reading is audited)."""
    with session.db.read() as s:
        return int(
            s.execute(
                select(func.count()).select_from(Change).where(Change.entity != "audit_entries")
            ).scalar_one()
        )


def _colleague(session: AppSession, name: str = "Fictional Colleague", active: bool = True) -> str:
    worker_id = uuid7()
    with session.db.write() as s:
        s.add(Worker(id=worker_id, name=name, organisation_code="pact", active=active))
    return worker_id


def _case(service: CaseService, given: str, family: str, **values: object) -> str:
    return service.create_case(
        CaseFields(given_name=given, family_name=family, **values)  # type: ignore[arg-type]
    ).case_id


def test_create_and_get_round_trip_every_field(service: CaseService, enrolled: AppSession) -> None:
    messy = replace(
        FULL_CASE,
        given_name="  Testy ",
        nomis_number="z1234 ab",
        crn=" z123456",
        consent_scope=" Fictional partner agencies only ",
        needs=("benefits", "accommodation", "benefits"),
    )
    result = service.create_case(messy)
    assert result.warnings == ()

    case = service.get_case(result.case_id)

    assert case.fields == replace(FULL_CASE, needs=("accommodation", "benefits"))
    assert case.status == CaseStatus.RECOMMENDED
    assert case.status_reason == "Recommended to the programme"
    assert case.allocated_worker_id == enrolled.worker.id
    assert case.allocated_worker_name == enrolled.worker.name
    assert case.updated_by_name == enrolled.worker.name
    assert case.flags is not None
    assert case.flags.friday
    assert case.flags.duty_to_refer
    assert case.flags.days_to_release == 25
    assert [e.status for e in case.status_history] == [CaseStatus.RECOMMENDED]


def test_eligibility_warnings_do_not_block_saving(service: CaseService) -> None:
    result = service.create_case(replace(FULL_CASE, iom=True, mappa=True))
    assert len(result.warnings) == 2
    assert len(service.get_case(result.case_id).warnings) == 2


def test_get_unknown_case(service: CaseService) -> None:
    with pytest.raises(NotFound):
        service.get_case(uuid7())


def test_invalid_nomis_is_refused_and_nothing_is_written(
    service: CaseService, enrolled: AppSession
) -> None:
    case_id = service.create_case(FULL_CASE).case_id
    before = service.get_case(case_id)
    changes = _change_count(enrolled)

    with pytest.raises(ValidationFailed) as caught:
        service.update_case(
            case_id, replace(FULL_CASE, nomis_number="12345", family_name="McChanged")
        )

    assert set(caught.value.problems) == {"nomis_number"}
    assert "prison number" in caught.value.problems["nomis_number"]
    assert _change_count(enrolled) == changes
    assert service.get_case(case_id) == before


def test_release_before_referral_is_refused(service: CaseService) -> None:
    values = replace(
        FULL_CASE, referral_date=dt.date(2026, 2, 1), release_date=dt.date(2026, 1, 31)
    )
    with pytest.raises(ValidationFailed) as caught:
        service.create_case(values)
    assert set(caught.value.problems) == {"release_date"}
    assert service.caseload_count(CaseloadQuery(status=StatusFilter.ALL)) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_name": " "}, "given_name"),
        ({"prison_code": "hmp_nowhere"}, "prison_code"),
        ({"sentence_type": "made_up"}, "sentence_type"),
        ({"referral_source": "rumour"}, "referral_source"),
        ({"needs": ("accommodation", "unicorns")}, "needs"),
        ({"release_time": "8.30am"}, "release_time"),
        ({"consent_date": None}, "consent_date"),
        ({"consent_date": dt.date(2026, 3, 3)}, "consent_date"),
        ({"consent_date": dt.date(1, 3, 3)}, "consent_date"),  # a year typed wrong
        ({"consent_method": ""}, "consent_method"),
        ({"date_of_birth": dt.date(2010, 1, 1)}, "date_of_birth"),
        ({"crn": "Z1234AB"}, "crn"),
    ],
)
def test_other_invalid_fields_are_named(
    service: CaseService, change: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.create_case(replace(FULL_CASE, **change))  # type: ignore[arg-type]
    assert set(caught.value.problems) == {field}


def test_update_writes_one_change_with_only_the_edited_fields(
    service: CaseService, enrolled: AppSession
) -> None:
    case_id = service.create_case(FULL_CASE).case_id
    changes = _change_count(enrolled)

    service.update_case(case_id, replace(FULL_CASE, family_name="McSample", needs=("health",)))
    service.update_case(case_id, replace(FULL_CASE, family_name="McSample", needs=("health",)))

    assert _change_count(enrolled) == changes + 1
    with enrolled.db.read() as s:
        latest = s.scalars(
            select(Change).where(Change.entity == "people").order_by(Change.seq.desc()).limit(1)
        ).one()
    assert latest.fields == {"family_name": "McSample", "needs": ["health"]}
    case = service.get_case(case_id)
    assert case.fields.family_name == "McSample"
    assert case.fields.needs == ("health",)


def test_update_of_an_unknown_case(service: CaseService) -> None:
    with pytest.raises(NotFound):
        service.update_case(uuid7(), FULL_CASE)


def test_status_changes_follow_the_allowed_transitions(
    service: CaseService, enrolled: AppSession
) -> None:
    case_id = service.create_case(FULL_CASE).case_id
    service.change_status(case_id, CaseStatus.ACCEPTED, "  Eligible and keen (fictional)  ")
    service.change_status(case_id, CaseStatus.ENGAGED_IN_CUSTODY, "First meeting held")

    case = service.get_case(case_id)
    assert case.status == CaseStatus.ENGAGED_IN_CUSTODY
    assert case.status_reason == "First meeting held"
    history = case.status_history
    assert [e.status for e in history] == [
        CaseStatus.ENGAGED_IN_CUSTODY,
        CaseStatus.ACCEPTED,
        CaseStatus.RECOMMENDED,
    ]
    assert [e.reason for e in history] == [
        "First meeting held",
        "Eligible and keen (fictional)",
        "Recommended to the programme",
    ]
    assert {e.author for e in history} == {enrolled.worker.name}
    assert history[0].at >= history[1].at >= history[2].at


@pytest.mark.parametrize(
    ("new", "reason", "message"),
    [
        (CaseStatus.RELEASED, "Released early", "can be"),
        (CaseStatus.ACCEPTED, "   ", "Say why"),
        (CaseStatus.RECOMMENDED, "Again", "already"),
    ],
    ids=["not-allowed", "no-reason", "same-status"],
)
def test_refused_status_changes_write_nothing(
    service: CaseService, enrolled: AppSession, new: CaseStatus, reason: str, message: str
) -> None:
    case_id = service.create_case(FULL_CASE).case_id
    changes = _change_count(enrolled)

    with pytest.raises(ValidationFailed) as caught:
        service.change_status(case_id, new, reason)

    assert message in caught.value.problems["status"]
    assert _change_count(enrolled) == changes
    assert service.get_case(case_id).status == CaseStatus.RECOMMENDED


def test_only_a_supervisor_allocates(service: CaseService) -> None:
    case_id = _case(service, "Alfie", "Abbot")
    with pytest.raises(UserError, match="supervisor"):
        service.allocate(case_id, None)


def test_allocate(enrolled: AppSession) -> None:
    service = CaseService(as_supervisor(enrolled))
    case_id = service.create_case(FULL_CASE).case_id
    colleague = _colleague(enrolled)
    former = _colleague(enrolled, name="Former Fictional Colleague", active=False)

    service.allocate(case_id, colleague, "Fictional allocation")
    assert service.get_case(case_id).allocated_worker_name == "Fictional Colleague"
    service.allocate(case_id, None, "Fictional reason")
    assert service.get_case(case_id).allocated_worker_id is None

    for refused in (former, uuid7()):
        with pytest.raises(ValidationFailed) as caught:
            service.allocate(case_id, refused)
        assert set(caught.value.problems) == {"allocated_worker_id"}
    assert service.get_case(case_id).allocated_worker_id is None
    assert [w.name for w in service.workers()] == ["Fictional Colleague", enrolled.worker.name]


@pytest.fixture
def caseload(service: CaseService, enrolled: AppSession) -> dict[str, str]:
    """Six fictional people; ids by family name."""
    colleague = _colleague(enrolled)
    ids = {
        "Abbot": _case(service, "Alfie", "Abbot", nomis_number="Z1111AA", release_date=TODAY),
        "Brook": _case(
            service,
            "Bobby",
            "brook",
            nomis_number="Z2222BB",
            release_date=TODAY + dt.timedelta(days=10),
        ),
        "Cobb": _case(service, "Callum", "Cobb", release_date=TODAY + dt.timedelta(days=30)),
        "Dunne": _case(service, "Danny", "Dunne", release_date=TODAY - dt.timedelta(days=1)),
        "Eaves": _case(service, "Eddie", "Eaves", release_date=TODAY + dt.timedelta(days=31)),
        "Ford": _case(service, "Frankie", "McFord"),
    }
    lead = CaseService(as_supervisor(enrolled))
    lead.allocate(ids["Cobb"], colleague, "Fictional handover")
    lead.allocate(ids["Eaves"], colleague, "Fictional handover")
    service.change_status(ids["Dunne"], CaseStatus.DECLINED, "Did not want support")
    service.change_status(ids["Eaves"], CaseStatus.ACCEPTED, "Eligible")
    service.change_status(ids["Eaves"], CaseStatus.CLOSED, "Moved out of area", "moved_out_of_area")
    ids["colleague"] = colleague
    return ids


def _names(service: CaseService, query: CaseloadQuery) -> list[str]:
    rows = service.caseload_page(query, 0, 100)
    assert service.caseload_count(query) == len(rows)
    return [row.name for row in rows]


def test_caseload_status_filters(service: CaseService, caseload: dict[str, str]) -> None:
    name = CaseSort.NAME
    assert _names(service, CaseloadQuery(sort=name)) == [
        "ABBOT, Alfie",
        "BROOK, Bobby",
        "COBB, Callum",
        "MCFORD, Frankie",
    ]
    assert len(_names(service, CaseloadQuery(status=StatusFilter.ALL))) == 6
    assert _names(service, CaseloadQuery(status=CaseStatus.DECLINED.value)) == ["DUNNE, Danny"]
    assert _names(service, CaseloadQuery(status=CaseStatus.CLOSED.value)) == ["EAVES, Eddie"]
    assert _names(service, CaseloadQuery(status=CaseStatus.RELEASED.value)) == []


def test_caseload_worker_filter(
    service: CaseService, enrolled: AppSession, caseload: dict[str, str]
) -> None:
    mine = CaseloadQuery(worker_id=enrolled.worker.id, status=StatusFilter.ALL, sort=CaseSort.NAME)
    assert _names(service, mine) == [
        "ABBOT, Alfie",
        "BROOK, Bobby",
        "DUNNE, Danny",
        "MCFORD, Frankie",
    ]
    theirs = replace(mine, worker_id=caseload["colleague"])
    assert _names(service, theirs) == ["COBB, Callum", "EAVES, Eddie"]
    rows = service.caseload_page(theirs, 0, 10)
    assert {row.worker_name for row in rows} == {"Fictional Colleague"}


def test_caseload_release_window_uses_today(service: CaseService, caseload: dict[str, str]) -> None:
    query = CaseloadQuery(status=StatusFilter.ALL, release_within_days=30)
    # Today and day 30 are in; yesterday, day 31 and no date are out.
    assert _names(service, query) == ["ABBOT, Alfie", "BROOK, Bobby", "COBB, Callum"]
    assert _names(service, replace(query, release_within_days=0)) == ["ABBOT, Alfie"]
    rows = service.caseload_page(query, 0, 10)
    assert [row.flags.days_to_release if row.flags else None for row in rows] == [0, 10, 30]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BROOK", ["BROOK, Bobby"]),
        ("mcfo", ["MCFORD, Frankie"]),
        ("z2222bb", ["BROOK, Bobby"]),
        ("Z1111", ["ABBOT, Alfie"]),
        ("  alfie   abbot ", ["ABBOT, Alfie"]),
        ("alfie cobb", []),
        ("%", []),
        ("_", []),
    ],
)
def test_caseload_text_search_is_case_insensitive(
    service: CaseService, caseload: dict[str, str], text: str, expected: list[str]
) -> None:
    assert _names(service, CaseloadQuery(text=text, status=StatusFilter.ALL)) == expected


def test_caseload_sorting(service: CaseService, caseload: dict[str, str]) -> None:
    by_name_desc = CaseloadQuery(sort=CaseSort.NAME, descending=True)
    assert _names(service, by_name_desc) == [
        "MCFORD, Frankie",
        "COBB, Callum",
        "BROOK, Bobby",
        "ABBOT, Alfie",
    ]
    dated = CaseloadQuery(status=StatusFilter.ALL, release_within_days=365)
    assert _names(service, dated) == [
        "ABBOT, Alfie",
        "BROOK, Bobby",
        "COBB, Callum",
        "EAVES, Eddie",
    ]
    assert _names(service, replace(dated, descending=True)) == [
        "EAVES, Eddie",
        "COBB, Callum",
        "BROOK, Bobby",
        "ABBOT, Alfie",
    ]
    # By release date, people with no date come after everyone with one.
    assert _names(service, CaseloadQuery(sort=CaseSort.RELEASE))[-1] == "MCFORD, Frankie"


def test_caseload_pages(service: CaseService, caseload: dict[str, str]) -> None:
    query = CaseloadQuery(status=StatusFilter.ALL, sort=CaseSort.NAME)
    pages = [service.caseload_page(query, offset, 4) for offset in (0, 4, 8)]
    assert [len(p) for p in pages] == [4, 2, 0]
    assert [r.name for r in pages[0] + pages[1]] == _names(service, query)
    assert service.caseload_count(query) == 6


def test_release_order_puts_who_is_due_out_next_first(
    service: CaseService, caseload: dict[str, str]
) -> None:
    everyone = CaseloadQuery(status=StatusFilter.ALL, sort=CaseSort.RELEASE)
    # Upcoming releases soonest first, then people already out (most recent first), then
    # people with no release date.
    assert _names(service, everyone) == [
        "ABBOT, Alfie",
        "BROOK, Bobby",
        "COBB, Callum",
        "EAVES, Eddie",
        "DUNNE, Danny",
        "MCFORD, Frankie",
    ]
    assert _names(service, replace(everyone, descending=True)) == [
        "MCFORD, Frankie",
        "DUNNE, Danny",
        "EAVES, Eddie",
        "COBB, Callum",
        "BROOK, Bobby",
        "ABBOT, Alfie",
    ]


def test_page_and_count_come_from_one_query(service: CaseService, caseload: dict[str, str]) -> None:
    query = CaseloadQuery(status=StatusFilter.ALL, sort=CaseSort.NAME)
    total, rows = service.caseload_page_and_count(query, 2, 3)
    assert total == 6
    assert [r.name for r in rows] == _names(service, query)[2:5]
    assert service.caseload_page_and_count(query, 6, 3) == (6, [])
    assert service.caseload_page_and_count(replace(query, text="nobody"), 0, 3) == (0, [])


def test_released_people_lose_their_release_day_flags(service: CaseService) -> None:
    friday = TODAY + dt.timedelta(days=(4 - TODAY.weekday()) % 7 + 7)
    case_id = service.create_case(
        replace(FULL_CASE, release_date=friday, has_settled_address=False)
    ).case_id
    before = service.get_case(case_id).flags
    assert before is not None
    assert before.describe() == ["Duty to Refer due", "Friday release"]
    service.change_status(case_id, CaseStatus.ACCEPTED, "Eligible")
    service.change_status(case_id, CaseStatus.RELEASED, "Released early by the governor")
    after = service.get_case(case_id).flags
    assert after is not None
    assert after.describe() == []
    [row] = [r for r in service.caseload_page(CaseloadQuery(), 0, 50) if r.id == case_id]
    assert row.flags is not None
    assert row.flags.describe() == []


def test_a_change_to_a_field_that_matters_needs_a_reason_and_is_kept_in_its_history(
    enrolled: AppSession,
) -> None:
    service = CaseService(as_supervisor(enrolled))
    case_id = service.create_case(FULL_CASE).case_id
    before = service.get_case(case_id).fields
    moved = replace(
        FULL_CASE,
        release_date=dt.date(2026, 4, 2),
        mappa=True,
        consent_categories=("accommodation",),
    )

    assert service.reasoned_changes(case_id, moved) == [
        "Release date",
        "Services consent covers",
        "MAPPA",
    ]
    with pytest.raises(ValidationFailed) as caught:
        service.update_case(case_id, moved, reason="   ")
    assert caught.value.problems == {
        "reason": (
            "Say why the release date, services consent covers and MAPPA changed: the reason is "
            "kept in the case history."
        )
    }
    assert service.get_case(case_id).fields == before  # nothing saved
    # Other fields need no reason, and write no history.
    service.update_case(case_id, replace(FULL_CASE, preferred_name="Tessa"))

    service.update_case(case_id, moved, reason="Fictional new date from the prison")
    with pytest.raises(ValidationFailed) as caught:
        service.change_status(case_id, CaseStatus.ACCEPTED, "")
    service.change_status(case_id, CaseStatus.ACCEPTED, "Fictional panel decision")
    with pytest.raises(ValidationFailed) as caught:
        service.set_legal_hold(case_id, True, "")
    assert "reason" in caught.value.problems
    service.set_legal_hold(case_id, True, "Fictional court order")

    case = service.get_case(case_id)
    assert case.legal_hold
    who = enrolled.worker.name
    assert [(h.label, h.old, h.new, h.by, h.reason) for h in case.field_history] == [
        ("Legal hold", "No", "Yes", who, "Fictional court order"),
        ("Status", "Recommended", "Accepted", who, "Fictional panel decision"),
        ("Release date", "27/03/2026", "02/04/2026", who, "Fictional new date from the prison"),
        (
            "Services consent covers",
            "Accommodation, Drugs and alcohol",
            "Accommodation",
            who,
            "Fictional new date from the prison",
        ),
        ("MAPPA", "No", "Yes", who, "Fictional new date from the prison"),
    ]


def test_only_a_supervisor_places_a_legal_hold(service: CaseService) -> None:
    case_id = _case(service, "Alfie", "Abbot")
    with pytest.raises(UserError, match="supervisor"):
        service.set_legal_hold(case_id, True, "Fictional")
    assert not service.get_case(case_id).legal_hold
