"""Sync with the central export (issue 7, in progress): this device's keys, publishing its
changes as encrypted, signed bundles, and importing other roster members' bundles with field
conflicts kept. Still to come: creating and joining a team from the window and CLI, the
background sync and status bar, and resolving conflicts (see the issue's note).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, func, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from restart_desktop.app.errors import UserError
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import Role
from restart_desktop.domain.ids import uuid7
from restart_desktop.store.changes import IMPORTING, to_json_value, utcnow
from restart_desktop.store.migrate import HEAD_REVISION
from restart_desktop.store.models import (
    SYNCED_MODELS,
    Change,
    LocalSetting,
    SyncConflict,
    SyncedRecord,
    SyncPeer,
)
from restart_desktop.sync.bundle import Bundle, BundleError, decode_bundle, encode_bundle
from restart_desktop.sync.envelope import (
    DeviceKeys,
    EnvelopeError,
    fingerprint,
    open_sealed,
    seal,
    verify,
)
from restart_desktop.sync.folder import FolderTarget, Published, bundle_name, write_atomically
from restart_desktop.sync.roster import Member, Roster, sign_roster, verify_roster

AGE_IDENTITY = "sync_age_identity"
SIGNING_KEY = "sync_signing_key"
MAX_CHANGES_PER_BUNDLE = 5000  # a bundle a supervisor's laptop decrypts in memory at once


def device_keys(session: AppSession) -> DeviceKeys:
    """This device's sync keys, made on first use and kept only in the encrypted database."""
    with session.db.write() as s:
        identity = s.get(LocalSetting, AGE_IDENTITY)
        signing = s.get(LocalSetting, SIGNING_KEY)
        if identity is not None and signing is not None:
            return DeviceKeys(identity.value, base64.b64decode(signing.value))
        keys = DeviceKeys.generate()
        s.merge(LocalSetting(key=AGE_IDENTITY, value=keys.age_identity))
        s.merge(LocalSetting(key=SIGNING_KEY, value=base64.b64encode(keys.signing_key).decode()))
        return keys


def _change_dict(change: Change) -> dict[str, object]:
    return {
        "change_id": change.change_id,
        "device_id": change.device_id,
        "seq": change.seq,
        "entity": change.entity,
        "record_id": change.record_id,
        "base_change_id": change.base_change_id,
        "hlc": change.hlc,
        "author_id": change.author_id,
        "fields": change.fields,
        "recorded_at": to_json_value(change.recorded_at),
    }


def export_changes(
    session: AppSession, target: FolderTarget, recipients: Sequence[str]
) -> list[Published]:
    """Publish this device's changes made since its last bundle in the target, as bundles of
    at most MAX_CHANGES_PER_BUNDLE. Safe to run again after any interruption: the position is
    read from the target, so nothing is published twice and nothing skipped."""
    keys = device_keys(session)
    device = session.device_id
    published: list[Published] = []
    while True:
        last = target.last_published_seq(device)
        with session.db.read() as s:
            changes = [
                _change_dict(change)
                for change in s.scalars(
                    select(Change)
                    .where(Change.device_id == device, Change.seq > last)
                    .order_by(Change.seq)
                    .limit(MAX_CHANGES_PER_BUNDLE)
                )
            ]
        if not changes:
            return published
        first, final = int(str(changes[0]["seq"])), int(str(changes[-1]["seq"]))
        plaintext = encode_bundle(device, HEAD_REVISION, changes)
        ciphertext, signature = seal(
            plaintext, recipients, keys, device, bundle_name(first, final)
        )
        published.append(target.publish(device, first, final, ciphertext, signature))


# --- receiving --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    bundles: int = 0
    applied: int = 0  # changes new to this laptop
    already_held: int = 0
    conflicts: int = 0
    problems: dict[str, str] = field(default_factory=dict)  # device id -> why it stopped


_MODELS: dict[str, type[SyncedRecord]] = {m.__tablename__: m for m in SYNCED_MODELS}


