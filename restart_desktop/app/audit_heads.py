"""Anchoring the audit trail outside the laptop: at each sync this laptop keeps every team
member's signed chain head found in the central export (its own included, so a head it
published is known again even if its database lost it), then publishes its own.

``AuditService.verify`` compares every chain held here with every head kept here
(``domain.audit.head_breaks``).
"""

from __future__ import annotations

import base64
import datetime as dt
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.app.session import AppSession
from restart_desktop.domain.audit import GENESIS, PublishedHead
from restart_desktop.store.audit import AuditHead
from restart_desktop.store.models import AuditEntry
from restart_desktop.sync.audit_heads import (
    HEAD_NAME,
    ChainHead,
    HeadError,
    sign_head,
    verify_head,
)
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.sync.roster import Roster
from restart_desktop.sync.target import Target

log = logging.getLogger(__name__)


def _aware(instant: dt.datetime) -> dt.datetime:
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def own_head(session: AppSession, now: dt.datetime) -> ChainHead:
    """The newest entry of this laptop's own chain, as its database holds it now."""
    with session.db.read() as s:
        row = s.execute(
            select(AuditEntry.seq, AuditEntry.hash)
            .where(AuditEntry.device_id == session.device_id)
            .order_by(AuditEntry.seq.desc())
            .limit(1)
        ).first()
    seq, hash_ = (row.seq, row.hash) if row else (0, GENESIS)
    return ChainHead(session.device_id, seq, hash_, now)


def _keep(s: Session, head: ChainHead, data: bytes, signature: bytes, now: dt.datetime) -> bool:
    signed_at = head.signed_at.astimezone(dt.UTC)
    if s.get(AuditHead, (head.device_id, head.seq, head.hash, signed_at)) is not None:
        return False
    s.add(
        AuditHead(
            device_id=head.device_id,
            seq=head.seq,
            hash=head.hash,
            signed_at=signed_at,
            received_at=now,
            data=data.decode(),
            signature=base64.b64encode(signature).decode(),
        )
    )
    return True


def exchange_heads(
    session: AppSession, target: Target, roster: Roster, keys: DeviceKeys
) -> tuple[str, ...]:
    """Keep every member's head found in the export, then publish this laptop's own when it
    has moved. A head that does not verify is not kept (the file's name proves nothing):
    returns the names of the members whose head did not, for the sync to say (a head
    replaced or damaged can hide entries cut from the end of that laptop's trail)."""
    now = dt.datetime.now(dt.UTC)
    found: list[tuple[ChainHead, bytes, bytes]] = []
    unverified: list[str] = []
    for member in roster.members:
        raw = target.read_file(member.device_id, HEAD_NAME)
        if raw is None:
            continue
        try:
            found.append((verify_head(raw[0], raw[1], member.verify_key, member.device_id), *raw))
        except HeadError:
            log.warning("an audit head in the central export does not verify")
            if member.device_id != session.device_id:  # its own is published again below
                unverified.append(member.name)
    mine = own_head(session, now)
    published = next((head for head, _, _ in found if head.device_id == session.device_id), None)
    if published is None or (published.seq, published.hash) != (mine.seq, mine.hash):
        data, signature = sign_head(mine, keys)
        target.publish_file(session.device_id, HEAD_NAME, data, signature)
        found.append((mine, data, signature))
    with session.db.write() as s:
        for head, data, signature in found:
            _keep(s, head, data, signature, now)
    return tuple(unverified)


def heads_by_device(s: Session) -> dict[str, list[PublishedHead]]:
    """Every head kept here, by device."""
    kept: dict[str, list[PublishedHead]] = {}
    for head in s.scalars(select(AuditHead)):
        kept.setdefault(head.device_id, []).append(
            PublishedHead(head.seq, head.hash, _aware(head.signed_at), _aware(head.received_at))
        )
    return kept
