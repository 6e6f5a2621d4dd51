"""This laptop as the sync engine sees it: its database and plain values, not the app's
session (``app.sync`` builds one from it for each call)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.domain.case import Role
from restart_desktop.store.database import Database
from restart_desktop.store.models import LocalSetting, Worker
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.sync.keys import device_keys


@dataclass(frozen=True)
class Laptop:
    db: Database
    device_id: str
    worker_id: str  # who is signed in
    worker_name: str
    role: str  # their role at unlock; a promotion arrives later as a change (``role_now``)
    quarantine: Path  # where refused and set-aside files are kept, in the data folder

    @cached_property
    def keys(self) -> DeviceKeys:
        """This device's sync keys, read once (made on first use, they never change): a sync
        needs them at most steps."""
        return device_keys(self.db)

    def setting(self, key: str, default: str = "") -> str:
        with self.db.read() as s:
            row = s.get(LocalSetting, key)
            return row.value if row else default

    def settings(self, *keys: str) -> dict[str, str]:
        """Several settings in one read (those not set are left out)."""
        with self.db.read() as s:
            return dict(
                s.execute(
                    select(LocalSetting.key, LocalSetting.value).where(LocalSetting.key.in_(keys))
                ).all()
            )

    def set_setting(self, key: str, value: str) -> None:
        with self.db.write() as s:
            s.merge(LocalSetting(key=key, value=value))

    def role_now(self, s: Session) -> str:
        """The worker's role as the database says now (a promotion arrives as a change of
        their worker record)."""
        worker = s.get(Worker, self.worker_id)
        return worker.role if worker is not None else self.role

    def who(self, s: Session) -> tuple[str, bool, str]:
        """This laptop's worker, whether they are a supervisor now, and their role now: one
        read."""
        role = self.role_now(s)
        return self.worker_id, role == Role.SUPERVISOR, role
