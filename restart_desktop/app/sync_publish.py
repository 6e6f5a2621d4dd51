"""Publishing this device's changes in the central export, and trusting nothing found in its
own folder there.

The export position (the sequence after which the next bundle starts) comes only from files
that verify with this device's own signing key and hold changes it holds, checked against its
own record of what it published (``sync_published``): a stray file named like a bundle (a copy
left by a cloud client, a restore, a hand-made file) is set aside with the reason and never
moves the position; a bundle found missing is published again from the changes held; a
position beyond anything this laptop ever wrote stops the sync with the reason.
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
from sqlalchemy import String, delete, func, literal_column, select, type_coerce
from sqlalchemy.orm import Session

from restart_desktop.app.errors import UserError
from restart_desktop.app.session import AppSession
from restart_desktop.atomic import write_atomically
from restart_desktop.domain.allocation import CaseAudience
from restart_desktop.store.changes import to_json_value, utcnow
from restart_desktop.store.erasure import ERASED_ENTITY
from restart_desktop.store.migrate import HEAD_REVISION
from restart_desktop.store.models import (
    Change,
    LocalSetting,
    SyncAudienceMove,
    SyncCaseIndex,
    SyncErasedSeq,
    SyncPublished,
)
from restart_desktop.sync.audience import ROUTE_KINDS, Audience, TeamAudiences, route_of
from restart_desktop.sync.bundle import BundleError
from restart_desktop.sync.envelope import DeviceKeys, EnvelopeError, encrypt, sign, verify
from restart_desktop.sync.folder import Published, bundle_name, part_name
from restart_desktop.sync.parts import PartEntry, encode_manifest, encode_part_lines, runs_of
from restart_desktop.sync.roster import Roster
from restart_desktop.sync.target import Target

log = logging.getLogger(__name__)
AGE_IDENTITY = "sync_age_identity"
SIGNING_KEY = "sync_signing_key"
#: The team's audiences (devices, workers, roles, keys) this laptop's bundles are encrypted
#: for (before format 3: the list of recipients)
ENCRYPTED_FOR = "sync_encrypted_for"
#: A reader applies each bundle whole in one transaction, with the device's new position; a
#: worker's save made meanwhile waits for that transaction (its turn: store/writer.py). On a
#: supervisor's 10,000-case laptop a 5,000-change bundle held the write lock for about 1.3 s
#: and a 1,000-change one for up to 0.8 s (tests/benchmarks/bench_busy.py). Bundles published
#: before this was lowered keep their size; a save waits longer for them, and succeeds.
MAX_CHANGES_PER_BUNDLE = 500
#: The clock time of a stub published again for a change no longer held (erased): it only
#: keeps the change's place in the sequence.
_STUB_CLOCK = "000000000000000-000000"


def device_keys(session: AppSession) -> DeviceKeys:
    """This device's sync keys, made on first use and kept only in the encrypted database."""
    with session.db.read() as s:
        identity = s.get(LocalSetting, AGE_IDENTITY)
        signing = s.get(LocalSetting, SIGNING_KEY)
        if identity is not None and signing is not None:
            return DeviceKeys(identity.value, base64.b64decode(signing.value))
    with session.db.write() as s:
        identity = s.get(LocalSetting, AGE_IDENTITY)
        signing = s.get(LocalSetting, SIGNING_KEY)
        if identity is not None and signing is not None:
            return DeviceKeys(identity.value, base64.b64decode(signing.value))
        keys = DeviceKeys.generate()
        s.merge(LocalSetting(key=AGE_IDENTITY, value=keys.age_identity))
        s.merge(LocalSetting(key=SIGNING_KEY, value=base64.b64encode(keys.signing_key).decode()))
        return keys


#: A change as published, built by SQLite as one JSON object per row: building 400,000
#: dictionaries in Python from the columns (and before that, ORM objects) was most of a first
#: full export. ``recorded_at`` is stored as SQLAlchemy's UTC text, "2026-06-10 13:05:00.000000",
#: and published as ISO with its offset, "2026-06-10T13:05:00+00:00" (``datetime.isoformat``:
#: no fraction when it is 0); a value stored otherwise comes out null, worked out in Python.
_PUBLISHED = literal_column(
    """json_object(
    'author_id', author_id, 'base_change_id', base_change_id,
    'bases', CASE WHEN bases IS NOT NULL AND bases != 'null' THEN json(bases)
                  WHEN base_change_id IS NOT NULL THEN json_array(base_change_id)
                  ELSE json_array() END,
    'case_id', case_id, 'change_id', change_id, 'device_id', device_id, 'entity', entity,
    'fields', json(fields), 'hlc', hlc, 'record_id', record_id,
    'recorded_at', CASE WHEN length(recorded_at) = 26 AND substr(recorded_at, 11, 1) = ' '
        THEN substr(recorded_at, 1, 10) || 'T' || CASE WHEN substr(recorded_at, 20) = '.000000'
            THEN substr(recorded_at, 12, 8) ELSE substr(recorded_at, 12) END || '+00:00' END,
    'seq', seq)""",
    String,
)


