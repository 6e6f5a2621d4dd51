"""The intake's figures on a real database: recommendations by source and month, the screen's
outcomes, decisions by reason, and the median days to the decision and to the first contact."""

from __future__ import annotations

import datetime as dt

from restart_desktop.app.figures import FiguresService
from restart_desktop.app.intake import IntakeService
from restart_desktop.app.intake_views import IntakeFields
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import Role
from restart_desktop.domain.figures import Period
from restart_desktop.domain.intake import DecisionKind
from tests.support.clock import local, set_clock
from tests.support.roles import as_role


def test_intake_figures(enrolled: AppSession) -> None:
    lead = as_role(enrolled, Role.SUPERVISOR)
    set_clock(lead, dt.datetime(2026, 3, 1, 9, 0))
    intake = IntakeService(lead)

    def recommend(given: str, source: str, day: int, **answers: object) -> str:
        return intake.record(
            IntakeFields(
                given_name=given,
                family_name="Figureson",
                source=source,
                recommended_on=dt.date(2026, 2, day),
                **answers,  # type: ignore[arg-type]
            )
        )

    eligible = dict(
        in_thames_valley=True,
        iom=False,
        mappa_level="none",
        earlier_custodial_sentences=2,
        release_date=dt.date(2026, 4, 1),
    )
    first = recommend("Ann", "self_recommendation", 20, **eligible)
    second = recommend("Bob", "probation", 24, in_thames_valley=False)
    recommend("Cid", "probation", 27)
    recommend("Dee", "probation", 10)  # January? no: February too, but outside the period
    set_clock(lead, dt.datetime(2026, 2, 26, 9, 0))  # decided 6 and 2 days after
    intake.decide(
        first,
        DecisionKind.ACCEPT,
        organisation=lead.worker.organisation_code,
        worker_id=lead.worker.id,
    )
    intake.decide(
        second,
        DecisionKind.DECLINE,
        reason_code="not_thames_valley",
        words="Fictional: moving away",
    )
    NoteService(lead).finalise(
        DraftFields(
            person_id=first, contact_at=local(2026, 3, 2, 10), text="Fictional first visit"
        ),
        confirmed=True,
    )

    figures = FiguresService(lead).figures(Period(dt.date(2026, 2, 15), dt.date(2026, 3, 31)))
    shown = {name: t.text_rows(False) for name, t in ((t.name, t) for t in figures.tables)}
    assert shown["intake_by_month"] == [["2026-02", "1", "2", "3"]]
    assert shown["intake_eligibility"] == [
        ["Eligible", "1"],
        ["To check", "1"],
        ["Not eligible", "1"],
    ]
    assert shown["intake_decisions"] == [
        ["Accepted and allocated", "", "1"],
        ["Declined", "Not resident or released into the Thames Valley", "1"],
    ]
    assert shown["intake_decision_times"] == [
        ["To the allocation decision", "4.0"],
        ["To the first contact", "10.0"],
    ]
    assert figures.metric("intake_self_recommended").n == 1  # type: ignore[union-attr]
