"""The case index (``sync_case_index``): who each case is for, kept up to date from every
change this laptop writes or sees, so a worker's laptop can tell which cases to keep."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from restart_desktop.domain.allocation import CaseAudience, HandoverKind
from restart_desktop.domain.case import CaseStatus
from restart_desktop.store.batches import batches
from restart_desktop.store.bulk import ids_here, insert_rows
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


@dataclass
class _NewEntry:
    """A case new to the index: written below the ORM once its changes are read (a first
    import brings thousands of cases)."""

    case_id: str
    created_by: str = ""
    allocated_worker_id: str | None = None
    allocated_hlc: str = ""
    shared_with: list[str] = field(default_factory=list)
    closed: bool = False
    status_hlc: str = ""


def note_audiences(s: Session, changes: Iterable[Mapping[str, Any]], flush: bool = True) -> None:
    """Update the index from changes (local or received, kept or not): a case's creator, its
    allocated worker (the latest allocation by clock wins, the same on every laptop) and the
    workers it is shared with. ``flush`` False from inside a flush (the change hook)."""
    relevant = [c for c in changes if c["entity"] in AUDIENCE_KINDS]
    if not relevant:
        return
    cases = {_case_in(c) for c in relevant} - {""}
    rows: dict[str, SyncCaseIndex | _NewEntry] = {}
    ordered = sorted(cases)
    here = ids_here(s, SyncCaseIndex.__tablename__, ordered, column="case_id")
    for batch in batches(here):  # only the cases held become ORM objects
        for held in s.scalars(select(SyncCaseIndex).where(SyncCaseIndex.case_id.in_(batch))):
            rows[held.case_id] = held
    new: list[_NewEntry] = []
    moved: set[str] = set()  # cases whose audience changed: published again to the new one
    for change in relevant:
        fields = change.get("fields") or {}
        case_id = _case_in(change)
        if not case_id:
            continue
        row = rows.get(case_id)
        if row is None:
            entry = _NewEntry(case_id)
            new.append(entry)
            rows[case_id] = row = entry
        if _takes_in(row, change, fields):
            moved.add(case_id)
    if new:
        insert_rows(s, cast(Table, SyncCaseIndex.__table__), [asdict(entry) for entry in new])
    _note_moves(s, moved)
    if flush:
        s.flush()  # sessions do not autoflush: the reader of the index queries it next


def _takes_in(row: SyncCaseIndex | _NewEntry, change: Mapping[str, Any], fields: Any) -> bool:
    """The index entry of a case brought up to date with one of its people or handovers
    changes; whether the case's audience changed."""
    moved = False
    if change["entity"] == "people":
        if "given_name" in fields and not row.created_by:  # the creation carries them all
            row.created_by = str(change["author_id"])
        hlc = str(change["hlc"])
        if "allocated_worker_id" in fields and hlc > row.allocated_hlc:
            moved = row.allocated_worker_id != fields["allocated_worker_id"]
            row.allocated_worker_id = fields["allocated_worker_id"]
            row.allocated_hlc = hlc
        if "status" in fields and hlc > (row.status_hlc or ""):
            row.closed = fields["status"] == CaseStatus.CLOSED.value
            row.status_hlc = hlc
    elif fields.get("kind") == HandoverKind.SHARE and fields.get("to_worker_id"):
        worker = str(fields["to_worker_id"])
        if worker not in row.shared_with:
            row.shared_with = sorted({*row.shared_with, worker})
            moved = True
    return moved


def _note_moves(s: Session, cases: set[str]) -> None:
    if not cases:
        return
    ordered = sorted(cases)
    known = set(ids_here(s, SyncAudienceMove.__tablename__, ordered, column="case_id"))
    table = cast(Table, SyncAudienceMove.__table__)
    insert_rows(s, table, [{"case_id": case_id} for case_id in ordered if case_id not in known])


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
