"""Appending to the audit trail (``audit_entries``), chained per device, in the caller's
transaction; and the signed chain heads this laptop has seen (``audit_heads``)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Integer, String, Text, select, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column

from restart_desktop.domain.audit import GENESIS, AuditAction, ChainLink, entry_hash
from restart_desktop.domain.ids import uuid7
from restart_desktop.store.models import AuditEntry, Base


class AuditHead(Base):
    """A signed head of a device's audit chain (``sync.audit_heads``), as received from the
    central export or published by this laptop. Local, never synced, never changed: every
    head a device has published stays here, so a chain later cut short or rewritten on that
    device no longer matches it. ``data`` and ``signature`` are the file's bytes, so that the
    head can be checked again by anyone with the roster's keys."""

    __tablename__ = "audit_heads"

    device_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # UTC, as the device signed it: the same head published again later (a database put
    # back) is another head, and tells that the chain went back.
    signed_at: Mapped[dt.datetime] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime] = mapped_column()  # UTC, when this laptop first saw it
    data: Mapped[str] = mapped_column(Text)  # the signed JSON
    signature: Mapped[str] = mapped_column(Text)  # base64


log = logging.getLogger(__name__)


def without_clashing_entries(
    s: Session, raws: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The changes of a bundle less any audit entry taking a place in a device's chain that
    another entry already holds here: a laptop whose chain was cut short or put back, then
    written on. The entry held stays (it is the evidence); the signed heads show the break
    (``domain.audit.head_breaks``), and the entries after it no longer follow."""
    wanted = {
        (str(f["device_id"]), int(f["seq"])): str(raw["record_id"])
        for raw in raws
        if raw["entity"] == AuditEntry.__tablename__
        and "device_id" in (f := raw.get("fields") or {})
        and "seq" in f
    }
    if not wanted:
        return list(raws)
    held = {
        (device, seq): entry_id
        for device, seq, entry_id in s.execute(
            select(AuditEntry.device_id, AuditEntry.seq, AuditEntry.id).where(
                tuple_(AuditEntry.device_id, AuditEntry.seq).in_(list(wanted))
            )
        )
    }
    clashing = {
        record for place, record in wanted.items() if place in held and held[place] != record
    }
    if clashing:
        log.warning(
            "%d audit entries take places already held in a chain: set aside", len(clashing)
        )
    return [raw for raw in raws if str(raw["record_id"]) not in clashing]


_LAST = "restart_audit_last"  # session.info: (seq, hash) of this device's last entry


def forget_last(session: Session) -> None:
    session.info.pop(_LAST, None)


def append_entry(
    s: Session,
    device_id: str,
    worker_id: str,
    action: AuditAction,
    person_id: str | None,
    detail: str,
    at: dt.datetime,
) -> AuditEntry:
    """Add the device's next entry to the session (written with the transaction)."""
    entry = next_entry(s, device_id, worker_id, action, person_id, detail, at)
    s.add(entry)
    return entry


def next_entry(
    s: Session,
    device_id: str,
    worker_id: str,
    action: AuditAction,
    person_id: str | None,
    detail: str,
    at: dt.datetime,
) -> AuditEntry:
    """The device's next entry, linked to the last; the caller writes it in this
    transaction (``append_entry``, or ``store.changes.write_created`` for many)."""
    last = s.info.get(_LAST)
    if last is None:
        with s.no_autoflush:
            row = s.execute(
                select(AuditEntry.seq, AuditEntry.hash)
                .where(AuditEntry.device_id == device_id)
                .order_by(AuditEntry.seq.desc())
                .limit(1)
            ).first()
        last = (row.seq, row.hash) if row else (0, GENESIS)
    seq, prev = last[0] + 1, last[1]
    link = ChainLink(device_id, seq, at, worker_id, action.value, person_id, detail, prev)
    entry = AuditEntry(
        id=uuid7(),
        device_id=device_id,
        seq=seq,
        at=at,
        worker_id=worker_id,
        action=action.value,
        person_id=person_id,
        detail=detail,
        prev_hash=prev,
        hash=entry_hash(link),
    )
    s.info[_LAST] = (seq, entry.hash)
    return entry
