"""The programme's figures for a period, by partner organisation or worker: cases, releases,
release day, referrals, outcomes, barriers and reviews (``domain.figures`` tables). What the
supervisor sees in the app and what the board pack and ``restart-desktop report`` write.

How each figure is counted is said in its table's note (the board reads it too). A record
counts for the worker it belongs to: a case and its releases and outcomes for the worker it is
allocated to, a referral or a barrier for whoever made it, a note for whoever wrote it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterator
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import String, case, func, literal_column, select
from sqlalchemy.orm import Session

from restart_desktop.app.audit import record
from restart_desktop.app.board_figures import barrier_tables, review_table
from restart_desktop.app.errors import UserError
from restart_desktop.app.intake_figures import intake_tables
from restart_desktop.app.outcome_figures import distance_travelled, first_needs, outcome_tables
from restart_desktop.app.permissions import allowed
from restart_desktop.app.session import AppSession
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import OUT_STATUSES, CaseStatus, ReferralSource
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.disclosure import KnownIdentifiers
from restart_desktop.domain.figures import (
    ALL,
    Cell,
    Count,
    Figures,
    Grouping,
    Period,
    Share,
    Summary,
    Table,
    Text,
    counted_in,
    groups_then_all,
    median,
    week_of,
)
from restart_desktop.domain.referrals import ReferralStatus
from restart_desktop.domain.release import is_day_before_bank_holiday, is_friday
from restart_desktop.domain.roles import Permission
from restart_desktop.store.models import (
    STATUS_MOVED_TO,
    Change,
    Person,
    Referral,
    ReferralEvent,
    ReleasePlan,
    Worker,
)
from restart_desktop.store.queries import read_rows

GROUPINGS = {"programme": "Programme", "organisation": "Partner organisation", "worker": "Worker"}
#: What the figures are broken down by unless the user chooses: the window opens on it and
#: ``restart-desktop report`` writes it without ``--by`` (administrators script against both).
DEFAULT_GROUPING = "programme"

#: A service's first answer to a referral: the end of "days to acknowledgement".
ANSWERS = frozenset(
    {
        ReferralStatus.ACKNOWLEDGED,
        ReferralStatus.ACCEPTED,
        ReferralStatus.DECLINED,
        ReferralStatus.APPOINTMENT_BOOKED,
    }
)
#: Which summary metric a table's column adds up to (its total row, or its rows when it has
#: none): disclosure control protects a hidden number across the pack's tables with these.
PACK_TOTALS: dict[tuple[str, int], str] = {
    ("cases", 1): "cases_recommended",
    ("cases", 2): "cases_accepted",
    ("cases", 3): "cases_engaged_in_custody",
    ("cases", 4): "cases_released",
    ("recommended_by_source", 1): "cases_recommended",
    ("releases_by_week", 1): "releases",
    ("releases_by_week", 2): "releases_on_friday",
    ("releases_by_week", 3): "releases_before_bank_holiday",
    ("releases_by_week", 4): "met_at_gate",
    ("release_day", 1): "releases",
    ("release_day", 4): "met_at_gate",
    ("release_day", 6): "housed_first_night",
    ("first_night", 1): "releases",
    ("referrals_by_category_status", 2): "referrals_made",
    ("referrals_acknowledgement", 1): "referrals_made",
    ("barriers_by_category_status", 2): "barriers_raised",
    ("notes_reviewed", 1): "contact_notes",
    ("notes_reviewed", 2): "notes_reviewed",
    ("closures_by_reason", 1): "cases_closed",
}
Progress = Callable[[int, int], None]
Rows = tuple[tuple[Cell, ...], ...]


#: Every person's columns the figures read, in one pass: what the case figures count by, the
#: release dates the intake's eligibility screen needs, and the identifiers the barriers'
#: wording for the board is checked against (each was a read of the whole table).
_PEOPLE = (
    Person.id,
    Person.referral_source,
    Person.referral_date,
    # Read only where it counts (no recommendation date): each instant read costs a
    # datetime made for it, and most cases have their date.
    case((Person.referral_date.is_(None), Person.created_at)).label("created_at"),
    Person.allocated_worker_id,
    Person.status,
    Person.release_date,
    Person.given_name,
    Person.family_name,
    Person.preferred_name,
    Person.nomis_number,
    Person.crn,
)
_AT = {name: n for n, name in enumerate(select(*_PEOPLE).selected_columns.keys())}


class _Release(NamedTuple):  # a tuple of plain values: no work for the cyclic collector
    person_id: str
    day: dt.date
    met: bool | None
    first_night: str


class FiguresService:
    def __init__(self, session: AppSession) -> None:
        self._app = session
        self._db = session.db
        self._reference = session.reference

    @property
    def session(self) -> AppSession:
        return self._app

    @property
    def clock(self) -> Clock:
        """The session's clock: the window's default period follows its day."""
        return self._app.clock

    def report(
        self, period: Period, group_by: str = "organisation", progress: Progress | None = None
    ) -> Figures:
        """The figures for the board pack: a supervisor's laptop only (a worker's holds only
        their own cases, so its figures would be a part taken for the whole)."""
        if not allowed(self._app, Permission.SUPERVISE):
            raise UserError(
                "The board pack is made on a supervisor's laptop, which holds every "
                "case of the team."
            )
        if group_by == "worker":
            raise UserError(
                "The board pack names no one: break it down by partner organisation or not at all."
            )
        figures = self.figures(period, group_by, progress)
        record(self._app, AuditAction.EXPORTED, None, f"board pack, {period.label}")
        return figures

    def figures(
        self, period: Period, group_by: str = "programme", progress: Progress | None = None
    ) -> Figures:
        """Work out every table for ``period`` (grouped by ``group_by``: programme,
        organisation or worker). Reads only; safe on a background thread."""
        if group_by not in GROUPINGS:
            raise ValueError(f"unknown grouping {group_by!r}")
        steps = 7
        tick = progress or (lambda _done, _total: None)
        with self._db.read() as s:
            workers = {w.id: (w.name, w.organisation_code) for w in s.scalars(select(Worker))}
            organisations = {o.code: o.name for o in self._reference.organisations}

            def group(worker_id: str | None) -> str:
                if group_by == "programme":
                    return ALL
                name, organisation = workers.get(worker_id or "", ("Unallocated", ""))
                if group_by == "worker":
                    return name
                return organisations.get(organisation, organisation or "Unallocated")

            period = period.on(self._app.clock.zone)  # the session's days, on any laptop
            people = _read_people(s, period)
            tick(1, steps)
            releases = _releases(s, period, people.status)
            moves = _status_moves(s, period)
            cases, sources, case_summary = _cases(
                period, people, group, moves, {r.person_id for r in releases}
            )
            tick(2, steps)
            release_tables, release_summary = _release_tables(
                releases, people.owner, group, self._reference.bank_holiday_dates
            )
            tick(3, steps)
            referral_tables, referral_summary = _referrals(s, period, self._reference)
            tick(4, steps)
            outcomes = distance_travelled(s, period, self._reference)
            tick(5, steps)
            barriers, barrier_summary = barrier_tables(
                s, period, self._reference, lambda: _identifiers(people.rows)
            )
            tick(6, steps)
            reviews, review_summary = review_table(s, period, group)
            intake, intake_summary = intake_tables(s, period, self._reference, people.release_date)
            closed = moves.get(CaseStatus.CLOSED.value, set())
            lasting, lasting_summary = outcome_tables(
                s, period, self._reference, closed, first_needs(s, closed)
            )
            tick(7, steps)
        tables = (
            cases,
            sources,
            *intake,
            *release_tables,
            *referral_tables,
            outcomes,
            *barriers,
            reviews,
            *lasting,
        )
        summary = (
            *case_summary,
            *intake_summary,
            *release_summary,
            *referral_summary,
            *review_summary,
            *barrier_summary,
            *lasting_summary,
        )
        return Figures(
            period, group_by, tuple(tables), tuple(summary), made_at=self._app.clock.now()
        )


class _People(NamedTuple):
    """Every case's columns the figures count by, by case id (plain dicts of plain values:
    nothing for the cyclic garbage collector to walk), and the rows as read."""

    owner: dict[str, str | None]
    status: dict[str, str]
    release_date: dict[str, dt.date | None]
    #: The day the case was recommended: its recommendation date, or the day it was recorded.
    recommended_on: dict[str, dt.date]
    source: dict[str, str]
    rows: list[tuple[Any, ...]]


def _read_people(s: Session, period: Period) -> _People:
    people = _People({}, {}, {}, {}, {}, read_rows(s, select(*_PEOPLE)))
    for pid, source, referral_date, created_at, owner, status, release, *_names in people.rows:
        people.owner[pid] = owner
        people.status[pid] = status
        people.release_date[pid] = release
        people.recommended_on[pid] = referral_date or period.day_of(created_at)
        people.source[pid] = source
    return people


def _identifiers(people: Collection[Any]) -> KnownIdentifiers:
    def column(name: str) -> Iterator[str]:
        # Each column of the rows as read, by its position in _PEOPLE.
        return map(itemgetter(_AT[name]), people)

    return KnownIdentifiers.made(
        chain(column("given_name"), column("family_name"), column("preferred_name")),
        column("nomis_number"),
        column("crn"),
    )


def _status_moves(s: Session, period: Period) -> dict[str, set[str]]:
    """Per status: the cases that moved to it during the period (from the change log's
    ``ix_changes_figures`` alone: it holds the status in the very words said here)."""
    start, end = period.starts_at, period.ends_before
    status = literal_column(STATUS_MOVED_TO, String)
    moved: dict[str, set[str]] = defaultdict(set)
    for record_id, value in read_rows(
        s,
        select(Change.record_id, status).where(
            Change.entity == "people",
            status.is_not(None),
            Change.recorded_at >= start,
            Change.recorded_at < end,
        ),
    ):
        moved[str(value)].add(record_id)
    return moved


def _cases(
    period: Period,
    people: _People,
    group: Grouping,
    status_moves: dict[str, set[str]],
    released: set[str],
) -> tuple[Table, Table, Summary]:
    recommended = [pid for pid, day in people.recommended_on.items() if day in period]
    moves = {**status_moves, CaseStatus.RELEASED.value: released}  # counted like the releases
    columns = (
        "recommended",
        CaseStatus.ACCEPTED.value,
        CaseStatus.ENGAGED_IN_CUSTODY.value,
        CaseStatus.RELEASED.value,
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for pid in recommended:
        for name in counted_in(group(people.owner[pid])):
            counts[name]["recommended"] += 1
    for status in columns[1:]:
        for pid in moves.get(status, ()):
            if pid in people.owner:
                for name in counted_in(group(people.owner[pid])):
                    counts[name][status] += 1
    rows: Rows = tuple(
        (Text(name), *(Count(counts[name][c]) for c in columns)) for name in groups_then_all(counts)
    )
    cases = Table(
        "cases",
        "Cases",
        ("Group", "Recommended", "Accepted", "Engaged in custody", "Released"),
        rows,
        "Recommended: the recommendation date falls in the period. Accepted and engaged: the "
        "case's status moved to it during the period. Released: released during the period "
        "(see Release day).",
        chart="bar",
    )
    by_source = Counter(people.source[pid] or "" for pid in recommended)
    labels = {s.value: s.label for s in ReferralSource}
    source_rows = tuple(
        (Text(labels.get(code, "Not recorded")), Count(by_source[code]))
        for code in [*labels, ""]
        if by_source[code]
    )
    sources = Table(
        "recommended_by_source",
        "Recommendations by source",
        ("Source", "Cases recommended"),
        source_rows,
        "Self-recommendation is the prisoner's own request.",
        chart="bar",
    )
    summary: Summary = [
        ("cases_recommended", Count(len(recommended))),
        ("cases_self_recommended", Count(by_source[ReferralSource.SELF_RECOMMENDATION.value])),
        ("cases_accepted", Count(counts[ALL][CaseStatus.ACCEPTED.value])),
        ("cases_engaged_in_custody", Count(counts[ALL][CaseStatus.ENGAGED_IN_CUSTODY.value])),
    ]
    return cases, sources, summary


def _releases(s: Session, period: Period, status: dict[str, str]) -> list[_Release]:
    """Releases in the period: a release plan dated in it whose case has reached Released
    (``status``: each case's status, by id)."""
    found = []
    for person_id, day, met, first_night in read_rows(
        s,
        select(
            ReleasePlan.person_id,
            ReleasePlan.release_date,
            ReleasePlan.met_at_gate,
            ReleasePlan.first_night,
        ).where(ReleasePlan.release_date >= period.start, ReleasePlan.release_date <= period.end),
    ):
        if status.get(person_id) in OUT_STATUSES and day is not None:
            found.append(_Release(person_id, day, met, first_night or ""))
    return found


def _release_tables(
    releases: list[_Release],
    owner: dict[str, str | None],
    group: Grouping,
    holidays: frozenset[dt.date],
) -> tuple[list[Table], Summary]:
    friday = [r for r in releases if is_friday(r.day)]
    before_holiday = [r for r in releases if is_day_before_bank_holiday(r.day, holidays)]
    met = [r for r in releases if r.met]
    housed = [r for r in releases if r.first_night and FirstNight(r.first_night).housed]
    weeks: dict[dt.date, list[_Release]] = defaultdict(list)
    for release in releases:
        weeks[week_of(release.day)].append(release)
    week_rows = tuple(
        (
            Text(f"{week:%d %b %Y}"),
            Count(len(rows)),
            Count(sum(1 for r in rows if is_friday(r.day))),
            Count(sum(1 for r in rows if is_day_before_bank_holiday(r.day, holidays))),
            Count(sum(1 for r in rows if r.met)),
        )
        for week, rows in sorted(weeks.items())
    )
    by_week = Table(
        "releases_by_week",
        "Releases per week",
        (
            "Week starting",
            "Releases",
            "On a Friday",
            "Day before a bank holiday",
            "Met at the gate",
        ),
        week_rows,
        "A release: a release plan dated in the period whose case has reached Released.",
        chart="bar",
    )
    groups: dict[str, list[_Release]] = defaultdict(list)
    for release in releases:
        for name in counted_in(group(owner.get(release.person_id))):
            groups[name].append(release)
    day_rows = []
    for name in groups_then_all(groups):
        rows = groups[name]
        day_rows.append(
            (
                Text(name),
                Count(len(rows)),
                Share(sum(1 for r in rows if is_friday(r.day)), len(rows)),
                Share(
                    sum(1 for r in rows if is_day_before_bank_holiday(r.day, holidays)), len(rows)
                ),
                Count(sum(1 for r in rows if r.met)),
                Share(sum(1 for r in rows if r.met), len(rows)),
                Count(sum(1 for r in rows if r.first_night and FirstNight(r.first_night).housed)),
            )
        )
    release_day = Table(
        "release_day",
        "Release day",
        (
            "Group",
            "Releases",
            "On a Friday",
            "Day before a bank holiday",
            "Met at the gate",
            "Met at the gate (share)",
            "Housed on the first night",
        ),
        tuple(day_rows),
        "Housed on the first night: every accommodation except rough sleeping; not recorded "
        "and unknown do not count.",
    )
    nights = Counter(r.first_night for r in releases)
    night_rows = tuple(
        (
            Text(FirstNight(code).label if code else "Not recorded"),
            Count(nights[code]),
            Share(nights[code], len(releases)),
        )
        for code in [*(f.value for f in FirstNight), ""]
        if nights[code]
    )
    first_night = Table(
        "first_night",
        "First night, by accommodation type",
        ("Accommodation", "Releases", "Share"),
        night_rows,
        chart="bar",
    )
    summary: Summary = [
        ("cases_released", Count(len({r.person_id for r in releases}))),
        ("releases", Count(len(releases))),
        ("releases_on_friday", Count(len(friday))),
        ("releases_before_bank_holiday", Count(len(before_holiday))),
        ("met_at_gate", Count(len(met))),
        ("housed_first_night", Count(len(housed))),
    ]
    return [by_week, release_day, first_night], summary


def _referrals(s: Session, period: Period, reference: Any) -> tuple[list[Table], Summary]:
    referrals = read_rows(
        s,
        select(
            Referral.id, Referral.category, Referral.status, Referral.sent_on, Referral.created_by
        ).where(
            Referral.made_on >= period.start,
            Referral.made_on <= period.end,
            Referral.status != ReferralStatus.DRAFT.value,
        ),
    )
    # Each referral's first answer, in one statement joined to the same referrals (it was
    # one IN list of 500 ids after another: a dozen statements at 10,000 cases).
    answered: dict[str, dt.date] = {
        referral_id: period.day_of(at)
        for referral_id, at in read_rows(
            s,
            select(ReferralEvent.referral_id, func.min(ReferralEvent.at))
            .join(Referral, Referral.id == ReferralEvent.referral_id)
            .where(
                Referral.made_on >= period.start,
                Referral.made_on <= period.end,
                Referral.status != ReferralStatus.DRAFT.value,
                ReferralEvent.to_status.in_([a.value for a in ANSWERS]),
            )
            .group_by(ReferralEvent.referral_id),
        )
    }
    needs = {n.code: n.label for n in reference.needs}
    by_category_status = Counter((category, status) for _id, category, status, *_ in referrals)
    rows = tuple(
        (Text(needs.get(category, category)), Text(ReferralStatus(status).label), Count(n))
        for (category, status), n in sorted(
            by_category_status.items(),
            key=lambda kv: (
                needs.get(kv[0][0], kv[0][0]),
                list(ReferralStatus).index(ReferralStatus(kv[0][1])),
            ),
        )
    )
    by_status = Table(
        "referrals_by_category_status",
        "Referrals by service category and status",
        ("Service category", "Status now", "Referrals"),
        rows,
        "Referrals made in the period (drafts not counted), by where they stand now.",
    )
    days: dict[str, list[float]] = defaultdict(list)
    made: Counter[str] = Counter()
    for referral_id, category, _status, sent_on, _by in referrals:
        for name in counted_in(needs.get(category, category)):
            made[name] += 1
            if sent_on and referral_id in answered:
                days[name].append(float((answered[referral_id] - sent_on).days))
    ack_rows = tuple(
        (Text(name), Count(made[name]), Count(len(days[name])), median(days[name]))
        for name in groups_then_all(made)
    )
    acknowledgement = Table(
        "referrals_acknowledgement",
        "Days to acknowledgement, by service category",
        ("Service category", "Referrals made", "Answered", "Median days to acknowledgement"),
        ack_rows,
        "From the day the referral was sent to the service's first answer (acknowledged, "
        "accepted, declined or an appointment booked).",
    )
    summary: Summary = [
        ("referrals_made", Count(len(referrals))),
        ("referrals_median_days_to_acknowledgement", median(days[ALL])),
    ]
    return [by_status, acknowledgement], summary
