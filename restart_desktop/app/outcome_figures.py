"""Figures for outcomes: the distance travelled on each outcome area, and the outcomes that
last (issue 23): closures by reason, returns to custody within 3, 6 and 12 months of release,
follow-up checks at 4 and 12 weeks, Friday-afternoon releases, and needs at referral against
needs at closure. Tables of ``domain.figures``: the board pack
suppresses them like the others (``domain.disclosure``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

import orjson
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.custody import WINDOWS_MONTHS, CustodyKind, add_months, within
from restart_desktop.domain.figures import Cell, Count, Period, Share, Table, Text, mean
from restart_desktop.domain.follow_up import Answer
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.domain.release import is_friday
from restart_desktop.store.models import (
    Assessment,
    Change,
    CustodyReturn,
    FollowUpCheck,
    Person,
    ReleasePlan,
)
from restart_desktop.store.queries import read_rows

Summary = list[tuple[str, Cell]]
IDS_PER_QUERY = 500  # ids bound in one IN list, well under SQLite's limit
AFTERNOON = "12:00"  # a release after this time is a Friday-afternoon release


class _Closed(NamedTuple):
    id: str
    status: str
    closure_reason: str
    needs: list[str]


class _Check(NamedTuple):
    check_code: str
    accommodation: str
    treatment: str
    universal_credit: str
    gp: str
    ete: str


def outcome_tables(
    s: Session,
    period: Period,
    reference: ReferenceData,
    closed_ids: set[str],
    first_needs: dict[str, list[str]],
) -> tuple[list[Table], Summary]:
    """``closed_ids``: cases whose status moved to Closed in the period; ``first_needs``: the
    needs each case had when first recorded."""
    closed = [
        p
        for p in map(
            _Closed._make,
            read_rows(
                s,
                select(Person.id, Person.status, Person.closure_reason, Person.needs).where(
                    Person.id.in_(closed_ids)
                ),
            ),
        )
        if p.status == CaseStatus.CLOSED.value
    ]
    tables = [
        _closures(closed, reference),
        _returns(s, period),
        _checks(s, period, reference),
        _friday(s, period),
        _needs(closed, first_needs, reference),
    ]
    summary: Summary = [("cases_closed", Count(len(closed)))]
    return tables, summary


def _closures(closed: list[_Closed], reference: ReferenceData) -> Table:
    reasons = Counter(p.closure_reason for p in closed)
    rows = tuple(
        (Text(r.label), Count(reasons[r.code]))
        for r in reference.closure_reasons
        if reasons[r.code]
    )
    if reasons[""]:
        rows += ((Text("Not recorded (closed before reasons were asked)"), Count(reasons[""])),)
    return Table(
        "closures_by_reason",
        "Cases closed, by reason",
        ("Reason", "Cases closed"),
        rows,
        "Cases whose status moved to Closed during the period.",
        chart="bar",
    )


def _releases(s: Session) -> list[tuple[str, dt.date]]:
    """Every recorded release: (person, day)."""
    return [
        (pid, day)
        for pid, day in read_rows(
            s,
            select(ReleasePlan.person_id, ReleasePlan.release_date).where(
                ReleasePlan.outcome_recorded_at.is_not(None)
            ),
        )
        if day is not None
    ]


def first_needs(s: Session, case_ids: Collection[str] | None = None) -> dict[str, list[str]]:
    """The needs in each case's first recorded change that names them: needs at referral.
    Of every case, or of ``case_ids`` only (the figures need the cases closed in the period:
    a few hundred changes read by their record's index, not every person's)."""
    found: dict[str, list[str]] = {}
    # Ordered here, not in SQL: ORDER BY hlc made SQLite walk the clock index of the whole
    # log; without it the people's changes come from the figures' partial index.
    # Only the needs, as JSON text: the whole fields of every person's creation cost a
    # JSON document each to read.
    needs = func.json_extract(Change.fields, "$.needs")
    query = select(
        Change.hlc, Change.record_id, func.json_type(Change.fields, "$.needs"), needs
    ).where(Change.entity == "people", func.json_type(Change.fields, "$.needs").is_not(None))
    if case_ids is None:
        rows = list(read_rows(s, query))
    else:
        ids = sorted(case_ids)
        rows = [
            row
            for start in range(0, len(ids), IDS_PER_QUERY)
            for row in read_rows(
                s, query.where(Change.record_id.in_(ids[start : start + IDS_PER_QUERY]))
            )
        ]
    for _hlc, record_id, kind, value in sorted(rows, key=lambda row: row[0]):
        if record_id not in found:
            found[record_id] = list(orjson.loads(value)) if kind == "array" else []
    return found


def _returns(s: Session, period: Period) -> Table:
    """For each window: people whose window after a recorded release ended in the period,
    and how many of them went back into custody within it (by kind of the first return)."""
    backs: dict[str, list[tuple[dt.date, str]]] = defaultdict(list)
    for pid, day, kind in read_rows(
        s, select(CustodyReturn.person_id, CustodyReturn.returned_on, CustodyReturn.kind)
    ):
        backs[pid].append((day, kind))
    rows: list[tuple[Cell, ...]] = []
    releases = _releases(s)
    days = {day for _pid, day in releases}  # a few hundred release days among thousands
    for months in WINDOWS_MONTHS:
        cohort = 0
        kinds: Counter[str] = Counter()
        window_ends = {day: add_months(day, months) - dt.timedelta(days=1) for day in days}
        for pid, released in releases:
            if window_ends[released] not in period:
                continue
            cohort += 1
            first = sorted(b for b in backs[pid] if within(released, b[0], months))
            if first:
                kinds[first[0][1]] += 1
        back = sum(kinds.values())
        rows.append(
            (
                Text(f"Within {months} months"),
                Count(cohort),
                Count(back),
                Share(back, cohort),
                *(Count(kinds[k.value]) for k in CustodyKind),
            )
        )
    return Table(
        "returns_to_custody",
        "Returns to custody after release",
        (
            "Window",
            "People whose window ended",
            "Returned",
            "Returned (share)",
            "Recall",
            "Remand",
            "New sentence",
        ),
        tuple(rows),
        "People released whose 3, 6 or 12 months after release ended during the period, and "
        "how many went back into custody within them (by the first return's kind).",
    )


def _checks(s: Session, period: Period, reference: ReferenceData) -> Table:
    labels = {k.code: k.label for k in reference.follow_up_checks}
    rows: list[tuple[Cell, ...]] = []
    checks: dict[str, list[Any]] = defaultdict(list)
    for check in map(
        _Check._make,
        read_rows(
            s,
            select(
                FollowUpCheck.check_code,
                FollowUpCheck.accommodation,
                FollowUpCheck.treatment,
                FollowUpCheck.universal_credit,
                FollowUpCheck.gp,
                FollowUpCheck.ete,
            ).where(FollowUpCheck.due_on >= period.start, FollowUpCheck.due_on <= period.end),
        ),
    ):
        checks[check.check_code].append(check)
    for code, label in labels.items():
        done = checks[code]
        if not done:
            continue
        housed = [c for c in done if FirstNight(c.accommodation).housed]
        treated = [c for c in done if c.treatment != Answer.NOT_APPLICABLE.value]
        rows.append(
            (
                Text(label),
                Count(len(done)),
                Share(len(housed), len(done)),
                Share(
                    sum(1 for c in done if c.accommodation == FirstNight.SETTLED.value), len(done)
                ),
                Share(sum(1 for c in done if c.universal_credit == Answer.YES.value), len(done)),
                Share(sum(1 for c in treated if c.treatment == Answer.YES.value), len(treated)),
                Share(sum(1 for c in done if c.gp == Answer.YES.value), len(done)),
                Share(sum(1 for c in done if c.ete == Answer.YES.value), len(done)),
            )
        )
    return Table(
        "follow_up_checks",
        "Follow-up checks after release",
        (
            "Check",
            "Checks recorded",
            "Housed",
            "Settled",
            "Universal Credit in payment",
            "In treatment (where a need)",
            "Registered with a GP",
            "Education, training or work",
        ),
        tuple(rows),
        "Checks due in the period. Housed: every accommodation except rough sleeping and not "
        "known. Answers of 'not known' count as not yes.",
    )


def _friday(s: Session, period: Period) -> Table:
    plans = [
        (day, time or "")
        for day, time in read_rows(
            s,
            select(ReleasePlan.release_date, ReleasePlan.release_time).where(
                ReleasePlan.outcome_recorded_at.is_not(None),
                ReleasePlan.release_date >= period.start,
                ReleasePlan.release_date <= period.end,
            ),
        )
        if day is not None
    ]
    friday = [p for p in plans if is_friday(p[0])]
    afternoon = [p for p in friday if p[1] > AFTERNOON]
    timed = [p for p in friday if p[1]]
    row = (
        Text("All"),
        Count(len(plans)),
        Share(len(friday), len(plans)),
        Share(len(afternoon), len(plans)),
        Share(len(afternoon), len(timed)),
    )
    return Table(
        "friday_releases",
        "Friday and Friday-afternoon releases",
        (
            "Group",
            "Releases",
            "On a Friday",
            "Friday after 12:00",
            "Of Friday releases with a time, after 12:00",
        ),
        (row,),
        "Releases recorded in the period; a release time after 12:00 on a Friday is "
        "the Friday afternoon the panel asked about.",
    )


def _needs(closed: list[_Closed], first: dict[str, list[str]], reference: ReferenceData) -> Table:
    at_referral = Counter(n for p in closed for n in first.get(p.id, p.needs or []))
    at_closure = Counter(n for p in closed for n in p.needs or [])
    rows = tuple(
        (Text(n.label), Count(at_referral[n.code]), Count(at_closure[n.code]))
        for n in reference.needs
        if at_referral[n.code] or at_closure[n.code]
    )
    return Table(
        "needs_referral_closure",
        "Needs at referral and at closure",
        ("Need", "At referral", "At closure"),
        rows,
        "Cases closed in the period: the needs recorded when each was first recorded, "
        "and those still recorded when it closed.",
    )


def distance_travelled(s: Session, period: Period, reference: Any) -> Table:
    """Distance travelled per area: for each person with two or more finalised assessments
    scoring the area by the end of the period, latest score minus first."""
    #: (person, day, reading order, areas scored, their scores): tuples of plain values,
    #: which the cyclic garbage collector stops tracking (dicts and lists it never does).
    points: list[tuple[str, dt.date, int, tuple[str, ...], tuple[int, ...]]] = []
    labels: dict[str, str] = {a.code: a.label for a in reference.outcome_areas}
    # Only the people assessed during the period (the others bring no news of their
    # journey): their scores are JSON documents, each costly to read.
    assessed = (
        select(Assessment.person_id)
        .where(
            Assessment.finalised_at.is_not(None),
            Assessment.assessed_on >= period.start,
            Assessment.assessed_on <= period.end,
        )
        .scalar_subquery()
    )
    # The scores as the JSON text stored, each parsed as its assessment is read: parsed all
    # at once, the 50,000 dicts of a quarter lived together and set off the cyclic garbage
    # collector's full passes over the whole heap.
    for order, (person_id, on, stored) in enumerate(
        read_rows(
            s,
            select(
                Assessment.person_id,
                Assessment.assessed_on,
                type_coerce(Assessment.scores, String),
            ).where(
                Assessment.finalised_at.is_not(None),
                Assessment.assessed_on <= period.end,
                Assessment.person_id.in_(assessed),
            ),
        )
    ):
        scored: dict[str, int] = {}
        for area in (None if stored is None else orjson.loads(stored)) or ():
            worker = area.get("worker")
            if worker is not None and not area.get("skipped"):
                code = str(area["code"])
                scored[code] = int(worker)
                if code not in labels:  # a label made for each score cost more than the rest
                    labels[code] = str(area.get("label", area["code"]))
        points.append((person_id, on, order, tuple(scored), tuple(scored.values())))
    # Each person's assessments by day, one day's in the order read (the reading order
    # breaks ties). The people's order changes no figure: each adds whole numbers.
    points.sort(key=itemgetter(0, 1, 2))
    changes: dict[str, list[float]] = defaultdict(list)
    for _person, found in groupby(points, key=itemgetter(0)):
        assessments = list(found)
        if assessments[-1][1] < period.start:
            continue  # not assessed during the period: no news of their journey
        # Each area's first and latest score and how many, by whole assessments (dict and
        # Counter updates, not a step per score: 50,000 scores in a quarter at 10,000
        # cases). The latest assessment scoring an area is the last to set it; the first,
        # going backwards.
        first: dict[str, int] = {}
        latest: dict[str, int] = {}
        scored_times: Counter[str] = Counter()
        for *_when, codes, scores in assessments:
            latest.update(zip(codes, scores, strict=True))
            scored_times.update(codes)
        for *_when, codes, scores in reversed(assessments):
            first.update(zip(codes, scores, strict=True))
        for code in labels:
            if scored_times[code] >= 2:
                changes[code].append(float(latest[code] - first[code]))
    rows = tuple(
        (
            Text(labels[code]),
            Count(len(changes[code])),
            mean(changes[code]),
            Count(sum(1 for c in changes[code] if c > 0)),
            Count(sum(1 for c in changes[code] if c < 0)),
        )
        for code in labels
        if changes[code]
    )
    return Table(
        "outcomes",
        "Outcome distance travelled, by area",
        ("Area", "People", "Average change", "Moved up", "Moved down"),
        rows,
        "People assessed during the period with at least two finalised scores in the "
        "area: latest score minus first (1-10 scale).",
        chart="bar",
    )
