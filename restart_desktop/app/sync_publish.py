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
import datetime as dt
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
from restart_desktop.store.changes import to_json_value, utcnow
from restart_desktop.store.erasure import ERASED_ENTITY
from restart_desktop.store.migrate import HEAD_REVISION
from restart_desktop.store.models import Change, LocalSetting, SyncErasedSeq, SyncPublished
from restart_desktop.sync.bundle import BundleError, encode_lines
from restart_desktop.sync.envelope import DeviceKeys, EnvelopeError, seal, verify
from restart_desktop.sync.folder import FolderTarget, Published, bundle_name

log = logging.getLogger(__name__)
AGE_IDENTITY = "sync_age_identity"
SIGNING_KEY = "sync_signing_key"
ENCRYPTED_FOR = "sync_encrypted_for"  # the recipients this laptop's bundles are encrypted to
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
_PUBLISHED = literal_column("""json_object(
    'author_id', author_id, 'base_change_id', base_change_id,
    'bases', CASE WHEN bases IS NOT NULL AND bases != 'null' THEN json(bases)
                  WHEN base_change_id IS NOT NULL THEN json_array(base_change_id)
                  ELSE json_array() END,
    'case_id', case_id, 'change_id', change_id, 'device_id', device_id, 'entity', entity,
    'fields', json(fields), 'hlc', hlc, 'record_id', record_id,
    'recorded_at', CASE WHEN length(recorded_at) = 26 AND substr(recorded_at, 11, 1) = ' '
        THEN substr(recorded_at, 1, 10) || 'T' || CASE WHEN substr(recorded_at, 20) = '.000000'
            THEN substr(recorded_at, 12, 8) ELSE substr(recorded_at, 12) END || '+00:00' END,
    'seq', seq)""", String)  # fmt: skip


class Line(NamedTuple):
    """One change as published: its sequence, its case (None: a team record), and its JSON
    line (keys sorted; the ``fields`` object as stored)."""

    seq: int
    case_id: str | None
    text: bytes


def _held(s: Session, device: str, first: int, last: int) -> dict[int, Line]:
    """This device's changes held from ``first`` to ``last`` as published, by sequence."""
    query = select(Change.seq, Change.case_id, _PUBLISHED,
                   type_coerce(Change.recorded_at, String)).where(
        Change.device_id == device, Change.seq.between(first, last))  # fmt: skip
    held: dict[int, Line] = {}
    for seq, case_id, line, stored_at in s.execute(query):
        text = line.encode()
        if b'"recorded_at":null' in text:  # stored otherwise: its time worked out here
            change = orjson.loads(text)
            change["recorded_at"] = dt.datetime.fromisoformat(stored_at).replace(
                tzinfo=dt.UTC).isoformat()  # stored as UTC (store.types.UtcDateTime)
            text = orjson.dumps(change, option=orjson.OPT_SORT_KEYS)
        held[seq] = Line(seq, case_id, text)
    return held


def _stub(device: str, seq: int, hlc: str) -> Line:
    stub = {"change_id": f"{device}:{seq}", "device_id": device, "seq": seq,
            "entity": ERASED_ENTITY, "record_id": "", "case_id": None, "base_change_id": None,
            "bases": [], "hlc": hlc, "author_id": "", "fields": {},
            "recorded_at": to_json_value(utcnow())}  # fmt: skip
    return Line(seq, None, orjson.dumps(stub, option=orjson.OPT_SORT_KEYS))


def lines_in(s: Session, device: str, first: int, last: int, stubs_upto: int = 0) -> list[Line]:
    """This device's changes from ``first`` up to ``last`` as published, in sequence, up to
    the first one not held. A change of a case erased under the retention rule is published
    as a stub: its place in the sequence only; so is any change not held up to
    ``stubs_upto`` (already published once, and erased since)."""
    held = _held(s, device, first, last)
    erased = dict(s.execute(select(SyncErasedSeq.seq, SyncErasedSeq.hlc).where(
        SyncErasedSeq.seq.between(first, last))).all())  # fmt: skip
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


def _record(session: AppSession, items: Sequence[tuple[Published, int]]) -> None:
    if not items:
        return
    with session.db.write() as s:
        for item, size in items:
            s.merge(SyncPublished(from_seq=item.from_seq, to_seq=item.to_seq,
                                  generation=item.generation, size=size))  # fmt: skip