class Line(NamedTuple):
    """One change as published: its sequence, its case (None: a team record), its kind of
    record, and its JSON line (keys sorted; the ``fields`` object as stored)."""

    seq: int
    case_id: str | None
    entity: str
    text: bytes


def _held(s: Session, device: str, first: int, last: int) -> dict[int, Line]:
    """This device's changes held from ``first`` to ``last`` as published, by sequence."""
    query = select(
        Change.seq,
        Change.case_id,
        Change.entity,
        _PUBLISHED,
        type_coerce(Change.recorded_at, String),
    ).where(Change.device_id == device, Change.seq.between(first, last))
    held: dict[int, Line] = {}
    for seq, case_id, entity, line, stored_at in s.execute(query):
        text = line.encode()
        if b'"recorded_at":null' in text:  # stored otherwise: its time worked out here
            change = orjson.loads(text)
            change["recorded_at"] = (
                dt.datetime.fromisoformat(stored_at).replace(tzinfo=dt.UTC).isoformat()
            )  # stored as UTC (store.types.UtcDateTime)
            text = orjson.dumps(change, option=orjson.OPT_SORT_KEYS)
        held[seq] = Line(seq, case_id, entity, text)
    return held


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


def changes_in(
    s: Session, device: str, first: int, last: int, stubs_upto: int = 0
) -> list[dict[str, Any]]:
    """The changes of ``lines_in`` as dictionaries."""
    return [orjson.loads(line.text) for line in lines_in(s, device, first, last, stubs_upto)]


# --- this device's own folder: what is really there ------------------------------------------


class AheadOfThisLaptop(UserError):
    """The export holds more of this laptop's changes than it ever wrote (put back from an
    older copy): sending would reuse numbers already published, so nothing is sent."""


@dataclass(frozen=True)
class OwnFolder:
    position: int  # the last change in a verified bundle of this laptop (0: none)
    set_aside: tuple[str, ...] = ()  # files named like its bundles that it did not sign
    republished: int = 0  # its bundles found missing and published again
    scrub_due: bool = False  # changes of cases erased here wait to leave its bundles


def _record(session: AppSession, items: Sequence[tuple[Published, int]]) -> None:
    if not items:
        return
    with session.db.write() as s:
        for item, size in items:
            s.merge(
                SyncPublished(
                    from_seq=item.from_seq,
                    to_seq=item.to_seq,
                    generation=item.generation,
                    size=size,
                )
            )


def _set_aside(session: AppSession, target: Target, item: Published, reason: str) -> None:
    """Keep a copy of a file that is not this laptop's bundle (with the reason) in the data
    folder's quarantine, then take it out of this laptop's folder of the export, where it
    would hold up every reader."""
    folder = session.paths.quarantine / item.device_id
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name, data in zip(
            (item.name, item.name.replace(".age", ".sig")), target.read_parts(item), strict=True
        ):
            if data is not None:
                write_atomically(folder / name, data)
        write_atomically(folder / (item.name + ".reason.txt"), (reason + "\n").encode())
    except OSError:
        log.warning("could not keep a copy of a file set aside")
    target.remove(item)


def _ever_written(session: AppSession) -> tuple[int, int, bool]:
    """(the last change this laptop ever wrote, the last it recorded as published, whether
    changes of cases erased here wait to leave its bundles)."""
    device = session.device_id
    with session.db.read() as s:
        own = s.execute(select(func.max(Change.seq)).where(Change.device_id == device)).scalar()
        erased = s.execute(select(func.max(SyncErasedSeq.seq))).scalar()
        recorded = s.execute(select(func.max(SyncPublished.to_seq))).scalar()
    return (
        max(int(own or 0), int(erased or 0), int(recorded or 0)),
        int(recorded or 0),
        erased is not None,
    )


