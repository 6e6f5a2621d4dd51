"""One rule for every date a person types: more than a hundred years from today is a year
typed wrong (0226, 2206, 9999), refused in words under the field, for every kind of date."""

from __future__ import annotations

import datetime as dt

from restart_desktop.domain.checklist import ItemState, state_problems
from restart_desktop.domain.custody import custody_problem
from restart_desktop.domain.dates import PLAUSIBLE_YEARS, year_problem
from restart_desktop.domain.notes import action_problems, check_note
from restart_desktop.domain.outcomes import (
    BarrierStatus,
    barrier_problems,
    barrier_transition_problem,
)

TODAY = dt.date(2026, 3, 10)
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
PAST, FUTURE = dt.date(1, 3, 10), dt.date(9999, 3, 10)


def test_the_rule_itself() -> None:
    assert year_problem(None, TODAY, "The day") is None
    assert year_problem(dt.date(TODAY.year - PLAUSIBLE_YEARS, 1, 1), TODAY, "The day") is None
    assert year_problem(dt.date(TODAY.year + PLAUSIBLE_YEARS, 12, 31), TODAY, "The day") is None
    assert year_problem(dt.date(1925, 12, 31), TODAY, "The consent date") == (
        "The consent date is more than 100 years ago: check the year."
    )
    assert year_problem(dt.date(2127, 1, 1), TODAY, "The due date") == (
        "The due date is more than 100 years away: check the year."
    )


def test_a_return_to_custody() -> None:
    assert "check the year" in (custody_problem(PAST, None, TODAY) or "")


def test_an_actions_due_date_either_way() -> None:
    for day in (PAST, FUTURE, dt.date(2206, 3, 10)):
        assert (
            "check the year"
            in action_problems("Ring the council", "worker", day, TODAY)["due_date"]
        )
    assert action_problems("Ring the council", "worker", dt.date(2026, 2, 1), TODAY) == {}


def test_a_barriers_dates() -> None:
    problems = barrier_problems("No ID on release", "id", ["id"], PAST, TODAY)
    assert "check the year" in problems["raised_on"]
    said = barrier_transition_problem(
        BarrierStatus.OPEN, BarrierStatus.RESOLVED, "Sorted with the council", PAST, TODAY
    )
    assert "check the year" in (said or "")


def test_a_contact_and_a_checklist_time() -> None:
    at = dt.datetime(1, 3, 10, 12, 0, tzinfo=dt.UTC)
    check = check_note(
        text="Met at the gate.",
        contact_type="in_person",
        not_seen_reason="",
        contact_at=at,
        duration_minutes=30,
        needs=(),
        known_needs=frozenset(),
        referral_date=None,
        now=NOW,
    )
    assert "check the year" in check.problems["contact_at"]
    assert "check the year" in state_problems(ItemState.DONE, at, "", NOW)["at"]
