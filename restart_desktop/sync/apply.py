"""Writing other devices' changes into this laptop's database, and working out the current
state of the records they touch (``sync.merge``) with their conflicts.

Called inside one write transaction per bundle: the changes, the records they touch and the
derived tables (``sync_conflicts``, ``sync_pending``) commit together or not at all. Foreign
keys are checked at commit (``defer_foreign_keys``), so records can be written in any order;
a record whose creation, or a record it refers to, is not here yet waits in ``sync_pending``
and appears when they arrive.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import orjson
from sqlalchemy import Date, Table, delete, inspect, select, text
from sqlalchemy.orm import Session

from restart_desktop.domain.allocation import receives_case
from restart_desktop.domain.merge import ChangeInfo, Merged, bases_of, merge, rules_for
from restart_desktop.domain.retention import ErasureRule
from restart_desktop.domain.roles import keeps_entity
from restart_desktop.store.batches import batches
from restart_desktop.store.bulk import (
    StoredInstant,
    among,
    delete_among,
    driver_cursor,
    ids_here,
    insert_changes,
    insert_rows,
    utc_text_stored,
)
from restart_desktop.store.case_index import (
    audiences,
    case_of_change,
    case_of_record,
    note_audiences,
)
from restart_desktop.store.changes import IMPORTING, note_touched, utcnow
from restart_desktop.store.erasure import ERASED_ENTITY, erase_cases, erasures_here
from restart_desktop.store.instants import read_instant, read_utc
from restart_desktop.store.models import (
    SYNCED_MODELS,
    AuditEntry,
    Base,
    Change,
    Erasure,
    Person,
    SyncConflict,
    SyncedRecord,
    SyncPending,
    SyncSkipped,
)
from restart_desktop.store.types import UtcDateTime
from restart_desktop.sync.digest_totals import rehash_later

MODELS: dict[str, type[SyncedRecord]] = {m.__tablename__: m for m in SYNCED_MODELS}


class UnknownRecordKind(ValueError):
    """A change for a kind of record this version does not know (written by a newer one)."""


_RULES = {name: rules_for(name) for name in MODELS}
_TABLE_ORDER = {table.name: n for n, table in enumerate(Base.metadata.sorted_tables)}


@functools.cache
def _converters(model: type[SyncedRecord]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    table = model.__tablename__
    for column in inspect(model).columns:
        if isinstance(column.type, UtcDateTime):
            found[str(column.key)] = functools.partial(read_instant, table, str(column.key))
        elif isinstance(column.type, Date):
            found[str(column.key)] = dt.date.fromisoformat
    return found


def to_column_value(model: type[SyncedRecord], key: str, value: Any) -> Any:
    """A change's JSON value as the column's Python value (dates and times from ISO text)."""
    if value is None:
        return None
    convert = _converters(model).get(key)
    return convert(value) if convert else value


@functools.cache
def _bulk_converters(model: type[SyncedRecord]) -> dict[str, Any]:
    """``_converters`` for ``insert_rows``: an instant in the usual form of a change's values
    (UTC with microseconds) goes in as its stored text, with no datetime made of it."""
    found = dict(_converters(model))
    for key, convert in _converters(model).items():
        if isinstance(convert, functools.partial):  # an instant: read_instant

            def stored(value: str, parse: Any = convert) -> Any:
                return utc_text_stored(value) or parse(value)

            found[key] = stored
    return found


@functools.cache
def _defaults(model: type[SyncedRecord]) -> dict[str, Any]:
    """Column defaults, for a record whose creation came from a version without the column."""
    found: dict[str, Any] = {}
    for column in inspect(model).columns:
        default: Any = column.default
        if column.key is not None and default is not None and default.is_scalar:
            found[str(column.key)] = default.arg
    return found


@dataclass(frozen=True)
class Applied:
    applied: int  # changes new to this laptop
    held: int  # already here (through another path): never applied twice
    refused_moves: int  # status moves the transition table forbids: kept in the log only
    came_here: bool = False  # a case came to this worker (set by the importer)
    erased: int = 0  # cases erased here by retention tombstones received
    cases_moved: bool = False  # a case's status, hold or worker changed (set by the importer)


def apply_changes(s: Session, raws: Sequence[Mapping[str, Any]]) -> Applied:
    """Store the changes not held yet and bring the records they touch up to date."""
    s.info[IMPORTING] = True
    s.execute(text("PRAGMA defer_foreign_keys = ON"))  # reset by SQLite at commit
    # The stubs of a bundle published again after an erasure: nothing to apply.
    raws = [raw for raw in raws if raw["entity"] != ERASED_ENTITY]
    for raw in raws:
        if str(raw["entity"]) not in MODELS:
            raise UnknownRecordKind(str(raw["entity"]))
    ids = list(dict.fromkeys(str(raw["change_id"]) for raw in raws))
    held: set[str] = set()
    for chunk in batches(ids):
        held.update(ids_here(s, Change.__tablename__, chunk, column="change_id"))
    new: dict[str, Mapping[str, Any]] = {}
    for raw in raws:
        change_id = str(raw["change_id"])
        if change_id not in held and change_id not in new:
            new[change_id] = raw
    touched = dict.fromkeys((str(r["entity"]), str(r["record_id"])) for r in new.values())
    # The records' changes held already, read before the new ones are written: those are
    # here in memory (reading them back was a tenth of a first import).
    loaded = _changes(s, [record_id for _, record_id in touched])
    rows = []
    for raw in new.values():
        recorded_at, recorded_text = _bookkeeping_instant(str(raw["recorded_at"]))
        rows.append(
            {
                **{
                    k: raw[k]
                    for k in (
                        "change_id",
                        "device_id",
                        "seq",
                        "entity",
                        "record_id",
                        "base_change_id",
                        "hlc",
                        "author_id",
                        "fields",
                    )
                },
                "bases": raw.get("bases"),
                "case_id": case_of_change(s, raw),
                "recorded_at": recorded_at,
            }
        )
        loaded.setdefault(str(raw["record_id"]), []).append(
            ChangeInfo(
                str(raw["change_id"]),
                str(raw["hlc"]),
                bases_of(raw.get("bases"), raw.get("base_change_id")),
                dict(raw["fields"]),
                str(raw["author_id"]),
                recorded_text,
            )
        )
    insert_changes(s, rows)
    refused = settle(s, list(touched), loaded=loaded)
    # A case erased under the retention rule is erased here too, with its changes.
    ending = sorted(
        {
            str(raw["fields"].get("case_id"))
            for raw in new.values()
            if raw["entity"] == Erasure.__tablename__
            and raw["fields"].get("rule") == ErasureRule.RETENTION.value
        }
    )
    erased = 0
    if ending:
        present = set(s.scalars(select(Person.id).where(Person.id.in_(ending))))
        erase_cases(s, ending, _own_device(s), scrub=True)
        erased = len(present)
    return Applied(len(new), len(raws) - len(new), refused, erased=erased)


def _bookkeeping_instant(text: str) -> tuple[dt.datetime | StoredInstant, str]:
    """A change's ``recorded_at`` as written to the database and as ISO text in UTC: the
    usual form as it is (a first import reads some 400,000), any other parsed."""
    stored = _stored_bookkeeping(text)
    return stored, (text if isinstance(stored, StoredInstant) else stored.isoformat())


@functools.lru_cache(maxsize=4096)
def _stored_bookkeeping(text: str) -> dt.datetime | StoredInstant:
    """A ``ChangeInfo.recorded_at`` as a bookkeeping column's value for ``insert_rows``
    (remembered a while: a new record's ``created_at`` is its change's ``recorded_at``, read
    a moment before)."""
    return utc_text_stored(text) or read_utc(text)


def _own_device(s: Session) -> str:
    """This laptop's device, from the session's actor."""
    return str(getattr(s.info.get("actor"), "device_id", ""))


def keep_for_this_laptop(
    s: Session,
    raws: Sequence[Mapping[str, Any]],
    worker_id: str,
    supervisor: bool,
    bundle: tuple[str, int, int],
    role: str = "",
) -> list[Mapping[str, Any]]:
    """The changes of a bundle this laptop keeps: all of them on a supervisor's laptop; on a
    worker's, team records and the cases that are theirs or shared with them. The index learns
    from every change first (a bundle may allocate a case and carry its records), and each
    case left out is remembered with the bundle (``bundle``: device, from, to), to be read
    again if the case comes to this worker."""
    note_audiences(s, raws)
    alongside = {
        str(raw["record_id"]): str(raw["fields"]["person_id"])
        for raw in raws
        if (raw.get("fields") or {}).get("person_id")
    }
    cases = {raw["change_id"]: case_of_change(s, raw, alongside) for raw in raws}
    # A case erased under the retention rule stays erased: its later changes are not kept
    # (the audit trail's entries are: each device's chain must stay whole). A closed case
    # erased from this laptop is not kept while it stays closed, like a case of another worker.
    gone = erasures_here(s, [c for c in cases.values() if c], device_id=_own_device(s))
    if gone:
        raws = [
            raw
            for raw in raws
            if gone.get(cases[raw["change_id"]] or "") != ErasureRule.RETENTION
            or raw["entity"] == AuditEntry.__tablename__
        ]
    if supervisor:
        return list(raws)
    if role and not keeps_entity(role, "contact_notes"):
        # An allocator's laptop: the intake of every case, never its notes, referrals'
        # details or scores (nothing to read again later either: it never wants them).
        return [raw for raw in raws if keeps_entity(role, str(raw["entity"]))]
    known = audiences(s, [c for c in cases.values() if c])
    kept: list[Mapping[str, Any]] = []
    left: set[str] = set()
    for raw in raws:
        case_id = cases[raw["change_id"]]
        if case_id is not None and gone.get(case_id) == ErasureRule.RETENTION:
            continue  # an audit entry about it: a supervisor's to hold
        if case_id is None or (
            case_id not in gone and receives_case(worker_id, False, known.get(case_id))
        ):
            kept.append(raw)
        else:
            left.add(case_id)
    device, first, last = bundle
    for case_id in sorted(left):
        if s.get(SyncSkipped, (case_id, device, first)) is None:
            s.add(SyncSkipped(case_id=case_id, device_id=device, from_seq=first, to_seq=last))
    return kept


def settle(
    s: Session,
    records: Sequence[tuple[str, str]],
    *,
    all_pending: bool = True,
    loaded: dict[str, list[ChangeInfo]] | None = None,
) -> int:
    """Work out the current state of ``records`` (entity, id) and of the records waiting for
    them, from their changes (``loaded``: every change of ``records``, by record id, when the
    caller has them); returns the status moves refused."""
    keys = dict.fromkeys(records)
    waited: list[tuple[str, str]] = []  # records that waited since an earlier transaction
    if all_pending:
        waiting_here = s.connection().exec_driver_sql("SELECT entity, record_id FROM sync_pending")
        waited = [(str(entity), str(record)) for entity, record in waiting_here]
        keys.update(dict.fromkeys(waited))
    if not keys:
        return 0
    record_ids = [record_id for _, record_id in keys]
    if loaded is None:
        loaded = _changes(s, record_ids)
    else:
        known = {record_id for _, record_id in records}
        loaded.update(_changes(s, [r for r in record_ids if r not in known]))
    rows = _rows(s, list(keys))
    detected = _detected(s, record_ids)
    delete_among(s, SyncConflict.__tablename__, "record_id", record_ids)
    delete_among(s, SyncPending.__tablename__, "record_id", record_ids)
    waiting: list[tuple[str, str]] = []
    refused = 0
    merged: dict[tuple[str, str], Merged] = {}
    for key in keys:
        result = merge(loaded.get(key[1], []), _RULES[key[0]])
        if result is None or (result.missing and key not in rows):
            waiting.append(key)
            continue
        merged[key] = result
        refused += len(result.refused)
    # A record appears once every record it refers to is here (or appears in this pass).
    present = set(rows)
    progress = True
    todo = list(merged)
    parents = {key: _parents_of(key[0], merged[key]) for key in todo}
    new_rows: dict[type[SyncedRecord], list[dict[str, Any]]] = {}
    while progress and todo:
        progress, later = False, []
        present |= _existing_parents(s, [parents[k] for k in todo], present)
        for key in todo:
            result = merged[key]
            if result.missing or not present.issuperset(parents[key]):
                later.append(key)
                continue
            row = rows.get(key)
            # Announced when the transaction commits (the hook does not see bulk writes).
            note_touched(s, case_of_record(key[0], key[1], result.values.get("person_id")), key[0])
            if row is None and not result.conflicts:  # the usual case: a record new here
                model = MODELS[key[0]]
                new_rows.setdefault(model, []).append(_new_row(model, key[1], result))
            else:
                _write(s, key, result, row, detected)
            present.add(key)
            progress = True
        todo = later
    # Parents before children: with no foreign key outstanding, SQLite never has to look for
    # orphans when a parent arrives (a scan of the child table per row, without an index).
    for model in sorted(new_rows, key=lambda m: _TABLE_ORDER[m.__tablename__]):
        if model.__tablename__ in _BY_CONTACT_TIME:
            # The search index takes entries in rowid (contact time) order: one out of order
            # makes FTS5 write out what it holds in memory as a new segment, and a bundle's
            # notes in the order written did that at nearly every note.
            new_rows[model].sort(key=_contact_time)
        insert_rows(s, cast(Table, model.__table__), new_rows[model])
    waiting.extend(todo)
    still = set(waiting)
    written_late = [key for key in waited if key not in still]
    if written_late:  # written now, maybe after the digest took in their changes
        rehash_later(s, written_late)
    now = utcnow()
    for entity, record_id in waiting:
        s.add(SyncPending(record_id=record_id, entity=entity, since=now))
    return refused


_BY_CONTACT_TIME = frozenset({"contact_notes"})


def _contact_time(row: Mapping[str, Any]) -> str:
    return str(row["contact_at"])


#: The changes of some records, below the ORM (the import asks at every bundle).
_CHANGES_OF = (
    "SELECT change_id, hlc, bases, base_change_id, fields, author_id, recorded_at, record_id"
    " FROM changes WHERE record_id IN (SELECT value FROM json_each(?))"
)


def _changes(s: Session, record_ids: Sequence[str]) -> dict[str, list[ChangeInfo]]:
    found: dict[str, list[ChangeInfo]] = {}
    driver = driver_cursor(s)
    for chunk in batches(list(dict.fromkeys(record_ids))):
        rows = driver.execute(_CHANGES_OF, (orjson.dumps(chunk).decode(),)).fetchall()
        for change_id, hlc, bases, base, fields, author, recorded, record_id in rows:
            found.setdefault(record_id, []).append(
                ChangeInfo(
                    change_id,
                    hlc,
                    bases_of(orjson.loads(bases) if bases else None, base),
                    orjson.loads(fields),
                    author,
                    _stored_utc(recorded).isoformat(),
                )
            )
    return found


def _stored_utc(stored: str) -> dt.datetime:
    """An instant as ``UtcDateTime`` stores it (naive UTC text), as the ORM reads it."""
    return dt.datetime.fromisoformat(stored).replace(tzinfo=dt.UTC)


def _rows(s: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], SyncedRecord]:
    by_entity: dict[str, list[str]] = {}
    for entity, record_id in keys:
        by_entity.setdefault(entity, []).append(record_id)
    found: dict[tuple[str, str], SyncedRecord] = {}
    for entity, record_ids in by_entity.items():
        model = MODELS[entity]
        # Usually none are here yet (the records are new): their ids first, so that only
        # those here become ORM objects.
        here = ids_here(s, entity, record_ids)
        for chunk in batches(here):
            for row in s.scalars(select(model).where(among(model.id, chunk))):
                found[(entity, row.id)] = row
    return found


def _detected(
    s: Session, record_ids: Sequence[str]
) -> dict[tuple[str, str], tuple[tuple[str, ...], dt.datetime]]:
    """When each open conflict was first seen (kept while it is the same conflict)."""
    found = {}
    driver = driver_cursor(s)
    query = (
        "SELECT record_id, field, change_ids, detected_at FROM sync_conflicts"
        " WHERE record_id IN (SELECT value FROM json_each(?))"
    )
    for chunk in batches(list(dict.fromkeys(record_ids))):
        for record_id, name, change_ids, detected_at in driver.execute(
            query, (orjson.dumps(chunk).decode(),)
        ).fetchall():
            found[(record_id, name)] = (tuple(orjson.loads(change_ids)), _stored_utc(detected_at))
    return found


@functools.cache
def _references(entity: str) -> list[tuple[str, str]]:
    """(column, table it refers to) for the record kind's foreign keys."""
    found = []
    for column in inspect(MODELS[entity]).columns:
        for foreign in column.foreign_keys:
            found.append((str(column.key), foreign.column.table.name))
    return found


