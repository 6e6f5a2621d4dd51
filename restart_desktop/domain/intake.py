"""Intake rules: the eligibility screen, duplicates, the allocator's decisions and the rows of
a referring partner's CSV batch. Plain Python: the services and the window both use them.

The screen never decides: it says in words what the allocator should look at ("Eligible",
"Check: MAPPA level 2 recorded"); the allocator decides.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from restart_desktop.domain.identifiers import normalise_nomis

#: The programme works with people due out within this many weeks of the recommendation...
RELEASE_WINDOW_WEEKS = 26
#: ...or released this recently (a late recommendation at the gate).
RELEASED_WITHIN_WEEKS = 4
#: Repeat short sentences: at least this many custodial sentences before the current one.
MIN_EARLIER_SENTENCES = 1


class IntakeStatus(StrEnum):
    WAITING = "waiting"  # waiting for the allocation decision
    MORE_INFORMATION = "more_information"  # the allocator asked for more information
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS: Mapping[IntakeStatus, str] = MappingProxyType(
    {
        IntakeStatus.WAITING: "Waiting for the allocation decision",
        IntakeStatus.MORE_INFORMATION: "More information asked for",
        IntakeStatus.ACCEPTED: "Accepted",
        IntakeStatus.DECLINED: "Declined",
    }
)

#: Still to be decided: the allocator's queue.
UNDECIDED = frozenset({IntakeStatus.WAITING.value, IntakeStatus.MORE_INFORMATION.value})


class DecisionKind(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    MORE_INFORMATION = "more_information"

    @property
    def label(self) -> str:
        return _DECISION_LABELS[self]

    @property
    def status(self) -> IntakeStatus:
        return _DECISION_STATUS[self]


_DECISION_LABELS: Mapping[DecisionKind, str] = MappingProxyType(
    {
        DecisionKind.ACCEPT: "Accepted and allocated",
        DecisionKind.DECLINE: "Declined",
        DecisionKind.MORE_INFORMATION: "More information asked for",
    }
)
_DECISION_STATUS: Mapping[DecisionKind, IntakeStatus] = MappingProxyType(
    {
        DecisionKind.ACCEPT: IntakeStatus.ACCEPTED,
        DecisionKind.DECLINE: IntakeStatus.DECLINED,
        DecisionKind.MORE_INFORMATION: IntakeStatus.MORE_INFORMATION,
    }
)

MAPPA_LEVELS = ("none", "1", "2", "3")  # "" is "not known"


class ScreenOutcome(StrEnum):
    ELIGIBLE = "eligible"
    CHECK = "check"
    NOT_ELIGIBLE = "not_eligible"


@dataclass(frozen=True)
class EligibilityAnswers:
    """The programme's eligibility questions; None (or "" for MAPPA) is "not known yet"."""

    in_thames_valley: bool | None = None
    iom: bool | None = None
    mappa_level: str = ""
    earlier_custodial_sentences: int | None = None
    release_date: dt.date | None = None


@dataclass(frozen=True)
class ScreenResult:
    outcome: ScreenOutcome
    points: tuple[str, ...]  # what to look at, each in a few words

    @property
    def text(self) -> str:
        """The result in words: "Eligible", "Check: MAPPA level 2 recorded"."""
        if self.outcome == ScreenOutcome.ELIGIBLE:
            return "Eligible"
        head = "Check" if self.outcome == ScreenOutcome.CHECK else "Not eligible"
        return f"{head}: " + "; ".join(self.points)


def screen(answers: EligibilityAnswers, recommended_on: dt.date) -> ScreenResult:
    """The eligibility screen. Not resident or released into the Thames Valley is the one
    answer that makes a person not eligible; anything else worth a look is a "Check"."""
    if answers.in_thames_valley is False:
        return ScreenResult(
            ScreenOutcome.NOT_ELIGIBLE, ("not resident or released into the Thames Valley",)
        )
    points: list[str] = []
    if answers.in_thames_valley is None:
        points.append("Thames Valley residence not known")
    if answers.iom:
        points.append("managed under IOM")
    elif answers.iom is None:
        points.append("IOM not known")
    if answers.mappa_level in ("1", "2", "3"):
        points.append(f"MAPPA level {answers.mappa_level} recorded")
    elif answers.mappa_level != "none":
        points.append("MAPPA not known")
    sentences = answers.earlier_custodial_sentences
    if sentences is None:
        points.append("earlier custodial sentences not known")
    elif sentences < MIN_EARLIER_SENTENCES:
        points.append("no earlier custodial sentence")
    release = answers.release_date
    if release is None:
        points.append("release date not known")
    elif release > recommended_on + dt.timedelta(weeks=RELEASE_WINDOW_WEEKS):
        points.append(f"release more than {RELEASE_WINDOW_WEEKS} weeks away")
    elif release < recommended_on - dt.timedelta(weeks=RELEASED_WITHIN_WEEKS):
        points.append(f"released more than {RELEASED_WITHIN_WEEKS} weeks before")
    if points:
        return ScreenResult(ScreenOutcome.CHECK, tuple(points))
    return ScreenResult(ScreenOutcome.ELIGIBLE, ())


