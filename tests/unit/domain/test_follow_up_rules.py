"""Follow-up checks: due dates from the intervals in resources/, moved off weekends and bank
holidays (resources/bank_holidays.csv)."""

from __future__ import annotations

import datetime as dt

import pytest

from restart_desktop.domain.follow_up import check_due, treatment_applies
from restart_desktop.domain.reference import load_reference_data

REFERENCE = load_reference_data()
HOLIDAYS = REFERENCE.bank_holiday_dates


def test_the_intervals_are_data_4_and_12_weeks() -> None:
    assert [(k.code, k.weeks) for k in REFERENCE.follow_up_checks] == [
        ("four_weeks", 4),
        ("twelve_weeks", 12),
    ]


@pytest.mark.parametrize(
    ("released", "weeks", "due"),
    [
        (dt.date(2026, 4, 24), 4, dt.date(2026, 5, 22)),  # Friday to Friday
        (dt.date(2026, 4, 27), 4, dt.date(2026, 5, 26)),  # Spring bank holiday Monday 25 May
        (dt.date(2026, 8, 1), 4, dt.date(2026, 9, 1)),  # Saturday, then Summer bank holiday
        (dt.date(2026, 10, 3), 12, dt.date(2026, 12, 29)),  # Saturday; Boxing Day moved to Monday
        (dt.date(2026, 10, 2), 12, dt.date(2026, 12, 29)),  # Christmas Day, a Friday
    ],
)
def test_a_check_falling_on_a_weekend_or_bank_holiday_moves_to_the_next_working_day(
    released: dt.date, weeks: int, due: dt.date
) -> None:
    assert check_due(released, weeks, HOLIDAYS) == due


def test_the_treatment_question_applies_only_where_drugs_and_alcohol_were_a_need() -> None:
    assert treatment_applies(["accommodation", "substance_misuse"])
    assert not treatment_applies(["accommodation"])
