"""Rules for contact notes and follow-up actions: types, owners, what must be filled in.

Values of the enums are stored and exported, so they never change; labels may be reworded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from restart_desktop.domain.clock import local_date, local_text
from restart_desktop.domain.dates import year_problem

MAX_NOTE_LENGTH = 200_000  # characters: far above any real note, well below SQLite's limits
MAX_DURATION_MINUTES = 24 * 60
DEFAULT_STALE_DRAFT_HOURS = 24


class ContactType(StrEnum):
    IN_PERSON = "in_person"
    OFFICIAL_VISIT = "official_visit"
    PHONE = "phone"
    LETTER = "letter"
    VIA_PRISON_STAFF = "via_prison_staff"
    VIDEO = "video"
    NOT_SEEN = "not_seen"

    @property
    def label(self) -> str:
        return _CONTACT_LABELS[self]


_CONTACT_LABELS: Mapping[ContactType, str] = MappingProxyType(
    {
        ContactType.IN_PERSON: "In-person visit",
        ContactType.OFFICIAL_VISIT: "Legal or official visit room",
        ContactType.PHONE: "Phone call",
        ContactType.LETTER: "Letter",
        ContactType.VIA_PRISON_STAFF: "Message via prison staff",
        ContactType.VIDEO: "Video call",
        ContactType.NOT_SEEN: "Attempted, not seen",
    }
)


class ActionOwner(StrEnum):
    WORKER = "worker"
    PERSON = "person"
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return {"worker": "Worker", "person": "The person", "partner": "Partner agency"}[self]


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_DONE = "not_done"

    @property
    def label(self) -> str:
        return {"open": "Open", "done": "Done", "not_done": "Not done"}[self]


@dataclass(frozen=True)
class NoteCheck:
    """Problems block finalising; confirmations need the worker to say "yes, that is right"."""

    problems: dict[str, str]
    confirmations: tuple[str, ...]


def check_note(
    *,
    text: str,
    contact_type: str,
    not_seen_reason: str,
    contact_at: dt.datetime | None,
    duration_minutes: int | None,
    needs: tuple[str, ...],
    known_needs: frozenset[str],
    referral_date: dt.date | None,
    now: dt.datetime,
    zone: dt.tzinfo | None = None,
) -> NoteCheck:
    """What stands between a draft and a finalised note, in a worker's words (times in
    ``zone``: the session clock's; None: the laptop's)."""
    problems: dict[str, str] = {}
    confirmations: list[str] = []
    if not text.strip():
        problems["text"] = "Write what happened before finalising the note."
    elif len(text) > MAX_NOTE_LENGTH:
        problems["text"] = (
            f"The note is longer than {MAX_NOTE_LENGTH:,} characters. Split it into two notes."
        )
    if contact_type not in set(ContactType):
        problems["contact_type"] = "Choose how the contact happened."
    elif contact_type == ContactType.NOT_SEEN and not not_seen_reason.strip():
        problems["not_seen_reason"] = "Say why the person was not seen."
    if contact_at is None:
        problems["contact_at"] = "Enter the date and time of the contact."
    else:
        if problem := year_problem(
            local_date(contact_at, zone), local_date(now, zone), "The contact date"
        ):
            problems["contact_at"] = problem
        elif contact_at > now + dt.timedelta(minutes=5):
            confirmations.append(
                f"The contact time ({local_text(contact_at, zone=zone)}) is in the future."
            )
        # The contact's day on the session's calendar, as the worker typed it (00:30 in
        # summer time is the day before in UTC).
        if referral_date is not None and local_date(contact_at, zone) < referral_date:
            day = local_text(contact_at, "%d/%m/%Y", zone)
            confirmations.append(
                f"The contact ({day}) is before the person was recommended "
                f"({referral_date:%d/%m/%Y})."
            )
    if duration_minutes is not None and not 0 < duration_minutes <= MAX_DURATION_MINUTES:
        problems["duration_minutes"] = "Give the duration in minutes, between 1 and 1440."
    unknown = [n for n in needs if n not in known_needs]
    if unknown:
        problems["needs"] = "Some needs are not on the needs list: " + ", ".join(unknown)
    return NoteCheck(problems, tuple(confirmations))


def action_problems(
    description: str, owner: str, due_date: dt.date | None, today: dt.date
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not description.strip():
        problems["description"] = "Say what is to be done."
    if owner not in set(ActionOwner):
        problems["owner"] = "Choose who will do it."
    # Optional (an action may have no date), and may be overdue already.
    if problem := year_problem(due_date, today, "The due date"):
        problems["due_date"] = problem
    return problems


def due_in_the_past(due_date: dt.date | None, today: dt.date) -> bool:
    """An action may be given a date that has passed (one agreed last week, written up
    today), but it is overdue from the start: the worker is asked, never refused."""
    return due_date is not None and due_date < today


def is_overdue(status: str, due_date: dt.date | None, today: dt.date) -> bool:
    return status == ActionStatus.OPEN and due_date is not None and due_date < today


_TERM = re.compile(r'"([^"]*)"|(\S+)')


def fts_query(text: str) -> str | None:
    """Turn what a worker typed into a safe FTS5 query: "quoted phrases" stay phrases, every
    other word matches as a prefix, all terms must match. None when nothing is searchable."""
    terms: list[str] = []
    for phrase, word in _TERM.findall(text):
        if phrase.strip():
            terms.append('"' + phrase.strip().replace('"', '""') + '"')
        elif word:
            cleaned = word.replace('"', "")
            if cleaned:
                terms.append('"' + cleaned + '"*')
    return " ".join(terms) if terms else None
