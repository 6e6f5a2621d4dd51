"""The case index (``sync_case_index``): who each case is for, kept up to date from every
change this laptop writes or sees, so a worker's laptop can tell which cases to keep."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.domain.allocation import CaseAudience, HandoverKind
from restart_desktop.domain.case import CaseStatus
from restart_desktop.store.batches import batches
from restart_desktop.store.models import Change, SyncAudienceMove, SyncCaseIndex

#: Kinds of record that say who a case is for.
AUDIENCE_KINDS = frozenset({"people", "handovers"})
#: Kinds of record that belong to no case (team records): every laptop keeps them.
TEAM_ENTITIES = frozenset(
    {
        "workers",
        "devices",
        "checklist_snapshots",
        "barriers",
        "erasures",
        "evaluation_keys",
        "team_details",
    }
)


def case_of_record(entity: str, record_id: str, person_id: object) -> str | None:
    """The case a record belongs to: a person is their own case; team records have none."""
    if entity == "people":
        return record_id
    if entity in TEAM_ENTITIES:
        return None
    return str(person_id) if person_id else None


def case_of_change(
    s: Session, change: Mapping[str, Any], alongside: Mapping[str, str] | None = None
) -> str | None:
    """The case of a change as published (``case_id``); bundles written before it was
    published carry none: work it out from the change, the changes published with it
    (``alongside``: record id -> case) or the changes held."""
    if "case_id" in change:
        return str(change["case_id"]) if change["case_id"] else None
    entity, record_id = str(change["entity"]), str(change["record_id"])
    found = case_of_record(entity, record_id, (change.get("fields") or {}).get("person_id"))
    if found is None and alongside:
        found = alongside.get(record_id)
    if found is None and entity not in TEAM_ENTITIES:
        query = select(Change.case_id).where(
            Change.record_id == record_id, Change.case_id.is_not(None)
        )
        found = s.scalars(query.limit(1)).first()
    return found


def note_audiences(s: Session, changes: Iterable[Mapping[str, Any]], flush: bool = True) -> None:
    """Update the index from changes (local or received, kept or not): a case's creator, its
    allocated worker (the latest allocation by clock wins, the same on every laptop) and the
    workers it is shared with. ``flush`` False from inside a flush (the change hook)."""
    relevant = [c for c in changes if c["entity"] in AUDIENCE_KINDS]
    if not relevant:
        return
    cases = {_case_in(c) for c in relevant} - {""}
    rows: dict[str, SyncCaseIndex] = {}
    ordered = sorted(cases)
    for batch in batches(ordered):
        for row in s.scalars(select(SyncCaseIndex).where(SyncCaseIndex.case_id.in_(batch))):
            rows[row.case_id] = row
    moved: set[str] = set()  # cases whose audience changed: published again to the new one
    for change in relevant:
        fields = change.get("fields") or {}
        case_id = _case_in(change)
        if not case_id:
            continue
        found = rows.get(case_id)
        if found is None:
            row = SyncCaseIndex(
                case_id=case_id,
                created_by="",
                allocated_worker_id=None,
                allocated_hlc="",
                shared_with=[],
                closed=False,
                status_hlc="",
            )
            s.add(row)
            rows[case_id] = row
        else:
            row = found
        if change["entity"] == "people":
            if "given_name" in fields and not row.created_by:  # the creation carries them all
                row.created_by = str(change["author_id"])
            hlc = str(change["hlc"])
            if "allocated_worker_id" in fields and hlc > row.allocated_hlc:
                if row.allocated_worker_id != fields["allocated_worker_id"]:
                    moved.add(case_id)
                row.allocated_worker_id = fields["allocated_worker_id"]
                row.allocated_hlc = hlc
            if "status" in fields and hlc > (row.status_hlc or ""):
                row.closed = fields["status"] == CaseStatus.CLOSED.value
                row.status_hlc = hlc
        elif fields.get("kind") == HandoverKind.SHARE and fields.get("to_worker_id"):
            worker = str(fields["to_worker_id"])
            if worker not in row.shared_with:
                row.shared_with = sorted({*row.shared_with, worker})
                moved.add(case_id)
    _note_moves(s, moved)
    if flush:
        s.flush()  # sessions do not autoflush: the reader of the index queries it next


def _note_moves(s: Session, cases: set[str]) -> None:
    if not cases:
        return
    ordered = sorted(cases)
    known: set[str] = set()
    for batch in batches(ordered):
        known.update(
            s.scalars(select(SyncAudienceMove.case_id).where(SyncAudienceMove.case_id.in_(batch)))
        )
    for case_id in ordered:
        if case_id not in known:
            s.add(SyncAudienceMove(case_id=case_id))


def _case_in(change: Mapping[str, Any]) -> str:
    """The case a people or handovers change is about ("" when it says none)."""
    fields = change.get("fields") or {}
    return (
        case_of_record(str(change["entity"]), str(change["record_id"]), fields.get("person_id"))
        or ""
    )


def audiences(s: Session, case_ids: Sequence[str]) -> dict[str, CaseAudience]:
    found: dict[str, CaseAudience] = {}
    ordered = sorted(set(case_ids))
    for batch in batches(ordered):
        for row in s.scalars(select(SyncCaseIndex).where(SyncCaseIndex.case_id.in_(batch))):
            found[row.case_id] = CaseAudience(
                row.created_by, row.allocated_worker_id, tuple(row.shared_with)
            )
    return found
