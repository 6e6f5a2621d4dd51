"""A team for sync tests: a supervisor's and workers' data folders (real SQLCipher databases)
and one central export (a folder, or a database of the private PostgreSQL test cluster), with
the team created, every laptop approved, and the raw database keys kept so that a test (or a
forked process) can open a laptop without a keyring."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import select

from restart_desktop.app.session import AppSession, enrol, open_key, open_session
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import Role
from restart_desktop.domain.reference import load_reference_data
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.store.models import SYNCED_MODELS, Change, Handover, Person, SyncConflict
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.sync.folder import FolderTarget
from restart_desktop.sync.postgres import PostgresTarget
from restart_desktop.sync.target import Target
from tests.support.constants import PASSPHRASE
from tests.support.pg_cluster import SUPERUSER, copy_database, drop_database

FAST_KDF = KdfParams(iterations=1, memory_kib=1024, lanes=1)


@dataclass(frozen=True)
class Laptop:
    name: str
    paths: DataPaths
    key: bytes
    device_id: str

    def open(self) -> AppSession:
        return open_session(self.paths, self.key)


@dataclass(frozen=True)
class Team:
    root: Path
    export: Path
    laptops: tuple[Laptop, ...]
    server: str | None = None  # the central server's connection string (no user), if one

    @property
    def where(self) -> str:
        """The target as the laptops have it set."""
        return self.server or str(self.export)

    def admin_target(self) -> Target:
        """The export as its administrator sees it (on a server: the superuser, to whom
        row-level security does not apply). Close it after use."""
        if self.server:
            return PostgresTarget(f"{self.server} user={SUPERUSER}")
        return FolderTarget(self.export)

    def discard(self) -> None:
        """Drop a copy's database (a folder's copy goes with the test's folder)."""
        if self.server:
            drop_database(self.server)

    def copy_to(self, root: Path) -> Team:
        """The same team (same keys and devices) in another folder: a fresh start for one
        hypothesis example, without enrolling again."""
        if root.exists():
            shutil.rmtree(root)
        shutil.copytree(self.root, root)
        moved = tuple(
            Laptop(lap.name, DataPaths(root / lap.paths.root.name), lap.key, lap.device_id)
            for lap in self.laptops
        )
        server = copy_database(self.server) if self.server else None
        for laptop in moved:  # the target setting names the export
            session = laptop.open()
            try:
                session.set_setting("sync_target", server or str(root / "export"))
            finally:
                session.close()
        return Team(root, root / "export", moved, server)


def make_team(
    root: Path, workers: int = 2, server: str | None = None, recovery: DeviceKeys | None = None
) -> Team:
    """Enrol a supervisor and ``workers`` workers, make the team (in a folder, or on
    ``server``: the supervisor as the cluster's superuser, allowed to create roles) and
    approve everyone (``recovery``: the team's recovery identity, when the test reads with
    it)."""
    organisation = load_reference_data().organisations[0].code
    export = root / "export"
    export.mkdir(parents=True)
    laptops = []
    people = [("Supervisor (fictional)", Role.SUPERVISOR)] + [
        (f"Worker {n} (fictional)", Role.WORKER) for n in range(1, workers + 1)
    ]
    for index, (name, role) in enumerate(people):
        paths = DataPaths(root / f"laptop{index}")
        session = enrol(
            paths,
            name=name,
            organisation_code=organisation,
            role=role,
            passphrase=PASSPHRASE,
            kdf=FAST_KDF,
        )
        device_id = session.device_id
        try:
            service = SyncService(session)
            if role == Role.SUPERVISOR:
                service.create_team(
                    f"{server} user={SUPERUSER}" if server else export,
                    (recovery or DeviceKeys.generate()).age_recipient,
                )
            else:
                service.request_to_join(server or export)
        finally:
            session.close()
        laptops.append(Laptop(name, paths, open_key(paths, PASSPHRASE), device_id))
    supervisor = laptops[0].open()
    try:
        service = SyncService(supervisor)
        for request in service.requests():
            service.approve(request.device_id)
    finally:
        supervisor.close()
    return Team(root, export, tuple(laptops), server)