def import_changes(session: AppSession, target: FolderTarget, roster: Roster) -> ImportReport:
    """Apply the bundles of every other device on the roster, each device in sequence order,
    each bundle whole in one transaction with the device's new position. A bundle that fails
    its signature, decryption or checks is refused whole and stops that device (reported); a
    missing bundle (a gap) stops it too. Devices not on the roster are never imported."""
    keys = device_keys(session)
    bundles = applied = held = conflicts = 0
    problems: dict[str, str] = {}
    for member in roster.members:
        if member.device_id == session.device_id:
            continue
        with session.db.read() as s:
            peer = s.get(SyncPeer, member.device_id)
            high_water = peer.high_water if peer else 0
            known_problem = peer.problem if peer else ""
        for item in target.published(member.device_id):
            if item.to_seq <= high_water:
                continue
            if item.from_seq != high_water + 1:
                problems[member.device_id] = (
                    f"Waiting for bundle {high_water + 1}-{item.from_seq - 1} from "
                    f"{member.name}'s laptop; its later bundles wait for it."
                )
                break
            try:
                ciphertext, signature = target.read(item)
                verify(ciphertext, signature, member.verify_key, member.device_id, item.name)
                bundle = decode_bundle(open_sealed(ciphertext, keys))
                if (bundle.device_id, bundle.from_seq, bundle.to_seq) != (
                    member.device_id, item.from_seq, item.to_seq
                ):
                    raise BundleError("the bundle is not what its file name says")
                if bundle.schema > HEAD_REVISION:
                    raise BundleError(
                        f"it was written by a newer RESTART Desktop (schema {bundle.schema}): "
                        "update this laptop"
                    )
                result = _apply(session, bundle)
            except (EnvelopeError, BundleError, OSError) as error:
                problems[member.device_id] = (
                    f"A bundle from {member.name}'s laptop was refused: {error}."
                )
                break
            bundles += 1
            applied, held, conflicts = (applied + result[0], held + result[1],
                                        conflicts + result[2])  # fmt: skip
            high_water = item.to_seq
        problem = problems.get(member.device_id, "")
        if problem != known_problem:  # a write only when it changed: sync runs every minute
            _record_problem(session, member.device_id, problem)
    return ImportReport(bundles, applied, held, conflicts, problems)


def _record_problem(session: AppSession, device_id: str, problem: str) -> None:
    with session.db.write() as s:
        peer = s.get(SyncPeer, device_id)
        if peer is None:
            peer = SyncPeer(device_id=device_id, high_water=0, updated_at=utcnow())
            s.add(peer)
        peer.problem = problem


