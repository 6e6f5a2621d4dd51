"""The safety net's digests, kept up to date as changes are written.

A digest says which changes a laptop holds and what its records are: two laptops that have
read the same bundles must agree. Worked out from scratch it reads the whole database (11 s
on a 10,000-case laptop, at every `restart-desktop sync`). Here each change held and each
synced record's current state is one item, a SHA-256 kept as eight 32-bit parts
(``SyncDigestItem``); a digest is the sum of the items over the laptop's cases, modulo 2**256,
which SQL adds up. Before each digest only the changes written since the last one are taken
in: their items, and the records they touched hashed again. A change removed (a case erased),
the records worked out again (``sync --rebuild``) or a new day starts the items again from
scratch: a record altered without a change (a bug, a disk error, a hand edit) shows within a
day; one altered by applying a change, at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Integer, delete, func, insert, literal_column, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnClause

from restart_desktop.store.changes import to_json_value
from restart_desktop.store.models import SYNCED_MODELS, Change, LocalSetting, Person, SyncDigestItem

DIGEST_FORMAT = 2  # 1: a SHA-256 over everything, in order (earlier versions)
CHANGES_KIND = "changes"
#: JSON: the last change row taken in, the changes held up to it, and the day the items were
#: last worked out from scratch
CURSOR = "sync_digest_cursor"
_MODELS = {model.__tablename__: model for model in SYNCED_MODELS}
_PARTS = 8
_MASK = (1 << 32) - 1
_BATCH = 500


def _parts(data: bytes) -> dict[str, int]:
    value = int.from_bytes(hashlib.sha256(data).digest(), "big")
    return {f"h{n}": (value >> (32 * n)) & _MASK for n in range(_PARTS)}


def _row_bytes(table: str, row: Sequence[Any]) -> bytes:
    """A record's columns, every one, by name order (dict key order is not content)."""
    return table.encode() + b"\n" + json.dumps([to_json_value(v) for v in row],
                                               sort_keys=True).encode()  # fmt: skip


def _columns(table: str) -> list[Any]:
    return sorted(_MODELS[table].__table__.columns, key=lambda c: c.name)


def _case_of_row(table: str, row: Any) -> str | None:
    """The case a record is counted under (None: on every laptop), as ``holdings`` did."""
    if table == Person.__tablename__:
        return str(row.id)
    person = getattr(row, "person_id", None)
    return str(person) if person is not None else None


def _cursor(s: Session) -> tuple[int, int, str]:
    found = s.get(LocalSetting, CURSOR)
    if found is None:
        return 0, 0, ""
    rowid, count, day = json.loads(found.value)
    return int(rowid), int(count), str(day)


def reset(s: Session) -> None:
    """Start the items again at the next digest (the records were worked out again)."""
    s.execute(delete(SyncDigestItem))
    s.execute(delete(LocalSetting).where(LocalSetting.key == CURSOR))


def bring_up_to_date(s: Session, today: dt.date, at_most: int = 2_000,
                     first: bool = True) -> int:  # fmt: skip
    """Take in up to ``at_most`` of the changes written since the last digest (the caller
    repeats, one short transaction each, until it returns 0; ``first`` on the first call,
    which checks that no change was removed); returns the changes taken in."""
    last_rowid, count_then, day = _cursor(s)
    rowid: ColumnClause[int] = literal_column("changes.rowid", Integer)  # only grows while
    # no change is removed
    if first and last_rowid and (day != today.isoformat() or int(s.execute(
            select(func.count()).select_from(Change).where(rowid <= last_rowid)).scalar_one()
            ) != count_then):  # fmt: skip
        reset(s)  # a new day, or changes removed (a case erased): from scratch
        last_rowid, count_then, day = 0, 0, today.isoformat()
    if not last_rowid:
        day = today.isoformat()
    new = s.execute(select(rowid.label("rowid"), Change.change_id, Change.case_id, Change.entity,
                           Change.record_id).select_from(Change)
                    .where(rowid > last_rowid).order_by(rowid).limit(at_most)).all()  # fmt: skip
    if not new:
        return 0
    _upsert(s, ({"kind": CHANGES_KIND, "key": row.change_id, "case_id": row.case_id,
                 **_parts(row.change_id.encode())} for row in new))  # fmt: skip
    touched: dict[str, set[str]] = {}
    for row in new:
        if row.entity in _MODELS:
            touched.setdefault(row.entity, set()).add(row.record_id)
    for table, ids in touched.items():
        _rehash(s, table, sorted(ids))
    s.merge(LocalSetting(key=CURSOR, value=json.dumps([int(new[-1].rowid),
                                                       count_then + len(new), day])))
    return len(new)


def _rehash(s: Session, table: str, ids: Sequence[str]) -> None:
    model = _MODELS[table]
    columns = _columns(table)
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        rows = s.execute(select(*columns).where(model.id.in_(chunk))).all()
        s.execute(delete(SyncDigestItem).where(SyncDigestItem.kind == table,
                                               SyncDigestItem.key.in_(chunk)))  # fmt: skip
        _upsert(s, ({"kind": table, "key": str(row.id), "case_id": _case_of_row(table, row),
                     **_parts(_row_bytes(table, row))} for row in rows))  # fmt: skip


def _upsert(s: Session, items: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= _BATCH:
            s.execute(insert(SyncDigestItem).prefix_with("OR REPLACE"), batch)
            batch = []
    if batch:
        s.execute(insert(SyncDigestItem).prefix_with("OR REPLACE"), batch)


def sums(s: Session, cases: Sequence[str] | None) -> tuple[str, str]:
    """(the changes' digest, the records' digest) over ``cases`` (None: every case) and the
    team records, as 64 hex digits each."""
    parts = [func.coalesce(func.sum(getattr(SyncDigestItem, f"h{n}")), 0) for n in range(_PARTS)]
    is_change = SyncDigestItem.kind == CHANGES_KIND
    found: dict[bool, int] = {True: 0, False: 0}

    def add(where: Any) -> None:
        for change, *totals in s.execute(select(is_change, *parts).where(where)
                                         .group_by(is_change)):  # fmt: skip
            found[bool(change)] += sum(int(t) << (32 * n) for n, t in enumerate(totals))

    if cases is None:
        add(true())
    else:
        add(SyncDigestItem.case_id.is_(None))
        for start in range(0, len(cases), _BATCH):
            add(SyncDigestItem.case_id.in_(cases[start : start + _BATCH]))
    mask = (1 << 256) - 1
    return f"{found[True] & mask:064x}", f"{found[False] & mask:064x}"
