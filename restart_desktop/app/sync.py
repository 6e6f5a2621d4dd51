"""Sync with the central export: this device's keys, publishing its changes as encrypted,
signed bundles, importing other roster members' bundles (``sync.apply`` works out the records
and their conflicts), the team (create, join, approve, remove), the digests that show when a
laptop's state has drifted, and "sync now" for the window and the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from restart_desktop.app.audit import record
from restart_desktop.app.audit_heads import exchange_heads
from restart_desktop.app.errors import UserError
from restart_desktop.app.passphrase import ensure_recovery_copy
from restart_desktop.app.permissions import require
from restart_desktop.app.retention import CONFIRMED_SEQ, RetentionService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync_checks import (
    absolute_folder,
    remember_names,
    removed_devices,
    roster_words,
)
from restart_desktop.app.sync_digest import DIGEST_FORMAT, bring_up_to_date
from restart_desktop.app.sync_digest import reset as reset_digest
from restart_desktop.app.sync_digest import sums as digest_sums
from restart_desktop.app.sync_lock import sync_lock
from restart_desktop.app.sync_publish import (  # three re-exported: callers import them here
    MAX_CHANGES_PER_BUNDLE as MAX_CHANGES_PER_BUNDLE,
)
from restart_desktop.app.sync_publish import (
    AheadOfThisLaptop,
    OwnFolder,
    check_own_folder,
    rekey_published,
    scrub_published,
)
from restart_desktop.app.sync_publish import device_keys as device_keys
from restart_desktop.app.sync_publish import export_changes as export_changes
from restart_desktop.app.sync_read import read_bundle
from restart_desktop.atomic import write_atomically
from restart_desktop.domain.allocation import CaseAudience, receives_case
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import Role, display_name
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.roles import Permission, keeps_entity
from restart_desktop.store.audit import without_clashing_entries
from restart_desktop.store.case_index import audiences, case_of_change, note_audiences
from restart_desktop.store.changes import utcnow
from restart_desktop.store.erasure import erasures_here
from restart_desktop.store.instants import read_utc
from restart_desktop.store.migrate import HEAD_REVISION
from restart_desktop.store.models import (
    AuditEntry,
    Change,
    Person,
    ReleasePlan,
    ReleasePlanItem,
    SyncCaseIndex,
    SyncConflict,
    SyncPeer,
    SyncReadBundle,
    SyncSkipped,
    Worker,
)
from restart_desktop.store.queries import worker_names
from restart_desktop.sync.apply import (
    MODELS,
    Applied,
    UnknownRecordKind,
    apply_changes,
    keep_for_this_laptop,
    rebuild,
    to_column_value,
)
from restart_desktop.sync.audience import route_as_change
from restart_desktop.sync.bundle import BundleError, check_clocks
from restart_desktop.sync.envelope import (
    DeviceKeys,
    EnvelopeError,
    fingerprint,
    open_sealed,
    seal,
    verify,
)
from restart_desktop.sync.folder import (
    NOT_THE_EXPORT,
    FolderTarget,
    NotTheExport,
    Published,
    TargetUnavailable,
)
from restart_desktop.sync.roster import (
    Member,
    Roster,
    RosterError,
    sign_roster,
    verify_roster,
)
from restart_desktop.sync.target import ServerUnreachable, Target
from restart_desktop.sync.target import is_server_target as is_server_target

log = logging.getLogger(__name__)


# --- receiving --------------------------------------------------------------------------------


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


#: What a received change must touch for the retention rules to say something new before the
#: next day: a case closed or reopened, held, handed over or shared, or erased elsewhere.
RETENTION_KINDS = frozenset({"people", "handovers", "erasures"})


@dataclass(frozen=True)
class _Due:
    member: Member
    bundles: list[Published]
    problem: str = ""  # a gap found while planning
    known: tuple[str, str] = ("", "")  # the problem recorded at the last sync, and its kind


def _plan(session: AppSession, target: Target, roster: Roster) -> list[_Due]:
    """Per other member: the bundles to import now, in order, and any gap before them."""
    due: list[_Due] = []
    for member in roster.members:
        if member.device_id == session.device_id:
            continue
        with session.db.read() as s:
            peer = s.get(SyncPeer, member.device_id)
            high_water = peer.high_water if peer else 0
            known = (peer.problem, peer.problem_kind) if peer else ("", "")
        wanted: list[Published] = []
        problem = ""
        for item in target.published(member.device_id):
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


def _import_one(session: AppSession, target: Target, member: Member, item: Published) -> Applied:
    """Check and apply one bundle with the device's new position, in one transaction (of a
    format 3 bundle, the parts addressed to this laptop, and its routes)."""
    received = read_bundle(target, member, item, device_keys(session), session.device_id)
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
    try:
        with session.db.write() as s:
            me, supervisor, role = _who(session, s)
            note_audiences(s, routes)  # who each case is for, from every bundle's manifest
            kept = keep_for_this_laptop(
                s,
                bundle.changes,
                me,
                supervisor,
                (bundle.device_id, bundle.from_seq, bundle.to_seq),
                role=role,
            )
            result = apply_changes(s, without_clashing_entries(s, kept))
            _note_read(s, item)
            if not supervisor and _comes_here([*bundle.changes, *routes], me):
                result = replace(result, came_here=True)
            if any(c["entity"] in RETENTION_KINDS for c in kept):
                result = replace(result, cases_moved=True)
            peer = s.get(SyncPeer, bundle.device_id)
            if peer is None:
                peer = SyncPeer(device_id=bundle.device_id, problem="", updated_at=utcnow())
                s.add(peer)
            peer.high_water = bundle.to_seq
            peer.problem, peer.problem_kind = "", ""
            peer.updated_at = utcnow()
    except UnknownRecordKind as error:
        raise BundleError(
            f"it holds records of a kind this version does not know ({error}): update "
            "RESTART Desktop"
        ) from None
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


def _who(session: AppSession, s: Session) -> tuple[str, bool, str]:
    """This laptop's worker, whether they are a supervisor now, and their role now (a
    promotion arrives as a change of their worker record): one read."""
    role = session.role_now(s)
    return session.worker.id, role == Role.SUPERVISOR, role


def fetch_skipped(session: AppSession, target: Target, roster: Roster) -> int:
    """Read again the bundles holding changes of cases that have come to this laptop since
    (allocated, handed over or shared to its worker, or the worker promoted to supervisor), and
    apply those cases' changes: the case arrives with its whole history. One transaction per
    bundle; what cannot be read now is tried again at the next sync. Returns the changes
    applied."""
    with session.db.read() as s:
        me, supervisor, role = _who(session, s)
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
        gone = erasures_here(s, [row.case_id for row in skipped], device_id=session.device_id)
    come = [
        row
        for row in skipped
        if row.case_id not in gone and receives_case(me, every_case, known.get(row.case_id))
    ]
    bundles: dict[tuple[str, int, int], set[str]] = {}
    for row in come:
        bundles.setdefault((row.device_id, row.from_seq, row.to_seq), set()).add(row.case_id)
    applied = 0
    keys = device_keys(session)
    for (device, first, last), cases in sorted(bundles.items()):
        member = roster.member(device)
        # The bundles over the range: one, or several for the history of a case erased from
        # this laptop and come back.
        items = [p for p in target.published(device) if p.from_seq <= last and p.to_seq >= first]
        if member is None or not items:
            continue  # a removed laptop, or bundles not there any more
        read_all = True
        for item in items:
            try:
                bundle = read_bundle(target, member, item, keys, session.device_id).bundle
            except (EnvelopeError, BundleError, FileNotFoundError):
                log.warning("a bundle to read again for a newly received case was refused")
                read_all = False
                continue
            with session.db.write() as s:
                wanted = [
                    c
                    for c in bundle.changes
                    if case_of_change(s, c) in cases and keeps_entity(role, str(c["entity"]))
                ]
                applied += apply_changes(s, without_clashing_entries(s, wanted)).applied
        if read_all:
            with session.db.write() as s:
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


def read_new_generations(session: AppSession, target: Target, roster: Roster) -> int:
    """Read again the bundles of other devices published again (a newer generation) since
    this laptop read them: the parts now addressed to it hold the history of a case come to
    it (allocated, handed over, shared; a promotion; a replacement laptop). One transaction
    per bundle; a bundle that cannot be read now is tried again at the next sync. Bundles
    read before this laptop recorded generations (format 1 and 2 ones, read whole) are
    recorded as read. Returns the changes applied."""
    applied = 0
    again = {
        member.device_id: [p for p in target.published(member.device_id) if p.generation > 1]
        for member in roster.members
        if member.device_id != session.device_id
    }
    if not any(again.values()):
        return 0  # nothing published again: no generation to compare (no SQL)
    keys: DeviceKeys | None = None
    with session.db.read() as s:  # two statements, whatever the team's size
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
        if member.device_id == session.device_id or not high_water:
            continue
        # A bundle of generation 1 not recorded was read at generation 1 (or, written before
        # generations were recorded here, read whole).
        items = [p for p in again[member.device_id] if p.to_seq <= high_water]
        unrecorded = [p for p in items if (p.device_id, p.from_seq, p.to_seq) not in read]
        if unrecorded:
            with session.db.write() as s:
                for item in unrecorded:
                    _note_read(s, item)
        for item in items:
            if (
                read.get((item.device_id, item.from_seq, item.to_seq), item.generation)
                >= item.generation
            ):
                continue
            keys = keys or device_keys(session)
            try:
                received = read_bundle(target, member, item, keys, session.device_id)
            except (EnvelopeError, BundleError, FileNotFoundError):
                log.warning("a bundle published again could not be read; tried again later")
                continue
            with session.db.write() as s:
                me, supervisor, role = _who(session, s)
                note_audiences(s, [route_as_change(r) for r in received.routes])
                bundle = received.bundle
                kept = keep_for_this_laptop(
                    s,
                    bundle.changes,
                    me,
                    supervisor,
                    (bundle.device_id, bundle.from_seq, bundle.to_seq),
                    role=role,
                )
                applied += apply_changes(s, without_clashing_entries(s, kept)).applied
                _note_read(s, item)
    return applied


def _quarantine(session: AppSession, target: Target, item: Published, reason: str) -> None:
    """Keep a copy of a refused bundle (still encrypted) with the reason, for whoever
    investigates; the copy in the export stays where its device wrote it."""
    folder = session.paths.quarantine / item.device_id
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        ciphertext, signature = target.read(item)
        write_atomically(folder / item.name, ciphertext)
        write_atomically(folder / item.name.replace(".age", ".sig"), signature)
        write_atomically(folder / (item.name + ".reason.txt"), (reason + "\n").encode())
    except OSError:
        log.warning("could not keep a copy of a refused bundle")


def _record_problem(session: AppSession, device_id: str, problem: str, kind: str) -> None:
    with session.db.write() as s:
        peer = s.get(SyncPeer, device_id)
        if peer is None:
            peer = SyncPeer(device_id=device_id, high_water=0, updated_at=utcnow())
            s.add(peer)
        if (peer.problem, peer.problem_kind) != (problem, kind):
            peer.problem, peer.problem_kind = problem, kind


Progress = Callable[[int, int], None]  # (steps done, steps in all)


class Cancelled(Exception):
    """The user stopped the sync between two bundles: everything applied so far is kept."""


def import_changes(
    session: AppSession,
    target: Target,
    roster: Roster,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    extra_steps: int = 0,
) -> ImportReport:
    """Apply the bundles of every other device on the roster, each device in sequence order,
    each bundle whole in one transaction with the device's new position. A bundle that fails
    its signature, decryption or checks is refused whole, quarantined and stops that device
    (reported, retried at the next sync); a missing bundle (a gap) stops it too. Devices not
    on the roster are never imported."""
    plan = _plan(session, target, roster)
    total = sum(len(d.bundles) for d in plan) + extra_steps
    done = bundles = applied = held = refused = quarantined = erased = 0
    moved = False
    problems: dict[str, str] = {}
    if progress:
        progress(0, total)
    for due in plan:
        problem, kind = due.problem, "gap" if due.problem else ""
        for item in due.bundles:
            if cancelled is not None and cancelled():
                raise Cancelled
            try:
                result = _import_one(session, target, due.member, item)
            except (EnvelopeError, BundleError) as error:  # an I/O error stops the sync
                problem, kind = (
                    f"A bundle from {due.member.name}'s laptop ({item.name}) was refused: "
                    f"{error}. It is kept aside; other laptops' changes are not held up.",
                    "refused",
                )
                _quarantine(session, target, item, problem)
                quarantined += 1
                break
            bundles += 1
            if result.came_here:  # a case came to this worker: its history now, not at the end
                applied += fetch_skipped(session, target, roster)
            applied, held = applied + result.applied, held + result.held
            refused += result.refused_moves
            erased += result.erased
            moved = moved or result.cases_moved
            done += 1
            if progress:
                progress(done, total)
        if problem:
            problems[due.member.device_id] = problem
        if (problem, kind) != due.known:  # sync runs every minute: write only on a change
            _record_problem(session, due.member.device_id, problem, kind)
    applied += read_new_generations(session, target, roster)
    applied += fetch_skipped(session, target, roster)
    with session.db.read() as s:
        conflicts = int(s.execute(select(func.count()).select_from(SyncConflict)).scalar_one())
    if erased:  # cases erased by tombstones received: their pages go from the file too
        session.db.compact()
    return ImportReport(
        bundles, applied, held, conflicts, refused, problems, quarantined, erased, moved
    )


# --- the safety net: digests -----------------------------------------------------------------

DIGEST_NAME = "digest.age"
OWN_DIGEST = "sync_own_digest"  # the digest this laptop last published (JSON)
DIGEST_AT = "sync_digest_at"  # when it was worked out (ISO, UTC)
#: The digest is kept up to date as changes are written (``app/sync_digest.py``: milliseconds
#: when nothing is new), but publishing it rewrites a file in the export: the window does that
#: this often; ``restart-desktop sync`` at every run.
DIGEST_INTERVAL = dt.timedelta(minutes=30)


def cases_of_worker(s: Session, worker_id: str) -> list[str]:
    """The cases a worker's laptop keeps, by this laptop's case index, less those erased
    from it: by the retention rule, or by one of the worker's laptops as a closed case (while
    it stays closed). The same on the worker's laptop and on a supervisor's."""
    entries = list(s.scalars(select(SyncCaseIndex).order_by(SyncCaseIndex.case_id)))
    erased = erasures_here(s, [entry.case_id for entry in entries], worker_id=worker_id)
    return [
        entry.case_id
        for entry in entries
        if entry.case_id not in erased
        and receives_case(
            worker_id,
            False,
            CaseAudience(entry.created_by, entry.allocated_worker_id, tuple(entry.shared_with)),
        )
    ]


def holdings(session: AppSession, for_worker: str | None = None) -> dict[str, Any]:
    """What this laptop holds: how far it has read each device's bundles, a digest of the
    change ids, and a digest of the current state (every column of every synced record).
    A worker's laptop holds only its cases, so its digest covers those and the team records
    (``worker`` names whose cases); a supervisor's laptop works out the same for a worker
    (``for_worker``) to compare with theirs. Two laptops that have read the same bundles must
    have the same digests over the same cases. The digests are kept up to date from the
    changes written since the last one (``app.sync_digest``): their cost follows those."""
    today = session.clock.today()
    while True:  # short transactions: a save made meanwhile goes between them
        with session.db.write() as s:
            if not bring_up_to_date(s, today):
                break
    with session.db.read() as s:
        me, supervisor, role = _who(session, s)
        # An allocator's laptop holds the intake of every case and nothing else: its digest
        # covers those kinds of record, and no other laptop compares itself with it.
        intake_only = for_worker is None and not keeps_entity(role, "contact_notes")
        scope_worker = for_worker or (None if supervisor else me)
        cases = cases_of_worker(s, scope_worker) if scope_worker and not intake_only else None
        high_water = {
            peer.device_id: peer.high_water
            for peer in s.scalars(select(SyncPeer))
            if peer.high_water
        }
        own = s.execute(
            select(func.max(Change.seq)).where(Change.device_id == session.device_id)
        ).scalar()
        if own:
            high_water[session.device_id] = int(own)
        changes, state = digest_sums(s, cases)
    found = {
        "device": session.device_id,
        "high_water": high_water,
        "worker": scope_worker,
        "format": DIGEST_FORMAT,
        "changes": changes,
        "state": state,
    }
    if intake_only:
        found["scope"] = "intake"  # an allocator's: what it holds, compared by nobody
    return found


def publish_and_compare_digests(
    session: AppSession, target: Target, roster: Roster, force: bool = False
) -> tuple[str, ...]:
    """Publish this laptop's digest when due (or ``force``) and return the names of the
    team's laptops that hold the same changes but disagree about the current state."""
    now = utcnow()
    last = session.setting(DIGEST_AT, "")
    due = not last or now - read_utc(last) >= DIGEST_INTERVAL
    if not (force or due):
        return ()
    own = holdings(session)
    own_text = json.dumps(own, sort_keys=True)
    keys = device_keys(session)
    if own_text != session.setting(OWN_DIGEST, ""):
        ciphertext, signature = seal(
            own_text.encode(), roster.recipients, keys, session.device_id, DIGEST_NAME
        )
        target.publish_file(session.device_id, DIGEST_NAME, ciphertext, signature)
        session.set_setting(OWN_DIGEST, own_text)
    session.set_setting(DIGEST_AT, now.isoformat())
    differs = []
    for_workers: dict[str, dict[str, Any]] = {}
    for member in roster.members:
        if member.device_id == session.device_id:
            continue
        found = target.read_file(member.device_id, DIGEST_NAME)
        if found is None:
            continue
        try:
            verify(found[0], found[1], member.verify_key, member.device_id, DIGEST_NAME)
            theirs = json.loads(open_sealed(found[0], keys))
        except (EnvelopeError, ValueError):
            continue  # an old or damaged digest proves nothing either way
        if "scope" in theirs or "scope" in own:
            continue  # an allocator's laptop holds other kinds of record: nothing to compare
        if theirs.get("worker") is None:  # a supervisor's laptop: it holds every case
            confirmed = theirs.get("high_water", {}).get(session.device_id, 0)
            if isinstance(confirmed, int) and confirmed > int(
                session.setting(CONFIRMED_SEQ, "0") or 0
            ):
                session.set_setting(CONFIRMED_SEQ, str(confirmed))
        mine = own
        if theirs.get("worker") != own["worker"]:
            if own["worker"] is not None or not theirs.get("worker"):
                continue  # a worker's laptop cannot check a supervisor's or another worker's
            worker = str(theirs["worker"])
            if worker not in for_workers:
                for_workers[worker] = holdings(session, worker)
            mine = for_workers[worker]
        if theirs.get("format", 1) != DIGEST_FORMAT:
            continue  # worked out another way (an earlier version): not comparable
        if theirs.get("high_water") == mine["high_water"] and (
            theirs.get("changes"),
            theirs.get("state"),
        ) != (mine["changes"], mine["state"]):
            differs.append(member.name)
    return tuple(differs)


