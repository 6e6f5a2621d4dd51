"""The audit trail's rules: the actions recorded, the hash that chains each device's entries
so that an entry altered or removed behind the application's back is found, and the
comparison of a chain with the signed heads its device published (``sync.audit_heads``), so
that a chain cut short or rewritten with its hashes recomputed is found too."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from restart_desktop.domain.clock import local_text

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
    PASSPHRASE_CHANGED = "passphrase_changed"  # noqa: S105 - an audit action's name
    SEARCHED_CASELOAD = "searched_caseload"
    GATHERED = "gathered_record"
    LISTED_NAMES = "listed_names"
    PASSPHRASE_RECOVERED = "passphrase_recovered"  # noqa: S105 - an action's name

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: Mapping[AuditAction, str] = MappingProxyType(
    {
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
        AuditAction.PASSPHRASE_CHANGED: "Changed the passphrase",
        AuditAction.SEARCHED_CASELOAD: "Searched the caseload",
        AuditAction.GATHERED: "Gathered the whole record (subject access)",
        AuditAction.LISTED_NAMES: "Listed other people's names found (subject access)",
        AuditAction.PASSPHRASE_RECOVERED: "Set a new passphrase with the recovery key",
    }
)


#: The kinds of record (the store's table names) in words: an audit entry's detail names
#: them, and so does a subject access report's history of changes.
RECORD_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "people": "Case file",
        "contact_notes": "Contact note",
        "addenda": "Addendum",
        "follow_up_actions": "Follow-up action",
        "follow_up_checks": "Follow-up check",
        "release_plans": "Release plan",
        "release_plan_items": "Checklist item",
        "checklist_snapshots": "Checklist template",
        "referrals": "Referral",
        "referral_events": "Referral step",
        "assessments": "Outcome assessment",
        "barriers": "Barrier",
        "handovers": "Handover",
        "reviews": "Review",
        "field_changes": "Case history",
        "custody_returns": "Return to custody",
        "erasures": "Erasure",
        "intake_records": "Recommendation",
        "intake_decisions": "Intake decision",
        "onward_handovers": "Onward handover",
        "team_details": "Team details",
        "evaluation_keys": "Evaluation key",
        "workers": "Worker",
        "devices": "Device",
    }
)


def detail_in_words(detail: str, field_labels: Mapping[str, str] | None = None) -> str:
    """An entry's detail for a person to read. Writes record which kinds of record and which
    fields changed by their stored names ("referrals: last_chased_on"); that text stays as it
    is in the chain (its hash covers it) and is shown as "Referral: last chased on". A detail
    of any other shape ("3 found") comes back unchanged. ``field_labels`` names the case
    file's fields."""
    parts = []
    for part in detail.split("; "):
        kind, colon, what = part.partition(": ")
        if not colon or kind not in RECORD_KINDS:
            parts.append(part)
            continue
        labels = field_labels if kind == "people" and field_labels else {}
        created, _bracket, fields = (
            what.partition(" (") if what.split(" (")[0] == "created" else ("", "", what)
        )
        named = [
            _lower_first(labels[name]) if name in labels else _field_in_words(name)
            for name in fields.rstrip(")").split(", ")
            if name
        ]
        text = ", ".join(named)
        if created:
            text = f"created ({text})" if named else "created"
        parts.append(f"{RECORD_KINDS[kind]}: {text}")
    return "; ".join(parts)


def _lower_first(label: str) -> str:
    return label if label[:2].isupper() else label[:1].lower() + label[1:]  # "IOM" stays


