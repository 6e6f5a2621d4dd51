"""A team for sync tests: a supervisor's and workers' data folders (real SQLCipher databases)
and one central export folder, with the team created, every laptop approved, and the raw
database keys kept so that a test (or a forked process) can open a laptop without a keyring."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from restart_desktop.app.session import AppSession, enrol, open_key, open_session
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import Role
from restart_desktop.domain.reference import load_reference_data
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.store.models import SYNCED_MODELS, SyncConflict
from restart_desktop.sync.envelope import DeviceKeys
from tests.support.constants import PASSPHRASE

FAST_KDF = KdfParams(iterations=1, memory_kib=8 * 1024, lanes=1)


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

    def copy_to(self, root: Path) -> Team:
        """The same team (same keys and devices) in another folder: a fresh start for one
        hypothesis example, without enrolling again."""
        if root.exists():
            shutil.rmtree(root)
        shutil.copytree(self.root, root)
        moved = tuple(Laptop(lap.name, DataPaths(root / lap.paths.root.name), lap.key,
                             lap.device_id) for lap in self.laptops)  # fmt: skip
        for laptop in moved:  # the target setting names the export folder
            session = laptop.open()
            try:
                session.set_setting("sync_target", str(root / "export"))
            finally:
                session.close()
        return Team(root, root / "export", moved)


def make_team(root: Path, workers: int = 2) -> Team:
    """Enrol a supervisor and ``workers`` workers, make the team and approve everyone."""
    organisation = load_reference_data().organisations[0].code
    export = root / "export"
    export.mkdir(parents=True)
    laptops = []
    people = [("Supervisor (fictional)", Role.SUPERVISOR)] + [
        (f"Worker {n} (fictional)", Role.WORKER) for n in range(1, workers + 1)
    ]
    for index, (name, role) in enumerate(people):
        paths = DataPaths(root / f"laptop{index}")
        session = enrol(paths, name=name, organisation_code=organisation, role=role,
                        passphrase=PASSPHRASE, kdf=FAST_KDF)  # fmt: skip
        device_id = session.device_id
        try:
            service = SyncService(session)
            if role == Role.SUPERVISOR:
                service.create_team(export, DeviceKeys.generate().age_recipient)
            else:
                service.request_to_join(export)
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
    return Team(root, export, tuple(laptops))


def current_state(session: AppSession) -> dict[str, list[tuple[object, ...]]]:
    """Every synced record, every column, plus the open conflicts: what must be identical on
    every laptop holding the same changes."""
    state: dict[str, list[tuple[object, ...]]] = {}
    with session.db.read() as s:
        for model in SYNCED_MODELS:
            columns = [c for c in model.__table__.columns]
            rows = s.execute(select(*columns).order_by(model.id)).all()
            state[model.__tablename__] = [tuple(row) for row in rows]
        state["sync_conflicts"] = [
            (c.record_id, c.field, tuple(c.change_ids), repr(c.values), c.winner_change_id)
            for c in s.scalars(select(SyncConflict).order_by(SyncConflict.record_id,
                                                             SyncConflict.field))
        ]  # fmt: skip
    return state
