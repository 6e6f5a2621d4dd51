"""Column types that keep the one-clock rule (design: "Round 2", time).

``UtcDateTime`` stores an instant as SQLite text in UTC, exactly as SQLAlchemy's ``DateTime``
always has (so the files written before it read the same), and hands back aware UTC
datetimes. A naive datetime is refused when written or compared: whether it meant UTC or the
laptop's local time cannot be guessed, and a guess is how a note came to show 03:34 for 04:34.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from restart_desktop.domain.clock import NaiveDatetime, utc


class UtcDateTime(TypeDecorator[dt.datetime]):
    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"an instant must be a datetime, not {type(value).__name__}")
        if value.tzinfo is None:
            raise NaiveDatetime(
                "a datetime without a time zone was written to the database: pass an aware "
                "UTC datetime (restart_desktop.domain.clock)"
            )
        return utc(value).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stored: dt.datetime = value
        return stored.replace(tzinfo=dt.UTC)
