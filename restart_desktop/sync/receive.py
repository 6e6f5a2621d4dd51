"""Receiving: the bundles of every other device on the roster applied here, each device in
sequence order, each bundle whole in one transaction with the device's new position
(``sync.apply`` works out the records and their conflicts); a refused bundle quarantined with
its reason; the bundles read again for a case come to this laptop (``fetch_skipped``) or
published again with parts now addressed to it (``read_new_generations``).

Longer than 600 lines because the import and the two ways of reading bundles again share
the checks, the quarantine and the one way of keeping and applying a bundle
(``_keep_and_apply``), and the import calls both; moved apart they would import each other.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from restart_desktop.atomic import write_atomically
from restart_desktop.domain.allocation import receives_case
from restart_desktop.domain.roles import keeps_entity
from restart_desktop.store.audit import without_clashing_entries
from restart_desktop.store.case_index import audiences, case_of_change, note_audiences
from restart_desktop.store.changes import utcnow
from restart_desktop.store.erasure import erasures_here
from restart_desktop.store.migrate import HEAD_REVISION
from restart_desktop.store.models import (
    SyncCaseIndex,
    SyncConflict,
    SyncPeer,
    SyncReadBundle,
    SyncSkipped,
)
from restart_desktop.sync.apply import (
    Applied,
    UnknownRecordKind,
    apply_changes,
    keep_for_this_laptop,
)
from restart_desktop.sync.audience import route_as_change
from restart_desktop.sync.bundle import Bundle, BundleError, check_clocks
from restart_desktop.sync.digest_totals import keep_up
from restart_desktop.sync.envelope import DeviceKeys, EnvelopeError
from restart_desktop.sync.errors import Cancelled as Cancelled
from restart_desktop.sync.errors import stop_if
from restart_desktop.sync.folder import DEVICES, NotAFolder, Published
from restart_desktop.sync.laptop import Laptop
from restart_desktop.sync.read import read_bundle
from restart_desktop.sync.roster import Member, Roster
from restart_desktop.sync.state import ProblemKind
from restart_desktop.sync.target import Target

log = logging.getLogger(__name__)
#: The bundles published again that the last complete pass of ``read_new_generations`` found
#: (a SHA-256 of their names): while the export shows the same, there is nothing to read again.
GENERATIONS_READ = "sync_generations_read"


@dataclass(frozen=True)
class ImportReport:
    bundles: int = 0
    applied: int = 0  # changes new to this laptop
    already_held: int = 0
    conflicts: int = 0  # conflicts open after the import
    refused_moves: int = 0  # status moves the transition table forbids (kept in the log only)
    problems: dict[str, str] = field(default_factory=dict)  # device id -> why it stopped
    quarantined: int = 0  # devices stopped by a refused bundle (the others: gaps)
    erased: int = 0  # cases erased here by retention tombstones received
    cases_moved: bool = False  # a case's status, hold or worker changed: retention looks again
    unreadable: int = 0  # devices whose folder in the export is a file (the others: gaps)


#: What a received change must touch for the retention rules to say something new before the
#: next day: a case closed or reopened, held, handed over or shared, or erased elsewhere.
RETENTION_KINDS = frozenset({"people", "handovers", "erasures"})
#: A device far behind (a first import brings hundreds of bundles) has several bundles applied
#: in one transaction, up to about this many changes: each commit encrypts and writes every
#: page it dirtied, and one bundle after another dirties the same index pages. The device's
#: new position commits with them, so a kill still leaves each bundle applied whole or not
#: at all, and none twice.
BATCH_CHANGES = 50_000


@dataclass(frozen=True)
class _Due:
    member: Member
    bundles: list[Published]
    problem: str = ""  # a gap found while planning
    known: tuple[str, str] = ("", "")  # the problem recorded at the last sync, and its kind


class Listing:
    """Each device's complete bundles in the export, listed once per sync and passed along:
    the folder of a 10,000-case laptop holds over a thousand files, and a sync used to list
    it three times (the plan, the generations published again, the bundles read again)."""

    def __init__(self, target: Target) -> None:
        self._target = target
        self._found: dict[str, list[Published]] = {}
        #: Devices whose place in the export holds a file, not a folder: none of their
        #: bundles can be listed (said by the import; the other devices go on).
        self.not_folders: set[str] = set()

    def of(self, device_id: str) -> list[Published]:
        found = self._found.get(device_id)
        if found is None:
            try:
                found = self._target.published(device_id)
            except NotAFolder:
                self.not_folders.add(device_id)
                found = []
            self._found[device_id] = found
        return found


def _plan(laptop: Laptop, listing: Listing, roster: Roster) -> list[_Due]:
    """Per other member: the bundles to import now, in order, and any gap before them."""
    due: list[_Due] = []
    for member in roster.members:
        if member.device_id == laptop.device_id:
            continue
        with laptop.db.read() as s:
            peer = s.get(SyncPeer, member.device_id)
            high_water = peer.high_water if peer else 0
            known = (peer.problem, peer.problem_kind) if peer else ("", "")
        wanted: list[Published] = []
        problem = ""
        listed = listing.of(member.device_id)
        if member.device_id in listing.not_folders:
            problem = (
                f"The central export holds a file where the folder of {member.name}'s laptop "
                f"should be ({DEVICES}/{member.device_id}): its changes cannot be read until "
                "that file is moved away. Other laptops' changes are not held up."
            )
        for item in listed:
            if item.to_seq <= high_water:
                continue
            if item.from_seq > high_water + 1:
                problem = (
                    f"Waiting for bundle {high_water + 1}-{item.from_seq - 1} from "
                    f"{member.name}'s laptop; its later bundles wait for it."
                )
                break
            wanted.append(item)
            high_water = item.to_seq
        due.append(_Due(member, wanted, problem, known))
    return due


@dataclass(frozen=True)
class _Checked:
    """A bundle read and checked, ready to apply (outside any transaction)."""

    item: Published
    bundle: Bundle
    routes: list[dict[str, Any]]


def _check(laptop: Laptop, target: Target, member: Member, item: Published) -> _Checked:
    """Read, verify and check one bundle (of a format 3 bundle, the parts addressed to this
    laptop, and its routes): BundleError or EnvelopeError say why it is refused, before
    anything of it is applied."""
    received = read_bundle(target, member, item, laptop.keys, laptop.device_id)
    bundle = received.bundle
    routes = [route_as_change(route) for route in received.routes]
    if (bundle.device_id, bundle.from_seq, bundle.to_seq) != (
        member.device_id,
        item.from_seq,
        item.to_seq,
    ):
        raise BundleError("the bundle is not what its file name says")
    if bundle.schema > HEAD_REVISION:
        raise BundleError(
            f"it was written by a newer RESTART Desktop (schema {bundle.schema}): "
            "update this laptop"
        )
    check_clocks(bundle)
    return _Checked(item, bundle, routes)


def _keep_and_apply(
    s: Session, laptop: Laptop, bundle: Bundle, routes: list[dict[str, Any]]
) -> tuple[Applied, list[Mapping[str, Any]]]:
    """A bundle's changes this laptop keeps, applied: the case index learns who each case is
    for from the routes first. Returns the result and the changes kept."""
    me, supervisor, role = laptop.who(s)
    note_audiences(s, routes)  # who each case is for, from every bundle's manifest
    kept = keep_for_this_laptop(
        s,
        bundle.changes,
        me,
        supervisor,
        (bundle.device_id, bundle.from_seq, bundle.to_seq),
        role=role,
    )
    return apply_changes(s, without_clashing_entries(s, kept)), kept


def _apply(s: Session, laptop: Laptop, checked: _Checked) -> Applied:
    """Apply one checked bundle with the device's new position, in the caller's transaction."""
    bundle, routes = checked.bundle, checked.routes
    me, supervisor, _role = laptop.who(s)
    result, kept = _keep_and_apply(s, laptop, bundle, routes)
    _note_read(s, checked.item)
    if not supervisor and _comes_here([*bundle.changes, *routes], me):
        result = replace(result, came_here=True)
    if any(c["entity"] in RETENTION_KINDS for c in kept):
        result = replace(result, cases_moved=True)
    peer = s.get(SyncPeer, bundle.device_id)
    if peer is None:
        peer = SyncPeer(device_id=bundle.device_id, problem="", updated_at=utcnow())
        s.add(peer)
        s.flush()  # found by the next bundle of the same transaction (sessions do not autoflush)
    peer.high_water = bundle.to_seq
    peer.problem, peer.problem_kind = "", ProblemKind.NONE.value
    peer.updated_at = utcnow()
    return result


def _comes_here(changes: Sequence[Mapping[str, Any]], worker_id: str) -> bool:
    """Whether changes allocate, hand over or share a case to this worker."""
    for change in changes:
        fields = change.get("fields") or {}
        if change["entity"] == "people" and fields.get("allocated_worker_id") == worker_id:
            return True
        if change["entity"] == "handovers" and fields.get("to_worker_id") == worker_id:
            return True
    return False


def fetch_skipped(
    laptop: Laptop,
    target: Target,
    roster: Roster,
    listing: Listing,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Read again the bundles holding changes of cases that have come to this laptop since
    (allocated, handed over or shared to its worker, or the worker promoted to supervisor), and
    apply those cases' changes: the case arrives with its whole history. One transaction per
    bundle; what cannot be read now is tried again at the next sync, and so is what was not
    read when the user stopped (``cancelled``, asked before each bundle: Cancelled). Returns
    the changes applied."""
    with laptop.db.read() as s:
        me, supervisor, role = laptop.who(s)
        # An allocator receives every case (its intake records only: filtered below).
        every_case = supervisor or not keeps_entity(role, "contact_notes")
        query = select(
            SyncSkipped.case_id, SyncSkipped.device_id, SyncSkipped.from_seq, SyncSkipped.to_seq
        )
        if not every_case:  # narrowed in SQL: this runs at every sync
            query = query.join(SyncCaseIndex, SyncCaseIndex.case_id == SyncSkipped.case_id).where(
                or_(
                    SyncCaseIndex.allocated_worker_id == me,
                    SyncCaseIndex.allocated_worker_id.is_(None),
                    cast(SyncCaseIndex.shared_with, Text).contains(me),
                )
            )
        skipped = s.execute(query).all()
        known = audiences(s, [row.case_id for row in skipped])
        gone = erasures_here(s, [row.case_id for row in skipped], device_id=laptop.device_id)
    come = [
        row
        for row in skipped
        if row.case_id not in gone and receives_case(me, every_case, known.get(row.case_id))
    ]
    bundles: dict[tuple[str, int, int], set[str]] = {}
    for row in come:
        bundles.setdefault((row.device_id, row.from_seq, row.to_seq), set()).add(row.case_id)
    applied = 0
    keys = laptop.keys
    for (device, first, last), cases in sorted(bundles.items()):
        member = roster.member(device)
        # The bundles over the range: one, or several for the history of a case erased from
        # this laptop and come back.
        items = [p for p in listing.of(device) if p.from_seq <= last and p.to_seq >= first]
        if member is None or not items:
            continue  # a removed laptop, or bundles not there any more
        read_all = True
        for item in items:
            stop_if(cancelled)
            try:
                bundle = read_bundle(target, member, item, keys, laptop.device_id).bundle
            except (EnvelopeError, BundleError, FileNotFoundError):
                log.warning("a bundle to read again for a newly received case was refused")
                read_all = False
                continue
            with laptop.db.write() as s:
                wanted = [
                    c
                    for c in bundle.changes
                    if case_of_change(s, c) in cases and keeps_entity(role, str(c["entity"]))
                ]
                applied += apply_changes(s, without_clashing_entries(s, wanted)).applied
        if read_all:
            with laptop.db.write() as s:
                s.execute(
                    delete(SyncSkipped).where(
                        SyncSkipped.device_id == device,
                        SyncSkipped.from_seq == first,
                        SyncSkipped.case_id.in_(sorted(cases)),
                    )
                )
    return applied


