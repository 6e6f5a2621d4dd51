"""The outcome figures against a fixture counted by hand, on a real SQLCipher database:
closures by reason, returns to custody within 3, 6 and 12 months, follow-up checks, Friday
afternoon releases, and needs at referral against needs at closure."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.figures import FiguresService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import OutcomeFields
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.custody import CustodyKind, CustodySource
from restart_desktop.domain.figures import Period, shown
from restart_desktop.store.models import FollowUpCheck, ReleasePlan
from tests.support.roles import as_supervisor

TODAY = dt.date.today()
PERIOD = Period(TODAY - dt.timedelta(days=700), TODAY + dt.timedelta(days=1))
RELEASED = TODAY - dt.timedelta(days=100 + (TODAY - dt.timedelta(days=100)).weekday() - 4 + 7)


def _closed(
    cases: CaseService, family: str, needs: tuple[str, ...], later: tuple[str, ...], reason: str
) -> str:
    case_id = cases.create_case(
        CaseFields(given_name="Testy", family_name=family, needs=needs)
    ).case_id
    details = cases.get_case(case_id)
    cases.update_case(case_id, replace(details.fields, needs=later))
    cases.change_status(case_id, CaseStatus.ACCEPTED, "Eligible")
    cases.change_status(case_id, CaseStatus.CLOSED, "Fictional reason", reason)
    return case_id


def _rows(figures: object, name: str) -> list[list[str]]:
    table = figures.table(name)  # type: ignore[attr-defined]
    return [[shown(c, False) for c in row] for row in table.rows]


def test_outcome_figures_match_the_counts_made_by_hand(enrolled: AppSession) -> None:
    lead = as_supervisor(enrolled)
    cases = CaseService(lead)
    _closed(
        cases,
        "Alpha",
        ("accommodation", "substance_misuse"),
        ("substance_misuse",),
        "support_completed",
    )
    _closed(cases, "Bravo", ("accommodation",), ("accommodation",), "support_completed")
    _closed(cases, "Charlie", ("benefits",), ("benefits",), "recalled_to_custody")
    back = cases.create_case(
        CaseFields(given_name="Testy", family_name="Delta", release_date=RELEASED)
    ).case_id
    cases.change_status(back, CaseStatus.ACCEPTED, "Eligible")
    release = ReleaseService(lead)
    plan = release.plan(back)
    assert plan is not None
    release.record_outcome(plan.id, OutcomeFields(FirstNight.SETTLED.value, "", False))
    cases.record_custody_return(
        back, RELEASED + dt.timedelta(days=20), CustodyKind.RECALL, CustodySource.PROBATION
    )
    with lead.db.write() as s:
        s.get(ReleasePlan, plan.id).release_time = "14:00"  # type: ignore[union-attr]
        for night, uc, treatment, gp, ete in (
            ("settled", "yes", "not_applicable", "yes", "no"),
            ("rough_sleeping", "no", "yes", "no", "not_known"),
        ):
            s.add(
                FollowUpCheck(
                    person_id=back,
                    check_code="four_weeks",
                    released_on=RELEASED,
                    due_on=RELEASED + dt.timedelta(weeks=4),
                    checked_on=RELEASED + dt.timedelta(weeks=4),
                    accommodation=night,
                    universal_credit=uc,
                    treatment=treatment,
                    gp=gp,
                    ete=ete,
                )
            )

    figures = FiguresService(lead).figures(PERIOD)
    assert figures.metric("cases_closed").n == 3  # type: ignore[union-attr]
    assert _rows(figures, "closures_by_reason") == [
        ["Support completed", "2"],
        ["Recalled to custody", "1"],
    ]
    assert _rows(figures, "returns_to_custody") == [
        ["Within 3 months", "1", "1", "100%", "1", "0", "0"],
        ["Within 6 months", "0", "0", "–", "0", "0", "0"],  # the window is not over yet
        ["Within 12 months", "0", "0", "–", "0", "0", "0"],
    ]
    assert _rows(figures, "follow_up_checks") == [
        ["4-week check", "2", "50%", "50%", "50%", "100%", "50%", "0%"]
    ]
    assert _rows(figures, "friday_releases") == [["All", "1", "100%", "100%", "100%"]]
    assert _rows(figures, "needs_referral_closure") == [
        ["Accommodation", "2", "1"],
        ["Drugs and alcohol", "1", "1"],
        ["Benefits and money", "1", "1"],
    ]
