"""The team through `restart-desktop team ...` and `restart-desktop sync --target PATH`, run
in-process on two real data folders and a real export folder or a database of the private
PostgreSQL test cluster: a supervisor creates the team, a worker asks to join and waits, is
approved, syncs; a removed laptop exchanges nothing more."""

from __future__ import annotations

from pathlib import Path

import pytest

from restart_desktop import cli
from restart_desktop.app.cases import CaseFields, CaseloadQuery, CaseService, StatusFilter
from restart_desktop.app.session import unlock
from restart_desktop.paths import DataPaths
from restart_desktop.sync.folder import FolderTarget
from restart_desktop.sync.postgres import PostgresTarget
from tests.support.constants import PASSPHRASE
from tests.support.pg_cluster import SUPERUSER


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    supervisor, worker, export = tmp_path / "sup", tmp_path / "wrk", tmp_path / "export"
    export.mkdir()
    return supervisor, worker, export


def _run(data: Path, *args: str) -> int:
    return cli.main(["--data-dir", str(data), *args])


def test_create_join_approve_sync_and_remove(
    folders: tuple[Path, Path, Path], capsys: pytest.CaptureFixture[str], server: str | None
) -> None:
    supervisor, worker, export_folder = folders
    export = server or str(export_folder)
    # On a server the team is made as an administrator's role allowed to create roles.
    founding = f"{server} user={SUPERUSER}" if server else export
    assert (
        _run(
            supervisor,
            "init",
            "--name",
            "Supervisor (fictional)",
            "--organisation",
            "aspire_oxford",
            "--role",
            "supervisor",
        )
        == 0
    )
    assert (
        _run(worker, "init", "--name", "Worker (fictional)", "--organisation", "aspire_oxford") == 0
    )
    recovery = export_folder.parent / "recovery.key"
    assert (
        _run(
            worker,
            "team",
            "create",
            "--target",
            founding,
            "--recovery-key-out",
            str(export_folder.parent / "worker.key"),
        )
        == 1
    )
    assert "Only a supervisor" in capsys.readouterr().err
    assert (
        _run(
            supervisor, "team", "create", "--target", founding, "--recovery-key-out", str(recovery)
        )
        == 0
    )
    supervisor_fingerprint = capsys.readouterr().out.split("fingerprint: ")[1][:19]
    assert recovery.stat().st_mode & 0o777 == 0o600
    assert "AGE-SECRET-KEY-1" in recovery.read_text()

    assert _run(worker, "team", "join", "--target", export) == 0
    assert supervisor_fingerprint in capsys.readouterr().out
    assert _run(worker, "sync") == 0
    assert "Waiting for the supervisor to approve" in capsys.readouterr().out

    assert _run(supervisor, "team", "list") == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == ["member", "pending"]
    device = listed[1].split()[1]
    assert _run(supervisor, "team", "approve", "--all-pending") == 0

    session = unlock(DataPaths(worker), PASSPHRASE)
    try:
        CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Teamson"))
    finally:
        session.close()
    assert _run(worker, "sync") == 0
    assert _run(supervisor, "sync", "--target", export) == 0
    assert "changes in 1 bundles" in capsys.readouterr().out.splitlines()[-1]
    # The recovery identity decrypts the team's bundles with the standard tool.
    import shutil
    import subprocess

    if shutil.which("age"):
        admin = PostgresTarget(founding) if server else FolderTarget(export_folder)
        try:
            device_id = next(d for d in admin.devices() if admin.bundle_files(d))
            data, _signature = admin.read(admin.bundle_files(device_id)[0])
        finally:
            admin.close()
        subprocess.run(
            ["age", "-d", "-i", str(recovery)], input=data, check=True, capture_output=True
        )
    session = unlock(DataPaths(supervisor), PASSPHRASE)
    try:
        query = CaseloadQuery(status=StatusFilter.ALL.value)
        names = [r.name for r in CaseService(session).caseload_page(query, 0, 10)]
    finally:
        session.close()
    assert names == ["TEAMSON, Testy"]

    assert _run(supervisor, "team", "remove", device) == 0
    assert _run(worker, "sync") == 1
    assert "not in the team" in capsys.readouterr().out
