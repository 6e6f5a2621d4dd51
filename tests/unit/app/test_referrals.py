"""ReferralService on a real SQLCipher database: the consent gate at the service layer, the
lifecycle with its history, chasing, the Duty to Refer proposal, the summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from restart_desktop.app.case_views import CaseFields, CaseloadQuery
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import UserError, ValidationFailed
from restart_desktop.app.referral_views import ReferralDraft, ReferralQuery, StatusChange
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import ItemUpdate
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import ItemState
from restart_desktop.domain.referrals import ReferralStatus, Urgency
from restart_desktop.store.models import Change, Referral, ReferralEvent
from tests.support.clock import Moment, local, set_clock

NOW = local(2026, 11, 20, 10, 0)  # a Friday


@pytest.fixture
def clock(enrolled: AppSession) -> Moment:
    return set_clock(enrolled, NOW)


@pytest.fixture
def cases(enrolled: AppSession, clock: Moment) -> CaseService:
    return CaseService(enrolled)


@pytest.fixture
def referrals(enrolled: AppSession, clock: Moment) -> ReferralService:
    return ReferralService(enrolled)


def _person(cases: CaseService, **changes: object) -> str:
    values = CaseFields(
        given_name="Testy",
        family_name="Referson",
        nomis_number="Z1234AB",
        crn="Z123456",
        date_of_birth=dt.date(1990, 5, 17),
        prison_code="bullingdon",
        release_date=NOW.date() + dt.timedelta(days=20),
        release_time="08:30",
        referral_date=dt.date(2026, 9, 1),
        sentence_type="determinate_short",
        consent_given=True,
        consent_date=dt.date(2026, 9, 2),
        consent_method="written",
        consent_categories=("accommodation", "benefits"),
        housing_authority="cherwell",
    )
    case_id = cases.create_case(replace(values, **changes)).case_id  # type: ignore[arg-type]
    cases.change_status(case_id, CaseStatus.ACCEPTED, "Accepted (test)")
    return case_id


def _draft(referrals: ReferralService, person: str, service: str = "dass_oxfordshire") -> str:
    return referrals.create(
        ReferralDraft(
            person_id=person,
            service_code=service,
            reason="Needs a script on release (test)",
            urgency=Urgency.URGENT.value,
        )
    )


def test_the_directory_is_searchable_offline(referrals: ReferralService) -> None:
    found = referrals.directory("drug", authority="reading")
    assert [s.code for s in found] == ["dass_berkshire"]
    assert [s.code for s in referrals.directory("", category="family")] == ["family_support"]
    assert referrals.directory("no such service anywhere") == []


def test_sending_without_consent_for_that_kind_of_service_is_refused(
    cases: CaseService, referrals: ReferralService, enrolled: AppSession
) -> None:
    person = _person(cases)
    referral = _draft(referrals, person)  # drugs and alcohol: not in the consent
    gap = referrals.consent_gap(referral)
    assert gap is not None
    assert "does not cover drugs and alcohol services" in gap
    with pytest.raises(ValidationFailed) as caught:
        referrals.send(referral, "email")
    assert caught.value.problems["consent"] == gap
    with pytest.raises(UserError, match="No summary can be made yet"):
        referrals.summary_text(referral)
    assert referrals.get(referral).status == ReferralStatus.DRAFT

    referrals.send(referral, "email", override="Safeguarding: overdose risk on release (test)")

    sent = referrals.get(referral)
    assert sent.status == ReferralStatus.SENT
    assert sent.sent_on == NOW.date()
    assert sent.consent_override == "Safeguarding: overdose risk on release (test)"
    assert sent.events[-1].note.startswith("Sent without consent: Safeguarding")
    assert sent.events[-1].author == enrolled.worker.name
    summary = referrals.summary_text(referral)
    # The service learns there is a recorded reason, not the reason itself.
    assert "Shared without the person's consent" in summary
    assert "overdose" not in summary


def test_no_consent_at_all_says_so(cases: CaseService, referrals: ReferralService) -> None:
    person = _person(
        cases, consent_given=False, consent_date=None, consent_method="", consent_categories=()
    )
    referral = _draft(referrals, person, "jobcentre_plus")
    with pytest.raises(ValidationFailed, match="No consent to share is recorded"):
        referrals.send(referral, "phone", override="   ")


def test_the_lifecycle_is_recorded_step_by_step(
    cases: CaseService, referrals: ReferralService, clock: Moment, enrolled: AppSession
) -> None:
    person = _person(cases)
    referral = _draft(referrals, person, "jobcentre_plus")
    referrals.send(referral, "phone", note="Spoke to the prison work coach")
    with pytest.raises(ValidationFailed, match="Say why the service declined"):
        referrals.change_status(referral, StatusChange(ReferralStatus.DECLINED))
    with pytest.raises(ValidationFailed, match="can become"):
        referrals.change_status(referral, StatusChange(ReferralStatus.ATTENDED))
    referrals.change_status(referral, StatusChange(ReferralStatus.ACKNOWLEDGED, note="Email"))
    appointment = local(2026, 12, 10, 9, 30)
    referrals.change_status(
        referral,
        StatusChange(
            ReferralStatus.APPOINTMENT_BOOKED,
            appointment_at=appointment,
            appointment_place="Jobcentre, 2 Sample Road (test)",
        ),
    )
    with pytest.raises(ValidationFailed, match="once it has happened"):
        referrals.change_status(referral, StatusChange(ReferralStatus.ATTENDED))
    clock.now = dt.datetime(2026, 12, 10, 11, 0)
    referrals.change_status(referral, StatusChange(ReferralStatus.ATTENDED))
    referrals.change_status(
        referral, StatusChange(ReferralStatus.CLOSED, outcome="Claim made, first payment due")
    )

    view = referrals.get(referral)
    assert view.status == ReferralStatus.CLOSED
    assert not view.open
    assert view.appointment_at == appointment
    assert view.outcome == "Claim made, first payment due"
    assert [(e.from_status, e.to_status) for e in view.events] == [
        (None, ReferralStatus.DRAFT),
        (ReferralStatus.DRAFT, ReferralStatus.SENT),
        (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED),
        (ReferralStatus.ACKNOWLEDGED, ReferralStatus.APPOINTMENT_BOOKED),
        (ReferralStatus.APPOINTMENT_BOOKED, ReferralStatus.ATTENDED),
        (ReferralStatus.ATTENDED, ReferralStatus.CLOSED),
    ]
    assert view.events[1].note == "Spoke to the prison work coach"
    assert view.events[3].note == "10/12/2026 09:30, Jobcentre, 2 Sample Road (test)."
    other = _draft(referrals, person, "jobcentre_plus")
    referrals.send(other, "phone")
    with pytest.raises(ValidationFailed, match="before the referral was made"):
        referrals.change_status(
            other,
            StatusChange(
                ReferralStatus.APPOINTMENT_BOOKED, appointment_at=local(2020, 1, 1, 10, 0)
            ),
        )
    with pytest.raises(ValidationFailed, match="check the year"):  # 2206 for 2026
        referrals.change_status(
            other,
            StatusChange(
                ReferralStatus.APPOINTMENT_BOOKED, appointment_at=local(2206, 12, 10, 9, 30)
            ),
        )
    with enrolled.db.read() as s:
        events = s.scalars(select(ReferralEvent)).all()
        changes = s.scalars(select(Change).where(Change.entity == "referral_events")).all()
    assert len(events) == len(changes) == 8  # every step is a synced change (2 of the other)
    with pytest.raises(ValidationFailed, match="cannot change any more"):
        referrals.change_status(referral, StatusChange(ReferralStatus.WITHDRAWN, reason="x"))


def test_unanswered_referrals_are_chased_after_three_working_days(
    cases: CaseService, referrals: ReferralService, clock: Moment
) -> None:
    person = _person(cases)
    referral = _draft(referrals, person, "jobcentre_plus")
    referrals.send(referral, "phone")  # Friday 20 November
    clock.now = dt.datetime(2026, 11, 24, 16, 0)  # Tuesday: two working days
    assert referrals.to_chase() == []
    clock.now = dt.datetime(2026, 11, 25, 9, 0)  # Wednesday: three
    (due,) = referrals.to_chase()
    assert due.id == referral
    assert due.chase_due_on == dt.date(2026, 11, 25)
    with pytest.raises(ValidationFailed):
        referrals.record_chase(referral, " ")
    referrals.record_chase(referral, "Phoned; they will call back (test)")
    assert referrals.to_chase() == []
    assert referrals.get(referral).chase_due_on == dt.date(2026, 11, 30)
    clock.now = dt.datetime(2026, 11, 30, 9, 0)
    assert [r.id for r in referrals.to_chase()] == [referral]
    referrals.change_status(referral, StatusChange(ReferralStatus.ACKNOWLEDGED))
    assert referrals.to_chase() == []


def test_the_chase_interval_is_a_setting(
    cases: CaseService, referrals: ReferralService, clock: Moment, enrolled: AppSession
) -> None:
    enrolled.set_setting("chase_after_working_days", "1")
    person = _person(cases)
    referral = _draft(referrals, person, "jobcentre_plus")
    referrals.send(referral, "phone")
    clock.now = dt.datetime(2026, 11, 23, 9, 0)  # Monday: one working day
    assert [r.id for r in referrals.to_chase()] == [referral]


def test_the_duty_to_refer_is_proposed_until_made(
    cases: CaseService, referrals: ReferralService, clock: Moment, enrolled: AppSession
) -> None:
    far = _person(cases, release_date=NOW.date() + dt.timedelta(days=80))
    settled = _person(cases, has_settled_address=True)
    person = _person(cases)
    assert referrals.duty_to_refer(far) is None  # more than 56 days away
    assert referrals.duty_to_refer(settled) is None
    proposal = referrals.duty_to_refer(person)
    assert proposal is not None
    assert (proposal.authority_code, proposal.service_code) == ("cherwell", "housing_cherwell")
    assert proposal.days_to_release == 20
    clock.now = NOW + dt.timedelta(days=30)  # 50 days before the far release: now due
    assert referrals.duty_to_refer(far) is not None
    clock.now = NOW

    referral = _draft(referrals, person, "housing_cherwell")
    assert referrals.duty_to_refer(person) is not None  # a draft is not made
    referrals.send(referral, "portal")

    assert referrals.duty_to_refer(person) is None
    (row,) = [r for r in cases.caseload_page(CaseloadQuery(), 0, 10) if r.id == person]
    assert row.flags is not None
    assert not row.flags.duty_to_refer
    assert not cases.get_case(person).flags.duty_to_refer  # type: ignore[union-attr]
    plan = ReleaseService(enrolled).plan(person)
    assert plan is not None
    item = plan.item("duty_to_refer")
    assert item is not None
    assert item.state == ItemState.DONE
    assert item.note == "Referral sent to Cherwell District Council on 20/11/2026."


def test_a_referral_keeps_the_service_details_it_was_made_to(
    cases: CaseService, referrals: ReferralService, enrolled: AppSession
) -> None:
    person = _person(cases)
    referral = _draft(referrals, person, "jobcentre_plus")
    with enrolled.db.write() as s:  # as if the directory had said something else then
        row = s.get(Referral, referral)
        assert row is not None
        row.service = {**row.service, "contact": "Old number 01632 960 999 (test)"}
    view = referrals.get(referral)
    assert view.service.contact == "Old number 01632 960 999 (test)"


def test_the_summary_carries_only_what_the_service_needs(
    cases: CaseService, referrals: ReferralService
) -> None:
    person = _person(cases)
    referral = _draft(referrals, person, "jobcentre_plus")  # benefits: consented
    text = referrals.summary_text(referral)
    assert (
        text.splitlines()[0] == "Referral to Jobcentre Plus: Universal Credit and the first "
        "appointment"
    )
    assert "Name: Testy Referson" in text
    assert "Date of birth: 17/05/1990" in text
    assert (
        "Consent to share: the person agreed to share with benefits and money services "
        "(consent first recorded 02/09/2026)"
    ) in text
    for absent in ("Z1234AB", "Z123456", "HMP Bullingdon", "Cherwell"):
        assert absent not in text  # the Jobcentre entry asks for none of these


def test_the_caseload_view_filters_and_counts(
    cases: CaseService, referrals: ReferralService
) -> None:
    person = _person(cases)
    first = _draft(referrals, person, "jobcentre_plus")
    _draft(referrals, person, "housing_cherwell")
    referrals.send(first, "phone")
    assert len(referrals.across_caseload(ReferralQuery())) == 2
    sent = referrals.across_caseload(ReferralQuery(status=ReferralStatus.SENT.value))
    assert [r.id for r in sent] == [first]
    assert [
        r.category for r in referrals.across_caseload(ReferralQuery(category="accommodation"))
    ] == ["accommodation"]
    counts = referrals.counts(ReferralQuery())
    assert counts[ReferralStatus.SENT] == 1
    assert counts[ReferralStatus.DRAFT] == 1


def test_sending_the_duty_to_refer_settles_an_item_marked_as_a_problem(
    cases: CaseService, referrals: ReferralService, enrolled: AppSession
) -> None:
    person = _person(cases)
    release = ReleaseService(enrolled)
    plan = release.plan(person)
    assert plan is not None
    release.update_item(
        plan.id, "duty_to_refer", ItemUpdate(ItemState.PROBLEM, note="Council portal down (test)")
    )
    referral = _draft(referrals, person, "housing_cherwell")

    referrals.send(referral, "portal")

    after = release.plan(person)
    assert after is not None
    item = after.item("duty_to_refer")
    assert item is not None
    assert item.state == ItemState.DONE
    assert item.note.startswith("Referral sent to Cherwell District Council")


@pytest.mark.parametrize("today", [dt.date(2026, 11, 20), dt.date(2026, 12, 29)])
def test_caseload_pages_follow_the_chase_rule_and_make_up_the_whole_list(
    enrolled: AppSession, today: dt.date
) -> None:
    """The list is ordered and filtered in SQL and read a page at a time: the referrals to
    chase are exactly those the domain's rule says (a Friday; after the Christmas bank
    holidays), they come first, and the pages put together are the whole list."""
    from restart_desktop.app.demo import fill_demo_data

    fill_demo_data(enrolled, cases=80, seed=5, today=today)
    set_clock(enrolled, local(today.year, today.month, today.day, 10, 0))
    service = ReferralService(enrolled)
    for query in (
        ReferralQuery(),
        ReferralQuery(include_finished=True),
        ReferralQuery(status=ReferralStatus.SENT.value),
    ):
        whole = service.across_caseload_page(query, 0, None)
        views = whole.views
        assert whole.total == len(views) > 0
        assert whole.to_chase == sum(v.chase_due for v in views)
        assert views == sorted(
            views, key=lambda v: (not v.chase_due, v.made_on, v.person_name, v.id)
        )
        pages = [
            service.across_caseload_page(query, offset, 7)
            for offset in range(0, whole.total + 7, 7)
        ]
        assert [v.id for page in pages for v in page.views] == [v.id for v in views]
        assert {page.total for page in pages} == {whole.total}
    sent = service.across_caseload_page(ReferralQuery(status=ReferralStatus.SENT.value), 0, None)
    assert 0 < sent.to_chase < sent.total  # both kinds are in the demo data
    chasing = service.across_caseload_page(ReferralQuery(chase_only=True), 0, None)
    assert [v.id for v in chasing.views] == [v.id for v in sent.views if v.chase_due]