def _parents_of(entity: str, result: Merged) -> tuple[tuple[str, Any], ...]:
    """(table, id) of the records a record refers to."""
    values = result.values
    return tuple(
        (table, values[column])
        for column, table in _references(entity)
        if values.get(column) is not None
    )


def _existing_parents(
    s: Session, items: Iterable[tuple[tuple[str, Any], ...]], present: set[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Of the records referred to (``_parents_of`` each), those here already."""
    wanted: dict[str, set[str]] = {}
    for refs in items:
        for table, value in refs:
            if (table, value) not in present:
                wanted.setdefault(table, set()).add(str(value))
    found: set[tuple[str, str]] = set()
    for table, ids in wanted.items():
        found.update((table, i) for i in ids_here(s, table, sorted(ids)))
    return found


def _new_row(model: type[SyncedRecord], record_id: str, result: Merged) -> dict[str, Any]:
    values = dict(_defaults(model))
    convert = _bulk_converters(model)
    for name, value in result.values.items():
        values[name] = convert[name](value) if value is not None and name in convert else value
    created_at = _stored_bookkeeping(result.created.recorded_at)
    values.update(
        id=record_id,
        created_at=created_at,
        created_by=result.created.author_id,
        updated_at=(
            created_at
            if result.latest is result.created
            else _stored_bookkeeping(result.latest.recorded_at)
        ),
        updated_by=result.latest.author_id,
        last_change_id=result.latest.change_id,
    )
    return values


def _write(
    s: Session,
    key: tuple[str, str],
    result: Merged,
    row: SyncedRecord | None,
    detected: Mapping[tuple[str, str], tuple[tuple[str, ...], dt.datetime]],
) -> None:
    entity, record_id = key
    model = MODELS[entity]
    if row is None:
        row = model(id=record_id)
        s.add(row)
        content = result.values.items()
    else:
        # An append-only record made on two laptops (the same checklist snapshot) keeps its
        # content; only who made it first and its latest change settle.
        content = {}.items() if _RULES[entity].immutable else result.values.items()
    for name, value in content:
        setattr(row, name, to_column_value(model, name, value))
    row.created_at = read_utc(result.created.recorded_at)
    row.created_by = result.created.author_id
    row.updated_at = read_utc(result.latest.recorded_at)
    row.updated_by = result.latest.author_id
    row.last_change_id = result.latest.change_id
    now = utcnow()
    for conflict in result.conflicts:
        before = detected.get((record_id, conflict.field))
        s.add(
            SyncConflict(
                record_id=record_id,
                field=conflict.field,
                entity=entity,
                change_ids=list(conflict.change_ids),
                values=list(conflict.values),
                winner_change_id=conflict.winner_change_id,
                detected_at=before[1] if before and before[0] == conflict.change_ids else now,
            )
        )


def rebuild(s: Session) -> int:
    """Work out every record's current state again from the changes (the safety net when this
    laptop's state disagrees with the team's digest). Returns the records settled."""
    s.info[IMPORTING] = True
    s.execute(text("PRAGMA defer_foreign_keys = ON"))
    first_seen: dict[tuple[str, str], str] = {}
    for entity, record_id, hlc in s.execute(
        select(Change.entity, Change.record_id, Change.hlc).order_by(Change.hlc)
    ):
        first_seen.setdefault((entity, record_id), hlc)
    keys = list(first_seen)  # creations in clock order: a record after those it refers to
    s.execute(delete(SyncConflict))
    s.execute(delete(SyncPending))
    for start in range(0, len(keys), 2000):
        settle(s, keys[start : start + 2000], all_pending=start + 2000 >= len(keys))
        s.flush()
    return len(keys)
