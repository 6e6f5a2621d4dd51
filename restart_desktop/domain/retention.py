"""Retention rules: when a closed case is erased from a worker's laptop, from the central
export and supervisors' laptops, and what holds an erasure back. Plain dates in and out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

LAPTOP_DAYS = 30  # a closed case stays on a worker's laptop this long after closing
EXPORT_YEARS = 6  # and in the central export (and on supervisors' laptops) this long
MAX_LAPTOP_DAYS = 365
MAX_EXPORT_YEARS = 100


class ErasureRule(StrEnum):
    """Why a case was erased. Values are stored in tombstones: they never change."""

    LAPTOP = "laptop"  # closed, LAPTOP_DAYS ago, held centrally: off a worker's laptop
    HANDED_AWAY = "handed_away"  # no longer the worker's case, held centrally
    RETENTION = "retention"  # closed EXPORT_YEARS ago: erased everywhere

    @property
    def label(self) -> str:
        return _RULE_LABELS[self]


_RULE_LABELS: Mapping[ErasureRule, str] = MappingProxyType(
    {
        ErasureRule.LAPTOP: "Closed case, removed from this laptop",
        ErasureRule.HANDED_AWAY: "No longer your case, removed from this laptop",
        ErasureRule.RETENTION: "Retention period over, erased everywhere",
    }
)


@dataclass(frozen=True)
class RetentionPolicy:
    laptop_days: int = LAPTOP_DAYS
    export_years: int = EXPORT_YEARS


def policy_problems(laptop_days: int, export_years: int) -> dict[str, str]:
    problems = {}
    if not 1 <= laptop_days <= MAX_LAPTOP_DAYS:
        problems["laptop_days"] = (
            f"Keep closed cases on laptops between 1 and {MAX_LAPTOP_DAYS} days."
        )
    if not 1 <= export_years <= MAX_EXPORT_YEARS:
        problems["export_years"] = (
            f"Keep closed cases centrally between 1 and {MAX_EXPORT_YEARS} years."
        )
    return problems


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class CaseRetention:
    """What the rules need to know about one case on this laptop."""

    case_id: str
    closed_on: dt.date | None  # None while the case is open
    legal_hold: bool
    mine: bool  # still this worker's case (allocated, shared or theirs unallocated)
    held_centrally: bool  # every change this laptop made to it is confirmed in the export
    has_draft: bool  # an unfinished note is being typed on this laptop


@dataclass(frozen=True)
class Scheduled:
    case_id: str
    rule: ErasureRule
    due: dt.date
    waiting_for: str  # "" when nothing holds it back; otherwise why it waits, in words

    def is_due(self, today: dt.date) -> bool:
        return not self.waiting_for and self.due <= today


def schedule(
    case: CaseRetention, policy: RetentionPolicy, supervisor: bool, today: dt.date
) -> Scheduled | None:
    """When the case will be erased from this laptop and under which rule, or None when no
    rule applies yet (an open case that is still this worker's)."""
    found: Scheduled | None = None
    if case.closed_on is not None:
        retention = years_after(case.closed_on, policy.export_years)
        found = Scheduled(case.case_id, ErasureRule.RETENTION, retention, "")
        if not supervisor:
            laptop = case.closed_on + dt.timedelta(days=policy.laptop_days)
            found = Scheduled(case.case_id, ErasureRule.LAPTOP, min(laptop, retention), "")
    if not supervisor and not case.mine and found is None:
        found = Scheduled(case.case_id, ErasureRule.HANDED_AWAY, today, "")
    if found is None:
        return None
    waiting = ""
    if case.legal_hold:
        waiting = "A supervisor placed a legal hold on it."
    elif not supervisor and not case.held_centrally:
        waiting = (
            "Its latest changes are not yet confirmed in the central export: sync, "
            "and wait for a supervisor's laptop to sync too."
        )
    elif case.has_draft:
        waiting = "An unfinished contact note is waiting on this laptop."
    return Scheduled(found.case_id, found.rule, found.due, waiting)