def check_own_folder(
    session: AppSession, target: Target, roster: Roster | None = None
) -> OwnFolder:
    """Work out this laptop's export position from the files that really are its bundles;
    with ``roster``, publish again any of its bundles missing from the export. Raises
    UserError when the export holds more of this laptop's changes than it ever wrote."""
    device, keys = session.device_id, device_keys(session)
    ever, recorded_upto, scrub_due = _ever_written(session)
    with session.db.read() as s:
        rows = s.execute(
            select(SyncPublished.from_seq, SyncPublished.to_seq, SyncPublished.generation)
        )
        recorded = {(row.from_seq, row.to_seq): row.generation for row in rows}
    valid: list[Published] = []
    found: list[tuple[Published, int]] = []
    set_aside: list[str] = []
    for item in target.bundle_files(device):
        if recorded.get((item.from_seq, item.to_seq)) == item.generation:
            valid.append(item)  # its own, checked when it was published or first found
            continue
        ciphertext, signature = target.read_parts(item)
        if ciphertext is None:
            continue  # retired meanwhile
        try:
            if signature is None:
                raise EnvelopeError("no signature")
            verify(ciphertext, signature, keys.verify_key, device, item.name)
        except EnvelopeError:
            reason = (
                f"{item.name} in this laptop's folder of the central export is not "
                "a bundle this laptop signed: set aside, it does not count."
            )
            _set_aside(session, target, item, reason)
            set_aside.append(item.name)
            continue
        if item.to_seq > ever:
            raise AheadOfThisLaptop(
                f"The central export holds changes of this laptop up to number {item.to_seq}, "
                f"but this laptop has only ever written {ever}: it may have been put back from "
                "an older copy. Nothing was sent; ask your supervisor before syncing again."
            )
        valid.append(item)
        if item.generation >= recorded.get((item.from_seq, item.to_seq), 0):
            found.append((item, len(ciphertext)))
    _record(session, found)
    position = max((item.to_seq for item in valid), default=0)
    again: list[Published] = []
    if roster is not None:
        for first, last in _uncovered(valid, max(position, recorded_upto)):
            again += _publish_range(session, target, roster, first, last, stubs_upto=recorded_upto)
        position = max([position, *(item.to_seq for item in again)])
        present = {(item.from_seq, item.to_seq) for item in (*valid, *again)}
        gone = [span for span in recorded if span not in present]
        if gone:  # superseded by bundles over the same changes
            with session.db.write() as s:
                for first, last in gone:
                    s.execute(
                        delete(SyncPublished).where(
                            SyncPublished.from_seq == first, SyncPublished.to_seq == last
                        )
                    )
    republished = len(again)
    return OwnFolder(position, tuple(set_aside), republished, scrub_due)


def _uncovered(valid: Sequence[Published], upto: int) -> list[tuple[int, int]]:
    """The ranges of sequence numbers from 1 to ``upto`` in none of the bundles."""
    gaps, covered = [], 0
    for item in sorted(valid, key=lambda p: (p.from_seq, p.to_seq)):
        if item.from_seq > covered + 1:
            gaps.append((covered + 1, item.from_seq - 1))
        covered = max(covered, item.to_seq)
    if upto > covered:
        gaps.append((covered + 1, upto))
    return gaps


def _publish_range(
    session: AppSession, target: Target, roster: Roster, first: int, last: int, stubs_upto: int
) -> list[Published]:
    """Publish this laptop's changes ``first`` to ``last`` again, in bundles of at most
    MAX_CHANGES_PER_BUNDLE; returns the bundles published."""
    published: list[Published] = []
    while first <= last:
        with session.db.read() as s:
            lines = lines_in(
                s,
                session.device_id,
                first,
                min(last, first + MAX_CHANGES_PER_BUNDLE - 1),
                stubs_upto,
            )
        if not lines:
            break
        published.append(_publish(session, target, roster, lines))
        first = lines[-1].seq + 1
    return published


def _audiences(
    session: AppSession, team: TeamAudiences, lines: Sequence[Line]
) -> dict[int, Audience]:
    """Sequence -> the devices entitled to that change, by this laptop's case index now."""
    cases = sorted({line.case_id for line in lines if line.case_id})
    known: dict[str, CaseAudience] = {}
    columns = (
        SyncCaseIndex.case_id,
        SyncCaseIndex.created_by,
        SyncCaseIndex.allocated_worker_id,
        SyncCaseIndex.shared_with,
    )
    with session.db.read() as s:  # plain rows: this runs for every bundle published
        for start in range(0, len(cases), 500):
            for row in s.execute(
                select(*columns).where(SyncCaseIndex.case_id.in_(cases[start : start + 500]))
            ):
                known[row.case_id] = CaseAudience(
                    row.created_by, row.allocated_worker_id, tuple(row.shared_with or ())
                )
    # The writing laptop can always open its own changes again: a case erased from it and
    # come back brings back what it wrote itself, which no other laptop may publish.
    own = frozenset({session.device_id}) & team.everyone
    return {
        line.seq: own
        | team.of_change(
            line.case_id, line.entity, known.get(line.case_id) if line.case_id else None
        )
        for line in lines
    }


