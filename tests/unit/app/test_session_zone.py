"""One clock: a session whose clock keeps London time on a laptop set to UTC counts, stamps
and shows days on London's calendar, never the laptop's. Summer dates, so the two differ by
an hour, and moments in the hour after midnight in London (the day before in UTC)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.figures import FiguresService
from restart_desktop.app.referral_views import ReferralDraft
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.figures import Count, Period
from tests.support.clock import use_zone

LONDON = ZoneInfo("Europe/London")
#: 00:30 on Wednesday 1 July 2026 in London: still 30 June on a laptop keeping UTC.
JUST_AFTER_MIDNIGHT = dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC)
SPRING = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
SUMMER = Period(dt.date(2026, 7, 1), dt.date(2026, 9, 30))


class Moment:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def read(self) -> dt.datetime:
        return self.now


@pytest.fixture
def moment(supervisor: AppSession) -> Iterator[Moment]:
    """The laptop keeps UTC; the session's clock keeps London time."""
    with use_zone("UTC"):
        now = Moment(dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC))
        supervisor.clock = Clock(LONDON, now.read)
        yield now


def _case(supervisor: AppSession, **values: object) -> str:
    return (
        CaseService(supervisor)
        .create_case(
            CaseFields(
                given_name="Testy",
                family_name="Zonington",
                referral_date=dt.date(2026, 6, 1),
                **values,  # type: ignore[arg-type]
            )
        )
        .case_id
    )


def test_a_status_move_at_00_30_in_london_counts_in_the_quarter_london_is_in(
    supervisor: AppSession, moment: Moment
) -> None:
    case = _case(supervisor)
    moment.now = JUST_AFTER_MIDNIGHT
    CaseService(supervisor).change_status(case, CaseStatus.ACCEPTED, "Accepted (test)")

    figures = FiguresService(supervisor)
    assert figures.figures(SUMMER).metric("cases_accepted") == Count(1)
    assert figures.figures(SPRING).metric("cases_accepted") == Count(0)


def test_a_referral_made_at_00_30_in_london_is_made_on_london_s_day(
    supervisor: AppSession, moment: Moment
) -> None:
    case = _case(
        supervisor,
        consent_given=True,
        consent_date=dt.date(2026, 6, 1),
        consent_method="written",
        consent_categories=("substance_misuse",),
    )
    moment.now = JUST_AFTER_MIDNIGHT
    referrals = ReferralService(supervisor)
    made = referrals.create(
        ReferralDraft(person_id=case, service_code="dass_oxfordshire", reason="Script (test)")
    )
    (view,) = [v for v in referrals.for_person(case) if v.id == made]
    assert view.made_on == dt.date(2026, 7, 1)


def test_a_release_day_item_is_due_at_the_time_on_london_s_clock(
    supervisor: AppSession, moment: Moment
) -> None:
    case = _case(supervisor, release_date=dt.date(2026, 7, 3), release_time="08:30")
    CaseService(supervisor).change_status(case, CaseStatus.ACCEPTED, "Accepted (test)")
    plan = ReleaseService(supervisor).plan(case)
    assert plan is not None
    gate = plan.item("met_at_gate")
    assert gate is not None
    assert gate.due_at == dt.datetime(2026, 7, 3, 7, 30, tzinfo=dt.UTC)  # 08:30 BST


def test_the_board_pack_is_dated_by_the_session_s_clock(
    supervisor: AppSession, moment: Moment
) -> None:
    moment.now = JUST_AFTER_MIDNIGHT
    figures = FiguresService(supervisor).figures(SPRING)
    assert figures.made_at == JUST_AFTER_MIDNIGHT  # not the machine's clock
    assert figures.period.day_of(figures.made_at) == dt.date(2026, 7, 1)


def test_a_subject_access_report_reads_times_on_the_session_s_clock(
    supervisor: AppSession, moment: Moment
) -> None:
    from restart_desktop.app.subject_access import SubjectAccessService
    from restart_desktop.documents.subject_access import report_html

    moment.now = JUST_AFTER_MIDNIGHT
    case = _case(supervisor)
    records = SubjectAccessService(supervisor).gather(case)
    assert records.file_stem.endswith("-2026-07-01")
    shown = report_html(records, supervisor.reference)
    assert "01/07/2026 00:30" in shown  # the case file made, the export produced
    assert "30/06/2026 23:30" not in shown
