"""Opening a data folder: enrolment (first run) and unlock (every later start).

An ``AppSession`` is what exists while the app is open: the keyed database, who is signed
in, and which device this is. Locking the window keeps it open behind the unlock page, so that
nothing being typed is lost (ui/application.py), and unlocking again only checks the
passphrase; closing the window closes the session.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import platform
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, configure_mappers

from restart_desktop.app.errors import AlreadyEnrolled, NotEnrolled, UserError, ValidationFailed
from restart_desktop.app.sync_lock import folder_lock
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import Role, is_plain_text
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.ids import uuid7
from restart_desktop.domain.passphrase import DEMO_PASSPHRASE, passphrase_feedback
from restart_desktop.domain.reference import ReferenceData, load_reference_data
from restart_desktop.paths import DataPaths
from restart_desktop.security.errors import SecurityError, WrongPassphrase
from restart_desktop.security.keys import (
    KdfParams,
    UnlockThrottle,
    create_key,
    read_keyfile,
    unwrap_key,
)
from restart_desktop.security.secret_store import (
    DemoFileSecretStore,
    KeyringSecretStore,
    SecretStore,
)
from restart_desktop.store.audit import append_entry
from restart_desktop.store.changes import Actor
from restart_desktop.store.database import Database
from restart_desktop.store.models import Device, LocalSetting, Worker

log = logging.getLogger(__name__)
__all__ = [
    "DEMO_PASSPHRASE",
    "AppSession",
    "WorkerInfo",
    "enrol",
    "open_key",
    "open_session",
    "unlock",
]

DEFAULT_IDLE_LOCK_MINUTES = 5
ASK_BEFORE_FINALISING = "ask_before_finalising"  # local setting: "1" asks, "0" not
SETUP_LOCK = "setup.lock"  # held while a new data folder is set up
SETUP_WAIT_SECONDS = 30.0  # a set-up takes a second or two; then the folder is set up


@dataclass(frozen=True)
class WorkerInfo:
    id: str
    name: str
    organisation_code: str
    role: Role


@dataclass
class AppSession:
    paths: DataPaths
    db: Database
    worker: WorkerInfo
    device_id: str
    reference: ReferenceData
    # The unwrapped database key, to wrap it to the team's recovery identity when the laptop
    # joins a team (``app.passphrase``); the open database holds it in memory anyway.
    key: bytes = field(default=b"", repr=False)
    #: The one clock every service reads: tests set "now" and the zone here.
    clock: Clock = field(default_factory=Clock)

    def __post_init__(self) -> None:
        # Records' stamps and the audit trail read the same clock, even once it is replaced.
        self.db.now = lambda: self.clock.now()

    @property
    def is_demo(self) -> bool:
        return self.paths.is_demo

    def close(self) -> None:
        self.db.close()

    def setting(self, key: str, default: str) -> str:
        with self.db.read() as s:
            row = s.get(LocalSetting, key)
            return row.value if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.db.write() as s:
            s.merge(LocalSetting(key=key, value=value))

    @property
    def asks_before_finalising(self) -> bool:
        """Whether finalising a note or an assessment (permanent) asks once first; a worker
        can turn the question off (Settings > Ask before finalising)."""
        return self.setting(ASK_BEFORE_FINALISING, "1") != "0"

    def set_asks_before_finalising(self, ask: bool) -> None:
        self.set_setting(ASK_BEFORE_FINALISING, "1" if ask else "0")

    def is_supervisor_now(self, s: Session) -> bool:
        """Whether this laptop's worker is a supervisor now: a promotion arrives as a change
        of their worker record, so it is read from the database, not the unlock."""
        return self.role_now(s) == Role.SUPERVISOR

    def role_now(self, s: Session) -> str:
        """This laptop's worker's role as the database says now (a promotion arrives as a
        change of their worker record)."""
        worker = s.get(Worker, self.worker.id)
        return worker.role if worker is not None else self.worker.role.value

    @property
    def idle_lock_minutes(self) -> int:
        try:
            return max(1, int(self.setting("idle_lock_minutes", str(DEFAULT_IDLE_LOCK_MINUTES))))
        except ValueError:
            return DEFAULT_IDLE_LOCK_MINUTES


def secret_store_for(paths: DataPaths) -> SecretStore:
    """The demo folder may hold its secret in a file; real data needs the OS keyring."""
    if paths.is_demo:
        return DemoFileSecretStore(paths.demo_secret, paths.demo_marker)
    return KeyringSecretStore()


#: The database key wrapped to the team's recovery recipient (``app.passphrase``).
RECOVERY_FILE = "recovery.age"


def half_set_up(paths: DataPaths) -> str | None:
    """What to say about a data folder holding its key file without its database or the
    other way round (None: neither or both). Such a folder is never set up again over what
    is there: a new key would orphan the database and its backups, and a database the new
    key cannot open would be deleted with the failed set-up."""
    has_key, has_database = paths.keyfile.exists(), paths.database.exists()
    if has_key == has_database:
        return None
    key, database = "key file (key.json)", "database (restart.db)"
    present, missing = (key, database) if has_key else (database, key)
    recover = (
        ""
        if has_key or not (paths.root / RECOVERY_FILE).is_file()
        else " With the team's recovery key, your supervisor can also make the key file "
        "again: restart-desktop passphrase recover --recovery-key FILE."
    )
    return (
        f"The data folder {paths.root} holds the {present} of an earlier set-up but not its "
        f"{missing}: nothing was changed. Put the {missing} back where it was (from the copy "
        "it came from, or the 'backups' folder), or ask your supervisor; to start afresh, "
        f"choose an empty folder.{recover}"
    )


def enrol(
    paths: DataPaths,
    *,
    name: str,
    organisation_code: str,
    role: Role,
    passphrase: str,
    demo: bool = False,
    kdf: KdfParams | None = None,
) -> AppSession:
    """First run: create the key, the database, this worker and this device."""
    reference = load_reference_data()
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "Enter your name as colleagues know you."
    elif not is_plain_text(name):
        problems["name"] = (
            "The name holds characters that are not letters, such as control "
            "characters or bytes that are not text. Type it again."
        )
    if reference.organisation(organisation_code) is None:
        problems["organisation"] = "Choose your organisation from the list."
    feedback = passphrase_feedback(passphrase, [name])
    if not feedback.acceptable and not (demo and passphrase == DEMO_PASSPHRASE):
        problems["passphrase"] = feedback.message
    if problems:
        raise ValidationFailed(problems)
    _refuse_unless_free(paths)
    if not demo and (paths.demo_marker.exists() or paths.demo_secret.exists()):
        raise UserError(
            f"The folder {paths.root} is marked for fictional demo data (it holds "
            f"{paths.demo_marker.name} or a demo key secret): real data cannot be set up in "
            "it, because its key would not be kept in the keyring. Choose an empty folder."
        )
    if paths.root.exists() and not paths.root.is_dir():
        raise UserError(
            f"The data folder {paths.root} is a file, not a folder: choose a folder. "
            "Nothing was set up, and the file was left as it was."
        )
    try:
        paths.ensure()
    except OSError as error:  # a file in its place or on its path, a drive that refuses
        raise UserError(
            f"The data folder {paths.root} cannot be made ({error.strerror or error}): "
            "choose another folder. Nothing was set up."
        ) from None
    # Two set-ups at once (a script run twice, the window and `init`) would each write a key
    # and the loser's clean-up would delete the winner's files: one at a time, and the
    # second finds the folder set up.
    busy = UserError(
        f"The data folder {paths.root} is being set up by another copy of RESTART Desktop: "
        "nothing was set up here. Use that one."
    )
    with folder_lock(paths.root / SETUP_LOCK, SETUP_WAIT_SECONDS, busy):
        _refuse_unless_free(paths)  # again: another set-up may have finished meanwhile
        return _enrol_here(paths, name, organisation_code, role, passphrase, demo, kdf, reference)


def _refuse_unless_free(paths: DataPaths) -> None:
    """A folder holding half a set-up (a key without its database, or the other way round)
    or a whole one is never set up over."""
    if (half := half_set_up(paths)) is not None:
        raise UserError(half)
    if paths.is_enrolled:
        raise AlreadyEnrolled(
            f"The data folder {paths.root} is already set up. Unlock it instead, or choose "
            "an empty folder."
        )


def _enrol_here(
    paths: DataPaths,
    name: str,
    organisation_code: str,
    role: Role,
    passphrase: str,
    demo: bool,
    kdf: KdfParams | None,
    reference: ReferenceData,
) -> AppSession:
    """``enrol`` once the folder is there and its set-up lock is held."""
    if demo:
        paths.demo_marker.write_text(
            "This folder holds fictional demo data only. Its key secret is in a file.\n",
            encoding="utf-8",
        )
    store = secret_store_for(paths)
    key = create_key(paths.keyfile, passphrase, store, kdf)
    keyring_name = read_keyfile(paths.keyfile).keyring_name
    worker_id = uuid7()
    device_id = uuid7()
    actor = Actor(worker_id=worker_id, device_id=device_id)
    db: Database | None = None
    try:
        db = Database.open(paths.database, key, paths.backups, actor)
        with db.write() as s:
            s.add(
                Worker(
                    id=worker_id,
                    name=name.strip(),
                    organisation_code=organisation_code,
                    role=role.value,
                )
            )
            s.flush()
            s.add(Device(id=device_id, worker_id=worker_id, label=platform.node() or "laptop"))
            s.add(LocalSetting(key="device_id", value=device_id))
            s.add(LocalSetting(key="worker_id", value=worker_id))
            s.add(LocalSetting(key="enrolled_at", value=dt.datetime.now(dt.UTC).isoformat()))
    except BaseException:  # Ctrl+C too
        # Leave no half-enrolled folder behind: the next attempt must start clean. Close first:
        # an open connection would later delete or replay a -wal beside the next database.
        if db is not None:
            db.close()
        for leftover in (paths.keyfile, paths.database):
            leftover.unlink(missing_ok=True)
        with contextlib.suppress(SecurityError):
            store.delete(keyring_name)  # nothing left in the keyring either
        for suffix in ("-wal", "-shm"):
            Path(f"{paths.database}{suffix}").unlink(missing_ok=True)
        raise
    log.info("enrolled a new data folder")
    return AppSession(
        paths,
        db,
        WorkerInfo(worker_id, name.strip(), organisation_code, role),
        device_id,
        reference,
        key,
    )


@dataclass(frozen=True)
class FailedUnlocks:
    """Wrong passphrases typed on this laptop since its last unlock (for the audit trail)."""

    count: int = 0
    last: float = 0.0  # seconds since the epoch


def check_keyring() -> None:
    """Raise the SecurityError that says what is wrong when this computer has no keyring the
    key secret can be kept in (may block for a few seconds: call it off the GUI thread)."""
    KeyringSecretStore()


def unlock_throttle(paths: DataPaths, store: SecretStore, keyring_name: str) -> UnlockThrottle:
    """The throttle, kept in the keyring too for real data (a demo folder's file-held secret
    store keeps a single secret)."""
    if paths.is_demo:
        return UnlockThrottle(paths.unlock_state)
    return UnlockThrottle(paths.unlock_state, store=store, name=f"{keyring_name}-unlocks")


def open_key(paths: DataPaths, passphrase: str) -> bytes:
    return check_passphrase(paths, passphrase)[0]


def require_set_up(paths: DataPaths) -> None:
    """NotEnrolled, in words, unless the data folder is set up: said before a passphrase is
    asked for, which would be typed for nothing."""
    if (half := half_set_up(paths)) is not None:
        raise NotEnrolled(half)
    if not paths.is_enrolled:
        raise NotEnrolled(f"The data folder {paths.root} has not been set up yet.")


def check_passphrase(paths: DataPaths, passphrase: str) -> tuple[bytes, FailedUnlocks]:
    """Check the throttle, unwrap the key, and record the outcome; also returns the wrong
    passphrases typed before this one, which the caller records in the audit trail."""
    require_set_up(paths)
    keyfile = read_keyfile(paths.keyfile)
    store = secret_store_for(paths)
    throttle = unlock_throttle(paths, store, keyfile.keyring_name)
    throttle.check()
    try:
        key = unwrap_key(keyfile, passphrase, store)
    except WrongPassphrase as error:
        failures = throttle.record_failure()
        log.warning("failed unlock attempt (%d in a row)", failures)
        raise WrongPassphrase(throttle.wait_seconds()) from error
    failed = FailedUnlocks(throttle.failures, throttle.last_failure)
    throttle.record_success()
    return key, failed


def record_failed_unlocks(session: AppSession, failed: FailedUnlocks) -> None:
    """Wrong passphrases typed since the last unlock: the database could not be written then,
    so they are recorded at the next unlock (who typed them is not known). Here rather than in
    app/audit.py, which builds on this module: unlocking needs no more of the audit trail."""
    if failed.count:
        when = dt.datetime.fromtimestamp(failed.last, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        plural = "s" if failed.count > 1 else ""
        detail = f"{failed.count} wrong passphrase{plural} before this unlock, the last at {when}"
        with session.db.write() as s:
            append_entry(
                s,
                session.device_id,
                session.worker.id,
                AuditAction.FAILED_UNLOCK,
                None,
                detail,
                session.clock.now(),
            )


def unlock(paths: DataPaths, passphrase: str) -> AppSession:
    key, failed = check_passphrase(paths, passphrase)
    session = open_session(paths, key)
    record_failed_unlocks(session, failed)
    return session


def prepare_storage() -> None:
    """Configure the ORM's mappers now (some 50 ms), while the unlock page waits, rather than
    at the first query after the passphrase."""
    configure_mappers()


def open_session(paths: DataPaths, key: bytes) -> AppSession:
    """The session of an enrolled data folder whose database key is already unwrapped."""
    db = Database.open(paths.database, key, paths.backups)
    try:
        with db.read() as s:
            settings = {row.key: row.value for row in s.scalars(select(LocalSetting))}
            worker = s.get(Worker, settings.get("worker_id", ""))
            if worker is None or "device_id" not in settings:
                raise UserError("This data folder has no signed-in worker. Set it up again.")
            info = WorkerInfo(worker.id, worker.name, worker.organisation_code, Role(worker.role))
    except Exception:
        db.close()
        raise
    device_id = settings["device_id"]
    return AppSession(
        paths,
        db.with_actor(Actor(worker_id=info.id, device_id=device_id)),
        info,
        device_id,
        load_reference_data(),
        key,
    )
