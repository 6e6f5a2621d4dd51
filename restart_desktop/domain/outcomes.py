"""Rules for outcome assessments (a 1-10 score per life area, scored with the person) and for
the barriers and escalations register the programme's board works through.

The areas come from resources/outcome_areas.csv; an assessment keeps the areas it was made with
(``AreaScore.label``), so a later change of the set never rewrites an old assessment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from restart_desktop.domain.dates import year_problem

LOWEST, HIGHEST = 1, 10
MAX_NOTE_LENGTH = 2000


@dataclass(frozen=True)
class AreaScore:
    """One area of one assessment. ``worker`` is the score agreed or given by the worker;
    ``person`` the person's own score, when they gave one; ``skipped`` the reason an area was
    left out this time (then there are no scores)."""

    code: str
    label: str
    worker: int | None = None
    person: int | None = None
    skipped: str = ""
    note: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "label": self.label,
            "worker": self.worker,
            "person": self.person,
            "skipped": self.skipped,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> AreaScore:
        def score(key: str) -> int | None:
            value = data.get(key)
            return int(value) if isinstance(value, int) and not isinstance(value, bool) else None

        return cls(
            code=str(data.get("code", "")),
            label=str(data.get("label", "")),
            worker=score("worker"),
            person=score("person"),
            skipped=str(data.get("skipped", "")),
            note=str(data.get("note", "")),
        )


def _in_range(value: int | None) -> bool:
    return value is not None and LOWEST <= value <= HIGHEST


def score_problems(scores: Sequence[AreaScore], agreed: bool, disagreement: str) -> dict[str, str]:
    """What stops an assessment being finalised, keyed by area code (or a field name)."""
    problems: dict[str, str] = {}
    for area in scores:
        if area.skipped.strip():
            if area.worker is not None or area.person is not None:
                problems[area.code] = f"{area.label}: either score it or skip it, not both."
            continue
        if not _in_range(area.worker):
            problems[area.code] = (
                f"{area.label}: give a score from {LOWEST} to {HIGHEST}, or skip it with a reason."
            )
        elif area.person is not None and not _in_range(area.person):
            problems[area.code] = (
                f"{area.label}: the person's own score must be from {LOWEST} to {HIGHEST}."
            )
        elif len(area.note) > MAX_NOTE_LENGTH:
            problems[area.code] = f"{area.label}: keep the note under {MAX_NOTE_LENGTH} characters."
    if not agreed and not disagreement.strip():
        problems["disagreement"] = (
            "Say where the person sees it differently, or mark the scores as agreed."
        )
    if scores and all(area.skipped.strip() for area in scores):
        problems["scores"] = "Score at least one area."
    return problems


@dataclass(frozen=True)
class AssessmentPoint:
    """One finalised assessment, as the distance-travelled figures need it."""

    on: dt.date
    scores: Mapping[str, int]  # area code -> the worker's (agreed) score; skipped areas absent


@dataclass(frozen=True)
class Distance:
    """How far one area has moved: first and latest scores and their difference."""

    code: str
    label: str
    first: int | None
    first_on: dt.date | None
    latest: int | None
    latest_on: dt.date | None

    @property
    def change(self) -> int | None:
        if self.first is None or self.latest is None:
            return None
        return self.latest - self.first


def distance_travelled(
    points: Sequence[AssessmentPoint], areas: Sequence[tuple[str, str]]
) -> list[Distance]:
    """For each area (code, label): its first and latest scores over the assessments, oldest
    first. An area skipped in an assessment is taken from the ones where it was scored."""
    ordered = sorted(points, key=lambda p: p.on)
    distances = []
    for code, label in areas:
        scored = [(p.on, p.scores[code]) for p in ordered if code in p.scores]
        first = scored[0] if scored else (None, None)
        latest = scored[-1] if scored else (None, None)
        distances.append(Distance(code, label, first[1], first[0], latest[1], latest[0]))
    return distances


# --- the barriers register --------------------------------------------------------------------


class BarrierStatus(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"  # taken to the programme's Executive Board
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _BARRIER_LABELS[self]


_BARRIER_LABELS: Mapping[BarrierStatus, str] = MappingProxyType(
    {
        BarrierStatus.OPEN: "Open",
        BarrierStatus.ESCALATED: "Escalated to the board",
        BarrierStatus.RESOLVED: "Resolved",
        BarrierStatus.CLOSED: "Closed",
    }
)
_B = BarrierStatus
BARRIER_TRANSITIONS: Mapping[BarrierStatus, frozenset[BarrierStatus]] = MappingProxyType(
    {
        _B.OPEN: frozenset({_B.ESCALATED, _B.RESOLVED, _B.CLOSED}),
        _B.ESCALATED: frozenset({_B.OPEN, _B.RESOLVED, _B.CLOSED}),
        _B.RESOLVED: frozenset({_B.OPEN, _B.CLOSED}),
        _B.CLOSED: frozenset({_B.OPEN}),  # the same barrier came back
    }
)


def barrier_problems(
    title: str,
    category: str,
    known_categories: Sequence[str],
    raised_on: dt.date | None,
    today: dt.date,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not title.strip():
        problems["title"] = "Give the barrier a short title the board will recognise."
    if category not in known_categories:
        problems["category"] = "Choose a category."
    if raised_on is None:
        problems["raised_on"] = "Enter the date the barrier was raised."
    elif raised_on > today:
        problems["raised_on"] = "The date raised is in the future."
    elif problem := year_problem(raised_on, today, "The date raised"):
        problems["raised_on"] = problem
    return problems


def barrier_transition_problem(
    old: BarrierStatus,
    new: BarrierStatus,
    resolution: str,
    resolved_on: dt.date | None,
    today: dt.date,
) -> str | None:
    """Why a barrier cannot move from ``old`` to ``new``; None when it can. Resolving or
    closing needs the resolution (what was done, or why it is closed) and its date."""
    if new == old:
        return f"The barrier is already {old.label.lower()}."
    if new not in BARRIER_TRANSITIONS[old]:
        return f"A barrier that is {old.label.lower()} cannot become {new.label.lower()}."
    if new in (_B.RESOLVED, _B.CLOSED):
        if not resolution.strip():
            return "Say how it was resolved, or why it is closed."
        if resolved_on is None:
            return "Enter the date it was resolved or closed."
        if resolved_on > today:
            return "The date resolved is in the future."
        if problem := year_problem(resolved_on, today, "The date resolved"):
            return problem
    return None