def _note_read(s: Session, item: Published) -> None:
    """Remember which generation of a bundle this laptop has read (a newer one is read again
    for the parts addressed to it then)."""
    s.execute(
        insert(SyncReadBundle).prefix_with("OR REPLACE"),
        [
            {
                "device_id": item.device_id,
                "from_seq": item.from_seq,
                "to_seq": item.to_seq,
                "generation": item.generation,
            }
        ],
    )


def read_new_generations(
    laptop: Laptop,
    target: Target,
    roster: Roster,
    listing: Listing,
    cancelled: Callable[[], bool] | None = None,
) -> int:
    """Read again the bundles of other devices published again (a newer generation) since
    this laptop read them: the parts now addressed to it hold the history of a case come to
    it (allocated, handed over, shared; a promotion; a replacement laptop). One transaction
    per bundle; a bundle that cannot be read now is tried again at the next sync. Bundles
    read before this laptop recorded generations (format 1 and 2 ones, read whole) are
    recorded as read. The user can stop it before any bundle (``cancelled``: Cancelled); the
    rest is read at the next sync. Returns the changes applied."""
    applied = 0
    again = {
        member.device_id: [p for p in listing.of(member.device_id) if p.generation > 1]
        for member in roster.members
        if member.device_id != laptop.device_id
    }
    if not any(again.values()):
        return 0  # nothing published again: no generation to compare (no SQL)
    # The same bundles published again as at a pass that read them all: nothing new (after a
    # team change every bundle is published again; this saves reading their records at
    # every sync, which grows with the database).
    listed = hashlib.sha256(
        repr(
            sorted(
                (p.device_id, p.from_seq, p.to_seq, p.generation)
                for ps in again.values()
                for p in ps
            )
        ).encode()
    ).hexdigest()
    if laptop.setting(GENERATIONS_READ) == listed:
        return 0
    complete = True
    keys: DeviceKeys | None = None
    with laptop.db.read() as s:  # two statements, whatever the team's size
        high_waters = dict(s.execute(select(SyncPeer.device_id, SyncPeer.high_water)).all())
        read: dict[tuple[str, int, int], int] = {
            (row.device_id, row.from_seq, row.to_seq): row.generation
            for row in s.execute(
                select(
                    SyncReadBundle.device_id,
                    SyncReadBundle.from_seq,
                    SyncReadBundle.to_seq,
                    SyncReadBundle.generation,
                )
            )
        }
    for member in roster.members:
        high_water = high_waters.get(member.device_id, 0)
        if member.device_id == laptop.device_id or not high_water:
            continue
        # A bundle of generation 1 not recorded was read at generation 1 (or, written before
        # generations were recorded here, read whole).
        items = [p for p in again[member.device_id] if p.to_seq <= high_water]
        unrecorded = [p for p in items if (p.device_id, p.from_seq, p.to_seq) not in read]
        if unrecorded:
            with laptop.db.write() as s:
                for item in unrecorded:
                    _note_read(s, item)
        for item in items:
            if (
                read.get((item.device_id, item.from_seq, item.to_seq), item.generation)
                >= item.generation
            ):
                continue
            stop_if(cancelled)
            keys = keys or laptop.keys
            try:
                received = read_bundle(target, member, item, keys, laptop.device_id)
            except (EnvelopeError, BundleError, FileNotFoundError):
                log.warning("a bundle published again could not be read; tried again later")
                complete = False
                continue
            with laptop.db.write() as s:
                routes = [route_as_change(r) for r in received.routes]
                applied += _keep_and_apply(s, laptop, received.bundle, routes)[0].applied
                _note_read(s, item)
    if complete:
        laptop.set_setting(GENERATIONS_READ, listed)
    return applied


