"""The safety net's digests, kept up to date as changes are written, as running totals.

A digest says which changes a laptop holds and what its records are: two laptops that have
read the same bundles must agree. Each change held and each synced record's current state
counts as a SHA-256 taken as eight 32-bit parts; a digest is their sum over the laptop's
cases, modulo 2**256. The sums are kept per case (``SyncDigestTotal``), so a digest adds up
a row per case, and keeping them follows the changes written since the last digest: a
change's hash is added to its case's total once; a record touched is hashed again and its old
hash (``SyncDigestItem``) taken out. Cases erased (``store.erasure``) are taken out of the
totals at the next digest. Once a day the records are hashed again from scratch (a record
altered without a change: a bug, a disk error, a hand edit, shows within a day; one altered
by applying a change, at once) and the changes counted against the totals; ``sync --rebuild``
starts everything again. Each step is one short transaction (``bring_up_to_date``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from sqlalchemy import JSON, Integer, delete, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause

from restart_desktop.store.batches import batches
from restart_desktop.store.bulk import among, driver_cursor
from restart_desktop.store.erasure import DIGEST_ERASED
from restart_desktop.store.models import (
    SYNCED_MODELS,
    Change,
    LocalSetting,
    Person,
    SyncDigestItem,
    SyncDigestTotal,
)
from restart_desktop.store.types import UtcDateTime

#: 1: a SHA-256 over everything, in order; 2: the sums, records as ``json.dumps``; 3: the
#: same sums, records as compact UTF-8 JSON (orjson)
DIGEST_FORMAT = 3
#: JSON: where the digest stands (``_Cursor``)
CURSOR = "sync_digest_cursor"
#: JSON: records written after their changes were taken in ([table, id] pairs), to be hashed
#: again at the next step (``rehash_later``)
LATE = "sync_digest_late"
_MODELS = {model.__tablename__: model for model in SYNCED_MODELS}
_TABLES = sorted(_MODELS)
_PARTS = 8
_HALVES = struct.Struct(">8I")
_BATCH = 500
_STEP = 2_000  # changes or records in one step of ``bring_up_to_date``
_ROWID: ColumnClause[int] = literal_column("changes.rowid", Integer)  # rows are read in the
# order they were written; a number is given again only after the highest rows were deleted
# (an erasure, which says so: ``DIGEST_ERASED``)
_H = [getattr(SyncDigestTotal, f"h{n}") for n in range(_PARTS)]

Key = tuple[str, bool]  # (case key, changes)


class Sums:
    """What a step adds to and takes out of the totals, per key: SHA-256 digests added (summed
    part by part at the end, in C: a first import adds some 800,000) and parts counted one by
    one (items taken out)."""

    def __init__(self) -> None:
        self.digests: dict[Key, list[bytes]] = {}
        self.counted: dict[Key, list[int]] = {}  # [count, h0, ..., h7]

    def __bool__(self) -> bool:
        return bool(self.digests or self.counted)

    def add(self, key: Key, digest: bytes) -> None:
        found = self.digests.get(key)
        if found is None:
            self.digests[key] = [digest]
        else:
            found.append(digest)

    def totals(self) -> dict[Key, list[int]]:
        """[count, h0, ..., h7] per key."""
        found = {key: list(total) for key, total in self.counted.items()}
        for key, digests in self.digests.items():
            total = found.setdefault(key, [0] * (_PARTS + 1))
            total[0] += len(digests)
            columns = list(zip(*_HALVES.iter_unpack(b"".join(digests)), strict=True))
            for n in range(_PARTS):  # the parts unpacked highest first
                total[n + 1] += sum(columns[_PARTS - 1 - n])
        return found


def _columns(table: str) -> list[Any]:
    return sorted(_MODELS[table].__table__.columns, key=lambda c: c.name)


_ID = {table: [c.name for c in _columns(table)].index("id") for table in _MODELS}


@dataclass
class _Cursor:
    rowid: int = 0  # the last change row taken in
    day: str = ""  # when the records were last hashed from scratch (and the changes counted)
    table: int = -1  # the records being hashed from scratch: the table (in ``_TABLES``)...
    after: str = ""  # ...and the last record id done in it; -1: not under way
    counted: bool = True  # the changes counted against the totals on ``day``

    def covers(self, table: str, record_id: str) -> bool:
        """Whether the record has its item (the pass from scratch has been past it)."""
        if self.table < 0:
            return True
        at = _TABLES.index(table)
        return at < self.table or (at == self.table and record_id <= self.after)


def _cursor(s: Session) -> _Cursor:
    found = s.get(LocalSetting, CURSOR)
    if found is None:
        return _Cursor()
    saved = json.loads(found.value)
    return _Cursor(**saved) if isinstance(saved, dict) else _Cursor()  # a list: format 2


def reset(s: Session) -> None:
    """Start again from scratch at the next digest (the records were worked out again)."""
    s.execute(delete(SyncDigestItem))
    s.execute(delete(SyncDigestTotal))
    s.execute(delete(LocalSetting).where(LocalSetting.key.in_([CURSOR, DIGEST_ERASED, LATE])))


def rehash_later(s: Session, records: Iterable[tuple[str, str]]) -> None:
    """Records (table, id) written without a change of their own: one that waited in
    ``sync_pending`` for its creation or a record it refers to is written when that comes,
    maybe after the digest took in its changes (which hashed it while it was not there). They
    are hashed again at the next step; hashing a record twice is harmless."""
    found = s.get(LocalSetting, LATE)
    held = {(str(table), str(key)) for table, key in json.loads(found.value)} if found else set()
    s.merge(LocalSetting(key=LATE, value=json.dumps(sorted(held | set(records)))))


def bring_up_to_date(s: Session, today: dt.date, at_most: int = _STEP) -> int:
    """One step towards an up-to-date digest: the cases erased since the last; or up to
    ``at_most`` of the changes written since; or, once a day, ``at_most`` records hashed from
    scratch, and at last the changes counted. The caller repeats, one short transaction
    each, until it returns 0. Returns the cases, changes or records taken in."""
    cursor = _cursor(s)
    before = asdict(cursor)
    sums = Sums()
    done = _take_out_erased(s, cursor, sums) or _take_in_late(s, cursor, sums)
    if not done:
        if cursor.day != today.isoformat():  # a new day: the records from scratch
            s.execute(delete(SyncDigestItem))
            s.execute(delete(SyncDigestTotal).where(SyncDigestTotal.changes.is_(False)))
            cursor.day, cursor.table, cursor.after = today.isoformat(), 0, ""
            cursor.counted = False
        done = _take_in_changes(s, cursor, at_most, sums)
    if not done and cursor.table >= 0:
        done = _hash_records(s, cursor, at_most, sums)
    if not done and not cursor.counted:
        done = _count_changes(s, cursor)
    _add(s, sums)
    if asdict(cursor) != before:
        s.merge(LocalSetting(key=CURSOR, value=json.dumps(asdict(cursor))))
    return done


def keep_up(s: Session, today: dt.date, written: int) -> None:
    """Steps of ``bring_up_to_date`` in the caller's transaction, about twice ``written``
    changes' worth: a sync import calls it as it commits a batch of changes, whose records are
    still in the page cache, so the digest after the import has little left to do (and a new
    laptop's first one no pass from scratch over everything it received)."""
    s.flush()  # the records written through the ORM too
    budget = 2 * written
    while budget > 0:
        done = bring_up_to_date(s, today, min(_STEP, budget))
        s.flush()  # the cursor, read again by the next step
        if not done:
            return
        budget -= done


def _take_in_changes(s: Session, cursor: _Cursor, at_most: int, sums: Sums) -> int:
    new = (
        driver_cursor(s)
        .execute(
            "SELECT rowid, change_id, case_id, entity, record_id FROM changes WHERE rowid > ? "
            "ORDER BY rowid LIMIT ?",
            (cursor.rowid, at_most),
        )
        .fetchall()
    )
    if not new:
        return 0
    touched: dict[str, list[str]] = {}
    for _rowid, change_id, case_id, entity, record_id in new:
        sums.add((case_id or "", True), hashlib.sha256(change_id.encode()).digest())
        # records the pass from scratch has still to reach are hashed when it does
        if entity in _MODELS and cursor.covers(entity, record_id):
            touched.setdefault(entity, []).append(record_id)
    for table, ids in touched.items():
        _rehash(s, table, sorted(set(ids)), sums)
    cursor.rowid = int(new[-1][0])
    return len(new)


def _hash_records(s: Session, cursor: _Cursor, at_most: int, sums: Sums) -> int:
    """The next records of the pass from scratch, table by table in id order."""
    while cursor.table < len(_TABLES):
        table = _TABLES[cursor.table]
        ids = [
            row[0]
            for row in s.connection().exec_driver_sql(
                f'SELECT id FROM "{table}" WHERE id > ? ORDER BY id LIMIT ?',  # noqa: S608 - table and column names from the ORM models; values bound
                (cursor.after, at_most),
            )
        ]
        if ids:
            _rehash(s, table, ids, sums)
            cursor.after = ids[-1]
            return len(ids)
        cursor.table, cursor.after = cursor.table + 1, ""
    cursor.table = -1
    return 0


def _count_changes(s: Session, cursor: _Cursor) -> int:
    """Once a day: the changes held against the totals' count. Fewer (removed other than by
    an erasure) or more: the changes' totals again from scratch."""
    cursor.counted = True  # every change is taken in by now (this transaction): all count
    held = int(s.execute(select(func.count()).select_from(Change)).scalar_one())
    counted = s.execute(
        select(func.sum(SyncDigestTotal.count)).where(SyncDigestTotal.changes.is_(True))
    ).scalar()
    if held == int(counted or 0):
        return 0
    s.execute(delete(SyncDigestTotal).where(SyncDigestTotal.changes.is_(True)))
    cursor.rowid = 0
    return 1


def _take_out_erased(s: Session, cursor: _Cursor, sums: Sums) -> int:
    """The cases erased since the last digest: their changes' totals counted again from the
    changes left (an erasure keeps the audit trail's), their records hashed again (those gone
    leave the totals). Returns the cases."""
    found = s.get(LocalSetting, DIGEST_ERASED)
    if found is None:
        return 0
    erased = json.loads(found.value)
    cursor.rowid = min(cursor.rowid, int(erased["rowid"]))
    cases: list[str] = erased["cases"]
    for chunk in batches(cases, _BATCH):
        s.execute(
            delete(SyncDigestTotal).where(
                SyncDigestTotal.changes.is_(True), among(SyncDigestTotal.case_key, chunk)
            )
        )
        for change_id, case_id in s.execute(
            select(Change.change_id, Change.case_id).where(
                among(Change.case_id, chunk), cursor.rowid >= _ROWID
            )
        ):
            sums.add((case_id or "", True), hashlib.sha256(change_id.encode()).digest())
        held: dict[str, list[str]] = {}
        for kind, key in s.execute(
            select(SyncDigestItem.kind, SyncDigestItem.key).where(
                among(SyncDigestItem.case_id, chunk)
            )
        ):
            held.setdefault(kind, []).append(key)
        for table, ids in held.items():
            _rehash(s, table, sorted(ids), sums)
    s.delete(found)
    return max(len(cases), 1)


def _take_in_late(s: Session, cursor: _Cursor, sums: Sums) -> int:
    """The records written after their changes were taken in (``rehash_later``), hashed
    again (those the pass from scratch has still to reach are hashed when it does)."""
    found = s.get(LocalSetting, LATE)
    if found is None:
        return 0
    late: dict[str, set[str]] = {}
    for table, record_id in json.loads(found.value):
        if table in _MODELS and cursor.covers(table, record_id):
            late.setdefault(table, set()).add(record_id)
    for table, ids in late.items():
        _rehash(s, table, sorted(ids), sums)
    s.delete(found)
    return max(sum(len(ids) for ids in late.values()), 1)


def _instant(stored: str) -> str:
    """A stored instant as ISO text in UTC, however it was stored."""
    if len(stored) == 26 and stored[10] == " " and stored[19] == ".":
        # As UtcDateTime stores it (UTC, microseconds): the same text without parsing it (a
        # first digest reads a million of them), whole seconds without a fraction as
        # ``isoformat`` writes them.
        return (
            f"{stored[:10]}T{stored[11:19]}"
            if stored[20:] == "000000"
            else f"{stored[:10]}T{stored[11:]}"
        )
    value = dt.datetime.fromisoformat(stored)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat()


@functools.cache
def _reading(table: str) -> tuple[str, tuple[Callable[[Any], Any] | None, ...], int]:
    """How a table's records are read for hashing: the SELECT of every column by name, how
    each stored value is made the same on every laptop (instants as UTC ISO text, JSON
    parsed), and where the case is (-1: none)."""
    columns = _columns(table)
    names = [column.name for column in columns]
    normal = tuple(
        _instant
        if isinstance(column.type, UtcDateTime)
        else orjson.loads
        if isinstance(column.type, JSON)
        else None
        for column in columns
    )
    case = (
        names.index("id" if table == Person.__tablename__ else "person_id")
        if (table == Person.__tablename__ or "person_id" in names)
        else -1
    )
    listed = ", ".join(f'"{name}"' for name in names)
    query = f'SELECT {listed} FROM "{table}" WHERE id IN (SELECT value FROM json_each(?))'  # noqa: S608 - table and column names from the ORM models; values bound
    return query, normal, case


_TAKE_OUT = (
    "DELETE FROM sync_digest_items WHERE kind = ? AND key IN (SELECT value FROM "  # noqa: S608 - code-owned names
    "json_each(?)) RETURNING case_id, " + ", ".join(f"h{n}" for n in range(_PARTS))
)
_PUT_IN = (
    "INSERT INTO sync_digest_items (kind, key, case_id, "  # noqa: S608 - code-owned names
    + ", ".join(f"h{n}" for n in range(_PARTS))
    + ") VALUES (?, ?, ?"
    + ", ?" * _PARTS
    + ")"
)


def _rehash(s: Session, table: str, ids: Sequence[str], sums: Sums) -> None:
    """Hash the records again: their old items out of the totals, the new ones in (a record
    no longer here leaves none)."""
    query, normal, case_at = _reading(table)
    driver = driver_cursor(s)
    prefix = table.encode() + b"\n"
    for chunk in batches(ids, _BATCH):
        listed = json.dumps(list(chunk))
        for old in driver.execute(_TAKE_OUT, (table, listed)).fetchall():
            _count(sums, (old[0] or "", False), old[1:], -1)
        items = []
        for row in driver.execute(query, (listed,)).fetchall():
            values = [
                value if convert is None or value is None else convert(value)
                for convert, value in zip(normal, row, strict=True)
            ]
            digest = hashlib.sha256(
                prefix + orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
            ).digest()
            case = str(row[case_at]) if case_at >= 0 and row[case_at] is not None else ""
            sums.add((case, False), digest)
            items.append((table, values[_ID[table]], case or None, *_HALVES.unpack(digest)[::-1]))
        if items:
            driver.executemany(_PUT_IN, items)


def _count(sums: Sums, key: Key, parts: Iterable[int], sign: int) -> None:
    total = sums.counted.get(key)
    if total is None:
        total = sums.counted[key] = [0] * (_PARTS + 1)
    total[0] += sign
    for n, part in enumerate(parts, start=1):
        total[n] += sign * part


_ADD = (
    "INSERT INTO sync_digest_totals (case_key, changes, count, "  # noqa: S608 - code-owned names
    + ", ".join(f"h{n}" for n in range(_PARTS))
    + ") VALUES (?, ?, ?"
    + ", ?" * _PARTS
    + ") ON CONFLICT (case_key, changes) DO UPDATE SET count = count + excluded.count, "
    + ", ".join(f"h{n} = h{n} + excluded.h{n}" for n in range(_PARTS))
)


def _add(s: Session, sums: Sums) -> None:
    """Add the step's sums to the running totals."""
    if sums:
        s.connection().exec_driver_sql(
            _ADD,
            [
                (case, int(changes), *total)
                for (case, changes), total in sorted(sums.totals().items())
            ],
        )


def sums(s: Session, cases: Sequence[str] | None) -> tuple[str, str]:
    """(the changes' digest, the records' digest) over ``cases`` (None: every case) and the
    team records, as 64 hex digits each."""
    totals = [func.coalesce(func.sum(part), 0) for part in _H]
    found: dict[bool, int] = {True: 0, False: 0}

    def add(*where: Any) -> None:
        for changes, *parts in s.execute(
            select(SyncDigestTotal.changes, *totals).where(*where).group_by(SyncDigestTotal.changes)
        ):
            found[bool(changes)] += sum(int(t) << (32 * n) for n, t in enumerate(parts))

    if cases is None:
        add()
    else:
        add(SyncDigestTotal.case_key == "")
        for chunk in batches(cases, _BATCH):
            add(SyncDigestTotal.case_key.in_(chunk))
    mask = (1 << 256) - 1
    return f"{found[True] & mask:064x}", f"{found[False] & mask:064x}"