def _set_aside(session: AppSession, target: FolderTarget, item: Published, reason: str) -> None:
    """Keep a copy of a file that is not this laptop's bundle (with the reason) in the data
    folder's quarantine, then take it out of this laptop's folder of the export, where it
    would hold up every reader."""
    folder = session.paths.quarantine / item.device_id
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in (item.name, item.name.replace(".age", ".sig")):
            path = target.root / "devices" / item.device_id / name
            if path.is_file():
                write_atomically(folder / name, path.read_bytes())
        write_atomically(folder / (item.name + ".reason.txt"), (reason + "\n").encode())
    except OSError:
        log.warning("could not keep a copy of a file set aside")
    target.remove(item)


def _ever_written(session: AppSession) -> tuple[int, int]:
    """(the last change this laptop ever wrote, the last it recorded as published)."""
    device = session.device_id
    with session.db.read() as s:
        own = s.execute(select(func.max(Change.seq)).where(Change.device_id == device)).scalar()
        erased = s.execute(select(func.max(SyncErasedSeq.seq))).scalar()
        recorded = s.execute(select(func.max(SyncPublished.to_seq))).scalar()
    return max(int(own or 0), int(erased or 0), int(recorded or 0)), int(recorded or 0)


def check_own_folder(
    session: AppSession, target: FolderTarget, recipients: Sequence[str] | None = None
) -> OwnFolder:
    """Work out this laptop's export position from the files that really are its bundles;
    with ``recipients``, publish again any of its bundles missing from the export. Raises
    UserError when the export holds more of this laptop's changes than it ever wrote."""
    device, keys = session.device_id, device_keys(session)
    ever, recorded_upto = _ever_written(session)
    with session.db.read() as s:
        rows = s.execute(select(SyncPublished.from_seq, SyncPublished.to_seq,
                                SyncPublished.generation))  # fmt: skip
        recorded = {(row.from_seq, row.to_seq): row.generation for row in rows}
    valid: list[Published] = []
    found: list[tuple[Published, int]] = []
    set_aside: list[str] = []
    for item in target.bundle_files(device):
        if recorded.get((item.from_seq, item.to_seq)) == item.generation:
            valid.append(item)  # its own, checked when it was published or first found
            continue
        try:
            ciphertext = (target.root / "devices" / device / item.name).read_bytes()
        except FileNotFoundError:
            continue  # retired meanwhile
        try:
            signature = (target.root / "devices" / device / item.name.replace(
                ".age", ".sig")).read_bytes()  # fmt: skip
            verify(ciphertext, signature, keys.verify_key, device, item.name)
        except (FileNotFoundError, EnvelopeError):
            reason = (f"{item.name} in this laptop's folder of the central export is not "
                      "a bundle this laptop signed: set aside, it does not count.")
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
    if recipients is not None:
        for first, last in _uncovered(valid, max(position, recorded_upto)):
            again += _publish_range(session, target, recipients, first, last,
                                    stubs_upto=recorded_upto)  # fmt: skip
        position = max([position, *(item.to_seq for item in again)])
        present = {(item.from_seq, item.to_seq) for item in (*valid, *again)}
        gone = [span for span in recorded if span not in present]
        if gone:  # superseded by bundles over the same changes
            with session.db.write() as s:
                for first, last in gone:
                    s.execute(delete(SyncPublished).where(SyncPublished.from_seq == first,
                                                          SyncPublished.to_seq == last))
    republished = len(again)
    return OwnFolder(position, tuple(set_aside), republished)


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


def _publish_range(session: AppSession, target: FolderTarget, recipients: Sequence[str],
                   first: int, last: int, stubs_upto: int) -> list[Published]:  # fmt: skip
    """Publish this laptop's changes ``first`` to ``last`` again, in bundles of at most
    MAX_CHANGES_PER_BUNDLE; returns the bundles published."""
    published: list[Published] = []
    while first <= last:
        with session.db.read() as s:
            lines = lines_in(s, session.device_id, first,
                             min(last, first + MAX_CHANGES_PER_BUNDLE - 1), stubs_upto)
        if not lines:
            break
        published.append(_publish(session, target, recipients, lines))
        first = lines[-1].seq + 1
    return published


@dataclass(frozen=True)
class _Sealed:
    first: int
    final: int
    generation: int
    ciphertext: bytes
    signature: bytes


