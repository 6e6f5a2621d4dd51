"""Small reads many services share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVarTuple, overload

from sqlalchemy import Select, TextClause, select
from sqlalchemy.orm import Session

from restart_desktop.store.models import Worker


def worker_names(s: Session) -> dict[str, str]:
    """Every worker's name by id (the team is small: one query, read whole)."""
    return {worker_id: name for worker_id, name in s.execute(select(Worker.id, Worker.name))}


_Columns = TypeVarTuple("_Columns")


@overload
def read_rows(
    s: Session, statement: Select[*_Columns], params: Mapping[str, Any] | None = None
) -> list[tuple[*_Columns]]: ...


@overload
def read_rows(
    s: Session, statement: TextClause, params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]: ...


def read_rows(
    s: Session,
    statement: Select[*tuple[Any, ...]] | TextClause,
    params: Mapping[str, Any] | None = None,
) -> list[tuple[Any, ...]]:
    """All the rows of a statement of columns, fetched below the ORM: for reads of thousands
    of rows (the figures), where the ORM's per-row work cost more than the query.

    Each row is a plain tuple of its columns' values (read by position or unpacked), not a
    ``Row``: Python's cyclic garbage collector tracks every ``Row`` (or named tuple) for as
    long as it lives, and the tens of thousands a figures run holds set off its full passes
    over the whole heap, most of the figures' time in the benchmark (issue 27). A tuple of
    plain values it stops tracking at its first look."""
    return [tuple(row) for row in s.connection().execute(statement, params)]
