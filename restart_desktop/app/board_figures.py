"""The board figures about barriers and reviews: the barriers table (only in the wording a
supervisor confirmed for the board, never a case's identifiers) and the days notes waited for
review."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from restart_desktop.domain.disclosure import Identifiers, KnownIdentifiers, identifier_problems
from restart_desktop.domain.figures import (
    ALL,
    Count,
    Grouping,
    Period,
    Summary,
    Table,
    Text,
    counted_in,
    groups_then_all,
    median_counted,
)
from restart_desktop.domain.outcomes import BarrierStatus
from restart_desktop.store.bulk import stored_instant
from restart_desktop.store.models import Barrier, Change, ContactNote, Person, Worker
from restart_desktop.store.queries import read_rows

NOT_CONFIRMED = "(no wording for the board confirmed yet)"


def board_wording(barrier: Barrier, people: Callable[[], KnownIdentifiers]) -> str:
    """What the board reads about a barrier: only the wording a supervisor confirmed for it,
    checked again now against ``people`` (a person added since may share a word with it);
    never the title or the description as typed."""
    wording = barrier.board_wording.strip()
    if not wording or barrier.board_wording_at is None:
        return NOT_CONFIRMED
    if identifier_problems(wording, people()):
        return "(wording for the board withheld: it may identify someone; write it again)"
    return wording


def identifiers(s: Session) -> list[Identifiers]:
    """Every person's names, prison number and CRN held on this laptop."""
    return [
        Identifiers((g, f, p), n, c)
        for g, f, p, n, c in read_rows(
            s,
            select(
                Person.given_name,
                Person.family_name,
                Person.preferred_name,
                Person.nomis_number,
                Person.crn,
            ),
        )
    ]


def barrier_tables(
    s: Session, period: Period, reference: Any, people: Callable[[], KnownIdentifiers]
) -> tuple[list[Table], Summary]:
    """``people``: every person's identifiers, asked for only when a wording for the board
    is to be checked against them."""
    categories = {c.code: c.label for c in reference.barrier_categories}
    barriers = list(s.scalars(select(Barrier).where(Barrier.raised_on <= period.end)))
    status = func.json_extract(Change.fields, "$.status")
    # By the barriers' own ids (a few dozen): by kind, SQLite read every person's creation.
    escalated_ids = set(
        s.scalars(
            select(Change.record_id).where(
                Change.record_id.in_([b.id for b in barriers]),
                Change.entity == "barriers",
                status == BarrierStatus.ESCALATED.value,
            )
        )
    )
    raised = [b for b in barriers if b.raised_on in period]
    escalated = _escalated(barriers, escalated_ids, period)
    listed = {b.id for b in escalated}
    counts = Counter((b.category, b.status) for b in raised)
    # A cell whose every barrier the board's list below shows (with its raised date,
    # category and status) is a count of that list: shown as it is (``Count.listed``).
    unlisted = Counter((b.category, b.status) for b in raised if b.id not in listed)
    rows = tuple(
        (
            Text(categories.get(category, category)),
            Text(BarrierStatus(state).label),
            Count(n, listed=not unlisted[category, state]),
        )
        for (category, state), n in sorted(counts.items())
    )
    by_category = Table(
        "barriers_by_category_status",
        "Barriers raised, by category and status",
        ("Category", "Status now", "Barriers"),
        rows,
        "Barriers raised in the period, by where they stand now.",
    )
    checked = functools.cache(people)
    board_rows = tuple(
        (
            Text(f"{b.raised_on:%d %b %Y}"),
            Text(board_wording(b, checked)),
            Text(categories.get(b.category, b.category)),
            Text(BarrierStatus(b.status).label),
            Text(f"{b.resolved_on:%d %b %Y}" if b.resolved_on else ""),
        )
        for b in escalated
    )
    board = Table(
        "barriers_escalated",
        "Barriers escalated to the board",
        ("Raised", "Barrier", "Category", "Status now", "Resolved"),
        board_rows,
        "Every barrier taken to the board that was still open during the "
        "period, in the words a supervisor confirmed for the board.",
    )
    summary: Summary = [
        ("barriers_raised", Count(len(raised))),
        # The number of rows of the list above: the board counts them, so it is never "<5".
        ("barriers_escalated", Count(len(escalated), listed=True)),
    ]
    return [by_category, board], summary


def _escalated(barriers: list[Barrier], escalated_ids: set[str], period: Period) -> list[Barrier]:
    """The barriers the board's list shows: taken to the board at some time, and still open
    during the period."""
    return sorted(
        (
            b
            for b in barriers
            if b.id in escalated_ids
            and (
                b.status in (BarrierStatus.OPEN, BarrierStatus.ESCALATED)
                or (b.resolved_on or b.raised_on) >= period.start
            )
        ),
        key=lambda b: (b.raised_on, b.id),
    )


#: The notes signed off in a period: whose they are, the days from the contact to the
#: sign-off, and how many waited each such time. From the summary table SQLite keeps
#: (``store.summaries``: a join of the sign-offs to their notes, one lookup each, was most
#: of the figures' time), counted by SQLite: the tens of thousands of sign-offs of a quarter
#: at 10,000 cases waited a few hundred different times, and a row handed to Python cost
#: more than SQLite's work on it.
_REVIEW_WAITS = text(
    "SELECT worker_id, waited, count(*) FROM review_waits "
    "WHERE at >= :start AND at < :end GROUP BY worker_id, waited"
)


def review_table(s: Session, period: Period, group: Grouping) -> tuple[Table, Summary]:
    start, end = period.starts_at, period.ends_before
    finalised: Counter[str] = Counter()
    # Counted per worker of the team (every note's worker is one: a foreign key), each a
    # range of the (worker, contact time) index: grouping a quarter's notes by worker made
    # SQLite sort tens of thousands of them.
    written = (
        select(func.count())
        .where(
            ContactNote.worker_id == Worker.id,
            ContactNote.contact_at >= start,
            ContactNote.contact_at < end,
        )
        .correlate(Worker)
        .scalar_subquery()
    )
    for worker_id, n in read_rows(s, select(Worker.id, written)):
        if n:  # a worker with no notes in the period has no row, as in a count by worker
            for name in counted_in(group(worker_id)):
                finalised[name] += n
    reviewed: Counter[str] = Counter()
    days: dict[str, Counter[float]] = defaultdict(Counter)  # days waited: how many notes
    for writer, waited, times in read_rows(
        s,
        _REVIEW_WAITS,
        {"start": stored_instant(start), "end": stored_instant(end)},
    ):
        for name in counted_in(group(writer)):
            reviewed[name] += times
            days[name][max(0.0, waited)] += times
    keys = set(finalised) | set(reviewed)
    rows = tuple(
        (Text(name), Count(finalised[name]), Count(reviewed[name]), median_counted(days[name]))
        for name in groups_then_all(keys)
    )
    table = Table(
        "notes_reviewed",
        "Contact notes reviewed",
        ("Group", "Contact notes", "Notes reviewed", "Median days to review"),
        rows,
        "Contact notes of contacts in the period, and notes signed off in the period "
        "with the days from the contact to its sign-off.",
    )
    return table, [
        ("contact_notes", Count(finalised[ALL])),
        ("notes_reviewed", Count(reviewed[ALL])),
        ("notes_median_days_to_review", median_counted(days[ALL])),
    ]