def current_state(
    session: AppSession, cases: set[str] | None = None
) -> dict[str, list[tuple[object, ...]]]:
    """Every synced record, every column, plus the open conflicts: what must be identical on
    every laptop holding the same changes. With ``cases``, the records of those cases only
    (and every team record): what a worker's laptop must share with the supervisor's."""
    state: dict[str, list[tuple[object, ...]]] = {}
    with session.db.read() as s:
        for model in SYNCED_MODELS:
            columns = [c for c in model.__table__.columns]
            query = select(*columns).order_by(model.id)
            if cases is not None and model is Person:
                query = query.where(Person.id.in_(cases))
            elif cases is not None and "person_id" in model.__table__.columns:
                query = query.where(model.__table__.c.person_id.in_(cases))
            rows = s.execute(query).all()
            state[model.__tablename__] = [tuple(row) for row in rows]
        conflicts = s.scalars(
            select(SyncConflict).order_by(SyncConflict.record_id, SyncConflict.field)
        ).all()
        if cases is not None:
            of_case = dict(
                s.execute(
                    select(Change.record_id, Change.case_id).where(
                        Change.record_id.in_([c.record_id for c in conflicts])
                    )
                ).all()
            )
            conflicts = [
                c
                for c in conflicts
                if of_case.get(c.record_id) in cases or of_case.get(c.record_id) is None
            ]
        state["sync_conflicts"] = [
            (c.record_id, c.field, tuple(c.change_ids), repr(c.values), c.winner_change_id)
            for c in conflicts
        ]
    return state


def cases_for(supervisor: AppSession, worker_id: str) -> set[str]:
    """The cases a worker's laptop receives, by the supervisor's records: allocated to them,
    shared with them, or recorded by them and not allocated."""
    with supervisor.db.read() as s:
        shared = set(
            s.scalars(
                select(Handover.person_id).where(
                    Handover.kind == "share", Handover.to_worker_id == worker_id
                )
            )
        )
        unallocated_own = Person.allocated_worker_id.is_(None) & (Person.created_by == worker_id)
        return shared | set(
            s.scalars(
                select(Person.id).where((Person.allocated_worker_id == worker_id) | unallocated_own)
            )
        )


def assert_same_as_supervisor(supervisor: AppSession, other: AppSession) -> None:
    """A worker's laptop holds exactly the supervisor's records of the worker's cases (and
    every team record); another supervisor's holds everything the same."""
    if other.worker.role == Role.SUPERVISOR:
        assert current_state(other) == current_state(supervisor)
        return
    cases = cases_for(supervisor, other.worker.id)
    assert current_state(other, cases) == current_state(supervisor, cases)


def assert_same_changes(supervisor: AppSession, worker: AppSession) -> None:
    """The worker's laptop holds, once each, exactly the supervisor's changes of the
    worker's cases and of team records."""
    cases = cases_for(supervisor, worker.worker.id)
    with supervisor.db.read() as s:
        expected = sorted(
            s.scalars(
                select(Change.change_id).where(Change.case_id.is_(None) | Change.case_id.in_(cases))
            )
        )
    with worker.db.read() as s:
        assert sorted(s.scalars(select(Change.change_id))) == expected


_BUNDLE_COLUMNS = "device_id, from_seq, to_seq, generation, ciphertext, signature"


@contextmanager
def bundle_late(team: Team, device_id: str) -> Iterator[None]:
    """On a team's server: the device's newest bundle held back during the block (as a
    cloud folder still downloading holds it back), then put back unless the same bundle was
    published again meanwhile."""
    assert team.server is not None
    admin = f"{team.server} user={SUPERUSER}"
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute(
            f"SELECT {_BUNDLE_COLUMNS} FROM restart.bundles WHERE device_id = %s"
            " ORDER BY from_seq DESC, to_seq DESC, generation DESC LIMIT 1",
            (device_id,),
        ).fetchone()
        if row is not None:
            conn.execute(
                "DELETE FROM restart.bundles WHERE device_id = %s AND from_seq = %s"
                " AND to_seq = %s AND generation = %s",
                row[:4],
            )
    try:
        yield
    finally:
        if row is not None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(
                    f"INSERT INTO restart.bundles ({_BUNDLE_COLUMNS}) VALUES"
                    " (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    row,
                )


@contextmanager
def synced_pair(root: Path) -> Iterator[tuple[AppSession, AppSession]]:
    """A team of a supervisor and one worker, both laptops open and through a first round of
    syncs (the worker's request, the supervisor's roster, the worker again); closed after."""
    team = make_team(root, workers=1)
    supervisor, worker = (laptop.open() for laptop in team.laptops)
    try:
        for laptop in (worker, supervisor, worker):
            SyncService(laptop).sync_now()
        yield supervisor, worker
    finally:
        supervisor.close()
        worker.close()
