"""A laptop wall clock a test can set: the session's one clock reads it."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from restart_desktop.app.session import AppSession
from restart_desktop.domain.clock import Clock, from_local


class Moment:
    """'Now' as the laptop's local wall-clock time; ``set_on`` makes a session read it.
    A ticking moment moves on with the real clock from the time it was set, so records made
    one after the other keep their order, on the day the test chose."""

    def __init__(self, now: dt.datetime, ticking: bool = False) -> None:
        self.now = now
        self._ticking = ticking
        self._started = time.monotonic()

    def read(self) -> dt.datetime:
        moment = from_local(self.now)
        if self._ticking:
            moment += dt.timedelta(seconds=time.monotonic() - self._started)
        return moment

    def set_on(self, session: AppSession) -> Moment:
        session.clock = Clock(now=self.read)
        return self


def set_clock(session: AppSession, now: dt.datetime, ticking: bool = False) -> Moment:
    """Make ``session`` read ``now`` (local wall-clock time) as the time from here on
    (``ticking``: and move on from it as real time passes)."""
    return Moment(now, ticking).set_on(session)


def local(*parts: int) -> dt.datetime:
    """An instant given as this laptop's wall-clock time: local(2026, 11, 20, 10, 30)."""
    return from_local(dt.datetime(*parts))  # type: ignore[arg-type]


@contextmanager
def use_zone(name: str) -> Iterator[None]:
    """Run with the laptop's zone set to ``name`` (the TZ variable, as the OS has it)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()