@dataclass(frozen=True)
class _Sealed:
    """A format 3 bundle ready to write: its parts (name, ciphertext, signature), then its
    manifest (the bundle itself, listing them)."""

    first: int
    final: int
    generation: int
    parts: tuple[tuple[str, bytes, bytes], ...]
    ciphertext: bytes
    signature: bytes


def _seal(
    session: AppSession,
    keys: DeviceKeys,
    team: TeamAudiences,
    lines: Sequence[Line],
    generation: int = 1,
) -> _Sealed:
    """Changes ``lines`` (consecutive, of this device) as a format 3 bundle: one part per
    audience, each encrypted to its devices and the recovery identity and signed, then the
    manifest listing them, encrypted to every member and signed."""
    device = session.device_id
    first, final = lines[0].seq, lines[-1].seq
    if final - first + 1 != len(lines):
        raise BundleError("the changes of a bundle must be consecutive in sequence")
    name = bundle_name(first, final, generation)
    audiences = _audiences(session, team, lines)
    groups: dict[Audience, list[Line]] = {}
    for line in lines:
        groups.setdefault(audiences[line.seq], []).append(line)
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
    return _Sealed(
        first, final, generation, tuple(parts), ciphertext, sign(ciphertext, keys, device, name)
    )


def _write(target: Target, keys: DeviceKeys, device: str, sealed: _Sealed) -> Published:
    """Put a sealed bundle in this device's place in the export: its parts first, then the
    manifest that lists them (checked as it lands)."""
    name = bundle_name(sealed.first, sealed.final, sealed.generation)

    def intact(data: bytes, sig: bytes) -> bool:
        try:
            verify(data, sig, keys.verify_key, device, name)
        except EnvelopeError:
            return False
        return True

    target.publish_parts(device, sealed.parts)  # all of them before the manifest
    return target.publish(
        device,
        sealed.first,
        sealed.final,
        sealed.ciphertext,
        sealed.signature,
        sealed.generation,
        intact,
    )


def _publish(
    session: AppSession, target: Target, roster: Roster, lines: Sequence[Line], generation: int = 1
) -> Published:
    keys = device_keys(session)
    sealed = _seal(session, keys, TeamAudiences.of(roster), lines, generation)
    item = _write(target, keys, session.device_id, sealed)
    _record(session, [(item, len(sealed.ciphertext))])
    return item


#: Bundles published before their record is written (one transaction): a bundle published
#: and not yet recorded when the process stops is verified and recorded at the next sync.
_RECORD_EVERY = 25


def export_changes(
    session: AppSession,
    target: Target,
    roster: Roster,
    sent: Callable[[int], None] | None = None,
    position: int | None = None,
) -> list[Published]:
    """Publish this device's changes made since its last bundle in the target, as bundles of
    at most MAX_CHANGES_PER_BUNDLE. Safe to run again after any interruption: the position is
    read from the bundles of this device really there (``position``: as the sync has just
    checked), so nothing is published twice and nothing skipped.

    A bundle is written to the export (mostly waiting for the disk) on a thread of its own
    while the next is read and sealed; one at a time, in order, so the export never holds a
    bundle without the ones before it."""
    device, keys = session.device_id, device_keys(session)
    team = TeamAudiences.of(roster)
    last = check_own_folder(session, target).position if position is None else position
    published: list[Published] = []
    unrecorded: list[tuple[Published, int]] = []
    writing: Future[Published] | None = None
    size = 0

    def landed() -> None:  # the bundle being written is in the export: count it
        nonlocal writing
        if writing is None:
            return
        item, writing = writing.result(), None
        published.append(item)
        unrecorded.append((item, size))
        if len(unrecorded) >= _RECORD_EVERY:
            _record(session, unrecorded)
            unrecorded.clear()
        if sent is not None:
            sent(len(published))  # may raise Cancelled: what is published stays published

    with ThreadPoolExecutor(1, thread_name_prefix="restart-publish") as pool:
        try:
            while True:
                with session.db.read() as s:
                    lines = lines_in(s, device, last + 1, last + MAX_CHANGES_PER_BUNDLE)
                sealed = _seal(session, keys, team, lines) if lines else None
                landed()
                if sealed is None:
                    return published
                writing, size = (
                    pool.submit(_write, target, keys, device, sealed),
                    len(sealed.ciphertext),
                )
                last = sealed.final
        finally:
            if writing is not None:  # stopped (cancelled, an error): let it land, then record
                try:
                    unrecorded.append((writing.result(), size))
                except Exception:  # the error that stopped the sync is the one said
                    pass
            _record(session, unrecorded)


