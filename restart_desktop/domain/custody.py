"""Closing a case with a reason, and returns to custody: the rules, in plain Python.

The programme exists to break the cycle of release and re-imprisonment, so a recall, a remand
and a new sentence are recorded as different events, each with the day it happened and who
said so; the board and the evaluators count them within 3, 6 and 12 months of a release.
Closure reasons are reference data (``resources/closure_reasons.csv``): the codes are stored.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from enum import StrEnum

from restart_desktop.domain.dates import year_problem
from restart_desktop.domain.reference import ClosureReason

#: The windows after a release the board counts returns to custody in (months).
WINDOWS_MONTHS = (3, 6, 12)


class CustodyKind(StrEnum):
    RECALL = "recall"
    REMAND = "remand"
    NEW_SENTENCE = "new_sentence"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS: Mapping[CustodyKind, str] = {
    CustodyKind.RECALL: "Recall to prison (licence or supervision)",
    CustodyKind.REMAND: "Remanded in custody",
    CustodyKind.NEW_SENTENCE: "New custodial sentence",
}


class CustodySource(StrEnum):
    """Who told the team: a return to custody is often heard second-hand."""

    PROBATION = "probation"
    PRISON = "prison"
    POLICE = "police"
    PERSON = "person"
    FAMILY = "family"
    PARTNER = "partner"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _SOURCE_LABELS[self]


_SOURCE_LABELS: Mapping[CustodySource, str] = {
    CustodySource.PROBATION: "Probation",
    CustodySource.PRISON: "The prison",
    CustodySource.POLICE: "Police",
    CustodySource.PERSON: "The person",
    CustodySource.FAMILY: "Family or friends",
    CustodySource.PARTNER: "A partner agency",
    CustodySource.OTHER: "Other",
}


def closure_problem(reasons: tuple[ClosureReason, ...], code: str, words: str) -> str | None:
    """Why a closure cannot be saved yet, in a worker's words; None when it can."""
    reason = next((r for r in reasons if r.code == code), None)
    if reason is None:
        return "Choose why the case is closing."
    if reason.words and not words.strip():
        return f'Say what the reason is: "{reason.label}" needs a few words.'
    return None


def custody_problem(on: dt.date | None, released_on: dt.date | None, today: dt.date) -> str | None:
    """Why a return to custody cannot be recorded yet; None when it can."""
    if on is None:
        return "Enter the day the person went back into custody."
    if on > today:
        return "The day is in the future: record a return once it has happened."
    if problem := year_problem(on, today, "The day"):
        return problem
    if released_on is not None and on < released_on:
        return "The day is before the person's release: check the date."
    return None


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the last day of the month when it has no such day
    (31 August + 6 months = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def within(released_on: dt.date, returned_on: dt.date, months: int) -> bool:
    """A return counts in the window when it falls after the release and before the same day
    ``months`` later (a return on the release day itself counts)."""
    return released_on <= returned_on < add_months(released_on, months)


def window_closed(released_on: dt.date, months: int, today: dt.date) -> bool:
    """Whether the whole window has passed: only then is "no return" a finding, not a gap."""
    return today >= add_months(released_on, months)
