"""The sync as the window and the command line use it: the central export kept as a setting,
the team made, joined and changed by its supervisor, "sync now", and the conflicts to decide.

The engine is in ``sync/`` (``sync.receive``, ``sync.export``, ``sync.own_folder``,
``sync.republish``, ``sync.digest``, ``sync.team``, ``sync.conflicts``) and works on the
database and plain values (``sync.laptop.Laptop``); this service builds one from the session,
adds what is the app's (permissions, the audit trail, retention, the recovery copy of the
database key, one sync per data folder) and turns the engine's refusals into ``UserError``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from restart_desktop.app.audit import record
from restart_desktop.app.audit_heads import exchange_heads
from restart_desktop.app.errors import UserError
from restart_desktop.app.passphrase import ensure_recovery_copy
from restart_desktop.app.permissions import require
from restart_desktop.app.retention import RetentionService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync_lock import sync_lock
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import Role
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.roles import Permission
from restart_desktop.store.models import AuditEntry, Change, SyncPeer
from restart_desktop.sync import keys, team
from restart_desktop.sync.apply import rebuild
from restart_desktop.sync.checks import absolute_folder, removed_devices
from restart_desktop.sync.conflicts import ConflictOption as ConflictOption
from restart_desktop.sync.conflicts import ConflictView as ConflictView
from restart_desktop.sync.conflicts import conflicts as conflicts_of
from restart_desktop.sync.conflicts import resolve as resolve_conflict
from restart_desktop.sync.digest import CONFIRMED_SEQ, publish_and_compare_digests
from restart_desktop.sync.digest_totals import reset as reset_digest
from restart_desktop.sync.envelope import fingerprint
from restart_desktop.sync.errors import Cancelled as Cancelled
from restart_desktop.sync.errors import SyncRefused
from restart_desktop.sync.export import export_changes
from restart_desktop.sync.folder import FolderTarget, NotTheExport, TargetUnavailable
from restart_desktop.sync.laptop import Laptop
from restart_desktop.sync.own_folder import AheadOfThisLaptop, OwnFolder, check_own_folder
from restart_desktop.sync.publish import MAX_CHANGES_PER_BUNDLE
from restart_desktop.sync.receive import ImportReport, Progress, import_changes
from restart_desktop.sync.republish import rekey_published, scrub_published
from restart_desktop.sync.roster import Member, Roster, RosterError
from restart_desktop.sync.state import SyncState as SyncState
from restart_desktop.sync.target import ServerUnreachable, Target
from restart_desktop.sync.target import is_server_target as is_server_target

TARGET_SETTING = "sync_target"
LAST_SENT = "sync_last_sent_seq"  # for "N changes waiting" only; never the export position
RETENTION_CHECKED = "sync_retention_checked"  # the day, periods and confirmation last run on


def laptop_of(session: AppSession) -> Laptop:
    """This laptop as the sync engine sees it."""
    worker = session.worker
    return Laptop(
        session.db,
        session.device_id,
        worker.id,
        worker.name,
        worker.role.value,
        session.paths.quarantine,
    )


def asking_to_join(requests: list[Member], wanted: str) -> str:
    """The device id of the one request ``wanted`` names: its whole id, the start of it, or
    its fingerprint (spaces and case ignored), as a supervisor copies or hears it."""
    exact = [m.device_id for m in requests if m.device_id == wanted.strip()]
    key = "".join(wanted.split()).upper()
    found = exact or [
        m.device_id
        for m in requests
        if key
        and (
            fingerprint(m.verify_key).replace(" ", "") == key or m.device_id.upper().startswith(key)
        )
    ]
    if len(found) == 1:
        return found[0]
    if found:
        raise UserError(
            "More than one laptop asking to join has an id starting so: give its fingerprint, "
            "or more of its id."
        )
    raise UserError(
        "No laptop asking to join has that id or fingerprint. `restart-desktop team list` "
        "shows the laptops waiting (pending), each with its id and its fingerprint."
    )


@contextmanager
def _in_words() -> Iterator[None]:
    """The engine's refusals as the app's user errors; so too a share that refuses a write
    or holds a file where a folder goes (a read-only share, a stray): never a traceback."""
    try:
        yield
    except SyncRefused as error:
        raise UserError(str(error)) from None
    except (NotTheExport, TargetUnavailable) as error:
        raise UserError(str(error)) from None
    except OSError as error:
        raise UserError(
            f"The central export could not be read or written ({error.strerror or error}): "
            "check the folder or the share, and try again."
        ) from None


def write_recovery_identity(path: Path) -> str:
    """Make the programme's recovery identity in a new file ``path``; its public recipient."""
    with _in_words():
        return keys.write_recovery_identity(path)