# --- the team and "sync now" -------------------------------------------------------------------

TARGET_SETTING = "sync_target"
PINNED_KEY = "sync_team_key"  # the supervisor's verify key, pinned when joining or creating
ROSTER_VERSION = "sync_roster_version"  # the newest roster seen: an older one is refused
REQUESTS = "requests"
LAST_SENT = "sync_last_sent_seq"  # for "N changes waiting" only; never the export position
RETENTION_CHECKED = "sync_retention_checked"  # the day, periods and confirmation last run on


@dataclass(frozen=True)
class ConflictOption:
    change_id: str
    value: Any  # as stored (JSON)
    shown: str  # the value in words
    author: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class ConflictView:
    record_id: str
    entity: str
    field: str
    what: str  # "Status of Testy Travelson's case", in words
    options: tuple[ConflictOption, ...]  # oldest first
    showing: str  # the change id whose value shows until someone chooses
    detected_at: dt.datetime


@dataclass(frozen=True)
class SyncResult:
    state: str  # "synced", "waiting for approval", "not in the team", "no team yet"
    published: int = 0  # bundles written
    report: ImportReport = field(default_factory=ImportReport)
    message: str = ""
    differs_from: tuple[str, ...] = ()  # laptops holding the same changes but another state
    erased: int = 0  # cases erased from this laptop by the retention rules
    own: OwnFolder = OwnFolder(0)  # this laptop's folder: files set aside, bundles published again
    ignored: tuple[str, ...] = ()  # removed laptops whose bundles are ignored, said once each


