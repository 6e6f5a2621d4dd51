"""The one place every synced write goes through: a session hook that appends to ``changes``.

Whatever service writes a ``SyncedRecord``, the flush stamps created/updated times and author,
and appends exactly one immutable ``Change`` per record per flush, in the same transaction as
the row itself: a rolled-back write leaves neither. Sessions are created with autoflush off so
one service call is one flush.

Longer than 600 lines because the bulk writer (``write_created``: the demo's and the audit
trail's many records at once) must keep the very bookkeeping the hook keeps (the device's
position and clock, the cases touched, the audit of the transaction); split, the two would
share a dozen private helpers across modules.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, delete, event, func, inspect, select
from sqlalchemy.orm import Session

from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.hlc import HybridClock, Timestamp
from restart_desktop.domain.merge import bases_of, frontier, rules_for
from restart_desktop.domain.notices import EMPTY, ChangeNotice
from restart_desktop.store.audit import forget_last, next_entry
from restart_desktop.store.bulk import insert_changes, insert_rows
from restart_desktop.store.case_index import AUDIENCE_KINDS, case_of_record, note_audiences
from restart_desktop.store.models import (
    AuditEntry,
    Base,
    Change,
    LocalSetting,
    SyncConflict,
    SyncedRecord,
)

#: The highest sequence this device gave a change that was later erased (``store.erasure``):
#: the next change's sequence is above it, so a published sequence is never reused.
ERASED_SEQ_FLOOR = "erased_seq_floor"


@dataclass(frozen=True)
class Actor:
    """Who is writing, from which device: every change names both."""

    worker_id: str
    device_id: str


class ImmutableRecord(RuntimeError):
    """A bug: code tried to change an append-only record (a finalised note, an addendum)."""


class UnattributedWrite(RuntimeError):
    """A bug: a synced record was written by a session that does not say who is writing."""


#: session.info key: the callable giving "now" (aware UTC) for this transaction's stamps.
CLOCK = "restart_clock"


def _now(session: Session) -> dt.datetime:
    clock = session.info.get(CLOCK)
    return clock() if clock is not None else utcnow()


def utcnow() -> dt.datetime:
    """Now, aware UTC (bookkeeping stamps; services take their time from the session clock)."""
    return dt.datetime.now(dt.UTC)


def to_json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    return value


def _apply_defaults(record: SyncedRecord) -> None:
    """Give a new record its column defaults now, so its first change carries every value."""
    for column in inspect(type(record)).columns:
        key = column.key
        if key is None or getattr(record, key) is not None or column.default is None:
            continue
        default: Any = column.default
        if default.is_scalar:
            setattr(record, key, default.arg)
        elif default.is_callable:
            setattr(record, key, default.arg(None))


def _content_columns(record: SyncedRecord) -> list[str]:
    return [
        c.key
        for c in inspect(type(record)).columns
        if c.key is not None and c.key not in SyncedRecord.BOOKKEEPING
    ]


def _changed_fields(record: SyncedRecord) -> dict[str, Any]:
    state = inspect(record)
    changed: dict[str, Any] = {}
    for key in _content_columns(record):
        history = state.attrs[key].history
        if history.has_changes():
            value = getattr(record, key)
            if history.deleted and history.deleted[0] == value:
                continue  # set to the same value: not a change
            changed[key] = to_json_value(value)
    return changed


_POSITION = "restart_change_position"  # session.info key: (last seq, clock) of this transaction
#: session.info key set by the sync import: it writes other devices' changes as they are, so
#: this hook must not stamp them as this device's own.
IMPORTING = "restart_importing"


def _forget_position(session: Session, *_args: Any) -> None:
    session.info.pop(_POSITION, None)


def _latest_clock(session: Session, device_id: str) -> HybridClock:
    latest = session.execute(select(func.max(Change.hlc))).scalar()
    return HybridClock(Timestamp.decode(latest) if latest else None)


@dataclass
class Flush:
    """What the steps of one flush of synced records share (``FLUSH_STEPS``)."""

    session: Session
    actor: Actor
    new: list[SyncedRecord]
    dirty: list[SyncedRecord]
    now: dt.datetime  # the stamps of every record and change of the flush
    seq: int = 0  # the last sequence given a change of this device
    clock: HybridClock = field(default_factory=HybridClock)
    #: (record, fields written, the change it was based on, its bases), in writing order.
    pending: list[tuple[SyncedRecord, dict[str, Any], str | None, list[str]]] = field(
        default_factory=list
    )
    written: list[Change] = field(default_factory=list)


def read_position(flush: Flush) -> None:
    """The device's last sequence and the clock, read once per transaction and carried across
    its flushes: re-reading them at every flush made bulk writes (demo data, sync imports)
    quadratic. The sequence stays above any erased change's (``store.erasure``)."""
    session = flush.session
    cached = session.info.get(_POSITION)
    if cached is not None:
        flush.seq, flush.clock = cached
        return
    with session.no_autoflush:
        seq = (
            session.execute(
                select(func.max(Change.seq)).where(Change.device_id == flush.actor.device_id)
            ).scalar()
            or 0
        )
        floor = session.get(LocalSetting, ERASED_SEQ_FLOOR)  # set by store.erasure
        if floor is not None:
            seq = max(seq, int(floor.value))
        flush.seq, flush.clock = seq, _latest_clock(session, flush.actor.device_id)


