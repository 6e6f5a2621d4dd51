"""One clock: instants are aware UTC; people read them in the laptop's local time.

Every stored instant (a note's contact time, an item done, a review) is an aware UTC datetime;
calendar dates (a release date, a due date) stay ``datetime.date``. What a person reads or types
is local wall-clock time (Europe/London for the programme's users, with its summer time), and
these functions are the only place the two meet, for every view, PDF and CSV.

``zone=None`` means the laptop's own zone as the operating system has it (the ``TZ`` variable on
Linux), worked out per instant, so a date either side of a clock change gets its own offset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

UTC = dt.UTC


class NaiveDatetime(ValueError):
    """A bug: an instant without a time zone reached code that needs to know which one."""


def require_aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise NaiveDatetime(
            "a datetime without a time zone: say whether it is UTC or the laptop's local time"
        )
    return instant


def utc(instant: dt.datetime) -> dt.datetime:
    """The same instant in UTC (refuses a naive one)."""
    return require_aware(instant).astimezone(UTC)


def local(instant: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime:
    """The instant as the laptop's wall clock shows it (aware, in the local zone)."""
    return require_aware(instant).astimezone(zone)


#: How every view writes a calendar date: 27/11/2026 (the form fields take it typed so).
DATE_PATTERN = "%d/%m/%Y"


def local_text(
    instant: dt.datetime | None,
    pattern: str = f"{DATE_PATTERN} %H:%M",
    zone: dt.tzinfo | None = None,
) -> str:
    """What a person reads for an instant: local time in ``pattern``; '' for none."""
    return "" if instant is None else local(instant, zone).strftime(pattern)


def date_text(day: dt.date | None) -> str:
    """What a person reads for a calendar date: 27/11/2026; '' for none."""
    return "" if day is None else day.strftime(DATE_PATTERN)


def from_local(wall: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime:
    """The UTC instant of a wall-clock time typed or shown on this laptop (naive = local)."""
    if wall.tzinfo is not None:
        return utc(wall)
    if zone is None:
        # The system's rules for that date (summer time or not), as mktime has them.
        return wall.astimezone(UTC)
    return wall.replace(tzinfo=zone).astimezone(UTC)


def at_local(day: dt.date, time: dt.time, zone: dt.tzinfo | None = None) -> dt.datetime:
    """The UTC instant of a local time of day on a calendar date (a release at 08:30)."""
    return from_local(dt.datetime.combine(day, time), zone)


def local_date(instant: dt.datetime, zone: dt.tzinfo | None = None) -> dt.date:
    """The calendar date on this laptop at that instant (00:30 BST is still 'today')."""
    return local(instant, zone).date()


def system_now() -> dt.datetime:
    return dt.datetime.now(UTC)


class Clock:
    """The time for one session: the system clock in the app, a set 'now' and zone in tests.

    Services take it from the session, so a test can set the moment and the zone in one place.
    """

    def __init__(
        self, zone: dt.tzinfo | None = None, now: Callable[[], dt.datetime] = system_now
    ) -> None:
        self.zone = zone
        self._now = now

    @classmethod
    def fixed(cls, instant: dt.datetime, zone: dt.tzinfo | None = None) -> Clock:
        moment = utc(instant)
        return cls(zone, lambda: moment)

    def now(self) -> dt.datetime:
        """Now, aware UTC (to the microsecond: records made one after the other keep their
        order)."""
        return utc(self._now())

    def now_minute(self) -> dt.datetime:
        """Now to the minute: what a person records as 'done at'."""
        return self.now().replace(second=0, microsecond=0)

    def today(self) -> dt.date:
        """Today's date on this laptop's calendar."""
        return local_date(self.now(), self.zone)

    def local(self, instant: dt.datetime) -> dt.datetime:
        return local(instant, self.zone)

    def day_of(self, instant: dt.datetime) -> dt.date:
        """The calendar day of an instant in this clock's zone (00:30 BST is that day, not
        the evening before as in UTC)."""
        return local_date(instant, self.zone)

    def local_now(self) -> dt.datetime:
        return self.local(self.now())

    def local_text(self, instant: dt.datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
        """What a person reads for an instant, in this clock's zone; '' for none."""
        return local_text(instant, pattern, self.zone)

    def now_text(self, pattern: str = "%H:%M") -> str:
        """Now as a person reads it ("Saved at 10:42"), in this clock's zone."""
        return self.local_text(self.now(), pattern)

    def from_local(self, wall: dt.datetime) -> dt.datetime:
        return from_local(wall, self.zone)

    def at_local(self, day: dt.date, time: dt.time) -> dt.datetime:
        return at_local(day, time, self.zone)
