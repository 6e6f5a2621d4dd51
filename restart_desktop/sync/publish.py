"""Publishing this device's changes in the central export: its changes read as published
(one JSON line each, built by SQLite), sealed as format 3 bundles (one part per audience,
then the manifest) and written in order, the next one sealed while the last is written.
Where the export position comes from: ``sync.own_folder``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import islice
from typing import Any, NamedTuple

import orjson
from sqlalchemy import String, literal_column, select, type_coerce
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from restart_desktop.domain.allocation import CaseAudience
from restart_desktop.store.changes import to_json_value, utcnow
from restart_desktop.store.erasure import ERASED_ENTITY
from restart_desktop.store.migrate import HEAD_REVISION
from restart_desktop.store.models import Change, SyncCaseIndex, SyncErasedSeq, SyncPublished
from restart_desktop.sync.audience import ROUTE_KINDS, Audience, TeamAudiences, route_of
from restart_desktop.sync.bundle import BundleError
from restart_desktop.sync.envelope import DeviceKeys, EnvelopeError, encrypt, sign, verify
from restart_desktop.sync.folder import Published, bundle_name, part_name
from restart_desktop.sync.laptop import Laptop
from restart_desktop.sync.parts import PartEntry, encode_manifest, encode_part_lines, runs_of
from restart_desktop.sync.roster import Roster
from restart_desktop.sync.target import Target

#: A reader applies each bundle whole in one transaction, with the device's new position; a
#: worker's save made meanwhile waits for that transaction (its turn: store/writer.py). On a
#: supervisor's 10,000-case laptop a 5,000-change bundle held the write lock for about 1.3 s
#: and a 1,000-change one for up to 0.8 s (tests/benchmarks/bench_busy.py). Bundles published
#: before this was lowered keep their size; a save waits longer for them, and succeeds.
MAX_CHANGES_PER_BUNDLE = 500
#: The clock time of a stub published again for a change no longer held (erased): it only
#: keeps the change's place in the sequence.
_STUB_CLOCK = "000000000000000-000000"


#: A change as published, built by SQLite as one JSON object per row: building 400,000
#: dictionaries in Python from the columns (and before that, ORM objects) was most of a first
#: full export. ``recorded_at`` is stored as SQLAlchemy's UTC text, "2026-06-10 13:05:00.000000",
#: and published as ISO with its offset, "2026-06-10T13:05:00+00:00" (``datetime.isoformat``:
#: no fraction when it is 0); a value stored otherwise comes out null, worked out in Python.
_PUBLISHED_JSON = """json_object(
    'author_id', author_id, 'base_change_id', base_change_id,
    'bases', CASE WHEN bases IS NOT NULL AND bases != 'null' THEN json(bases)
                  WHEN base_change_id IS NOT NULL THEN json_array(base_change_id)
                  ELSE json_array() END,
    'case_id', case_id, 'change_id', change_id, 'device_id', device_id, 'entity', entity,
    'fields', json(fields), 'hlc', hlc, 'record_id', record_id,
    'recorded_at', CASE WHEN length(recorded_at) = 26 AND substr(recorded_at, 11, 1) = ' '
        THEN substr(recorded_at, 1, 10) || 'T' || CASE WHEN substr(recorded_at, 20) = '.000000'
            THEN substr(recorded_at, 12, 8) ELSE substr(recorded_at, 12) END || '+00:00' END,
    'seq', seq)"""
_PUBLISHED = literal_column(_PUBLISHED_JSON, String)
#: The same for a range of sequences, as one row: the lines joined by SQLite. A first full
#: export reads 400,000 changes; a row each (the driver lets go of the interpreter at every
#: row, and takes it back while the sealing threads hold it) made the reading thread wait
#: half its time, and the reading was the export's slowest step (tests/benchmarks/bench_sync.py).
#: A JSON text never holds a raw newline. The aggregates see the rows in the index's order
#: (by sequence); ``_range_lines`` still puts them in order.
_PUBLISHED_RANGE = (
    "SELECT group_concat(seq, ' '), group_concat(coalesce(case_id, ''), ' '),"  # noqa: S608
    f" group_concat(entity, ' '), group_concat({_PUBLISHED_JSON}, char(10))"
    " FROM changes WHERE device_id = ? AND seq BETWEEN ? AND ?"
)
_READ_RANGE = 500  # sequences read by one statement


class Line(NamedTuple):
    """One change as published: its sequence, its case (None: a team record), its kind of
    record, and its JSON line (keys sorted; the ``fields`` object as stored)."""

    seq: int
    case_id: str | None
    entity: str
    text: bytes


def _held(s: Session, device: str, first: int, last: int) -> dict[int, Line]:
    """This device's changes held from ``first`` to ``last`` as published, by sequence
    (``_READ_RANGE`` sequences a statement: re-encrypting a laptop's history for a changed
    team reads every bundle's changes again)."""
    driver = s.connection()
    found: dict[int, Line] = {}
    for start in range(first, last + 1, _READ_RANGE):
        end = min(last, start + _READ_RANGE - 1)
        for line in _range_lines(
            s, device, driver.exec_driver_sql(_PUBLISHED_RANGE, (device, start, end))
        ):
            found[line.seq] = line
    return found


def _held_each(s: Session, device: str, first: int, last: int) -> dict[int, Line]:
    """``_held`` a row at a time, each line's time worked out in Python where SQLite could
    not (stored in another form)."""
    query = select(
        Change.seq,
        Change.case_id,
        Change.entity,
        _PUBLISHED,
        type_coerce(Change.recorded_at, String),
    ).where(Change.device_id == device, Change.seq.between(first, last))
    return {row[0]: _line(*row) for row in s.execute(query)}


def _line(seq: int, case_id: str | None, entity: str, line: str, stored_at: str) -> Line:
    text = line.encode()
    if b'"recorded_at":null' in text:  # stored otherwise: its time worked out here
        change = orjson.loads(text)
        change["recorded_at"] = (
            dt.datetime.fromisoformat(stored_at).replace(tzinfo=dt.UTC).isoformat()
        )  # stored as UTC (store.types.UtcDateTime)
        text = orjson.dumps(change, option=orjson.OPT_SORT_KEYS)
    return Line(seq, case_id, entity, text)


def _stub(device: str, seq: int, hlc: str) -> Line:
    stub = {
        "change_id": f"{device}:{seq}",
        "device_id": device,
        "seq": seq,
        "entity": ERASED_ENTITY,
        "record_id": "",
        "case_id": None,
        "base_change_id": None,
        "bases": [],
        "hlc": hlc,
        "author_id": "",
        "fields": {},
        "recorded_at": to_json_value(utcnow()),
    }
    return Line(seq, None, ERASED_ENTITY, orjson.dumps(stub, option=orjson.OPT_SORT_KEYS))


def lines_in(s: Session, device: str, first: int, last: int, stubs_upto: int = 0) -> list[Line]:
    """This device's changes from ``first`` up to ``last`` as published, in sequence, up to
    the first one not held. A change of a case erased under the retention rule is published
    as a stub: its place in the sequence only; so is any change not held up to
    ``stubs_upto`` (already published once, and erased since)."""
    held = _held(s, device, first, last)
    erased = dict(
        s.execute(
            select(SyncErasedSeq.seq, SyncErasedSeq.hlc).where(
                SyncErasedSeq.seq.between(first, last)
            )
        ).all()
    )
    lines: list[Line] = []
    for seq in range(first, last + 1):
        if seq in held:
            lines.append(held[seq])
        elif seq in erased:
            lines.append(_stub(device, seq, erased[seq]))
        elif seq <= stubs_upto:
            lines.append(_stub(device, seq, _STUB_CLOCK))
        else:
            break
    return lines


def line_runs(s: Session, device: str, first: int, size: int) -> Iterator[list[Line]]:
    """This device's changes from ``first`` on as ``lines_in`` gives them (``stubs_upto``
    0), up to the first one not held, in lists of ``size`` (the last one shorter): the
    lists ``lines_in`` gives for ``first`` to ``first + size - 1``, then the next ``size``,
    and so on, read ``_READ_RANGE`` sequences a statement in the snapshot of ``s``'s
    transaction."""
    lines = _lines_from(s, device, first)
    while run := list(islice(lines, size)):
        yield run


def _lines_from(s: Session, device: str, first: int) -> Iterator[Line]:
    """One line at a time for ``line_runs``: the changes held, each change erased since as
    a stub, up to the first one neither held nor erased."""
    erased = dict(
        s.execute(
            select(SyncErasedSeq.seq, SyncErasedSeq.hlc).where(SyncErasedSeq.seq >= first)
        ).all()
    )
    driver = s.connection()
    expected = first
    while True:
        last = expected + _READ_RANGE - 1
        held = _range_lines(
            s, device, driver.exec_driver_sql(_PUBLISHED_RANGE, (device, expected, last))
        )
        for line in held:
            while expected < line.seq:  # not held: erased (a stub), or the end
                if expected not in erased:
                    return
                yield _stub(device, expected, erased[expected])
                expected += 1
            yield line
            expected += 1
        while expected <= last:  # the range's end: erased, or the end
            if expected not in erased:
                return
            yield _stub(device, expected, erased[expected])
            expected += 1


def _range_lines(s: Session, device: str, result: Any) -> list[Line]:
    """The lines of one ``_PUBLISHED_RANGE`` row, in sequence."""
    seqs, cases, entities, joined = result.one()
    if seqs is None:
        return []
    texts = joined.encode()
    columns = (
        [int(seq) for seq in seqs.split(" ")],
        [case or None for case in cases.split(" ")],
        entities.split(" "),
        texts.split(b"\n"),
    )
    if len({len(column) for column in columns}) != 1:
        raise ValueError("the changes of a range were read with a different number of parts")
    lines = list(map(Line, *columns))
    if columns[0] != sorted(columns[0]):
        lines.sort(key=lambda line: line.seq)
    if b'"recorded_at":null' in texts:  # stored otherwise: read as ``_held`` does
        again = _held_each(s, device, lines[0].seq, lines[-1].seq)
        lines = [again.get(line.seq, line) for line in lines]
    return lines


def changes_in(
    s: Session, device: str, first: int, last: int, stubs_upto: int = 0
) -> list[dict[str, Any]]:
    """The changes of ``lines_in`` as dictionaries."""
    return [orjson.loads(line.text) for line in lines_in(s, device, first, last, stubs_upto)]


def record_published(laptop: Laptop, items: Sequence[tuple[Published, int]]) -> None:
    """This device's own record of the bundles it published (written again: kept as the
    later one; a first full export records some 1,000 of them, 25 a transaction)."""
    if not items:
        return
    rows = [
        {
            "from_seq": item.from_seq,
            "to_seq": item.to_seq,
            "generation": item.generation,
            "size": size,
        }
        for item, size in items
    ]
    statement = sqlite_insert(SyncPublished)
    with laptop.db.write() as s:
        s.execute(
            statement.on_conflict_do_update(
                index_elements=[SyncPublished.from_seq, SyncPublished.to_seq],
                set_={
                    "generation": statement.excluded.generation,
                    "size": statement.excluded.size,
                },
            ),
            rows,
        )


class Audiences:
    """Sequence -> the devices entitled to that change, by this laptop's case index when
    each case is first met: one of these serves every bundle of an export, reading each
    case's row once and working each audience out once per kind of record."""

    def __init__(self, laptop: Laptop, team: TeamAudiences) -> None:
        self._laptop, self._team = laptop, team
        self._known: dict[str, CaseAudience | None] = {}
        # The writing laptop can always open its own changes again: a case erased from it
        # and come back brings back what it wrote itself, which no other laptop may publish.
        self._own = frozenset({laptop.device_id}) & team.everyone
        self._worked_out: dict[tuple[bool, CaseAudience | None, str], Audience] = {}

    def _read(self, cases: list[str]) -> None:
        columns = (
            SyncCaseIndex.case_id,
            SyncCaseIndex.created_by,
            SyncCaseIndex.allocated_worker_id,
            SyncCaseIndex.shared_with,
        )
        with self._laptop.db.read() as s:  # plain rows: this runs for every bundle published
            for start in range(0, len(cases), 500):
                for row in s.execute(
                    select(*columns).where(SyncCaseIndex.case_id.in_(cases[start : start + 500]))
                ):
                    self._known[row.case_id] = CaseAudience(
                        row.created_by, row.allocated_worker_id, tuple(row.shared_with or ())
                    )
        for case in cases:
            self._known.setdefault(case, None)

    def of(self, lines: Sequence[Line]) -> dict[int, Audience]:
        known = self._known
        new = sorted({line.case_id for line in lines if line.case_id and line.case_id not in known})
        if new:
            self._read(new)
        worked_out, found = self._worked_out, {}
        for line in lines:
            case = line.case_id
            key = (case is None, known[case] if case else None, line.entity)
            audience = worked_out.get(key)
            if audience is None:
                audience = worked_out[key] = self._own | self._team.of_change(
                    case, line.entity, key[1]
                )
            found[line.seq] = audience
        return found


@dataclass(frozen=True)
class Sealed:
    """A format 3 bundle ready to write: its parts (name, ciphertext, signature), then its
    manifest (the bundle itself, listing them)."""

    first: int
    final: int
    generation: int
    parts: tuple[tuple[str, bytes, bytes], ...]
    ciphertext: bytes
    signature: bytes


def seal_lines(
    laptop: Laptop,
    keys: DeviceKeys,
    team: TeamAudiences,
    lines: Sequence[Line],
    generation: int = 1,
    audiences: Audiences | None = None,
) -> Sealed:
    """Changes ``lines`` (consecutive, of this device) as a format 3 bundle: one part per
    audience, each encrypted to its devices and the recovery identity and signed, then the
    manifest listing them, encrypted to every member and signed."""
    device = laptop.device_id
    first, final = lines[0].seq, lines[-1].seq
    if final - first + 1 != len(lines):
        raise BundleError("the changes of a bundle must be consecutive in sequence")
    name = bundle_name(first, final, generation)
    of = (audiences or Audiences(laptop, team)).of(lines)
    groups: dict[Audience, list[Line]] = {}
    for line in lines:
        groups.setdefault(of[line.seq], []).append(line)
    entries: list[PartEntry] = []
    parts: list[tuple[str, bytes, bytes]] = []
    for audience, members in sorted(groups.items(), key=lambda item: sorted(item[0])):
        seqs = [line.seq for line in members]
        ciphertext = encrypt(
            encode_part_lines(
                device, HEAD_REVISION, first, final, seqs, [line.text for line in members]
            ),
            team.age_recipients(audience),
        )
        part = part_name(name, ciphertext)
        parts.append((part, ciphertext, sign(ciphertext, keys, device, part)))
        entries.append(
            PartEntry(
                part,
                tuple(sorted(audience)),
                runs_of(seqs),
                len(members),
                hashlib.sha256(ciphertext).hexdigest(),
            )
        )
    routes = [
        route
        for route in (
            route_of(orjson.loads(line.text)) for line in lines if line.entity in ROUTE_KINDS
        )
        if route is not None
    ]
    ciphertext = encrypt(
        encode_manifest(device, HEAD_REVISION, first, final, entries, routes),
        team.age_recipients(team.everyone),
    )
    return Sealed(
        first, final, generation, tuple(parts), ciphertext, sign(ciphertext, keys, device, name)
    )


def write_sealed(
    target: Target,
    keys: DeviceKeys,
    device: str,
    sealed: Sealed,
    after: Future[Published] | None = None,
) -> Published:
    """Put a sealed bundle in this device's place in the export: its parts first, then the
    manifest that lists them (checked as it lands), once the bundle ``after`` (being
    written on another thread) is in the export: never a bundle without the one before it."""
    name = bundle_name(sealed.first, sealed.final, sealed.generation)

    def intact(data: bytes, sig: bytes) -> bool:
        try:
            verify(data, sig, keys.verify_key, device, name)
        except EnvelopeError:
            return False
        return True

    target.publish_parts(device, sealed.parts)  # all of them before the manifest
    if after is not None:
        after.result()  # raises what stopped it: this manifest is then not written
    return target.publish(
        device,
        sealed.first,
        sealed.final,
        sealed.ciphertext,
        sealed.signature,
        sealed.generation,
        intact,
    )


def publish_lines(
    laptop: Laptop, target: Target, roster: Roster, lines: Sequence[Line], generation: int = 1
) -> Published:
    keys = laptop.keys
    sealed = seal_lines(laptop, keys, TeamAudiences.of(roster), lines, generation)
    item = write_sealed(target, keys, laptop.device_id, sealed)
    record_published(laptop, [(item, len(sealed.ciphertext))])
    return item


def publish_range(
    laptop: Laptop, target: Target, roster: Roster, first: int, last: int, stubs_upto: int
) -> list[Published]:
    """Publish this laptop's changes ``first`` to ``last`` again, in bundles of at most
    MAX_CHANGES_PER_BUNDLE; returns the bundles published."""
    published: list[Published] = []
    while first <= last:
        with laptop.db.read() as s:
            lines = lines_in(
                s,
                laptop.device_id,
                first,
                min(last, first + MAX_CHANGES_PER_BUNDLE - 1),
                stubs_upto,
            )
        if not lines:
            break
        published.append(publish_lines(laptop, target, roster, lines))
        first = lines[-1].seq + 1
    return published