def stamp_created(flush: Flush) -> None:
    """New records: their defaults filled in, who made them and when, every content field
    to their first change."""
    touched: Touched = flush.session.info.setdefault(_TOUCHED, {})
    for record in flush.new:
        _apply_defaults(record)
        record.created_at = flush.now
        record.created_by = flush.actor.worker_id
        fields = {key: to_json_value(getattr(record, key)) for key in _content_columns(record)}
        flush.pending.append((record, fields, None, []))
        said = _SAID_WHEN_CREATED.get(type(record).__tablename__)
        _touch(touched, record, {CREATED_MARK, str(fields[said])} if said else {CREATED_MARK})


def capture_edits(flush: Flush) -> None:
    """Edited records: only the fields really changed, refused for an append-only kind; the
    edit builds on every change of the record held here, and settles the conflicts of the
    fields it sets (``_edit_bases``)."""
    touched: Touched = flush.session.info.setdefault(_TOUCHED, {})
    for record in flush.dirty:
        fields = _changed_fields(record)
        if fields and rules_for(type(record).__tablename__).immutable:
            raise ImmutableRecord(
                f"{type(record).__name__} records are never changed once written; "
                "add an addendum instead"
            )
        if fields:
            with flush.session.no_autoflush:
                bases = _edit_bases(flush.session, record, list(fields))
            flush.pending.append((record, fields, record.last_change_id, bases))
            _touch(touched, record, set(fields))


def append_changes(flush: Flush) -> None:
    """One immutable change per record written, with the next sequence and clock time; the
    record's bookkeeping names it as its latest."""
    actor = flush.actor
    for record, fields, base, bases in flush.pending:
        flush.seq += 1
        change_id = f"{actor.device_id}:{flush.seq}"
        record.updated_at = flush.now
        record.updated_by = actor.worker_id
        record.last_change_id = change_id
        entity = type(record).__tablename__
        change = Change(
            change_id=change_id,
            device_id=actor.device_id,
            seq=flush.seq,
            entity=entity,
            record_id=record.id,
            case_id=case_of_record(entity, record.id, getattr(record, "person_id", None)),
            base_change_id=base,
            bases=bases,
            hlc=flush.clock.now().encode(),
            author_id=actor.worker_id,
            fields=fields,
            recorded_at=flush.now,
        )
        flush.session.add(change)
        flush.written.append(change)


def index_cases(flush: Flush) -> None:
    """Keep the case index (who may receive a case's notes) current with people and
    handovers written here (``store.case_index``)."""
    with flush.session.no_autoflush:
        note_audiences(
            flush.session,
            [
                {
                    "entity": c.entity,
                    "record_id": c.record_id,
                    "fields": c.fields,
                    "hlc": c.hlc,
                    "author_id": c.author_id,
                }
                for c in flush.written
                if c.entity in AUDIENCE_KINDS
            ],
            flush=False,
        )


def keep_position(flush: Flush) -> None:
    """Carry the sequence and clock to the transaction's next flush."""
    flush.session.info[_POSITION] = (flush.seq, flush.clock)


#: The steps of the change hook, in order, for each flush that writes synced records.
FLUSH_STEPS: tuple[Callable[[Flush], None], ...] = (
    read_position,
    stamp_created,
    capture_edits,
    append_changes,
    index_cases,
    keep_position,
)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    deleted = [o for o in session.deleted if isinstance(o, SyncedRecord)]
    if deleted:
        raise UnattributedWrite("synced records are never deleted directly; use a tombstone")
    _touch_local(session)
    if session.info.get(IMPORTING):
        return
    new = [o for o in session.new if isinstance(o, SyncedRecord)]
    dirty = [o for o in session.dirty if isinstance(o, SyncedRecord) and o not in session.new]
    if not new and not dirty:
        return
    actor = session.info.get("actor")
    if not isinstance(actor, Actor):
        raise UnattributedWrite("a synced record was written without an actor")
    flush = Flush(session, actor, new, dirty, _now(session))
    for step in FLUSH_STEPS:
        step(flush)