def name_key(given: str, family: str) -> str:
    """A name as compared for duplicates: case, accents, spaces and hyphens ignored."""
    text = unicodedata.normalize("NFKD", f"{given} {family}")
    letters = "".join(c for c in text if c.isalnum())
    return letters.casefold()


def is_duplicate(
    nomis: str,
    given: str,
    family: str,
    born: dt.date | None,
    other_nomis: str,
    other_given: str,
    other_family: str,
    other_born: dt.date | None,
) -> str | None:
    """Why two people look like the same person ("same prison number", "same name and date
    of birth"), or None."""
    mine, theirs = normalise_nomis(nomis), normalise_nomis(other_nomis)
    if mine and mine == theirs:
        return "same prison number"
    if (
        born is not None
        and born == other_born
        and name_key(given, family) == name_key(other_given, other_family)
    ):
        return "same name and date of birth"
    return None


def decision_problems(
    kind: DecisionKind, organisation: str, worker_id: str | None, reason_code: str, words: str
) -> dict[str, str]:
    """What is missing from a decision, keyed by field, in the allocator's words."""
    problems: dict[str, str] = {}
    if kind == DecisionKind.ACCEPT:
        if not organisation:
            problems["organisation"] = "Choose the partner organisation taking the person on."
        if not worker_id:
            problems["worker"] = "Choose the worker who takes the case."
    elif kind == DecisionKind.DECLINE:
        if not reason_code:
            problems["reason"] = "Choose the reason for declining."
        if not words.strip():
            problems["words"] = "Say in a few words why the recommendation is declined."
    elif not words.strip():
        problems["words"] = "Say what information is needed, and from whom."
    return problems


#: The columns of a referring partner's CSV batch (README: "Intake import").
CSV_COLUMNS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "nomis_number",
    "prison",
    "release_date",
    "recommended_on",
    "source",
    "recommender_name",
    "recommender_organisation",
    "recommender_role",
    "recommender_contact",
    "reason",
    "in_thames_valley",
    "iom",
    "mappa",
    "earlier_custodial_sentences",
)
CSV_REQUIRED = ("given_name", "family_name", "recommended_on", "source")

_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


def parse_yes_no(text: str) -> tuple[bool | None, str | None]:
    """A yes/no answer as typed in a CSV ("" is not known); a problem for anything else."""
    value = text.strip().casefold()
    if not value:
        return None, None
    if value in _YES:
        return True, None
    if value in _NO:
        return False, None
    return None, f"{text!r} should be yes, no or empty"


def parse_date(text: str) -> tuple[dt.date | None, str | None]:
    """A date as YYYY-MM-DD or DD/MM/YYYY ("" is none)."""
    value = text.strip()
    if not value:
        return None, None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date(), None
        except ValueError:
            continue
    return None, f"{text!r} is not a date (write 2026-03-31 or 31/03/2026)"


def parse_mappa(text: str) -> tuple[str, str | None]:
    value = text.strip().casefold().removeprefix("level").strip()
    if value in ("", *MAPPA_LEVELS):
        return value, None
    if value in _NO:
        return "none", None
    return "", f"{text!r} should be none, 1, 2, 3 or empty"


#: Why a line is refused when the file cannot be read as CSV from it on.
NOT_CSV = (
    "the file cannot be read as CSV from this line (a quote that is not closed, "
    "text after a closing quote, or a value of more than 100,000 characters)"
)


def csv_records(
    reader: csv.DictReader[str],
) -> Iterator[tuple[int, dict[str | None, Any] | None]]:
    """(line, record) of each CSV record; (line, None) for the line from which the file
    cannot be read as CSV, then no more."""
    while True:
        start = reader.line_num + 1
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield start, None
            return
        yield reader.line_num, raw  # the line it ends on, as before (blank lines skipped)