def _quarantine(laptop: Laptop, target: Target, item: Published, reason: str) -> None:
    """Keep a copy of a refused bundle (still encrypted) with the reason, for whoever
    investigates; the copy in the export stays where its device wrote it."""
    folder = laptop.quarantine / item.device_id
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        ciphertext, signature = target.read(item)
        write_atomically(folder / item.name, ciphertext)
        write_atomically(folder / item.name.replace(".age", ".sig"), signature)
        write_atomically(folder / (item.name + ".reason.txt"), (reason + "\n").encode())
    except (OSError, BundleError):  # a folder named like a bundle, a missing signature
        log.warning("could not keep a copy of a refused bundle")


def _record_problem(laptop: Laptop, device_id: str, problem: str, kind: ProblemKind) -> None:
    with laptop.db.write() as s:
        peer = s.get(SyncPeer, device_id)
        if peer is None:
            peer = SyncPeer(device_id=device_id, high_water=0, updated_at=utcnow())
            s.add(peer)
        if (peer.problem, peer.problem_kind) != (problem, kind):
            peer.problem, peer.problem_kind = problem, kind.value


Progress = Callable[[int, int], None]  # (steps done, steps in all)


@dataclass
class _Tally:
    """What the import has done so far."""

    done: int = 0  # bundles applied (progress steps)
    applied: int = 0
    held: int = 0
    refused: int = 0
    erased: int = 0
    moved: bool = False

    def add(self, result: Applied) -> None:
        self.done += 1
        self.applied, self.held = self.applied + result.applied, self.held + result.held
        self.refused += result.refused_moves
        self.erased += result.erased
        self.moved = self.moved or result.cases_moved


