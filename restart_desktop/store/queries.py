"""Small reads many services share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVarTuple, overload

from sqlalchemy import Row, Select, TextClause, select
from sqlalchemy.orm import Session

from restart_desktop.store.models import Worker


def worker_names(s: Session) -> dict[str, str]:
    """Every worker's name by id (the team is small: one query, read whole)."""
    return {worker_id: name for worker_id, name in s.execute(select(Worker.id, Worker.name))}


_Columns = TypeVarTuple("_Columns")


@overload
def read_rows(
    s: Session, statement: Select[*_Columns], params: Mapping[str, Any] | None = None
) -> Sequence[Row[*_Columns]]: ...


@overload
def read_rows(
    s: Session, statement: TextClause, params: Mapping[str, Any] | None = None
) -> Sequence[Row[*tuple[Any, ...]]]: ...


def read_rows(
    s: Session,
    statement: Select[*tuple[Any, ...]] | TextClause,
    params: Mapping[str, Any] | None = None,
) -> Sequence[Row[Any]]:
    """All the rows of a statement of columns, fetched at once below the ORM: for reads of
    thousands of rows (the figures), where the ORM's per-row work cost more than the query
    and iterating a result fetched one row a call."""
    return s.connection().execute(statement, params).all()