@dataclass(frozen=True)
class JoinRequest:
    """A laptop asking to join, as the supervisor sees it before approving: the worker's
    name and role as the laptop gave them, and the fingerprint to compare aloud with the
    one the laptop showed when it asked (``restart-desktop team list`` prints the same)."""

    device_id: str
    worker: str
    role: str  # in words ("Frontline worker")
    fingerprint: str


@dataclass(frozen=True)
class SyncResult:
    state: SyncState
    published: int = 0  # bundles written
    report: ImportReport = field(default_factory=ImportReport)
    message: str = ""
    differs_from: tuple[str, ...] = ()  # laptops holding the same changes but another state
    erased: int = 0  # cases erased from this laptop by the retention rules
    own: OwnFolder = OwnFolder(0)  # this laptop's folder: files set aside, bundles published again
    ignored: tuple[str, ...] = ()  # removed laptops whose bundles are ignored, said once each
    #: Members whose audit chain head in the export does not verify (replaced or damaged)
    unverified_heads: tuple[str, ...] = ()


class SyncService:
    """What the window and `restart-desktop sync` do: set the target, create or join the team,
    approve or remove devices (supervisor), and sync now (import, then export)."""

    def __init__(self, session: AppSession) -> None:
        self._app = session
        self._reached = False  # the last sync found the team's export (sync_with_target)

    @property
    def clock(self) -> Clock:
        """The session's clock: the window shows this service's times in its zone."""
        return self._app.clock

    @property
    def _laptop(self) -> Laptop:
        return laptop_of(self._app)

    def _setting(self, key: str) -> str:
        return self._app.setting(key, "")

    def _recovery(self, recipient: str) -> None:
        ensure_recovery_copy(self._app, recipient)

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

    @contextmanager
    def target_kept_if_refused(self, path: Path | str) -> Iterator[None]:
        """A team create or join that fails leaves this laptop's export as it was (a mistyped
        folder, a refused create, must not cut the laptop off from its team), and takes away
        the empty folder it made for it."""
        before = self._setting(TARGET_SETTING)
        folder = None if is_server_target(str(path)) else absolute_folder(Path(path))
        made = folder is not None and not folder.exists()
        try:
            yield
        except BaseException:
            if self._setting(TARGET_SETTING) != before:
                self._app.set_setting(TARGET_SETTING, before)
            if made and folder is not None and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
            raise

    def create_team(self, path: Path | str, recovery_recipient: str) -> Roster:
        """The supervisor makes the team in an empty target: a roster with their own device,
        signed by them, and their key pinned. On a server, the connection string's user
        (an administrator's role allowed to create roles) makes the supervisor's own role."""
        self._require_supervisor()
        with (
            self.target_kept_if_refused(path),
            closing(self.set_target(path, create=True)) as target,
            _in_words(),
        ):
            return team.create_team(self._laptop, target, recovery_recipient, self._recovery)

    def request_to_join(self, path: Path | str) -> tuple[str, str]:
        """Ask to join the team in ``path``; pins the supervisor's key. Returns (supervisor's
        fingerprint, this device's fingerprint) to compare with the supervisor in person."""
        with (
            self.target_kept_if_refused(path),
            closing(self.set_target(path)) as target,
            _in_words(),
        ):
            return team.request_to_join(self._laptop, target)

    def _roster(self, target: Target) -> Roster | None:
        with _in_words():
            return team.trusted_roster(self._laptop, target, self._recovery)

    def members(self) -> list[Member]:
        roster = self._roster(self._need_target())
        return list(roster.members) if roster else []

    def requests(self) -> list[Member]:
        """Devices asking to join (for the supervisor to compare fingerprints and approve)."""
        self._require_supervisor()
        with closing(self._team_target()) as target, _in_words():
            return team.join_requests(target)

    def join_requests(self) -> list[JoinRequest]:
        """The laptops asking to join, by worker name, each with its fingerprint."""
        return sorted(
            (
                JoinRequest(m.device_id, m.name, _role_words(m.role), fingerprint(m.verify_key))
                for m in self.requests()
            ),
            key=lambda r: (r.worker.casefold(), r.device_id),
        )

    def _need_target(self) -> Target:
        target = self.target()
        if target is None:
            raise UserError(
                "No central export is set: choose it first (Settings > Central export, or "
                "sync --target PATH)."
            )
        target.check()
        return target

    def _team_target(self) -> Target:
        """The export, for a supervisor's change to the team: one out of reach is said."""
        with _in_words():  # a stick not plugged in, a share gone: not a traceback
            return self._need_target()

    def _team_roster(self, target: Target, missing: str) -> Roster:
        """The trusted roster, for a supervisor's change to it; ``missing`` said without one."""
        roster = self._roster(target)
        if roster is None:
            raise UserError(missing)
        return roster

    def approve(self, device_id: str) -> Roster:
        """Let in a laptop asking to join, named by its device id (or the start of it) or by
        the fingerprint its worker reads out ("BFCE 9199 51EE 86F5")."""
        self._require_supervisor()
        with closing(self._team_target()) as target:
            return self._approve(target, device_id)

    def _approve(self, target: Target, device_id: str) -> Roster:
        roster = self._team_roster(target, "This laptop is not the team's supervisor laptop.")
        with _in_words():
            found = asking_to_join(team.join_requests(target), device_id)
            try:
                return team.approve(self._laptop, target, roster, found)
            except RosterError:  # a supervisor promoted later: the roster is not theirs
                raise UserError(
                    "Only the supervisor who made the team approves laptops: ask them to "
                    "approve this one."
                ) from None

    def remove(self, device_id: str) -> Roster:
        """A lost laptop leaves the team: nothing more is encrypted to it or read from it."""
        self._require_supervisor()
        with closing(self._team_target()) as target:
            roster = self._team_roster(target, "That device is not in the team.")
            with _in_words():
                return team.remove(self._laptop, target, roster, device_id)

    def promote(self, device_id: str, role: Role = Role.SUPERVISOR) -> Member:
        """Give a member a role: a supervisor (a partner team leader; their laptop receives
        every case of the team from its next sync) or the allocator (the OPCC's decision
        maker; their laptop receives the intake of every case and nothing of the work with
        people). The roster says so, and their worker record too. Only the supervisor who
        made the team signs the roster."""
        self._require_supervisor()
        with closing(self._team_target()) as target:
            roster = self._team_roster(target, "That device is not in the team.")
            with _in_words():
                return team.promote(self._laptop, target, roster, device_id, role)

    def sync_with_target(
        self,
        where: Path | str,
        check_digests: bool = False,
        wait_seconds: float = 0.0,
        cancelled: Callable[[], bool] | None = None,
    ) -> SyncResult:
        """``sync --target``: keep ``where`` as the central export and sync with it; a
        target refused before anything was exchanged (not the team's export: an empty or
        mistyped folder) is not kept, so the laptop goes on syncing with its own."""
        before = self._setting(TARGET_SETTING)
        self.set_target(where)
        self._reached = False
        try:
            return self.sync_now(
                check_digests=check_digests, wait_seconds=wait_seconds, cancelled=cancelled
            )
        except BaseException:
            if not self._reached and before:
                self._app.set_setting(TARGET_SETTING, before)
            raise

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
        except (NotTheExport, SyncRefused) as error:
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
        laptop = self._laptop
        roster = self._roster(target)
        self._reached = True  # the team's export (or none joined yet): the target stands
        if roster is None:
            return SyncResult(SyncState.NO_TEAM, message="Join or create the team first.")
        if roster.member(laptop.device_id) is None:
            if target.has_request(laptop.device_id):
                return SyncResult(
                    SyncState.WAITING_FOR_APPROVAL,
                    message="Waiting for the supervisor to approve this laptop.",
                )
            return SyncResult(
                SyncState.NOT_IN_TEAM,
                message="This laptop is not in the team: nothing is exchanged.",
            )
        try:
            own = check_own_folder(laptop, target, roster)
        except AheadOfThisLaptop:  # nothing is sent; its audit head goes out all the same,
            exchange_heads(self._app, target, roster, laptop.keys)  # so it shows
            raise
        to_send = -(-self._unpublished(own.position) // MAX_CHANGES_PER_BUNDLE)
        imported: list[int] = [0, 0]

        def step(done: int, total: int) -> None:
            imported[:] = [done, total]
            if progress:
                progress(done, total)

        report = import_changes(
            laptop, target, roster, step, cancelled, to_send, self._app.clock.today()
        )

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
        rekey_published(laptop, target, roster, cancelled)  # cases moved, the team changed
        published = export_changes(laptop, target, roster, sent, own.position)
        unverified_heads = exchange_heads(self._app, target, roster, laptop.keys)
        differs = publish_and_compare_digests(
            laptop, target, roster, self._app.clock.today(), check_digests
        )
        # Retention after the digests: they confirm what the central export holds.
        erased = self._run_retention(report)
        if erased:  # the tombstones go out now
            published += export_changes(laptop, target, roster)
        if erased or report.erased or own.scrub_due:  # (erased outside a sync too)
            scrub_published(laptop, target, roster, cancelled)
        self.remember_sent(max([own.position, *(item.to_seq for item in published)]))
        return SyncResult(
            SyncState.SYNCED,
            len(published),
            report,
            differs_from=differs,
            erased=erased + report.erased,
            own=own,
            ignored=removed_devices(laptop, target, roster),
            unverified_heads=unverified_heads,
        )

    def _run_retention(self, report: ImportReport) -> int:
        """Run the retention rules after a sync when they may say something new: a new day,
        other periods, the supervisor's laptop confirming more of this laptop's changes, or
        received changes to cases' status, holds or workers. Running them reads every case
        (most of a one-note sync on a 10,000-case laptop); skipping them only puts an erasure
        off to the next sync that changes one of these, the next day or the next unlock."""
        retention = RetentionService(self._app)
        policy = retention.policy()
        saved = laptop_of(self._app).settings(CONFIRMED_SEQ, RETENTION_CHECKED)
        key = json.dumps(
            [
                retention.today().isoformat(),
                policy.laptop_days,
                policy.export_years,
                saved.get(CONFIRMED_SEQ, ""),
            ]
        )
        if key == saved.get(RETENTION_CHECKED, "") and not report.cases_moved:
            return 0
        erased = retention.run().erased
        self._app.set_setting(RETENTION_CHECKED, key)
        return erased

    def _unpublished(self, last: int, own_work_only: bool = False) -> int:
        """This laptop's changes after ``last`` (its position in the export), leaving out
        its audit entries with ``own_work_only``."""
        every = (
            select(func.count())
            .select_from(Change)
            .where(Change.device_id == self._app.device_id, Change.seq > last)
        )
        query = every
        if own_work_only:  # less the audit entries, counted in their own index (0027)
            audit = every.where(Change.entity == AuditEntry.__tablename__)
            query = select(every.scalar_subquery() - audit.scalar_subquery())
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
        return self._unpublished(int(self._setting(LAST_SENT) or 0), own_work_only=True)

    def remember_sent(self, position: int | None = None) -> None:
        """After a sync: everything this laptop wrote until now (``position``, or as the
        export's files say) is in the export."""
        if position is None:
            target = self.target()
            if target is not None:
                with closing(target):
                    position = target.last_published_seq(self._app.device_id)
        if position is not None and str(position) != self._setting(LAST_SENT):
            self._app.set_setting(LAST_SENT, str(position))  # a write only when it moved

    def conflicts(self) -> list[ConflictView]:
        """Fields changed on two laptops at once and not yet decided, oldest first: for a
        supervisor all of them; for a worker those of their cases and those they took part in."""
        return conflicts_of(self._laptop)

    def resolve(self, record_id: str, field_name: str, change_id: str) -> None:
        """Keep the value of ``change_id``: a change that ends the conflict on every laptop."""
        with _in_words():
            resolve_conflict(self._laptop, record_id, field_name, change_id)


def _role_words(role: str) -> str:
    """A role as a request gives it, in words (a request's text is the laptop's to write)."""
    return Role(role).label if role in set(Role) else role


def _waiting(count: int) -> str:
    return f"{count} change{'' if count == 1 else 's'} waiting"
