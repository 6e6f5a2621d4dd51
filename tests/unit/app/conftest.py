"""Fixtures of the app service tests that sync: a supervisor's laptop beside the enrolled
worker's, and a central export holding their signed roster: a folder, and (parametrised) a
database of the private PostgreSQL test cluster, seen as its superuser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from restart_desktop.app.session import AppSession, enrol
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.sync.folder import FolderTarget
from restart_desktop.sync.keys import device_keys
from restart_desktop.sync.postgres import PostgresTarget
from restart_desktop.sync.roster import Member, Roster, sign_roster
from restart_desktop.sync.target import Target
from tests.support.constants import PASSPHRASE
from tests.support.pg_cluster import SUPERUSER


@pytest.fixture
def supervisor(tmp_path: Path, fast_kdf: KdfParams, organisation_code: str) -> Iterator[AppSession]:
    session = enrol(
        DataPaths(tmp_path / "supervisor"),
        name="Supervisor (fictional)",
        organisation_code=organisation_code,
        role=Role.SUPERVISOR,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    )
    yield session
    session.close()


@pytest.fixture
def target(tmp_path: Path, server: str | None) -> Iterator[Target]:
    if server is not None:
        found = PostgresTarget(f"{server} user={SUPERUSER}")
        yield found
        found.close()
        return
    (tmp_path / "export").mkdir()
    yield FolderTarget(tmp_path / "export")


def _member(session: AppSession, role: str) -> Member:
    keys = device_keys(session.db)
    return Member(
        session.device_id,
        session.worker.id,
        session.worker.name,
        role,
        keys.age_recipient,
        keys.verify_key,
    )


@pytest.fixture
def roster(enrolled: AppSession, supervisor: AppSession, target: Target) -> Roster:
    keys = device_keys(supervisor.db)
    team = Roster(
        "team-test",
        1,
        keys.verify_key,
        DeviceKeys.generate().age_recipient,
        (_member(enrolled, "worker"), _member(supervisor, "supervisor")),
    )
    target.publish_roster(team.to_json(), sign_roster(team, keys))
    return team
