"""Outcome assessment rules: scores 1-10 or skipped with a reason, distance travelled on a
table of assessments; barrier status rules."""

from __future__ import annotations

import datetime as dt

import pytest

from restart_desktop.domain.outcomes import (
    AreaScore,
    AssessmentPoint,
    BarrierStatus,
    barrier_transition_problem,
    distance_travelled,
    score_problems,
)
from restart_desktop.domain.reference import load_reference_data

HOUSING, HEALTH = ("accommodation", "Accommodation"), ("health", "Health")


@pytest.mark.parametrize("bad", [0, 11, -3, 100])
def test_scores_outside_one_to_ten_are_refused(bad: int) -> None:
    problems = score_problems([AreaScore(*HOUSING, worker=bad)], True, "")
    assert problems == {
        "accommodation": "Accommodation: give a score from 1 to 10, or skip it with a reason."
    }
    problems = score_problems([AreaScore(*HOUSING, worker=5, person=bad)], True, "")
    assert "person's own score must be from 1 to 10" in problems["accommodation"]


def test_every_area_is_scored_or_skipped_with_a_reason() -> None:
    assert score_problems([AreaScore(*HOUSING, worker=4), AreaScore(*HEALTH)], True, "") == {
        "health": "Health: give a score from 1 to 10, or skip it with a reason."
    }
    skipped = AreaScore(*HEALTH, skipped="Did not want to talk about it today")
    assert score_problems([AreaScore(*HOUSING, worker=4), skipped], True, "") == {}
    both = AreaScore(*HEALTH, worker=3, skipped="x")
    assert "either score it or skip it" in score_problems([both], True, "")["health"]
    assert "scores" in score_problems([skipped], True, "")


def test_a_disagreement_needs_words() -> None:
    scores = [AreaScore(*HOUSING, worker=4, person=7)]
    assert "disagreement" in score_problems(scores, False, " ")
    assert score_problems(scores, False, "He thinks the hostel is fine") == {}


def test_distance_travelled_on_a_table_of_assessments() -> None:
    points = [
        AssessmentPoint(dt.date(2026, 3, 1), {"accommodation": 6, "health": 5}),
        AssessmentPoint(dt.date(2026, 1, 5), {"accommodation": 2}),  # health skipped
        AssessmentPoint(dt.date(2026, 2, 2), {"accommodation": 4, "health": 3}),
    ]
    found = distance_travelled(points, [HOUSING, HEALTH, ("family", "Family")])
    table = [(d.code, d.first, d.latest, d.change, d.first_on) for d in found]
    assert table == [
        ("accommodation", 2, 6, 4, dt.date(2026, 1, 5)),
        ("health", 3, 5, 2, dt.date(2026, 2, 2)),
        ("family", None, None, None, None),
    ]


def test_the_shipped_areas_are_the_seven_pathways_with_three_descriptions() -> None:
    areas = load_reference_data().outcome_areas
    assert len(areas) == 7
    assert all(a.low and a.middle and a.high for a in areas)
    text = " ".join(f"{a.low} {a.middle} {a.high}" for a in areas).lower()
    assert "star" not in text  # our own words, not the trademarked scales'


def test_resolving_a_barrier_needs_what_was_done_and_when() -> None:
    today = dt.date(2026, 11, 20)
    open_, resolved = BarrierStatus.OPEN, BarrierStatus.RESOLVED
    assert "Say how it was resolved" in str(
        barrier_transition_problem(open_, resolved, "", today, today)
    )
    assert "date" in str(barrier_transition_problem(open_, resolved, "Fixed", None, today))
    assert barrier_transition_problem(open_, resolved, "Fixed", today, today) is None
    assert barrier_transition_problem(open_, BarrierStatus.ESCALATED, "", None, today) is None
    assert "already" in str(barrier_transition_problem(open_, open_, "", None, today))
    assert barrier_transition_problem(BarrierStatus.CLOSED, resolved, "x", today, today)