def _value(model: type[SyncedRecord], key: str, value: Any) -> Any:
    """A change's JSON value as the column's Python value (dates and times from ISO text)."""
    if value is None:
        return None
    column = inspect(model).columns[key]
    if isinstance(column.type, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return dt.date.fromisoformat(value)
    return value


def _apply(session: AppSession, bundle: Bundle) -> tuple[int, int, int]:
    """Apply one bundle and the device's new position in one transaction: (applied, already
    held, conflicts)."""
    applied = held = conflicts = 0
    with session.db.write() as s:
        s.info[IMPORTING] = True
        for raw in bundle.changes:
            if s.get(Change, raw["change_id"]) is not None:
                held += 1  # already here (through another path): never applied twice
                continue
            model = _MODELS.get(str(raw["entity"]))
            if model is None:
                raise BundleError(
                    f"it holds records of a kind this version does not know "
                    f"({raw['entity']}): update RESTART Desktop"
                )
            conflicts += _apply_change(s, model, raw)
            # Written in bundle order: a record's change comes after those it refers to (the
            # worker before their device, the person before the note), and the foreign keys
            # are checked row by row.
            s.flush()
            s.add(Change(
                change_id=raw["change_id"], device_id=raw["device_id"], seq=raw["seq"],
                entity=raw["entity"], record_id=raw["record_id"],
                base_change_id=raw["base_change_id"], hlc=raw["hlc"],
                author_id=raw["author_id"], fields=raw["fields"],
                recorded_at=dt.datetime.fromisoformat(str(raw["recorded_at"])),
            ))  # fmt: skip
            applied += 1
        peer = s.get(SyncPeer, bundle.device_id)
        if peer is None:
            peer = SyncPeer(device_id=bundle.device_id, problem="", updated_at=utcnow())
            s.add(peer)
        peer.high_water = bundle.to_seq
        peer.updated_at = utcnow()
        s.flush()
    return applied, held, conflicts


def _apply_change(s: Session, model: type[SyncedRecord], raw: Mapping[str, Any]) -> int:
    """Apply one remote change to the current state; returns the conflicts found (0 or more)."""
    fields: Mapping[str, Any] = raw["fields"]
    at = dt.datetime.fromisoformat(str(raw["recorded_at"]))
    record = s.get(model, raw["record_id"])
    if record is None:
        record = model(id=raw["record_id"])
        for key, value in fields.items():
            setattr(record, key, _value(model, key, value))
        record.created_at = record.updated_at = at
        record.created_by = record.updated_by = str(raw["author_id"])
        record.last_change_id = str(raw["change_id"])
        s.add(record)
        return 0
    if record.IMMUTABLE:
        return 0  # append-only records never change after creation, whoever asks
    concurrent = record.last_change_id != raw["base_change_id"]
    local = s.get(Change, record.last_change_id) if concurrent and record.last_change_id else None
    found = 0
    remote_wins_all = True
    for key, value in fields.items():
        if concurrent and local is not None and key in local.fields:
            # The same field changed here and there: keep both, the later clock wins for now
            # (every device decides the same way), and someone chooses later.
            remote_wins = str(raw["hlc"]) > local.hlc
            s.add(SyncConflict(
                entity=model.__tablename__, record_id=record.id, field=key,
                local_value=local.fields[key], remote_value=value,
                local_change_id=local.change_id, remote_change_id=str(raw["change_id"]),
                winner="remote" if remote_wins else "local", detected_at=utcnow(),
            ))  # fmt: skip
            found += 1
            if not remote_wins:
                remote_wins_all = False
                continue
        setattr(record, key, _value(model, key, value))
        if not concurrent:
            # Made by a device that had seen this laptop's latest value (a choice made on a
            # conflict, or a later edit): it settles any conflict still open on the field.
            for open_conflict in s.scalars(
                select(SyncConflict).where(
                    SyncConflict.record_id == record.id,
                    SyncConflict.field == key,
                    SyncConflict.resolved_at.is_(None),
                )
            ):
                open_conflict.resolved_at = utcnow()
    if remote_wins_all:
        record.updated_at = at
        record.updated_by = str(raw["author_id"])
        record.last_change_id = str(raw["change_id"])
    return found


# --- the team and "sync now" -------------------------------------------------------------------

TARGET_SETTING = "sync_target"
PINNED_KEY = "sync_team_key"  # the supervisor's verify key, pinned when joining or creating
ROSTER_VERSION = "sync_roster_version"  # the newest roster seen: an older one is refused
REQUESTS = "requests"
LAST_SENT = "sync_last_sent_seq"  # for "N changes waiting" only; never the export position


@dataclass(frozen=True)
class ConflictView:
    id: str
    entity: str
    record_id: str
    field: str
    local_value: Any
    remote_value: Any
    winner: str
    detected_at: dt.datetime


@dataclass(frozen=True)
class SyncResult:
    state: str  # "synced", "waiting for approval", "not in the team", "no team yet"
    published: int = 0  # bundles written
    report: ImportReport = field(default_factory=ImportReport)
    message: str = ""


class SyncService:
    """What the window and `restart-desktop sync` do: set the target, create or join the team,
    approve or remove devices (supervisor), and sync now (import, then export)."""

    def __init__(self, session: AppSession) -> None:
        self._app = session

    def _setting(self, key: str) -> str:
        return self._app.setting(key, "")

    def target(self) -> FolderTarget | None:
        path = self._setting(TARGET_SETTING)
        return FolderTarget(Path(path)) if path else None

    def set_target(self, path: Path) -> FolderTarget:
        target = FolderTarget(path)
        target.check()
        self._app.set_setting(TARGET_SETTING, str(path))
        return target

    def _require_supervisor(self) -> None:
        if self._app.worker.role != Role.SUPERVISOR:
            raise UserError("Only a supervisor creates the team and approves or removes devices.")

    def _member(self) -> Member:
        keys = device_keys(self._app)
        worker = self._app.worker
        return Member(self._app.device_id, worker.id, worker.name, worker.role.value,
                      keys.age_recipient, keys.verify_key)  # fmt: skip

    def create_team(self, path: Path, recovery_recipient: str) -> Roster:
        """The supervisor makes the team in an empty target: a roster with their own device,
        signed by them, and their key pinned."""
        self._require_supervisor()
        target = self.set_target(path)
        if target.read_roster() is not None:
            raise UserError("This central export already has a team. Join it instead.")
        keys = device_keys(self._app)
        roster = Roster(uuid7(), 1, keys.verify_key, recovery_recipient.strip(),
                        (self._member(),))  # fmt: skip
        try:
            seal(b"check", roster.recipients, keys, self._app.device_id, "check")
        except EnvelopeError as error:
            raise UserError(f"The recovery key is not an age public key ({error}).") from None
        target.publish_roster(roster.to_json(), sign_roster(roster, keys))
        self._app.set_setting(PINNED_KEY, keys.verify_key)
        self._app.set_setting(ROSTER_VERSION, str(roster.version))
        return roster

    def request_to_join(self, path: Path) -> tuple[str, str]:
        """Ask to join the team in ``path``; pins the supervisor's key. Returns (supervisor's
        fingerprint, this device's fingerprint) to compare with the supervisor in person."""
        target = self.set_target(path)
        found = target.read_roster()
        if found is None:
            raise UserError("There is no team in this central export yet: a supervisor makes it.")
        roster = Roster.from_json(found[0])
        verify_roster(found[0], found[1], roster.supervisor_key)
        self._app.set_setting(PINNED_KEY, roster.supervisor_key)
        self._app.set_setting(ROSTER_VERSION, str(roster.version))
        folder = target.root / REQUESTS
        folder.mkdir(exist_ok=True)
        member = self._member()
        write_atomically(folder / f"{member.device_id}.json",
                         json.dumps(vars(member), sort_keys=True).encode())  # fmt: skip
        return fingerprint(roster.supervisor_key), fingerprint(member.verify_key)

    def _roster(self, target: FolderTarget) -> Roster | None:
        found = target.read_roster()
        pinned = self._setting(PINNED_KEY)
        if found is None or not pinned:
            return None
        roster = verify_roster(found[0], found[1], pinned)
        seen = int(self._setting(ROSTER_VERSION) or 0)
        if roster.version < seen:
            raise UserError("The team roster in the central export is older than one already "
                            "seen here: it may have been replaced. Ask your supervisor.")
        if roster.version > seen:
            self._app.set_setting(ROSTER_VERSION, str(roster.version))
        return roster

    def members(self) -> list[Member]:
        roster = self._roster(self._need_target())
        return list(roster.members) if roster else []

    def requests(self) -> list[Member]:
        """Devices asking to join (for the supervisor to compare fingerprints and approve)."""
        self._require_supervisor()
        target = self._need_target()
        folder = target.root / REQUESTS
        if not folder.is_dir():
            return []
        return [Member(**json.loads(p.read_text("utf-8"))) for p in sorted(folder.glob("*.json"))]

    def _need_target(self) -> FolderTarget:
        target = self.target()
        if target is None:
            raise UserError("No central export is set: choose it first (sync --target PATH).")
        target.check()
        return target

    def _publish(self, target: FolderTarget, roster: Roster) -> None:
        keys = device_keys(self._app)
        target.publish_roster(roster.to_json(), sign_roster(roster, keys))
        self._app.set_setting(ROSTER_VERSION, str(roster.version))

    def approve(self, device_id: str) -> Roster:
        self._require_supervisor()
        target = self._need_target()
        roster = self._roster(target)
        if roster is None:
            raise UserError("This laptop is not the team's supervisor laptop.")
        request = target.root / REQUESTS / f"{device_id}.json"
        if not request.is_file():
            raise UserError("No such request to join.")
        member = Member(**json.loads(request.read_text("utf-8")))
        others = tuple(m for m in roster.members if m.device_id != device_id)
        updated = replace(roster, version=roster.version + 1, members=(*others, member))
        self._publish(target, updated)
        request.unlink()
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
        updated = replace(roster, version=roster.version + 1,
                          members=tuple(m for m in roster.members if m.device_id != device_id))
        self._publish(target, updated)  # fmt: skip
        return updated

    def sync_now(self) -> SyncResult:
        """Import what others published, then publish this laptop's changes; safe to repeat."""
        target = self._need_target()
        roster = self._roster(target)
        if roster is None:
            return SyncResult("no team yet", message="Join or create the team first.")
        if roster.member(self._app.device_id) is None:
            waiting = (target.root / REQUESTS / f"{self._app.device_id}.json").is_file()
            if waiting:
                return SyncResult("waiting for approval",
                                  message="Waiting for the supervisor to approve this laptop.")
            return SyncResult("not in the team",
                              message="This laptop is not in the team: nothing is exchanged.")
        report = import_changes(self._app, target, roster)
        published = export_changes(self._app, target, roster.recipients)
        self.remember_sent()
        return SyncResult("synced", len(published), report)

    # --- for the status bar and the conflicts list ----------------------------------------
    def waiting_changes(self) -> int:
        """This laptop's changes not yet in the central export, as far as the last sync knew
        (the export itself always reads its position from the target)."""
        sent = int(self._setting(LAST_SENT) or 0)
        with self._app.db.read() as s:
            return int(
                s.execute(
                    select(func.count()).select_from(Change).where(
                        Change.device_id == self._app.device_id, Change.seq > sent
                    )
                ).scalar_one()
            )

    def remember_sent(self) -> None:
        """After a sync: everything this laptop wrote until now is in the export."""
        target = self.target()
        if target is not None:
            self._app.set_setting(
                LAST_SENT, str(target.last_published_seq(self._app.device_id))
            )

    def conflicts(self) -> list[ConflictView]:
        """Fields changed on two laptops at once, not yet decided, oldest first."""
        with self._app.db.read() as s:
            return [
                ConflictView(c.id, c.entity, c.record_id, c.field, c.local_value,
                             c.remote_value, c.winner, c.detected_at)  # fmt: skip
                for c in s.scalars(
                    select(SyncConflict)
                    .where(SyncConflict.resolved_at.is_(None))
                    .order_by(SyncConflict.detected_at)
                )
            ]

    def resolve(self, conflict_id: str, keep: str) -> None:
        """Keep one of the two values. The choice is an ordinary change of the record, so it
        reaches every laptop at the next sync and ends the conflict there too."""
        if keep not in ("local", "remote"):
            raise UserError("Choose which value to keep.")
        with self._app.db.write() as s:
            conflict = s.get(SyncConflict, conflict_id)
            if conflict is None or conflict.resolved_at is not None:
                raise UserError("That conflict has already been settled.")
            model = _MODELS[conflict.entity]
            record = s.get(model, conflict.record_id)
            if record is None:
                raise UserError("That record is no longer on this laptop.")
            value = conflict.local_value if keep == "local" else conflict.remote_value
            setattr(record, conflict.field, _value(model, conflict.field, value))
            # Setting the value it already has would be no change: record the choice anyway.
            flag_modified(record, conflict.field)
            conflict.resolved_at = utcnow()


def write_recovery_identity(path: Path) -> str:
    """Make the programme's recovery identity, write it to ``path`` (readable by its owner
    only; an age identity file the standard tool reads), return its public recipient."""
    keys = DeviceKeys.generate()
    if path.exists():
        raise UserError(f"{path} already exists: choose a new file for the recovery key.")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(f"# RESTART Desktop recovery identity: keep offline\n"
                     f"# public key: {keys.age_recipient}\n{keys.age_identity}\n")  # fmt: skip
    return keys.age_recipient