Touched = dict[str | None, dict[str, set[str]]]
#: session.info: case -> entity -> fields this transaction wrote. The audit trail reads the
#: synced records' fields from it; the change notice (``notice_of_transaction``) every kind.
_TOUCHED = "restart_audit_touched"
CREATED_MARK = "+"  # in the touched fields: the record was created
#: Kinds whose creation the trail names by a column holding a fixed code, never personal
#: data: a review is "created (reviewed)" or "created (returned)", a sign-off told apart
#: from a return.
_SAID_WHEN_CREATED = {"reviews": "action"}
_NOTICE = "restart_change_notice"  # session.info: the notice of the transaction just committed
#: Written for the trail, never audited themselves: no fields, so only the notice sees them.
_UNAUDITED = frozenset({AuditEntry.__tablename__})


def _touch(touched: Touched, record: SyncedRecord, fields: set[str]) -> None:
    entity = type(record).__tablename__
    case = case_of_record(entity, record.id, getattr(record, "person_id", None))
    _touch_case(touched, case, entity, fields)


def _touch_case(touched: Touched, case: str | None, entity: str, fields: set[str]) -> None:
    touched.setdefault(case, {}).setdefault(entity, set()).update(
        () if entity in _UNAUDITED else fields  # the trail does not audit itself
    )


def note_touched(session: Session, case: str | None, kind: str) -> None:
    """Record that this transaction changed records of ``kind`` of ``case``, for its change
    notice, where the session hook cannot see it: the sync import and erasure write with
    bulk statements. Nothing reaches the audit trail through here."""
    touched: Touched = session.info.setdefault(_TOUCHED, {})
    touched.setdefault(case, {}).setdefault(kind, set())


def _touch_local(session: Session) -> None:
    """Local and bookkeeping records written through the session (drafts, settings, audit
    entries, sync conflicts): kinds for the change notice, never for the audit trail."""
    for record in (*session.new, *session.dirty, *session.deleted):
        if isinstance(record, Base) and not isinstance(record, SyncedRecord):
            person = getattr(record, "person_id", None)
            note_touched(session, str(person) if person else None, record.__tablename__)
        elif isinstance(record, AuditEntry):
            note_touched(session, record.person_id, record.__tablename__)


def _audited(touched: Touched) -> Touched:
    """The part of what a transaction touched that the audit trail records: synced records
    with fields written (local records and the trail itself leave their kind, no fields)."""
    found: Touched = {}
    for case, entities in touched.items():
        kept = {entity: fields for entity, fields in entities.items() if fields}
        if kept:
            found[case] = kept
    return found


def _audit_action(entities: dict[str, set[str]]) -> AuditAction:
    if CREATED_MARK in entities.get("erasures", ()):
        return AuditAction.ERASED
    if CREATED_MARK in entities.get("handovers", ()) or "allocated_worker_id" in entities.get(
        "people", ()
    ):
        return AuditAction.ALLOCATED
    if CREATED_MARK in entities.get("contact_notes", ()) or "finalised_at" in entities.get(
        "assessments", ()
    ):
        return AuditAction.FINALISED
    if all(CREATED_MARK in fields for fields in entities.values()):
        return AuditAction.CREATED
    return AuditAction.CHANGED


def _audit_detail(entities: dict[str, set[str]]) -> str:
    """Which kinds of record and which fields: never their values."""
    parts = []
    for entity, fields in sorted(entities.items()):
        named = sorted(f for f in fields if f != CREATED_MARK)
        what = "created" if CREATED_MARK in fields else ", ".join(named)
        if CREATED_MARK in fields and named:
            what += " (" + ", ".join(named) + ")"
        parts.append(f"{entity}: {what}")
    detail = "; ".join(parts)
    return detail if len(detail) <= 500 else detail[:497] + "..."


