"""What the intake screens and commands show and take: a recommendation's fields, the queue's
rows, a decision and a possible duplicate, as plain values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from restart_desktop.app.errors import UserError
from restart_desktop.domain.intake import (
    DecisionKind,
    EligibilityAnswers,
    IntakeStatus,
    ScreenResult,
)


@dataclass(frozen=True)
class IntakeFields:
    """What a recommendation records: the person, who recommended them, and the answers."""

    given_name: str = ""
    family_name: str = ""
    date_of_birth: dt.date | None = None
    nomis_number: str = ""
    prison_code: str = ""
    release_date: dt.date | None = None
    source: str = ""  # a recommender kind code
    recommender_name: str = ""
    recommender_organisation: str = ""
    recommender_role: str = ""
    recommender_contact: str = ""
    recommended_on: dt.date | None = None
    reason: str = ""
    in_thames_valley: bool | None = None
    iom: bool | None = None
    mappa_level: str = ""
    earlier_custodial_sentences: int | None = None

    def answers(self) -> EligibilityAnswers:
        return EligibilityAnswers(
            self.in_thames_valley,
            self.iom,
            self.mappa_level,
            self.earlier_custodial_sentences,
            self.release_date,
        )


@dataclass(frozen=True)
class Duplicate:
    """A person already on this laptop who looks like the one being recommended."""

    person_id: str
    name: str
    nomis_number: str
    status: str  # in words
    why: str  # "same prison number", "same name and date of birth"


class DuplicateFound(UserError):
    """The person looks already recorded; nothing was saved. ``found`` says who and why."""

    def __init__(self, found: list[Duplicate]) -> None:
        self.found = found
        lines = "\n".join(f"- {d.name} ({d.why}; {d.status})" for d in found)
        super().__init__(f"This person may already be recorded:\n{lines}")


@dataclass(frozen=True)
class IntakeRow:
    """One line of the queue."""

    person_id: str
    name: str
    nomis_number: str
    prison: str
    release_date: dt.date | None
    source: str  # in words
    recommended_on: dt.date
    status: IntakeStatus
    screen: ScreenResult
    is_self: bool


@dataclass(frozen=True)
class DecisionView:
    decision: DecisionKind
    reason: str  # the coded reason in words ("" if none)
    words: str
    organisation: str  # in words
    worker: str
    by: str
    at: dt.datetime  # UTC


@dataclass(frozen=True)
class IntakeDetail:
    row: IntakeRow
    fields: IntakeFields
    decisions: tuple[DecisionView, ...]  # newest first
