"""Rows written below the ORM (the sync import) read back through the ORM exactly as rows
the ORM wrote: instants, dates, JSON, defaults for columns a row lacks (a record made by an
older version), and a row with every column (the import's usual case)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from sqlalchemy import Table, select, text

from restart_desktop.domain.clock import NaiveDatetime
from restart_desktop.store.bulk import among, insert_rows
from restart_desktop.store.database import Database
from restart_desktop.store.models import Barrier

AT = dt.datetime(2026, 6, 10, 13, 5, 0, 120, tzinfo=dt.UTC)
BOOKKEEPING = {
    "created_at": AT,
    "updated_at": AT,
    "created_by": "w",
    "updated_by": "w",
    "last_change_id": "d:1",
}


def _every_column(record_id: str) -> dict[str, Any]:
    return {
        "id": record_id,
        "title": "Housing waits",
        "category": "housing",
        "description": "Fictional",
        "case_ids": ["c1", "c2"],
        "raised_on": dt.date(2026, 6, 1),
        "status": "resolved",
        "resolution": "Done",
        "resolved_on": dt.date(2026, 6, 9),
        "board_wording": "",
        "board_wording_by": "",
        "board_wording_at": dt.datetime(
            2026, 6, 9, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))
        ),
        **BOOKKEEPING,
    }


def test_rows_written_below_the_orm_read_back_as_written(database: Database) -> None:
    table = cast(Table, Barrier.__table__)
    older = {
        "id": "b-older",
        "title": "Benefits",
        "category": "money",
        "raised_on": dt.date(2026, 5, 1),
        "from_a_newer_version": 1,
        **BOOKKEEPING,
    }
    with database.write() as s:
        insert_rows(s, table, [_every_column("b-every"), older])
    with database.read() as s:
        every = s.get(Barrier, "b-every")
        made_earlier = s.get(Barrier, "b-older")
        stored = {
            str(row[0]): str(row[1])
            for row in s.execute(text("SELECT id, created_at FROM barriers"))
        }
        found = set(s.scalars(select(Barrier.id).where(among(Barrier.id, ["b-every", "x"]))))
    assert every is not None
    assert made_earlier is not None
    assert every.case_ids == ["c1", "c2"]
    assert every.resolved_on == dt.date(2026, 6, 9)
    assert every.board_wording_at == dt.datetime(2026, 6, 9, 22, 0, tzinfo=dt.UTC)
    assert every.created_at == AT
    assert every.status == "resolved"
    # the columns it lacks take their defaults
    assert (
        made_earlier.case_ids,
        made_earlier.status,
        made_earlier.description,
        made_earlier.resolved_on,
    ) == ([], "open", "", None)
    assert stored["b-every"] == "2026-06-10 13:05:00.000120"  # as the column type stores it
    assert found == {"b-every"}


def test_a_naive_instant_is_refused_below_the_orm_too(database: Database) -> None:
    row = {**_every_column("b-naive"), "created_at": dt.datetime(2026, 6, 10, 13, 5)}
    with pytest.raises(NaiveDatetime), database.write() as s:
        insert_rows(s, cast(Table, Barrier.__table__), [row])


def test_a_change_s_utc_text_is_stored_as_the_column_stores_the_instant() -> None:
    """The import writes the times of a change's values as they are, without parsing: whole
    seconds (most times people enter) and microseconds (bookkeeping) must give exactly what
    the column type would store; any other form is left to be parsed."""
    from restart_desktop.store.bulk import stored_instant, utc_text_stored

    for value in (
        dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 29, 0, 59, 59, 1, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=dt.UTC),
    ):
        assert utc_text_stored(value.isoformat()) == stored_instant(value)
    for other in (
        "2026-07-01T12:30:00+01:00",  # an offset: turned into UTC by parsing
        "2026-07-01T12:30:00",  # naive (an older laptop): read by the legacy rule
        "2026-07-01T12:30:00.5+00:00",
        "2026-07-01 12:30:00+00:00",
    ):
        assert utc_text_stored(other) is None
    with pytest.raises(ValueError, match="month"):  # not a time at all: refused as before
        utc_text_stored("2026-13-01T12:30:00+00:00")


def test_an_error_below_the_orm_reaches_the_worker_as_a_sentence(database: Database) -> None:
    """The import and the digest run their busiest statements on the driver's own cursor:
    its errors are translated as the ORM's are (here: a drive that cannot be written to),
    and the transaction is rolled back whole."""
    from restart_desktop.store.bulk import driver_cursor
    from restart_desktop.store.errors import ReadOnlyStorage

    with database.write() as s:
        insert_rows(s, cast(Table, Barrier.__table__), [_every_column("before")])

    def refused_write() -> None:
        with database.write() as s:
            cursor = driver_cursor(s)
            cursor.execute("DELETE FROM barriers")  # rolled back with what fails after it
            cursor.execute("PRAGMA query_only = ON")  # as a drive gone read-only would refuse
            cursor.execute("INSERT INTO local_settings (key, value) VALUES ('k', 'v')")

    with pytest.raises(ReadOnlyStorage, match="cannot be written to"):
        refused_write()
    database.close()  # the connection that was made read-only goes
    with database.read() as s:
        assert s.execute(select(Barrier.id)).scalars().all() == ["before"]