Refusal = tuple[Published, str]  # a bundle refused, and why


@dataclass(frozen=True)
class _Device:
    """What applying one device's bundles needs."""

    laptop: Laptop
    target: Target
    member: Member
    step: Callable[[int], None]  # bundles applied so far in this transaction
    cancelled: Callable[[], bool] | None
    today: dt.date | None


def _apply_batch(
    device: _Device, waiting: list[Published], only: int = 0
) -> tuple[list[Applied], Refusal | None]:
    """Read, check and apply bundles in one transaction, each with the device's new position,
    taking them off the end of ``waiting`` (the next is last): up to about BATCH_CHANGES
    changes, or until one brings a case to this laptop (its history is read before the next),
    a save of this app waits for its turn or the user stops; with ``only``, that many bundles
    whatever comes; a bundle that cannot be read (OSError) stops the sync once those before it
    are committed. Returns their results and the bundle refused, if one is: those before it
    are applied (one holding records of a kind this version does not know rolls back its
    transaction, and those before it are applied again in one of their own). With a day, the
    digest takes in what they wrote in the same transaction."""
    laptop = device.laptop
    results: list[Applied] = []
    taken: list[Published] = []
    refusal: Refusal | None = None
    stopped: OSError | None = None
    count = 0
    try:
        with laptop.db.write(bulk=True) as s:
            while waiting and (len(results) < only if only else count < BATCH_CHANGES):
                try:
                    checked = _check(laptop, device.target, device.member, waiting[-1])
                except (EnvelopeError, BundleError) as error:
                    refusal = (waiting[-1], str(error))
                    break
                except OSError as error:  # stops the sync; the bundles applied stay
                    stopped = error
                    break
                results.append(_apply(s, laptop, checked))
                taken.append(waiting.pop())
                count += len(checked.bundle.changes)
                device.step(len(results))
                if not only and (
                    results[-1].came_here
                    or laptop.db.saves_waiting()
                    or (device.cancelled is not None and device.cancelled())
                ):
                    break
            if device.today is not None and count and not _records_waiting(s):
                keep_up(s, device.today, count)
    except UnknownRecordKind as error:
        reason = (
            f"it holds records of a kind this version does not know ({error}): update "
            "RESTART Desktop"
        )
        waiting.extend(reversed(taken))
        before: tuple[list[Applied], Refusal | None] = ([], None)
        if taken:
            before = _apply_batch(device, waiting, only=len(taken))
        return before[0], before[1] or (waiting[-1], reason)
    if stopped is not None:
        raise stopped
    return results, refusal