def _before_commit(session: Session) -> None:
    """One audit entry per case this transaction wrote (and one for team records)."""
    if session.info.get(IMPORTING):
        return
    session.flush()  # what is still pending is part of the transaction: audit it too
    touched = _audited(session.info.get(_TOUCHED) or {})
    actor = session.info.get("actor")
    if not touched or not isinstance(actor, Actor) or session.info.get(IMPORTING):
        return
    at = _now(session)
    entries = [
        next_entry(
            session,
            actor.device_id,
            actor.worker_id,
            _audit_action(entities),
            case,
            _audit_detail(entities),
            at,
        )
        for case, entities in sorted(touched.items(), key=lambda kv: kv[0] or "")
    ]
    write_created(session, entries)  # one statement for the entries, one for their changes


def _forget_audit(session: Session, *_args: Any) -> None:
    session.info.pop(_TOUCHED, None)
    forget_last(session)


def _keep_notice(session: Session) -> None:
    """The transaction committed: what it touched becomes its notice (published by
    ``Database.write`` once the session is done)."""
    touched = session.info.get(_TOUCHED) or {}
    notice = ChangeNotice(
        frozenset(touched), frozenset(kind for kinds in touched.values() for kind in kinds)
    )
    if notice:
        session.info[_NOTICE] = session.info.get(_NOTICE, EMPTY) | notice


def _drop_notice(session: Session, *_args: Any) -> None:
    session.info.pop(_NOTICE, None)  # rolled back: nothing changed, nothing to announce


def notice_of_transaction(session: Session) -> ChangeNotice:
    """What the session's committed transaction changed (empty if nothing, or rolled back);
    taken once."""
    notice: ChangeNotice = session.info.pop(_NOTICE, EMPTY)
    return notice


def _edit_bases(session: Session, record: SyncedRecord, fields: list[str]) -> list[str]:
    """What a local edit builds on: every change of the record this laptop holds that nothing
    else built on (so it supersedes them all, on every device). Setting a field that is in
    conflict settles the conflict: the value set is the one chosen."""
    rows = session.execute(
        select(Change.change_id, Change.base_change_id, Change.bases).where(
            Change.record_id == record.id
        )
    ).all()
    held = [(row.change_id, bases_of(row.bases, row.base_change_id)) for row in rows]
    session.execute(
        delete(SyncConflict).where(
            SyncConflict.record_id == record.id, SyncConflict.field.in_(fields)
        )
    )
    return frontier(held)


class NewRow(NamedTuple):
    """A new record as its kind and column values, for ``write_created``: an ORM instance
    costs ten times more to make than the dict, which counts at 400,000 records."""

    kind: type[SyncedRecord]
    values: dict[str, Any]

    @classmethod
    def of(cls, kind: type[SyncedRecord], /, **values: Any) -> NewRow:
        return cls(kind, values)


class LaterEdit(NamedTuple):
    """An edit, for ``write_created``, of a record written earlier in the same call, made at
    ``at``, an instant before the write: the demo's people move from Recommended to Accepted
    in June and to Released in August, and the figures count each move in its own quarter
    (they read a status move's time from its change)."""

    record_id: str
    fields: dict[str, Any]
    at: dt.datetime


@functools.cache
def _creation_plan(
    kind: type[SyncedRecord],
) -> tuple[Table, tuple[tuple[str, Any], ...], frozenset[str]]:
    """A kind's table; per content column, its name and its default (a scalar, a callable,
    or None); and every column's name."""
    columns = []
    for column in inspect(kind).columns:
        key = column.key
        if key is None or key in SyncedRecord.BOOKKEEPING:
            continue
        default: Any = column.default
        made = None
        if default is not None and (default.is_scalar or default.is_callable):
            made = default.arg
        columns.append((key, made))
    names = frozenset(c.key for c in inspect(kind).columns if c.key is not None)
    return cast(Table, kind.__table__), tuple(columns), names


_PLAIN = frozenset({str, int, bool, float, type(None)})  # stored in a change as they are