def _republish(session: AppSession, target: Target, item: Published, roster: Roster) -> bool:
    """Publish a bundle of this laptop again as the next generation (from the changes held
    now: a change of a case erased since, as a stub), and retire the older one once the new
    one is complete. False (and nothing done) when this laptop does not hold the whole range
    (a restored copy?): not its to redo."""
    with session.db.read() as s:
        ours = s.get(SyncPublished, (item.from_seq, item.to_seq)) is not None
        lines = lines_in(
            s, item.device_id, item.from_seq, item.to_seq, stubs_upto=item.to_seq if ours else 0
        )
    if len(lines) != item.to_seq - item.from_seq + 1:
        return False
    _publish(session, target, roster, lines, item.generation + 1)
    target.retire(item)
    return True


def scrub_published(session: AppSession, target: Target, roster: Roster) -> int:
    """Publish again, without them, the bundles holding this laptop's changes of cases
    erased under the retention rule (the older generation is removed once the new one is
    complete), so that the central export no longer holds the case. Returns the bundles
    re-published."""
    with session.db.read() as s:
        pending = sorted(s.scalars(select(SyncErasedSeq.seq)))
    if not pending:
        return 0
    device = session.device_id
    count = sum(
        _republish(session, target, item, roster)
        for item in target.published(device)
        if any(item.from_seq <= seq <= item.to_seq for seq in pending)
    )
    # Done with every one published by now (in a bundle published again, as a stub, or in a
    # bundle that is not this laptop's to redo); the later ones go out as stubs.
    last = target.last_published_seq(device)
    with session.db.write() as s:
        s.execute(delete(SyncErasedSeq).where(SyncErasedSeq.seq <= last))
    return count


def _team_fingerprint(roster: Roster) -> str:
    """What the audiences of this laptop's bundles depend on in the roster."""
    return json.dumps(
        {
            "format": 3,
            "recovery": roster.recovery_recipient,
            "members": sorted(
                [m.device_id, m.worker_id, m.role, m.age_recipient] for m in roster.members
            ),
        },
        sort_keys=True,
    )


def rekey_published(session: AppSession, target: Target, roster: Roster) -> int:
    """Publish again, as the next generation encrypted to the audiences of now, this
    laptop's bundles whose audiences have changed: every one when the team changed (a member
    added or removed, a new supervisor, a replacement laptop: and once, as format 3, after
    the upgrade from format 2), otherwise those holding changes of a case allocated, handed
    over or shared since (``sync_audience_moves``). The older generation is removed once the
    new one is complete. Returns the bundles published again."""
    wanted = _team_fingerprint(roster)
    with session.db.read() as s:
        moved = sorted(s.scalars(select(SyncAudienceMove.case_id)))
    device = session.device_id
    count = 0
    if wanted != session.setting(ENCRYPTED_FOR, ""):
        for item in target.published(device):
            count += _republish(session, target, item, roster)
        session.set_setting(ENCRYPTED_FOR, wanted)
    elif moved:
        seqs: set[int] = set()
        with session.db.read() as s:
            for start in range(0, len(moved), 500):
                seqs.update(
                    s.scalars(
                        select(Change.seq).where(
                            Change.device_id == device,
                            Change.case_id.in_(moved[start : start + 500]),
                        )
                    )
                )
        if seqs:
            ordered = sorted(seqs)
            for item in target.published(device):
                at = bisect.bisect_left(ordered, item.from_seq)
                if at < len(ordered) and ordered[at] <= item.to_seq:
                    count += _republish(session, target, item, roster)
    if moved:
        with session.db.write() as s:
            for start in range(0, len(moved), 500):
                s.execute(
                    delete(SyncAudienceMove).where(
                        SyncAudienceMove.case_id.in_(moved[start : start + 500])
                    )
                )
    return count