def _records_waiting(s: Session) -> bool:
    """Whether records wait in ``sync_pending`` for their creation or a record they refer
    to: one written when that comes (later in this sync, or at another) changes without a
    change of its own, which the digest would not see if it took in its change before."""
    s.flush()
    return s.connection().exec_driver_sql("SELECT 1 FROM sync_pending LIMIT 1").first() is not None


def _import_device(
    device: _Device, due: _Due, tally: _Tally, fetch: Callable[[], int]
) -> Refusal | None:
    """Apply one device's due bundles in order, several in each transaction. Returns the
    bundle refused, if one is: the bundles before it are applied, the later ones wait."""
    waiting = list(reversed(due.bundles))  # the next last
    while waiting:
        stop_if(device.cancelled)
        step = functools.partial(_step_after, device.step, tally.done)
        results, refusal = _apply_batch(replace(device, step=step), waiting)
        for result in results:
            tally.add(result)
        if refusal is not None:
            return refusal
        if results[-1].came_here:  # a case came to this worker: its history now, not at the end
            tally.applied += fetch()
    return None


def _step_after(progress: Callable[[int], None], done: int, more: int) -> None:
    progress(done + more)


def import_changes(
    laptop: Laptop,
    target: Target,
    roster: Roster,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    extra_steps: int = 0,
    today: dt.date | None = None,
) -> ImportReport:
    """Apply the bundles of every other device on the roster, each device in sequence order,
    each bundle whole with the device's new position (several in one transaction for a device
    far behind). A bundle that fails its signature, decryption or checks is refused whole,
    quarantined and stops that device (reported, retried at the next sync); a missing bundle
    (a gap) stops it too. Devices not on the roster are never imported. With ``today``, the
    digest keeps up with each transaction (``sync.digest_totals.keep_up``)."""
    listing = Listing(target)  # as the export is when the sync starts: one listing each
    plan = _plan(laptop, listing, roster)
    total = sum(len(d.bundles) for d in plan) + extra_steps
    tally = _Tally()
    quarantined = unreadable = 0
    problems: dict[str, str] = {}

    def step(done: int) -> None:
        if progress:
            progress(done, total)

    step(0)
    for due in plan:
        problem, kind = due.problem, ProblemKind.GAP if due.problem else ProblemKind.NONE
        if due.member.device_id in listing.not_folders:
            problem, kind = due.problem, ProblemKind.UNREADABLE
            unreadable += 1
        device = _Device(laptop, target, due.member, step, cancelled, today)
        refusal = _import_device(
            device, due, tally, lambda: fetch_skipped(laptop, target, roster, listing, cancelled)
        )
        if refusal is not None:
            item, reason = refusal
            problem, kind = (
                f"A bundle from {due.member.name}'s laptop ({item.name}) was refused: "
                f"{reason}. It is kept aside; other laptops' changes are not held up.",
                ProblemKind.REFUSED,
            )
            _quarantine(laptop, target, item, problem)
            quarantined += 1
        if problem:
            problems[due.member.device_id] = problem
        if (problem, kind) != due.known:  # syncs come every few minutes: write only on a change
            _record_problem(laptop, due.member.device_id, problem, kind)
    applied = tally.applied + read_new_generations(laptop, target, roster, listing, cancelled)
    applied += fetch_skipped(laptop, target, roster, listing, cancelled)
    with laptop.db.read() as s:
        conflicts = int(s.execute(select(func.count()).select_from(SyncConflict)).scalar_one())
    if tally.erased:  # cases erased by tombstones received: their pages go from the file too
        laptop.db.compact()
    return ImportReport(
        tally.done,
        applied,
        tally.held,
        conflicts,
        tally.refused,
        problems,
        quarantined,
        tally.erased,
        tally.moved,
        unreadable,
    )
