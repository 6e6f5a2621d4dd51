"""This laptop as the sync engine sees it: its database and plain values, not the app's
session (``app.sync`` builds one from it for each call)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from restart_desktop.domain.case import Role
from restart_desktop.store.database import Database
from restart_desktop.store.models import LocalSetting, Worker


@dataclass(frozen=True)
class Laptop:
    db: Database
    device_id: str
    worker_id: str  # who is signed in
    worker_name: str
    role: str  # their role at unlock; a promotion arrives later as a change (``role_now``)
    quarantine: Path  # where refused and set-aside files are kept, in the data folder

    def setting(self, key: str, default: str = "") -> str:
        with self.db.read() as s:
            row = s.get(LocalSetting, key)
            return row.value if row else default

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
