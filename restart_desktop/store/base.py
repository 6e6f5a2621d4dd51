"""The declarative base and the synced record's bookkeeping columns, shared by every module
of ORM classes (``store.models``, ``store.intake_models``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from restart_desktop.domain.ids import uuid7
from restart_desktop.store.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    #: Every instant is aware UTC: the column type refuses a naive datetime.
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime()}


class SyncedRecord(Base):
    """A record minted on a laptop and shipped to other devices as changes."""

    __abstract__ = True
    #: Columns that describe the record's bookkeeping, not its content.
    BOOKKEEPING: ClassVar[frozenset[str]] = frozenset(
        {"id", "created_at", "updated_at", "created_by", "updated_by", "last_change_id"}
    )
    # What the merge of each kind adds (append-only, final fields, risk flags, status
    # transitions) is plain data in domain/merge.py RULES, by table name.

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    created_at: Mapped[dt.datetime] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(36))
    updated_by: Mapped[str] = mapped_column(String(36))
    last_change_id: Mapped[str | None] = mapped_column(String(64))
