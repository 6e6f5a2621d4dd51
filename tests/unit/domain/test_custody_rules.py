"""Closure reasons and returns to custody: the rules, and the reference file they read."""

from __future__ import annotations

import datetime as dt

import pytest

from restart_desktop.domain.custody import (
    add_months,
    closure_problem,
    custody_problem,
    window_closed,
    within,
)
from restart_desktop.domain.reference import load_reference_data

REASONS = load_reference_data().closure_reasons


def test_every_closure_reason_the_issue_names_is_in_the_reference_file() -> None:
    assert [r.code for r in REASONS] == [
        "support_completed",
        "disengaged",
        "recalled_to_custody",
        "new_custodial_sentence",
        "moved_out_of_area",
        "transferred",
        "programme_ended",
        "died",
        "other",
    ]
    assert [r.code for r in REASONS if r.words] == ["other"]
    assert {r.code: r.custody for r in REASONS if r.custody} == {
        "recalled_to_custody": "recall",
        "new_custodial_sentence": "new_sentence",
    }


def test_a_closure_needs_a_known_reason_and_other_needs_words() -> None:
    assert closure_problem(REASONS, "", "Finished") == "Choose why the case is closing."
    assert closure_problem(REASONS, "made_up", "Finished") == "Choose why the case is closing."
    assert "needs a few words" in (closure_problem(REASONS, "other", "  ") or "")
    assert closure_problem(REASONS, "other", "Emigrated") is None
    assert closure_problem(REASONS, "support_completed", "") is None


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (dt.date(2026, 1, 15), 3, dt.date(2026, 4, 15)),
        (dt.date(2025, 8, 31), 6, dt.date(2026, 2, 28)),  # no 31 February: the month's last day
        (dt.date(2027, 8, 31), 6, dt.date(2028, 2, 29)),  # a leap year
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 3, 31), 12, dt.date(2027, 3, 31)),
    ],
)
def test_adding_months_keeps_the_day_or_takes_the_months_last(
    start: dt.date, months: int, end: dt.date
) -> None:
    assert add_months(start, months) == end


def test_the_3_6_and_12_month_windows_after_a_release() -> None:
    released = dt.date(2026, 1, 30)  # a Friday
    assert within(released, released, 3)  # recalled the day of release
    assert within(released, dt.date(2026, 4, 29), 3)
    assert not within(released, dt.date(2026, 4, 30), 3)  # the same day 3 months on: outside
    assert within(released, dt.date(2026, 4, 30), 6)
    assert not within(released, dt.date(2026, 1, 29), 12)  # before the release
    assert within(released, dt.date(2027, 1, 29), 12)
    assert not within(released, dt.date(2027, 1, 30), 12)
    assert not window_closed(released, 3, dt.date(2026, 4, 29))
    assert window_closed(released, 3, dt.date(2026, 4, 30))


def test_a_return_needs_a_day_not_in_the_future_nor_before_the_release() -> None:
    today, released = dt.date(2026, 3, 2), dt.date(2026, 2, 1)
    assert "Enter the day" in (custody_problem(None, released, today) or "")
    assert "future" in (custody_problem(dt.date(2026, 3, 3), released, today) or "")
    assert "before the person's release" in (
        custody_problem(dt.date(2026, 1, 31), released, today) or ""
    )
    assert custody_problem(dt.date(2026, 2, 1), released, today) is None
    assert custody_problem(dt.date(2026, 1, 1), None, today) is None
