"""OutcomeService on a real SQLCipher database: drafts, finalising, immutability at the service
layer and in the database, distance travelled, and the barriers register with its counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.outcomes import (
    AssessmentFields,
    AssessmentFinal,
    BarrierFields,
    BarrierQuery,
    OutcomeService,
)
from restart_desktop.app.session import AppSession
from restart_desktop.domain.outcomes import AreaScore, BarrierStatus
from tests.support.clock import local, set_clock

NOW = local(2026, 11, 20, 10, 0)


@pytest.fixture
def service(enrolled: AppSession) -> OutcomeService:
    set_clock(enrolled, NOW)
    return OutcomeService(enrolled)


@pytest.fixture
def person(enrolled: AppSession) -> str:
    return (
        CaseService(enrolled)
        .create_case(CaseFields(given_name="Testy", family_name="Scoreson"))
        .case_id
    )


def _scored(service: OutcomeService, values: list[int | None]) -> tuple[AreaScore, ...]:
    return tuple(
        replace(area, worker=value) if value is not None else replace(area, skipped="Not today")
        for area, value in zip(service.blank_scores(), values, strict=True)
    )


def _final(service: OutcomeService, person: str, on: dt.date, values: list[int | None]) -> str:
    assessment = service.save_draft(
        AssessmentFields(person, on, "Worker and person", _scored(service, values))
    )
    service.finalise(assessment)
    return assessment


def test_a_draft_is_finalised_once_every_area_is_scored(
    service: OutcomeService, person: str
) -> None:
    blank = service.blank_scores()
    assert [a.code for a in blank][:2] == ["accommodation", "education_training_employment"]
    draft = service.save_draft(AssessmentFields(person, NOW.date(), "", blank))
    with pytest.raises(ValidationFailed) as caught:
        service.finalise(draft)
    assert len(caught.value.problems) == 7
    service.save_draft(
        AssessmentFields(person, NOW.date(), "Person and worker", _scored(service, [3] * 7)),
        draft,
    )
    service.finalise(draft)
    (view,) = service.assessments(person)
    assert view.final
    assert view.present == "Person and worker"


def test_a_finalised_assessment_refuses_changes(
    service: OutcomeService, person: str, enrolled: AppSession
) -> None:
    final = _final(service, person, NOW.date(), [3] * 7)
    with pytest.raises(AssessmentFinal):
        service.save_draft(
            AssessmentFields(person, NOW.date(), "", _scored(service, [9] * 7)), final
        )
    with pytest.raises(AssessmentFinal):
        service.finalise(final)
    with (
        pytest.raises(DBAPIError, match="finalised assessments are never changed"),
        enrolled.db.write() as s,
    ):
        s.execute(text("UPDATE assessments SET present = 'x' WHERE id = :id"), {"id": final})
    (view,) = service.assessments(person)
    assert all(area.worker == 3 for area in view.scores)


def test_scores_out_of_range_and_future_dates_are_refused(
    service: OutcomeService, person: str
) -> None:
    bad = (replace(service.blank_scores()[0], worker=11),)
    with pytest.raises(ValidationFailed, match="scores go from 1 to 10"):
        service.save_draft(AssessmentFields(person, NOW.date(), "", bad))
    with pytest.raises(ValidationFailed, match="in the future"):
        service.save_draft(AssessmentFields(person, NOW.date() + dt.timedelta(days=1)))
    with pytest.raises(ValidationFailed, match="check the year"):  # 0226 for 2026
        service.save_draft(AssessmentFields(person, dt.date(226, 3, 1)))


def test_distance_travelled_uses_finalised_assessments_only(
    service: OutcomeService, person: str
) -> None:
    _final(service, person, dt.date(2026, 6, 1), [2, 1, 4, 3, 2, 5, 4])
    _final(service, person, dt.date(2026, 9, 1), [5, 3, None, 6, 4, 5, 6])
    service.save_draft(AssessmentFields(person, NOW.date(), "", _scored(service, [10] * 7)))
    distance = {d.code: (d.first, d.latest, d.change) for d in service.distance(person)}
    assert distance["accommodation"] == (2, 5, 3)
    assert distance["health"] == (4, 4, 0)  # skipped in September: still June's score
    assert distance["children_and_families"] == (5, 5, 0)


def test_an_assessment_keeps_the_areas_it_was_made_with(
    service: OutcomeService, person: str
) -> None:
    old = (AreaScore("old_area", "An area the team dropped", worker=4),)
    draft = service.save_draft(AssessmentFields(person, NOW.date(), "", old))
    service.finalise(draft)
    (view,) = service.assessments(person)
    assert view.scores[0].label == "An area the team dropped"
    assert [d.label for d in service.distance(person)] == ["An area the team dropped"]


def test_the_barriers_register_counts_by_category_and_period(
    service: OutcomeService, person: str
) -> None:
    def raise_(title: str, category: str, on: dt.date) -> str:
        return service.create_barrier(
            BarrierFields(title, category, "Seen twice (test)", (person,), on)
        )

    friday = raise_("No housing on a Friday afternoon", "accommodation", dt.date(2026, 10, 2))
    raise_("Universal Credit without ID", "benefits_dwp", dt.date(2026, 10, 20))
    raise_("Prescriptions not ready at release", "health_prescriptions", dt.date(2026, 11, 3))
    raise_("Old barrier", "accommodation", dt.date(2026, 5, 1))
    with pytest.raises(ValidationFailed) as caught:
        service.create_barrier(BarrierFields(" ", "nonsense", raised_on=None))
    assert set(caught.value.problems) == {"title", "category", "raised_on"}

    service.change_barrier_status(friday, BarrierStatus.ESCALATED)
    with pytest.raises(ValidationFailed, match="Say how it was resolved"):
        service.change_barrier_status(friday, BarrierStatus.RESOLVED)
    service.change_barrier_status(
        friday, BarrierStatus.RESOLVED, "Council agreed a Friday duty officer", dt.date(2026, 11, 1)
    )

    counts = service.barrier_counts(dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    assert counts.total() == 3
    assert counts.by_category["accommodation"][BarrierStatus.RESOLVED] == 1
    assert counts.by_category["accommodation"][BarrierStatus.OPEN] == 0  # May's is outside
    assert counts.total(status=BarrierStatus.OPEN) == 2
    assert counts.total(category="probation") == 0
    listed = service.barriers(BarrierQuery(category="accommodation"))
    assert [b.title for b in listed] == ["No housing on a Friday afternoon", "Old barrier"]
    assert listed[0].case_names == ("SCORESON, Testy",)
    assert listed[0].resolution == "Council agreed a Friday duty officer"
    recent = service.barriers(BarrierQuery(status="open", raised_from=dt.date(2026, 11, 1)))
    assert [b.title for b in recent] == ["Prescriptions not ready at release"]
