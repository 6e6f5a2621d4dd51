"""Rules for contact notes and actions, in plain Python."""

from __future__ import annotations

import datetime as dt

import pytest

from restart_desktop.domain.notes import (
    MAX_NOTE_LENGTH,
    ActionStatus,
    check_note,
    fts_query,
    is_overdue,
)
from tests.support.clock import local

NOW = local(2026, 3, 2, 10, 0)


def _check(**changes: object) -> tuple[set[str], tuple[str, ...]]:
    values: dict[str, object] = {
        "text": "Met on the wing.",
        "contact_type": "in_person",
        "not_seen_reason": "",
        "contact_at": NOW - dt.timedelta(hours=2),
        "duration_minutes": 30,
        "needs": ("accommodation",),
        "known_needs": frozenset({"accommodation", "benefits"}),
        "referral_date": dt.date(2026, 1, 5),
        "now": NOW,
    }
    values.update(changes)
    result = check_note(**values)  # type: ignore[arg-type]
    return set(result.problems), result.confirmations


def test_a_complete_note_passes() -> None:
    assert _check() == (set(), ())


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"text": " \n "}, "text"),
        ({"text": "x" * (MAX_NOTE_LENGTH + 1)}, "text"),
        ({"contact_type": "carrier_pigeon"}, "contact_type"),
        ({"contact_type": "not_seen", "not_seen_reason": " "}, "not_seen_reason"),
        ({"contact_at": None}, "contact_at"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"needs": ("unicorns",)}, "needs"),
    ],
)
def test_what_blocks_finalising(changes: dict[str, object], problem: str) -> None:
    problems, _ = _check(**changes)
    assert problems == {problem}


def test_unusual_times_ask_for_confirmation_not_refusal() -> None:
    problems, confirmations = _check(contact_at=NOW + dt.timedelta(hours=1))
    assert not problems
    assert "in the future" in confirmations[0]
    _, confirmations = _check(contact_at=NOW + dt.timedelta(minutes=4))  # clock drift
    assert confirmations == ()
    _, confirmations = _check(contact_at=local(2026, 1, 4, 9))
    assert "before the person was recommended" in confirmations[0]


def test_overdue_means_open_and_past_its_date() -> None:
    today = dt.date(2026, 3, 2)
    assert is_overdue(ActionStatus.OPEN, dt.date(2026, 3, 1), today)
    assert not is_overdue(ActionStatus.OPEN, today, today)
    assert not is_overdue(ActionStatus.DONE, dt.date(2026, 3, 1), today)
    assert not is_overdue(ActionStatus.OPEN, None, today)


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("housing", '"housing"*'),
        ("  housing   gp ", '"housing"* "gp"*'),
        ('"first night" hostel', '"first night" "hostel"*'),
        ('say "hi', '"say"* "hi"*'),
        ("", None),
        ('""', None),
    ],
)
def test_typed_words_become_a_safe_fts_query(typed: str, query: str | None) -> None:
    assert fts_query(typed) == query


def test_a_contact_on_the_day_of_recommendation_after_midnight_in_summer_time(
    london: None,
) -> None:
    """00:30 on 1 June, British Summer Time (23:30 on 31 May in UTC), when the person was
    recommended on 1 June: the same day, so nothing to confirm; a day before says its own
    day as the laptop shows it."""
    now = local(2026, 6, 2, 10, 0)
    _, confirmations = _check(
        contact_at=local(2026, 6, 1, 0, 30), referral_date=dt.date(2026, 6, 1), now=now
    )
    assert confirmations == ()
    _, confirmations = _check(
        contact_at=local(2026, 5, 31, 0, 30), referral_date=dt.date(2026, 6, 1), now=now
    )
    assert "The contact (31/05/2026) is before" in confirmations[0]
