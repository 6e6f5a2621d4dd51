"""Reading and writing many rows at once below the ORM, for the sync import (``sync.apply``)
and the sync digest: a first import on a supervisor's laptop writes some 400,000 changes and
as many records, and the ORM's bulk insert spent more time preparing each row than SQLite
spent storing it; an ``IN`` list of 500 ids cost SQLAlchemy a bound parameter each.

Values are stored exactly as the column types store them (so the ORM reads them back the
same): instants as SQLAlchemy's SQLite text in UTC, dates as ISO text, JSON as JSON text
(``None`` as JSON null, as the JSON type stores it), booleans as 0 and 1.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, ColumnElement, Connection, Date, Table, func, select
from sqlalchemy.orm import Session

from restart_desktop.domain.clock import NaiveDatetime, utc
from restart_desktop.store.models import Change
from restart_desktop.store.types import UtcDateTime


def among(column: Any, values: Iterable[str]) -> ColumnElement[bool]:
    """``column IN values`` with one bound parameter, a JSON array (SQLite's ``json_each``):
    as quick for SQLite as a list of parameters, and no work per value for SQLAlchemy."""
    each = func.json_each(json.dumps(list(values))).table_valued("value")
    return column.in_(select(each.c.value))  # type: ignore[no-any-return]


class DriverCursor:
    """The DB-API cursor of a session's transaction, for statements the import and the digest
    run thousands of times: SQLAlchemy's statement and result objects cost more than SQLite's
    work on them (about 3 s of a first 10k import). Its errors are the driver's own
    (``Database`` translates them). Each statement is still announced to SQLAlchemy's
    ``before_cursor_execute`` and ``after_cursor_execute`` listeners, so that what counts or
    times statements (the budgets in the tests, the benchmarks) sees these too."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        driver = connection.connection.driver_connection
        assert driver is not None  # a connection checked out of the pool
        self._cursor = driver.cursor()

    def execute(self, statement: str, parameters: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        events = self._connection.dispatch
        events.before_cursor_execute(
            self._connection, self._cursor, statement, parameters, None, False
        )
        result = self._cursor.execute(statement, parameters)
        events.after_cursor_execute(
            self._connection, self._cursor, statement, parameters, None, False
        )
        return result

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> Any:
        events = self._connection.dispatch
        events.before_cursor_execute(self._connection, self._cursor, statement, rows, None, True)
        result = self._cursor.executemany(statement, rows)
        events.after_cursor_execute(self._connection, self._cursor, statement, rows, None, True)
        return result


def driver_cursor(s: Session) -> DriverCursor:
    """A ``DriverCursor`` in the session's transaction."""
    return DriverCursor(s.connection())


def ids_here(s: Session, table: str, ids: Sequence[str], column: str = "id") -> list[str]:
    """Which of ``ids`` the table holds (in ``column``), in one statement below the ORM: the
    import asks this of every bundle's records and of the records they refer to."""
    if not ids:
        return []
    # The table and column names are the ORM's own; the ids are one bound JSON array.
    query = f'SELECT "{column}" FROM "{table}" WHERE "{column}" IN (SELECT value FROM json_each(?))'  # noqa: S608
    found = driver_cursor(s).execute(query, (orjson.dumps(list(ids)).decode(),)).fetchall()
    return [row[0] for row in found]


def delete_among(s: Session, table: str, column: str, ids: Sequence[str]) -> None:
    """``DELETE FROM table WHERE column IN ids``, in one statement below the ORM."""
    if ids:
        statement = f'DELETE FROM "{table}" WHERE "{column}" IN (SELECT value FROM json_each(?))'  # noqa: S608
        driver_cursor(s).execute(statement, (orjson.dumps(list(ids)).decode(),))


class StoredInstant(str):
    """An instant already as ``UtcDateTime`` stores it (``stored_instant``): written as it is."""

    __slots__ = ()


def utc_text_stored(text: str) -> StoredInstant | None:
    """ISO text of an instant in UTC, with microseconds (``...T10:00:00.123456+00:00``, as a
    change's bookkeeping carries) or whole seconds (``...T10:00:00+00:00``, as most of the
    times people enter are), as stored, without making a datetime of it (a first import
    writes a million); None for any other form (the caller parses it)."""
    if len(text) == 32 and text[19] == ".":
        stored = f"{text[:10]} {text[11:26]}"
    elif len(text) == 25:
        stored = f"{text[:10]} {text[11:19]}.000000"
    else:
        return None
    if text[10] != "T" or not text.endswith("+00:00"):
        return None
    dt.datetime.fromisoformat(text)  # refused as before if it is not a time at all
    return StoredInstant(stored)


def stored_instant(value: dt.datetime | StoredInstant) -> str:
    """An aware instant as ``UtcDateTime`` stores it (SQLAlchemy's SQLite text, in UTC)."""
    if isinstance(value, StoredInstant):
        return value
    if value.tzinfo is not dt.UTC:
        if value.tzinfo is None:
            raise NaiveDatetime("a datetime without a time zone was written to the database")
        value = utc(value)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def stored_json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _stored_date(value: dt.date) -> str:
    return value.isoformat()


def _stored_boolean(value: Any) -> int:
    return int(bool(value))


Convert = Callable[[Any], Any]


@functools.cache
def _plan(table: Table) -> tuple[str, tuple[tuple[str, Convert | None, Any], ...]]:
    """The INSERT of every column of ``table``, and per column: its name, how a value is
    stored, and the value of a row without it (its default, or NULL)."""
    columns = []
    for column in table.columns:
        convert: Convert | None = None
        if isinstance(column.type, UtcDateTime):
            convert = stored_instant
        elif isinstance(column.type, Date):
            convert = _stored_date
        elif isinstance(column.type, JSON):
            convert = stored_json
        elif isinstance(column.type, Boolean):
            convert = _stored_boolean
        default: Any = column.default
        missing = None
        if default is not None and default.is_scalar:
            missing = default.arg
        elif default is not None and default.is_callable and convert is stored_json:
            missing = default.arg(None)  # list, dict: the same empty value for every row
        columns.append((column.name, convert, missing))
    names = ", ".join(f'"{name}"' for name, _, _ in columns)
    marks = ", ".join("?" for _ in columns)
    # The names come from the ORM's own table; every value is a bound parameter.
    return f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', tuple(columns)  # noqa: S608


@functools.cache
def _converted(
    table: Table,
) -> tuple[Callable[[Mapping[str, Any]], tuple[Any, ...]], tuple[tuple[int, Convert], ...]]:
    """For a row with every column: its values in column order, and the columns to convert."""
    _statement, columns = _plan(table)
    names = [name for name, _, _ in columns]
    every = operator.itemgetter(*names)
    return (
        (lambda row: (every(row),)) if len(names) == 1 else every,
        tuple((n, convert) for n, (_, convert, _) in enumerate(columns) if convert),
    )


def insert_rows(s: Session, table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert rows given as column values (missing columns take their defaults), in the
    session's transaction, with one prepared statement."""
    statement, columns = _plan(table)
    every, converts = _converted(table)
    values: list[tuple[Any, ...]] = []
    for row in rows:
        if len(row) == len(columns):  # the usual case: every column, nothing else
            try:
                listed = list(every(row))
            except KeyError:
                pass  # another key in place of a column: the general case below
            else:
                for n, stores in converts:
                    if listed[n] is not None or stores is stored_json:
                        listed[n] = stores(listed[n])
                values.append(tuple(listed))
                continue
        stored = []
        for name, convert, missing in columns:
            value = row.get(name, missing)
            if convert is not None and (value is not None or convert is stored_json):
                value = convert(value)  # a JSON None written is JSON null, as the type does
            stored.append(value)
        values.append(tuple(stored))
    if values:
        s.connection().exec_driver_sql(statement, values)


_CHANGE_COLUMNS = (
    "change_id",
    "device_id",
    "seq",
    "entity",
    "record_id",
    "base_change_id",
    "bases",
    "hlc",
    "case_id",
    "author_id",
    "fields",
    "recorded_at",
)
# Built from the ORM's own names; every value is a bound parameter.
_INSERT_CHANGE = (
    f"INSERT INTO {Change.__tablename__} ({', '.join(_CHANGE_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in _CHANGE_COLUMNS)})"
)


def insert_changes(s: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert changes given as column values (``recorded_at`` an aware datetime; ``bases``
    None stored as JSON null, as the JSON type does)."""
    values = [
        (
            row["change_id"],
            row["device_id"],
            row["seq"],
            row["entity"],
            row["record_id"],
            row["base_change_id"],
            stored_json(row["bases"]),
            row["hlc"],
            row["case_id"],
            row["author_id"],
            stored_json(row["fields"]),
            stored_instant(row["recorded_at"]),
        )
        for row in rows
    ]
    if values:
        s.connection().exec_driver_sql(_INSERT_CHANGE, values)