def write_created(session: Session, records: Sequence[SyncedRecord | NewRow | LaterEdit]) -> None:
    """Write new records below the ORM, exactly as the hook would have: defaults filled in,
    stamped, one change each with every content field, the case index kept, and each case
    touched for the audit trail and the change notice. For many records at once (the demo's
    10,000 cases): the ORM's unit of work spent ten times longer per record than SQLite.

    The records are plain instances never added to the session, or ``NewRow``s; each must
    have its id (its children refer to it). What the session holds is flushed first, and the
    rows go in grouped by kind in the order the kinds first appear, so a kind made before its
    children is written before them. The instances' attributes are not updated. A
    ``LaterEdit`` changes a record written before it in ``records``: its row is written with
    the edit, and the edit is a change of its own, built on the record's previous one."""
    if not records:
        return
    actor = session.info.get("actor")
    if not isinstance(actor, Actor) or session.info.get(IMPORTING):
        raise UnattributedWrite("records were written in bulk without an actor")
    session.flush()  # what the session holds first: the new rows may refer to it
    flush = Flush(session, actor, [], [], _now(session))
    read_position(flush)
    touched: Touched = session.info.setdefault(_TOUCHED, {})
    rows: dict[Table, list[dict[str, Any]]] = {}
    changes: list[dict[str, Any]] = []
    bookkeeping = {
        "created_at": flush.now,
        "created_by": actor.worker_id,
        "updated_at": flush.now,
        "updated_by": actor.worker_id,
    }
    written: dict[str, tuple[str, dict[str, Any]]] = {}  # record id -> (table, its row)
    for record in records:
        if isinstance(record, LaterEdit):
            changes.append(_later_change(flush, written, record))
            _touch_case(touched, changes[-1]["case_id"], changes[-1]["entity"], set(record.fields))
            continue
        kind, held = record if isinstance(record, NewRow) else (type(record), record.__dict__)
        table, columns, names = _creation_plan(kind)
        if isinstance(record, NewRow) and not names.issuperset(held):
            raise TypeError(f"{kind.__name__} has no {sorted(set(held) - names)}")
        record_id = held.get("id")
        if not record_id:
            raise UnattributedWrite("a record written in bulk needs its id")
        values: dict[str, Any] = {}
        for key, default in columns:
            value = held.get(key)
            if value is None and default is not None:
                value = default(None) if callable(default) else default
            values[key] = value
        flush.seq += 1
        change_id = f"{actor.device_id}:{flush.seq}"
        entity = table.name
        case = case_of_record(entity, record_id, values.get("person_id"))
        changes.append(
            {
                "change_id": change_id,
                "device_id": actor.device_id,
                "seq": flush.seq,
                "entity": entity,
                "record_id": record_id,
                "base_change_id": None,
                "bases": [],
                "hlc": flush.clock.now().encode(),
                "case_id": case,
                "author_id": actor.worker_id,
                "fields": {
                    key: value if type(value) in _PLAIN else to_json_value(value)
                    for key, value in values.items()
                },
                "recorded_at": flush.now,
            }
        )
        values.update(bookkeeping, id=record_id, last_change_id=change_id)
        rows.setdefault(table, []).append(values)
        written[record_id] = (entity, values)
        _touch_case(touched, case, entity, {CREATED_MARK})
    for table, values_of_kind in rows.items():
        insert_rows(session, table, values_of_kind)
    insert_changes(session, changes)
    keep_position(flush)
    note_audiences(session, [c for c in changes if c["entity"] in AUDIENCE_KINDS])


def _later_change(
    flush: Flush, written: dict[str, tuple[str, dict[str, Any]]], edit: LaterEdit
) -> dict[str, Any]:
    """The change of a ``LaterEdit``; its record's row takes the edited fields."""
    if edit.record_id not in written:
        raise UnattributedWrite("a later edit names a record not written before it")
    entity, values = written[edit.record_id]
    flush.seq += 1
    change_id = f"{flush.actor.device_id}:{flush.seq}"
    base = values["last_change_id"]
    values.update(edit.fields, last_change_id=change_id)
    return {
        "change_id": change_id,
        "device_id": flush.actor.device_id,
        "seq": flush.seq,
        "entity": entity,
        "record_id": edit.record_id,
        "base_change_id": base,
        "bases": [base],
        "hlc": flush.clock.now().encode(),
        "case_id": case_of_record(entity, edit.record_id, values.get("person_id")),
        "author_id": flush.actor.worker_id,
        "fields": {
            key: value if type(value) in _PLAIN else to_json_value(value)
            for key, value in edit.fields.items()
        },
        "recorded_at": edit.at,
    }


def install_change_capture(session_class: type[Session]) -> None:
    """Register the hook on a session class (done once, by ``store.database``)."""
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
        # A rolled-back transaction must not leave its positions behind for the next one.
        event.listen(session_class, "after_commit", _forget_position)
        event.listen(session_class, "after_rollback", _forget_position)
        event.listen(session_class, "before_commit", _before_commit)
        event.listen(session_class, "after_commit", _keep_notice)  # before it is forgotten
        event.listen(session_class, "after_commit", _forget_audit)
        event.listen(session_class, "after_rollback", _drop_notice)
        event.listen(session_class, "after_rollback", _forget_audit)
