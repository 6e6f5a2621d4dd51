"""Release-date rules against the real bank-holiday file, as a table a worker could check."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restart_desktop.domain.reference import load_reference_data
from restart_desktop.domain.release import (
    DUTY_TO_REFER_DAYS,
    ReleaseFlags,
    days_to_release,
    duty_to_refer_due,
    is_day_before_bank_holiday,
    is_friday,
    release_flags,
)

HOLIDAYS = load_reference_data().bank_holiday_dates
D = dt.date.fromisoformat


@pytest.mark.parametrize(
    ("release", "friday", "pre_holiday", "why"),
    [
        ("2026-12-24", False, True, "Thursday before Christmas Day (Friday)"),
        ("2026-08-28", True, True, "Friday before the summer bank holiday Monday"),
        ("2027-03-25", False, True, "Thursday before Good Friday"),
        ("2026-04-02", False, True, "Thursday before Good Friday 2026"),
        ("2026-04-03", True, False, "Good Friday itself is not a release day"),
        ("2027-12-24", True, True, "Friday before the substitute Christmas Day"),
        ("2027-12-27", False, False, "a bank holiday is not a release day"),
        ("2029-12-24", False, True, "Monday before Christmas Day (Tuesday)"),
        ("2029-12-25", False, False, "Christmas Day itself"),
        ("2029-12-31", False, True, "Monday before New Year's Day (Tuesday)"),
        ("2026-12-31", False, True, "Thursday before New Year's Day 2027 (Friday)"),
        ("2026-06-10", False, False, "an ordinary Wednesday"),
        ("2026-06-12", True, False, "an ordinary Friday"),
        ("2026-08-29", False, False, "Saturday before a bank holiday is not a release day"),
        ("2026-08-27", False, False, "Thursday, two working days before the holiday"),
    ],
)
def test_friday_and_pre_holiday_table(
    release: str, friday: bool, pre_holiday: bool, why: str
) -> None:
    day = D(release)
    assert is_friday(day) is friday, why
    assert is_day_before_bank_holiday(day, HOLIDAYS) is pre_holiday, why


TODAY = D("2026-03-02")


@pytest.mark.parametrize(
    ("release", "settled", "due"),
    [
        (TODAY + dt.timedelta(days=55), False, True),
        (TODAY + dt.timedelta(days=56), False, True),
        (TODAY + dt.timedelta(days=57), False, False),
        (TODAY, False, True),
        (TODAY - dt.timedelta(days=1), False, False),
        (TODAY + dt.timedelta(days=10), True, False),
        (None, False, False),
    ],
    ids=["55 days", "56 days", "57 days", "today", "yesterday", "settled address", "no date"],
)
def test_duty_to_refer_window(release: dt.date | None, settled: bool, due: bool) -> None:
    assert DUTY_TO_REFER_DAYS == 56
    assert duty_to_refer_due(release, settled, TODAY) is due
    assert release_flags(release, settled, TODAY, HOLIDAYS).duty_to_refer is due


def test_flags_for_a_friday_pre_holiday_release_without_an_address() -> None:
    flags = release_flags(D("2026-08-28"), False, D("2026-08-01"), HOLIDAYS)
    assert flags == ReleaseFlags(
        friday=True, pre_bank_holiday=True, duty_to_refer=True, days_to_release=27
    )
    assert flags.describe() == [
        "Duty to Refer due",
        "Friday release",
        "Release before a bank holiday",
    ]


def test_no_release_date_means_no_flags() -> None:
    flags = release_flags(None, False, TODAY, HOLIDAYS)
    assert flags.days_to_release is None
    assert flags.describe() == []


def test_days_to_release_examples() -> None:
    assert days_to_release(D("2026-03-09"), TODAY) == 7
    assert days_to_release(TODAY, TODAY) == 0
    assert days_to_release(D("2026-02-28"), TODAY) == -2  # not a leap year


@given(
    today=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)),
    n=st.integers(min_value=-3650, max_value=3650),
)
def test_days_to_release_counts_whole_days(today: dt.date, n: int) -> None:
    assert days_to_release(today + dt.timedelta(days=n), today) == n


def test_friday_and_holiday_labels_are_only_for_upcoming_releases() -> None:
    after = release_flags(D("2026-08-28"), False, D("2026-09-02"), HOLIDAYS)
    assert after.friday
    assert after.pre_bank_holiday
    assert not after.needs_weekend_plan
    assert after.describe() == []
    on_the_day = release_flags(D("2026-08-28"), True, D("2026-08-28"), HOLIDAYS)
    assert on_the_day.needs_weekend_plan
    assert on_the_day.describe() == ["Friday release", "Release before a bank holiday"]


def test_a_person_already_released_has_nothing_left_to_plan() -> None:
    """The status says released, though the recorded date is still ahead (released early)."""
    flags = release_flags(D("2026-08-28"), False, D("2026-08-01"), HOLIDAYS, released=True)
    assert flags.days_to_release == 27
    assert not flags.needs_weekend_plan
    assert not flags.duty_to_refer
    assert flags.describe() == []
