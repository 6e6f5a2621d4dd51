"""Appending to the audit trail (``audit_entries``), chained per device, in the caller's
transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.domain.audit import GENESIS, AuditAction, ChainLink, entry_hash
from restart_desktop.store.models import AuditEntry

_LAST = "restart_audit_last"  # session.info: (seq, hash) of this device's last entry


def forget_last(session: Session) -> None:
    session.info.pop(_LAST, None)


def append_entry(s: Session, device_id: str, worker_id: str, action: AuditAction,
                 person_id: str | None, detail: str, at: dt.datetime) -> AuditEntry:  # fmt: skip
    """Add the device's next entry to the session (written with the transaction)."""
    last = s.info.get(_LAST)
    if last is None:
        with s.no_autoflush:
            row = s.execute(select(AuditEntry.seq, AuditEntry.hash)
                            .where(AuditEntry.device_id == device_id)
                            .order_by(AuditEntry.seq.desc()).limit(1)).first()  # fmt: skip
        last = (row.seq, row.hash) if row else (0, GENESIS)
    seq, prev = last[0] + 1, last[1]
    link = ChainLink(device_id, seq, at, worker_id, action.value, person_id, detail, prev)
    entry = AuditEntry(device_id=device_id, seq=seq, at=at, worker_id=worker_id,
                       action=action.value, person_id=person_id, detail=detail, prev_hash=prev,
                       hash=entry_hash(link))  # fmt: skip
    s.add(entry)
    s.info[_LAST] = (seq, entry.hash)
    return entry