def _field_in_words(name: str) -> str:
    name = name.removesuffix("...").removesuffix("_id")
    return name.replace("_", " ").strip().lower()


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
        "device_id": link.device_id,
        "seq": link.seq,
        "at": _utc_text(link.at),
        "worker_id": link.worker_id,
        "action": link.action,
        "person_id": link.person_id,
        "detail": link.detail,
        "prev_hash": link.prev_hash,
    }
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


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
            return BrokenLink(
                link.device_id, link.seq, f"entry {expected_seq} is missing before it"
            )
        if link.prev_hash != expected_prev:
            return BrokenLink(link.device_id, link.seq, "it does not follow the entry before it")
        if entry_hash(link) != stored:
            return BrokenLink(link.device_id, link.seq, "its content was altered")
        expected_prev, expected_seq = stored, link.seq + 1
    return None


@dataclass(frozen=True)
class PublishedHead:
    """A head a device signed: its chain ended at ``seq`` with ``hash`` at ``signed_at``."""

    seq: int
    hash: str
    signed_at: dt.datetime  # aware, by the device's clock
    seen_at: dt.datetime | None = None  # aware, when first seen here (by this laptop's clock)

    @property
    def order(self) -> tuple[dt.datetime, dt.datetime, int]:
        """Heads in the order they reached this laptop: one device's heads arrive at
        different syncs, so a device's clock put back does not reorder them."""
        return (self.seen_at or self.signed_at, self.signed_at, self.seq)


def _published(head: PublishedHead) -> str:
    return f"its head of {local_text(head.signed_at)}"


def head_breaks(
    device_id: str, heads: Iterable[PublishedHead], held: Mapping[int, str], whole: bool
) -> list[BrokenLink]:
    """Compare a device's chain with every head it has published. ``held``: the stored hash of
    each of its entries held here; ``whole``: this laptop holds the device's whole chain (its
    own), so an entry missing below a head was deleted rather than not received.

    Found: a head older than a later one with fewer entries (entries deleted from the end, all
    of them, or an older copy of the database put back); two heads with different hashes for
    the same entry, or a held entry whose hash is not the one published (entries rewritten,
    even with their hashes recomputed, or reordered); entries published and now missing."""
    by_time = sorted(heads, key=lambda h: h.order)
    found: list[BrokenLink] = []
    highest: PublishedHead | None = None
    for head in by_time:
        if highest is not None and head.seq < highest.seq:
            gone = (
                "every entry was deleted"
                if head.seq == 0
                else f"entries {head.seq + 1} to {highest.seq} were deleted"
            )
            found.append(
                BrokenLink(
                    device_id,
                    head.seq + 1,
                    (
                        f"its chain went back from entry {highest.seq} ({_published(highest)}) to "
                        f"{head.seq or 'no entry'} ({_published(head)}): {gone}, or "
                        "an older copy of "
                        "its database was put back"
                    ),
                )
            )
            break
        if highest is None or head.seq > highest.seq:
            highest = head
    hashes: dict[int, set[str]] = {}
    for head in by_time:
        hashes.setdefault(head.seq, set()).add(head.hash)
    good = [
        seq
        for seq, published in hashes.items()
        if len(published) == 1 and held.get(seq) in published
    ]
    for seq in sorted(hashes):
        head = max((h for h in by_time if h.seq == seq), key=lambda h: h.order)
        stored = held.get(seq)
        if seq > 0 and (len(hashes[seq]) > 1 or (stored is not None and stored != head.hash)):
            # Narrowed by the heads that still match only where the chain held here is the
            # one rewritten (its own); elsewhere the entries held here are the originals.
            first = max((g for g in good if g < seq), default=0) + 1 if whole else 1
            found.append(
                BrokenLink(
                    device_id,
                    first,
                    (
                        f"one of entries {first} to {seq} was rewritten or reordered: "
                        f"entry {seq} no "
                        f"longer has the hash published in {_published(head)}"
                    ),
                )
            )
            break
        if seq > 0 and stored is None and whole and max(held, default=0) < seq:
            first = max(held, default=0) + 1
            found.append(
                BrokenLink(
                    device_id,
                    first,
                    (
                        f"entries {first} to {seq} were published in {_published(head)} and are "
                        "no longer here: they were deleted, or an older copy of the "
                        "database was put "
                        "back"
                    ),
                )
            )
            break
    return found
