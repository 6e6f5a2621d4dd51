"""The programme's figures as tables: what a cell holds, and how it is shown in the app and in
the board pack, where small numbers are suppressed.

A board pack leaves the team (the board, commissioners, evaluators): aggregate figures only,
and any count from 1 to 4 is shown as "<5", as are shares and medians worked out from fewer
than five, so that nobody can be recognised from a small group. One kind of count is shown as
it is: a count of things the pack lists one by one (the barriers escalated to the board, each
in the wording a supervisor confirmed for it). The board can count the list, so "<5" beside
it would hide nothing and only contradict it; and it counts the team's problems, not people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from restart_desktop.domain.clock import at_local, local_date, system_now

SMALL = 5  # counts below this (but above 0) are not shown in a board pack
SUPPRESSED = "<5"


@dataclass(frozen=True)
class Count:
    n: int
    #: A count of things the pack lists one by one (``listed``): never suppressed, and
    #: never hidden to protect another number (the list would give it back).
    listed: bool = False


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole``, shown as a percentage."""

    part: int
    whole: int


@dataclass(frozen=True)
class Stat:
    """A median or mean (``value``) worked out from ``n`` values."""

    value: float | None
    n: int
    decimals: int = 1


@dataclass(frozen=True)
class Text:
    text: str


Cell = Count | Share | Stat | Text


def shown(cell: Cell, suppress: bool) -> str:
    """The cell as text; with ``suppress`` (a board pack) small numbers become "<5"."""
    if isinstance(cell, Text):
        return cell.text
    if isinstance(cell, Count):
        if suppress and not cell.listed and 0 < cell.n < SMALL:
            return SUPPRESSED
        return str(cell.n)
    if isinstance(cell, Share):
        if cell.whole == 0:
            return "–"
        if suppress and (0 < cell.part < SMALL or cell.whole < SMALL):
            return SUPPRESSED
        return f"{round(100 * cell.part / cell.whole)}%"
    if cell.value is None or cell.n == 0:
        return "–"
    if suppress and cell.n < SMALL:
        return SUPPRESSED
    return f"{cell.value:.{cell.decimals}f}"


def number(cell: Cell) -> float | None:
    """The cell's value for a chart (None when there is none)."""
    if isinstance(cell, Count):
        return float(cell.n)
    if isinstance(cell, Share):
        return 100 * cell.part / cell.whole if cell.whole else None
    if isinstance(cell, Stat):
        return cell.value
    return None


@dataclass(frozen=True)
class Table:
    name: str  # the CSV file's name without ".csv": stable, scripts read it
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""  # how the figures are counted, in a sentence or two
    chart: str = ""  # "bar" to chart the first numeric column by the first column

    def text_rows(self, suppress: bool) -> list[list[str]]:
        return [[shown(cell, suppress) for cell in row] for row in self.rows]


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    #: Whose calendar the days are on: the session clock's zone (None: the laptop's). An
    #: instant belongs to the day it is in that zone (00:30 BST on 1 July is in July).
    zone: dt.tzinfo | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    def on(self, zone: dt.tzinfo | None) -> Period:
        """The same days on ``zone``'s calendar (a service's session clock)."""
        return replace(self, zone=zone)

    def __contains__(self, day: object) -> bool:
        if isinstance(day, dt.datetime):
            day = self.day_of(day)
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def day_of(self, instant: dt.datetime) -> dt.date:
        """The calendar day of an instant, on the period's calendar."""
        return local_date(instant, self.zone)

    @property
    def starts_at(self) -> dt.datetime:
        """The first instant of the period (aware UTC)."""
        return at_local(self.start, dt.time.min, self.zone)

    @property
    def ends_before(self) -> dt.datetime:
        """The first instant after the period (aware UTC): midnight after its last day."""
        return at_local(self.end + dt.timedelta(days=1), dt.time.min, self.zone)

    @property
    def label(self) -> str:
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"


def last_full_quarter(today: dt.date) -> Period:
    """The last calendar quarter that has ended: what a quarterly board reports on."""
    this_quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = this_quarter - dt.timedelta(days=1)
    return Period(dt.date(end.year, end.month - 2, 1), end)


# Summary metrics in words for people (the CSV keeps the machine names).
SUMMARY_LABELS = {
    "releases_on_friday": "Releases on a Friday",
    "releases_before_bank_holiday": "Releases on the day before a bank holiday",
    "met_at_gate": "Met at the gate",
    "housed_first_night": "Housed on the first night",
    "cases_engaged_in_custody": "Cases engaged in custody",
    "referrals_median_days_to_acknowledgement": "Referrals: median days to acknowledgement",
}


def summary_label(metric: str) -> str:
    return SUMMARY_LABELS.get(metric, metric.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Figures:
    period: Period
    group_by: str  # "programme", "organisation" or "worker"
    tables: tuple[Table, ...]
    summary: tuple[tuple[str, Cell], ...]  # (metric, value) for summary.csv
    made_at: dt.datetime = field(default_factory=system_now)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def metric(self, name: str) -> Cell:
        return next(cell for key, cell in self.summary if key == name)


def median(values: Iterable[float]) -> Stat:
    ordered = sorted(values)
    if not ordered:
        return Stat(None, 0)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return Stat(value, len(ordered))


def median_counted(counts: Mapping[float, int]) -> Stat:
    """``median`` of values given with how many times each was found (the same as of the
    values listed out, without listing tens of thousands of them)."""
    total = sum(counts.values())
    if not total:
        return Stat(None, 0)
    ordered = sorted(counts.items())

    def at(position: int) -> float:
        passed = 0
        for value, times in ordered:
            passed += times
            if position < passed:
                return value
        raise IndexError(position)

    middle = total // 2
    value = at(middle) if total % 2 else (at(middle - 1) + at(middle)) / 2
    return Stat(value, total)


def mean(values: Sequence[float]) -> Stat:
    if not values:
        return Stat(None, 0)
    return Stat(sum(values) / len(values), len(values))


def week_of(day: dt.date) -> dt.date:
    """The Monday of the week the day falls in."""
    return day - dt.timedelta(days=day.weekday())


#: The row every record also counts in (the programme's total).
ALL = "All"
#: The group a worker's record counts in (their name, their organisation, or the programme).
Grouping = Callable[[str | None], str]
#: A section's headline figures: a label and its value.
Summary = list[tuple[str, Cell]]


def groups_then_all(rows: Iterable[str]) -> list[str]:
    """The groups in name order, then the total."""
    return sorted(k for k in rows if k != ALL) + [ALL]


def counted_in(name: str) -> tuple[str, ...]:
    """The rows a record counts in: its group and the total (once, when there are no groups)."""
    return (ALL,) if name == ALL else (name, ALL)
