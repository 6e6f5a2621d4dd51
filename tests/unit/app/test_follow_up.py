"""Follow-up checks on a real SQLCipher database: due after a recorded release, listed for the
worker whose case it is, recorded once per release, "not known" kept as an answer."""

from __future__ import annotations

import datetime as dt

import pytest

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.follow_up import CheckAnswers, FollowUpService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import OutcomeFields
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.follow_up import Answer
from restart_desktop.store.models import FollowUpCheck
from tests.support.clock import set_clock

RELEASED = dt.date(2026, 4, 27)  # a Monday: four weeks on is the Spring bank holiday


def _released(session: AppSession, needs: tuple[str, ...]) -> str:
    set_clock(session, dt.datetime(2026, 4, 20, 10, 0))
    cases = CaseService(session)
    case_id = cases.create_case(
        CaseFields(given_name="Testy", family_name="Followup", release_date=RELEASED, needs=needs)
    ).case_id
    cases.change_status(case_id, CaseStatus.ACCEPTED, "Eligible")
    set_clock(session, dt.datetime(2026, 4, 27, 15, 0))
    release = ReleaseService(session)
    plan = release.plan(case_id)
    assert plan is not None
    release.record_outcome(plan.id, OutcomeFields(FirstNight.TEMPORARY_OR_CAS3.value, "", False))
    return case_id


def test_checks_fall_due_after_the_release_and_are_recorded_once(enrolled: AppSession) -> None:
    case_id = _released(enrolled, ("accommodation", "substance_misuse"))
    service = FollowUpService(enrolled)
    set_clock(enrolled, dt.datetime(2026, 5, 25, 10, 0))  # bank holiday: not due yet
    assert service.due_checks() == []
    set_clock(enrolled, dt.datetime(2026, 5, 26, 10, 0))
    (due,) = service.due_checks()
    assert (due.person_id, due.code, due.released_on, due.due_on, due.treatment_applies) == (
        case_id,
        "four_weeks",
        RELEASED,
        dt.date(2026, 5, 26),
        True,
    )
    service.record_check(
        due,
        CheckAnswers(FirstNight.SETTLED, Answer.YES, Answer.NOT_KNOWN, Answer.NO, Answer.NOT_KNOWN),
    )
    assert service.due_checks() == []
    with pytest.raises(ValidationFailed):
        service.record_check(due, CheckAnswers())
    with enrolled.db.read() as s:
        stored = s.query(FollowUpCheck).one()
        assert (
            stored.accommodation,
            stored.universal_credit,
            stored.treatment,
            stored.gp,
            stored.ete,
            stored.checked_on,
        ) == ("settled", "yes", "not_known", "no", "not_known", dt.date(2026, 5, 26))
    set_clock(enrolled, dt.datetime(2026, 7, 20, 10, 0))  # 12 weeks on
    assert [d.code for d in service.due_checks()] == ["twelve_weeks"]


def test_treatment_is_not_asked_where_it_was_not_a_need(enrolled: AppSession) -> None:
    _released(enrolled, ("accommodation",))
    service = FollowUpService(enrolled)
    set_clock(enrolled, dt.datetime(2026, 6, 1, 10, 0))
    (due,) = service.due_checks()
    assert not due.treatment_applies
    service.record_check(due, CheckAnswers(treatment=Answer.YES))
    with enrolled.db.read() as s:
        assert s.query(FollowUpCheck).one().treatment == "not_applicable"
