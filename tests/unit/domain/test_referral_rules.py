"""Referral rules: the whole transition table, details each step needs, the consent gate, and
working days for chasing over weekends and bank holidays."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from restart_desktop.domain.reference import SUMMARY_FIELDS, load_reference_data
from restart_desktop.domain.referrals import (
    ALLOWED_TRANSITIONS,
    ReferralStatus,
    SummaryField,
    add_working_days,
    consent_problem,
    needs_chasing,
    transition_problem,
)
from tests.support.clock import local

R = ReferralStatus
# Written out in full on purpose: a change to the table must change this test too.
EXPECTED = {
    R.DRAFT: {R.SENT, R.WITHDRAWN},
    R.SENT: {R.ACKNOWLEDGED, R.ACCEPTED, R.DECLINED, R.APPOINTMENT_BOOKED, R.WITHDRAWN},
    R.ACKNOWLEDGED: {R.ACCEPTED, R.DECLINED, R.APPOINTMENT_BOOKED, R.WITHDRAWN},
    R.ACCEPTED: {R.APPOINTMENT_BOOKED, R.CLOSED, R.WITHDRAWN},
    R.APPOINTMENT_BOOKED: {R.ATTENDED, R.DID_NOT_ATTEND, R.APPOINTMENT_BOOKED, R.WITHDRAWN},
    R.ATTENDED: {R.APPOINTMENT_BOOKED, R.CLOSED},
    R.DID_NOT_ATTEND: {R.APPOINTMENT_BOOKED, R.CLOSED, R.WITHDRAWN},
    R.DECLINED: {R.CLOSED},
    R.CLOSED: set(),
    R.WITHDRAWN: set(),
}
FULL = {
    "reason": "A reason (test)",
    "appointment_at": local(2026, 12, 1, 10, 0),
    "outcome": "Housed (test)",
}
HOLIDAYS = load_reference_data().bank_holiday_dates


def test_the_table_is_the_expected_one() -> None:
    assert {k: set(v) for k, v in ALLOWED_TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("old", "new"), list(itertools.product(ReferralStatus, repeat=2)))
def test_every_move_is_allowed_or_refused_by_the_table(
    old: ReferralStatus, new: ReferralStatus
) -> None:
    problem = transition_problem(old, new, FULL)
    if new in EXPECTED[old]:
        assert problem is None
    else:
        assert problem is not None
        assert old.label.lower() in problem


@pytest.mark.parametrize(
    ("old", "new", "missing", "message"),
    [
        (R.SENT, R.DECLINED, "reason", "Say why the service declined."),
        (R.DRAFT, R.WITHDRAWN, "reason", "Say why."),
        (R.ACCEPTED, R.APPOINTMENT_BOOKED, "appointment_at", "Enter the date and time"),
        (R.ATTENDED, R.CLOSED, "outcome", "Say how the referral ended"),
    ],
)
def test_steps_that_need_details_say_which(
    old: ReferralStatus, new: ReferralStatus, missing: str, message: str
) -> None:
    details = dict(FULL)
    details[missing] = "" if missing != "appointment_at" else None
    problem = transition_problem(old, new, details)
    assert problem is not None
    assert problem.startswith(message)


def test_consent_must_cover_the_kind_of_service() -> None:
    assert consent_problem(False, [], "accommodation", "Accommodation") is not None
    missing = consent_problem(True, ["benefits"], "substance_misuse", "Drugs and alcohol")
    assert missing is not None
    assert "does not cover drugs and alcohol services" in missing
    assert consent_problem(True, ["substance_misuse"], "substance_misuse", "Drugs") is None


def test_working_days_skip_weekends_and_bank_holidays() -> None:
    # Thursday 24 December 2026: Christmas Day (Fri) and Boxing Day substitute (Mon 28th).
    assert add_working_days(dt.date(2026, 12, 24), 1, HOLIDAYS) == dt.date(2026, 12, 29)
    assert add_working_days(dt.date(2026, 12, 24), 3, HOLIDAYS) == dt.date(2026, 12, 31)
    # Friday to Wednesday over an ordinary weekend.
    assert add_working_days(dt.date(2026, 11, 20), 3, HOLIDAYS) == dt.date(2026, 11, 25)


def test_chasing_starts_after_three_working_days_without_an_answer() -> None:
    sent = dt.date(2026, 11, 20)  # a Friday
    assert not needs_chasing(R.SENT, sent, dt.date(2026, 11, 24), 3, HOLIDAYS)
    assert needs_chasing(R.SENT, sent, dt.date(2026, 11, 25), 3, HOLIDAYS)
    assert not needs_chasing(R.ACKNOWLEDGED, sent, dt.date(2026, 12, 25), 3, HOLIDAYS)


def test_summary_field_names_match_the_directory_loader() -> None:
    assert tuple(f.value for f in SummaryField) == SUMMARY_FIELDS