class SyncService:
    """What the window and `restart-desktop sync` do: set the target, create or join the team,
    approve or remove devices (supervisor), and sync now (import, then export)."""

    def __init__(self, session: AppSession) -> None:
        self._app = session

    def _setting(self, key: str) -> str:
        return self._app.setting(key, "")

    def target_location(self) -> str:
        """The central export as set, as kept (a folder's absolute path, or a server's
        connection string without user or password): "" when none. Opens nothing."""
        return self._setting(TARGET_SETTING)

    def target(self) -> Target | None:
        """The central export as set (a folder, or a server as this laptop's own role);
        the caller closes it."""
        where = self._setting(TARGET_SETTING)
        if not where:
            return None
        if is_server_target(where):
            from restart_desktop.sync.postgres import PostgresTarget  # psycopg: 0.2 s to load

            return PostgresTarget(where, self._app.device_id)
        return FolderTarget(Path(where))

    def set_target(self, path: Path | str, create: bool = False) -> Target:
        """Keep ``path`` as the central export: a server's connection string (a libpq URL
        or ``service=NAME``; kept without user or password), or a folder as an absolute path
        (a relative one would name another folder from the next working folder).
        ``create``: make the folder if missing and its parent is there (the team being
        made); otherwise it must exist."""
        if isinstance(path, str) and is_server_target(path):
            from restart_desktop.sync.postgres import PostgresTarget

            try:
                server = PostgresTarget(path, self._app.device_id)
                server.check()
            except TargetUnavailable as error:
                raise UserError(str(error)) from None
            self._app.set_setting(TARGET_SETTING, server.conninfo)
            return server
        target = FolderTarget(absolute_folder(Path(path)))
        if create and not target.root.exists() and target.root.parent.is_dir():
            target.root.mkdir()
        try:
            target.check()
        except TargetUnavailable as error:
            if target.root.exists():
                raise UserError(str(error)) from None
            raise UserError(
                f"The folder {target.root} does not exist: check the path, or "
                "plug in the USB stick or connect the share."
            ) from None
        self._app.set_setting(TARGET_SETTING, str(target.root))
        return target

    def offline_words(self) -> str:
        """What the status bar says when the export cannot be reached."""
        where = self._setting(TARGET_SETTING)
        return "Central server not reachable" if where and is_server_target(where) else "Offline"

    def _require_supervisor(self) -> None:
        require(self._app, Permission.MANAGE_TEAM)

    def _member(self) -> Member:
        keys = device_keys(self._app)
        worker = self._app.worker
        return Member(
            self._app.device_id,
            worker.id,
            worker.name,
            worker.role.value,
            keys.age_recipient,
            keys.verify_key,
        )

    def create_team(self, path: Path | str, recovery_recipient: str) -> Roster:
        """The supervisor makes the team in an empty target: a roster with their own device,
        signed by them, and their key pinned. On a server, the connection string's user
        (an administrator's role allowed to create roles) makes the supervisor's own role."""
        self._require_supervisor()
        target = self.set_target(path, create=True)
        try:
            return self._create_team(target, recovery_recipient)
        finally:
            target.close()

    def _create_team(self, target: Target, recovery_recipient: str) -> Roster:
        if target.read_roster() is not None:
            raise UserError("This central export already has a team. Join it instead.")
        keys = device_keys(self._app)
        roster = Roster(uuid7(), 1, keys.verify_key, recovery_recipient.strip(), (self._member(),))
        try:
            seal(b"check", roster.recipients, keys, self._app.device_id, "check")
        except EnvelopeError as error:
            raise UserError(f"The recovery key is not an age public key ({error}).") from None
        try:
            target.found_team(self._app.device_id)  # a server makes the supervisor's role
        except PermissionError as error:
            raise UserError(
                f"The team could not be made on the central server: {error.strerror}."
            ) from None
        target.publish_roster(roster.to_json(), sign_roster(roster, keys))
        ensure_recovery_copy(self._app, roster.recovery_recipient)
        self._app.set_setting(PINNED_KEY, keys.verify_key)
        self._app.set_setting(ROSTER_VERSION, str(roster.version))
        return roster

    def request_to_join(self, path: Path | str) -> tuple[str, str]:
        """Ask to join the team in ``path``; pins the supervisor's key. Returns (supervisor's
        fingerprint, this device's fingerprint) to compare with the supervisor in person."""
        target = self.set_target(path)
        try:
            return self._request_to_join(target)
        finally:
            target.close()

    def _request_to_join(self, target: Target) -> tuple[str, str]:
        found = target.read_roster()
        if found is None:
            raise UserError("There is no team in this central export yet: a supervisor makes it.")
        try:
            roster = Roster.from_json(found[0])
            verify_roster(found[0], found[1], roster.supervisor_key)
        except RosterError as error:
            raise UserError(roster_words(error)) from None
        self._app.set_setting(PINNED_KEY, roster.supervisor_key)
        self._app.set_setting(ROSTER_VERSION, str(roster.version))
        member = self._member()
        target.file_request(member.device_id, json.dumps(vars(member), sort_keys=True).encode())
        return fingerprint(roster.supervisor_key), fingerprint(member.verify_key)

    def _roster(self, target: Target) -> Roster | None:
        found = target.read_roster()
        pinned = self._setting(PINNED_KEY)
        if not pinned:
            return None
        if found is None:  # in a team, and no roster here: an empty stand-in folder
            raise UserError(NOT_THE_EXPORT)
        try:
            roster = verify_roster(found[0], found[1], pinned)
        except RosterError as error:
            raise UserError(roster_words(error)) from None
        remember_names(self._app, roster)
        ensure_recovery_copy(self._app, roster.recovery_recipient)
        seen = int(self._setting(ROSTER_VERSION) or 0)
        if roster.version < seen:
            raise UserError(
                "The team roster in the central export is older than one already "
                "seen here: it may have been replaced. Ask your supervisor."
            )
        if roster.version > seen:
            self._app.set_setting(ROSTER_VERSION, str(roster.version))
        return roster

    def members(self) -> list[Member]:
        roster = self._roster(self._need_target())
        return list(roster.members) if roster else []

    def requests(self) -> list[Member]:
        """Devices asking to join (for the supervisor to compare fingerprints and approve)."""
        self._require_supervisor()
        with closing(self._need_target()) as target:
            return [Member(**json.loads(data)) for data in target.requests()]

    def _need_target(self) -> Target:
        target = self.target()
        if target is None:
            raise UserError("No central export is set: choose it first (sync --target PATH).")
        target.check()
        return target

    def _publish(self, target: Target, roster: Roster) -> None:
        keys = device_keys(self._app)
        target.publish_roster(roster.to_json(), sign_roster(roster, keys))
        self._app.set_setting(ROSTER_VERSION, str(roster.version))

    def approve(self, device_id: str) -> Roster:
        self._require_supervisor()
        target = self._need_target()
        roster = self._roster(target)
        if roster is None:
            raise UserError("This laptop is not the team's supervisor laptop.")
        asking = [Member(**json.loads(data)) for data in target.requests()]
        member = next((m for m in asking if m.device_id == device_id), None)
        if member is None:
            raise UserError("No such request to join.")
        others = tuple(m for m in roster.members if m.device_id != device_id)
        updated = replace(roster, version=roster.version + 1, members=(*others, member))
        self._publish(target, updated)
        try:
            target.admit(device_id)  # a server makes the device's role
        except PermissionError as error:
            raise UserError(
                f"The roster names the laptop, but the central server did not let "
                f"its role be made ({error.strerror}): ask its administrator "
                "(docs/central-server.md)."
            ) from None
        return updated

    def remove(self, device_id: str) -> Roster:
        """A lost laptop leaves the team: nothing more is encrypted to it or read from it."""
        self._require_supervisor()
        target = self._need_target()
        roster = self._roster(target)
        if roster is None or roster.member(device_id) is None:
            raise UserError("That device is not in the team.")
        if device_id == self._app.device_id:
            raise UserError("The supervisor's own laptop cannot be removed here.")
        updated = replace(
            roster,
            version=roster.version + 1,
            members=tuple(m for m in roster.members if m.device_id != device_id),
        )
        self._publish(target, updated)
        target.expel(device_id)  # a server disables the device's role
        return updated

    def promote(self, device_id: str, role: Role = Role.SUPERVISOR) -> Member:
        """Give a member a role: a supervisor (a partner team leader; their laptop receives
        every case of the team from its next sync) or the allocator (the OPCC's decision
        maker; their laptop receives the intake of every case and nothing of the work with
        people). The roster says so, and their worker record too. Only the supervisor who
        made the team signs the roster."""
        self._require_supervisor()
        target = self._need_target()
        roster = self._roster(target)
        member = roster.member(device_id) if roster else None
        if roster is None or member is None:
            raise UserError("That device is not in the team.")
        with self._app.db.read() as s:
            if s.get(Worker, member.worker_id) is None:
                raise UserError(
                    "Sync once first: this laptop has not received that worker's record yet."
                )
        promoted = replace(member, role=role.value)
        others = tuple(m for m in roster.members if m.device_id != device_id)
        try:
            self._publish(
                target, replace(roster, version=roster.version + 1, members=(*others, promoted))
            )
        except RosterError:
            raise UserError(
                "Only the supervisor who made the team changes its roster: ask "
                "them to promote this member."
            ) from None
        with self._app.db.write() as s:
            worker = s.get(Worker, member.worker_id)
            if worker is not None:
                worker.role = role.value
        return promoted

    def sync_now(
        self,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        check_digests: bool = False,
        wait_seconds: float = 0.0,
    ) -> SyncResult:
        """Import what others published, then publish this laptop's changes; safe to repeat,
        and safe to stop between bundles (``cancelled``): what was applied or published
        stays, the rest goes at the next sync. Digests are compared every DIGEST_INTERVAL,
        or now with ``check_digests``. One sync per data folder at a time: SyncBusy when
        another is still running after ``wait_seconds``."""
        target: Target | None = None
        try:
            target = self._need_target()
            with sync_lock(self._app.paths.root, wait_seconds), self._app.db.background():
                # a save made meanwhile goes between bundles
                return self._sync(target, progress, cancelled, check_digests)
        except NotTheExport as error:
            raise UserError(str(error)) from None
        except ServerUnreachable:
            raise UserError(
                f"Central server not reachable, "
                f"{_waiting(self.waiting_changes())}: the sync carries on when "
                "it can."
            ) from None
        except TargetUnavailable as error:
            raise UserError(f"{error} The sync carries on when it can.") from None
        except OSError as error:  # a full disk, a share gone mid-way, no permission
            words = error.strerror or type(error).__name__
            raise UserError(
                f"The sync stopped: the central export could not be read or written ({words}). "
                "Nothing half-done was kept; it carries on at the next sync."
            ) from None
        finally:
            if target is not None:
                target.close()

    def _sync(
        self,
        target: Target,
        progress: Progress | None,
        cancelled: Callable[[], bool] | None,
        check_digests: bool,
    ) -> SyncResult:
        roster = self._roster(target)
        if roster is None:
            return SyncResult("no team yet", message="Join or create the team first.")
        if roster.member(self._app.device_id) is None:
            if target.has_request(self._app.device_id):
                return SyncResult(
                    "waiting for approval",
                    message="Waiting for the supervisor to approve this laptop.",
                )
            return SyncResult(
                "not in the team", message="This laptop is not in the team: nothing is exchanged."
            )
        try:
            own = check_own_folder(self._app, target, roster)
        except AheadOfThisLaptop:  # nothing is sent; its audit head goes out all the same,
            exchange_heads(self._app, target, roster, device_keys(self._app))  # so it shows
            raise
        to_send = -(-self._unpublished(own.position) // MAX_CHANGES_PER_BUNDLE)
        imported: list[int] = [0, 0]

        def step(done: int, total: int) -> None:
            imported[:] = [done, total]
            if progress:
                progress(done, total)

        report = import_changes(self._app, target, roster, step, cancelled, to_send)

        def sent(count: int) -> None:
            if cancelled is not None and cancelled():
                raise Cancelled
            if progress:
                progress(imported[0] + count, imported[1])

        unsent = self._unpublished(own.position, own_work_only=True)
        if unsent:  # recorded before sending, so it goes out with this sync. Only a sync that
            # sends this laptop's own work is recorded: a received change, or an audit entry
            # going out, would otherwise make every laptop record (and send) a sync each time.
            record(
                self._app,
                AuditAction.SYNCED,
                None,
                f"received {report.applied} changes, sent {unsent} of this laptop's",
            )
        rekey_published(self._app, target, roster)  # cases moved, the team changed
        published = export_changes(self._app, target, roster, sent, own.position)
        exchange_heads(self._app, target, roster, device_keys(self._app))
        differs = publish_and_compare_digests(self._app, target, roster, check_digests)
        # Retention after the digests: they confirm what the central export holds.
        erased = self._run_retention(report)
        if erased:  # the tombstones go out now
            published += export_changes(self._app, target, roster)
        if erased or report.erased or own.scrub_due:  # (erased outside a sync too)
            scrub_published(self._app, target, roster)
        self.remember_sent(max([own.position, *(item.to_seq for item in published)]))
        return SyncResult(
            "synced",
            len(published),
            report,
            differs_from=differs,
            erased=erased + report.erased,
            own=own,
            ignored=removed_devices(self._app, target, roster),
        )

    def _run_retention(self, report: ImportReport) -> int:
        """Run the retention rules after a sync when they may say something new: a new day,
        other periods, the supervisor's laptop confirming more of this laptop's changes, or
        received changes to cases' status, holds or workers. Running them reads every case
        (most of a one-note sync on a 10,000-case laptop); skipping them only puts an erasure
        off to the next sync that changes one of these, the next day or the next unlock."""
        retention = RetentionService(self._app)
        policy = retention.policy()
        key = json.dumps(
            [
                retention.today().isoformat(),
                policy.laptop_days,
                policy.export_years,
                self._setting(CONFIRMED_SEQ),
            ]
        )
        if key == self._setting(RETENTION_CHECKED) and not report.cases_moved:
            return 0
        erased = retention.run().erased
        self._app.set_setting(RETENTION_CHECKED, key)
        return erased

    def _unpublished(self, last: int, own_work_only: bool = False) -> int:
        """This laptop's changes after ``last`` (its position in the export), leaving out
        its audit entries with ``own_work_only``."""
        query = (
            select(func.count())
            .select_from(Change)
            .where(Change.device_id == self._app.device_id, Change.seq > last)
        )
        if own_work_only:
            query = query.where(Change.entity != AuditEntry.__tablename__)
        with self._app.db.read() as s:
            return int(s.execute(query).scalar_one())

    def problems(self) -> list[str]:
        """What holds up each team laptop's changes here (each names the laptop)."""
        with self._app.db.read() as s:
            return list(s.scalars(select(SyncPeer.problem).where(SyncPeer.problem != "")))

    def rebuild(self) -> int:
        """Work out every record again from the changes held (``sync --rebuild``): the safety
        net when this laptop's state differs from a laptop holding the same changes."""
        with self._app.db.background(), self._app.db.write() as s:
            reset_digest(s)  # every record written again: their digest items too
            return rebuild(s)

    # --- for the status bar and the conflicts list ----------------------------------------
    def waiting_changes(self) -> int:
        """This laptop's changes not yet in the central export, as far as the last sync knew
        (the export itself always reads its position from the target)."""
        sent = int(self._setting(LAST_SENT) or 0)
        with self._app.db.read() as s:  # the worker's own work: audit entries go out unsaid
            return int(
                s.execute(
                    select(func.count())
                    .select_from(Change)
                    .where(
                        Change.device_id == self._app.device_id,
                        Change.seq > sent,
                        Change.entity != AuditEntry.__tablename__,
                    )
                ).scalar_one()
            )

    def remember_sent(self, position: int | None = None) -> None:
        """After a sync: everything this laptop wrote until now (``position``, or as the
        export's files say) is in the export."""
        target = self.target()
        if position is None and target is not None:
            position = target.last_published_seq(self._app.device_id)
        if position is not None and str(position) != self._setting(LAST_SENT):
            self._app.set_setting(LAST_SENT, str(position))  # a write only when it moved

    def conflicts(self) -> list[ConflictView]:
        """Fields changed on two laptops at once and not yet decided, oldest first: for a
        supervisor all of them; for a worker those of their cases and those they took part in."""
        me = self._app.worker
        with self._app.db.read() as s:
            names = worker_names(s)
            found = []
            for conflict in s.scalars(select(SyncConflict).order_by(SyncConflict.detected_at)):
                changes = {
                    c.change_id: c
                    for c in s.scalars(
                        select(Change).where(Change.change_id.in_(conflict.change_ids))
                    )
                }
                person = _person_of(s, conflict.entity, conflict.record_id)
                mine = (person is not None and person.allocated_worker_id == me.id) or any(
                    c.author_id == me.id for c in changes.values()
                )
                if me.role != Role.SUPERVISOR and not mine:
                    continue
                options = tuple(
                    ConflictOption(
                        change_id,
                        value,
                        _shown(conflict.field, value, names),
                        names.get(changes[change_id].author_id, "Someone"),
                        changes[change_id].recorded_at,
                    )
                    for change_id, value in zip(conflict.change_ids, conflict.values, strict=True)
                    if change_id in changes
                )
                found.append(
                    ConflictView(
                        conflict.record_id,
                        conflict.entity,
                        conflict.field,
                        _what(conflict.entity, conflict.field, person),
                        options,
                        conflict.winner_change_id,
                        conflict.detected_at,
                    )
                )
            return found

    def resolve(self, record_id: str, field_name: str, change_id: str) -> None:
        """Keep the value of ``change_id``. The choice is an ordinary change of the record
        that builds on every competing value, so it ends the conflict on every laptop."""
        with self._app.db.write() as s:
            conflict = s.get(SyncConflict, (record_id, field_name))
            if conflict is None:
                raise UserError("That conflict has already been settled.")
            if change_id not in conflict.change_ids:
                raise UserError("Choose one of the values shown.")
            value = conflict.values[conflict.change_ids.index(change_id)]
            model = MODELS[conflict.entity]
            record = s.get(model, record_id)
            if record is None:
                raise UserError("That record is no longer on this laptop.")
            setattr(record, field_name, to_column_value(model, field_name, value))
            # Setting the value it already has would be no change: record the choice anyway.
            flag_modified(record, field_name)


_FIELD_WORDS = {
    "status": "status",
    "allocated_worker_id": "worker",
    "release_date": "release date",
    "release_time": "release time",
    "prison_code": "prison",
    "iom": "IOM flag",
    "mappa": "MAPPA flag",
    "consent_given": "consent",
    "nomis_number": "prison number",
    "crn": "CRN",
}
_ENTITY_WORDS = {
    "people": "case",
    "release_plans": "release plan",
    "release_plan_items": "release-day item",
    "referrals": "referral",
    "follow_up_actions": "follow-up action",
    "assessments": "assessment",
    "barriers": "barrier",
    "workers": "worker",
    "devices": "laptop",
}


def _person_of(s: Session, entity: str, record_id: str) -> Person | None:
    """The person a record is about, if any."""
    if entity == "people":
        return s.get(Person, record_id)
    record = s.get(MODELS[entity], record_id)
    person_id = getattr(record, "person_id", None)
    if person_id is None and isinstance(record, ReleasePlanItem):
        plan = s.get(ReleasePlan, record.plan_id)
        person_id = plan.person_id if plan else None
    return s.get(Person, person_id) if person_id else None


def _what(entity: str, field_name: str, person: Person | None) -> str:
    """ "Prison number (case, SMITH, Testy)", "State (release-day item, SMITH, Testy)"."""
    words = _FIELD_WORDS.get(field_name, field_name.replace("_", " ")).capitalize()
    kind = _ENTITY_WORDS.get(entity, entity.replace("_", " "))
    if person is None:
        return f"{words} ({kind})"
    name = display_name(person.given_name, person.family_name, person.preferred_name)
    return f"{words} ({kind}, {name})"


def _shown(field_name: str, value: Any, names: Mapping[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field_name.endswith("worker_id"):
        return names.get(str(value), "another worker")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if field_name == "status":
        return str(value).replace("_", " ").capitalize()
    return str(value)


def _waiting(count: int) -> str:
    return f"{count} change{'' if count == 1 else 's'} waiting"


def write_recovery_identity(path: Path) -> str:
    """Make the programme's recovery identity, write it to ``path`` (readable by its owner
    only; an age identity file the standard tool reads), return its public recipient."""
    keys = DeviceKeys.generate()
    if path.exists():
        raise UserError(f"{path} already exists: choose a new file for the recovery key.")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(
            f"# RESTART Desktop recovery identity: keep offline\n"
            f"# public key: {keys.age_recipient}\n{keys.age_identity}\n"
        )
    return keys.age_recipient
