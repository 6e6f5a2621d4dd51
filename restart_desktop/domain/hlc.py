"""Hybrid logical clock: wall time in milliseconds plus a counter, so every change a device
makes is ordered after everything it has seen, even when laptop clocks disagree."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Timestamp:
    millis: int
    counter: int

    def encode(self) -> str:
        """Fixed width, so string order equals clock order."""
        return f"{self.millis:015d}-{self.counter:06d}"

    @classmethod
    def decode(cls, text: str) -> Timestamp:
        millis, counter = text.split("-")
        return cls(int(millis), int(counter))


class HybridClock:
    def __init__(
        self, last: Timestamp | None = None, wall: Callable[[], float] = time.time
    ) -> None:
        self._last = last or Timestamp(0, 0)
        self._wall = wall

    @property
    def last(self) -> Timestamp:
        return self._last

    def now(self) -> Timestamp:
        physical = int(self._wall() * 1000)
        if physical > self._last.millis:
            self._last = Timestamp(physical, 0)
        else:
            self._last = Timestamp(self._last.millis, self._last.counter + 1)
        return self._last
