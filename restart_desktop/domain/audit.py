"""The audit trail's rules: the actions recorded, and the hash that chains each device's
entries so that an entry altered or removed behind the application's back is found."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

GENESIS = "0" * 64  # the "previous hash" of a device's first entry


class AuditAction(StrEnum):
    VIEWED_CASE = "viewed_case"
    VIEWED_NOTES = "viewed_notes"
    SEARCHED_NOTES = "searched_notes"
    VIEWED_FOR_REVIEW = "viewed_for_review"
    CREATED = "created"
    CHANGED = "changed"
    FINALISED = "finalised"
    ALLOCATED = "allocated"
    EXPORTED = "exported"
    PRINTED = "printed"
    SYNCED = "synced"
    FAILED_UNLOCK = "failed_unlock"
    ERASED = "erased"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: Mapping[AuditAction, str] = MappingProxyType({
    AuditAction.VIEWED_CASE: "Opened the case file",
    AuditAction.VIEWED_NOTES: "Viewed contact notes",
    AuditAction.SEARCHED_NOTES: "Searched notes",
    AuditAction.VIEWED_FOR_REVIEW: "Read for review",
    AuditAction.CREATED: "Created",
    AuditAction.CHANGED: "Changed",
    AuditAction.FINALISED: "Finalised",
    AuditAction.ALLOCATED: "Allocated or handed over",
    AuditAction.EXPORTED: "Exported",
    AuditAction.PRINTED: "Printed",
    AuditAction.SYNCED: "Synced",
    AuditAction.FAILED_UNLOCK: "Failed unlock",
    AuditAction.ERASED: "Erased under the retention rules",
})  # fmt: skip


@dataclass(frozen=True)
class ChainLink:
    """What an entry's hash covers."""

    device_id: str
    seq: int
    at: dt.datetime
    worker_id: str
    action: str
    person_id: str | None
    detail: str
    prev_hash: str


def _utc_text(at: dt.datetime) -> str:
    """The time as the chain has always hashed it: UTC, written without a zone."""
    return (at.astimezone(dt.UTC).replace(tzinfo=None) if at.tzinfo else at).isoformat()


def entry_hash(link: ChainLink) -> str:
    body = {
        "device_id": link.device_id, "seq": link.seq, "at": _utc_text(link.at),
        "worker_id": link.worker_id, "action": link.action, "person_id": link.person_id,
        "detail": link.detail, "prev_hash": link.prev_hash,
    }  # fmt: skip
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
                          ).hexdigest()  # fmt: skip


@dataclass(frozen=True)
class BrokenLink:
    device_id: str
    seq: int  # the first entry that does not hold
    why: str


def first_break(links: Iterable[tuple[ChainLink, str]]) -> BrokenLink | None:
    """Check one device's chain, entries in ``seq`` order with their stored hashes: the first
    entry whose hash does not match its content, that does not follow the one before, or
    that comes after a missing entry."""
    expected_prev, expected_seq = GENESIS, 1
    for link, stored in links:
        if link.seq != expected_seq:
            return BrokenLink(link.device_id, link.seq,
                              f"entry {expected_seq} is missing before it")  # fmt: skip
        if link.prev_hash != expected_prev:
            return BrokenLink(link.device_id, link.seq,
                              "it does not follow the entry before it")  # fmt: skip
        if entry_hash(link) != stored:
            return BrokenLink(link.device_id, link.seq, "its content was altered")
        expected_prev, expected_seq = stored, link.seq + 1
    return None