def _seal(keys: DeviceKeys, device: str, recipients: Sequence[str], lines: Sequence[Line],
          generation: int = 1) -> _Sealed:  # fmt: skip
    """A bundle of consecutive changes of this device, encrypted and signed."""
    first, final = lines[0].seq, lines[-1].seq
    if final - first + 1 != len(lines):
        raise BundleError("the changes of a bundle must be consecutive in sequence")
    name = bundle_name(first, final, generation)
    plaintext = encode_lines(device, HEAD_REVISION, first, [line.text for line in lines])
    ciphertext, signature = seal(plaintext, sorted(set(recipients)), keys, device, name)
    return _Sealed(first, final, generation, ciphertext, signature)


def _write(target: FolderTarget, keys: DeviceKeys, device: str, sealed: _Sealed) -> Published:
    """Put a sealed bundle in this device's folder of the export (checked as it lands)."""
    name = bundle_name(sealed.first, sealed.final, sealed.generation)

    def intact(data: bytes, sig: bytes) -> bool:
        try:
            verify(data, sig, keys.verify_key, device, name)
        except EnvelopeError:
            return False
        return True

    return target.publish(device, sealed.first, sealed.final, sealed.ciphertext,
                          sealed.signature, sealed.generation, intact)  # fmt: skip


def _publish(session: AppSession, target: FolderTarget, recipients: Sequence[str],
             lines: Sequence[Line], generation: int = 1) -> Published:  # fmt: skip
    keys, device = device_keys(session), session.device_id
    sealed = _seal(keys, device, recipients, lines, generation)
    item = _write(target, keys, device, sealed)
    _record(session, [(item, len(sealed.ciphertext))])
    return item


#: Bundles published before their record is written (one transaction): a bundle published
#: and not yet recorded when the process stops is verified and recorded at the next sync.
_RECORD_EVERY = 25


def export_changes(
    session: AppSession,
    target: FolderTarget,
    recipients: Sequence[str],
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
                sealed = _seal(keys, device, recipients, lines) if lines else None
                landed()
                if sealed is None:
                    return published
                writing, size = pool.submit(_write, target, keys, device, sealed), len(
                    sealed.ciphertext)  # fmt: skip
                last = sealed.final
        finally:
            if writing is not None:  # stopped (cancelled, an error): let it land, then record
                try:
                    unrecorded.append((writing.result(), size))
                except Exception:  # the error that stopped the sync is the one said
                    pass
            _record(session, unrecorded)


def _republish(session: AppSession, target: FolderTarget, item: Published,
               recipients: Sequence[str]) -> bool:  # fmt: skip
    """Publish a bundle of this laptop again as the next generation (from the changes held
    now), and retire the older one once the new one is complete. False (and nothing done)
    when this laptop does not hold the whole range (a restored copy?): not its to redo."""
    with session.db.read() as s:
        lines = lines_in(s, item.device_id, item.from_seq, item.to_seq)
    if len(lines) != item.to_seq - item.from_seq + 1:
        return False
    _publish(session, target, recipients, lines, item.generation + 1)
    target.retire(item)
    return True


def scrub_published(session: AppSession, target: FolderTarget, recipients: Sequence[str]) -> int:
    """Publish again, without them, the bundles holding this laptop's changes of cases
    erased under the retention rule (the older generation is removed once the new one is
    complete), so that the central export no longer holds the case. Returns the bundles
    re-published."""
    with session.db.read() as s:
        pending = sorted(s.scalars(select(SyncErasedSeq.seq)))
    if not pending:
        return 0
    device = session.device_id
    count = sum(_republish(session, target, item, recipients)
                for item in target.published(device)
                if any(item.from_seq <= seq <= item.to_seq for seq in pending))  # fmt: skip
    # Done with every one published by now (in a bundle published again, as a stub, or in a
    # bundle that is not this laptop's to redo); the later ones go out as stubs.
    last = target.last_published_seq(device)
    with session.db.write() as s:
        s.execute(delete(SyncErasedSeq).where(SyncErasedSeq.seq <= last))
    return count


def rekey_published(session: AppSession, target: FolderTarget, recipients: Sequence[str]) -> int:
    """When the team gained a member (a new worker, a replacement laptop), publish this
    laptop's bundles again encrypted to everyone, so the newcomer can read the history of the
    cases it shares; the older generation is removed once the new one is complete. Returns
    the bundles re-published (0 when nobody is new)."""
    wanted = sorted(set(recipients))
    before = set(json.loads(session.setting(ENCRYPTED_FOR, "[]")))
    count = 0
    if set(wanted) - before:
        for item in target.published(session.device_id):
            count += _republish(session, target, item, wanted)
    if set(wanted) != before:
        session.set_setting(ENCRYPTED_FOR, json.dumps(wanted))
    return count
