"""Closing a case with a coded reason and recording returns to custody, on a real SQLCipher
database: what the case file, its history and the timeline then show."""

from __future__ import annotations

import datetime as dt

import pytest

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.notes import NoteService, TimelineKind
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import OutcomeFields
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.custody import CustodyKind, CustodySource
from tests.support.clock import set_clock

TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def service(enrolled: AppSession) -> CaseService:
    set_clock(enrolled, dt.datetime.combine(TODAY, dt.time(12, 0)))
    return CaseService(enrolled)


def _case(service: CaseService) -> str:
    return service.create_case(CaseFields(given_name="Testy", family_name="Closewell")).case_id


def test_closing_needs_a_coded_reason_kept_in_the_history_and_cleared_on_reopening(
    service: CaseService,
) -> None:
    case_id = _case(service)
    service.change_status(case_id, CaseStatus.ACCEPTED, "Eligible")
    with pytest.raises(ValidationFailed) as refused:
        service.change_status(case_id, CaseStatus.CLOSED, "Finished with us")
    assert refused.value.problems == {"closure_reason": "Choose why the case is closing."}
    assert service.get_case(case_id).status == CaseStatus.ACCEPTED  # nothing saved

    service.change_status(case_id, CaseStatus.CLOSED, "Moved to Leeds", "moved_out_of_area")
    closed = service.get_case(case_id)
    assert (closed.status, closed.closure_reason) == (CaseStatus.CLOSED, "moved_out_of_area")
    history = {(e.label, e.new, e.reason) for e in closed.field_history}
    assert ("Why the case closed", "Moved out of area", "Moved to Leeds") in history

    service.change_status(case_id, CaseStatus.RECOMMENDED, "Back in the area")
    reopened = service.get_case(case_id)
    assert reopened.closure_reason == ""
    assert ("Why the case closed", "", "Back in the area") in {
        (e.label, e.new, e.reason) for e in reopened.field_history
    }


def test_earlier_custodial_sentences_are_kept_on_the_case(service: CaseService) -> None:
    case_id = service.create_case(
        CaseFields(given_name="Testy", family_name="Manytimes", earlier_custodial_sentences=0)
    ).case_id
    assert service.get_case(case_id).fields.earlier_custodial_sentences == 0  # 0 is an answer
    details = service.get_case(case_id)
    service.update_case(
        case_id, CaseFields(**{**details.fields.__dict__, "earlier_custodial_sentences": 4})
    )
    assert service.get_case(case_id).fields.earlier_custodial_sentences == 4


def test_a_return_to_custody_is_on_the_case_and_in_the_timeline_after_its_release(
    service: CaseService, enrolled: AppSession
) -> None:
    case_id = service.create_case(
        CaseFields(given_name="Testy", family_name="Backagain", release_date=dt.date(2026, 2, 6))
    ).case_id
    service.change_status(case_id, CaseStatus.ACCEPTED, "Eligible")
    release = ReleaseService(enrolled)
    plan = release.plan(case_id)
    assert plan is not None
    release.record_outcome(plan.id, OutcomeFields(FirstNight.SETTLED.value, "", False))
    with pytest.raises(ValidationFailed) as refused:
        service.record_custody_return(
            case_id, dt.date(2026, 3, 3), CustodyKind.RECALL, CustodySource.PROBATION
        )
    assert "future" in refused.value.problems["returned_on"]

    service.record_custody_return(
        case_id, dt.date(2026, 2, 27), CustodyKind.RECALL, CustodySource.PROBATION
    )
    (back,) = service.get_case(case_id).custody_returns
    assert (back.kind, back.source, back.released_on) == (
        CustodyKind.RECALL,
        CustodySource.PROBATION,
        dt.date(2026, 2, 6),
    )
    assert back.summary == (
        "Recall to prison (licence or supervision) on 27/02/2026, "
        "21 days after release (told by probation)"
    )
    events = [e for e in NoteService(enrolled).timeline(case_id) if e.kind == TimelineKind.EVENT]
    assert [(e.event.what, e.event.summary) for e in events if e.event] == [
        ("Back in custody", back.summary)
    ]
