"""``restart-desktop team move``: a team's whole export copied from a folder to a server and
back, verbatim (the same bytes: signatures still verify), after which every laptop syncs on
from the new place, with nothing lost, repeated or refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from restart_desktop import cli
from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.sync import SyncService
from restart_desktop.sync.folder import FolderTarget
from restart_desktop.sync.postgres import PostgresTarget
from restart_desktop.sync.target import Target
from tests.support.pg_cluster import SUPERUSER, Cluster
from tests.support.team import Team, assert_same_changes, make_team

pytestmark = pytest.mark.e2e


def _contents(target: Target) -> dict[str, object]:
    """Every byte a target holds, by device and name."""
    found: dict[str, object] = {"roster": target.read_roster()}
    try:
        for device in target.devices():
            for item in target.bundle_files(device):
                found[f"{device}/{item.name}"] = target.read(item)
            for name in ("digest.age", "audit-head.json"):
                found[f"{device}/{name}"] = target.read_file(device, name)
    finally:
        target.close()
    return found


def _work_and_sync(team: Team, where: str | None, surname: str) -> None:
    """Each laptop records a case, (sets its target,) and everyone syncs twice."""
    for laptop in team.laptops:
        session = laptop.open()
        try:
            if where is not None:
                SyncService(session).set_target(where)
            CaseService(session).create_case(CaseFields(given_name="Testy", family_name=surname))
        finally:
            session.close()
    for laptop in team.laptops * 2:
        session = laptop.open()
        try:
            result = SyncService(session).sync_now()
            assert result.state == "synced"
            assert result.report.problems == {}
            assert result.own.set_aside == ()
            assert result.own.republished == 0
        finally:
            session.close()


def _move(source: str, destination: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["team", "move", "--from", source, "--to", destination]) == 0
    assert "Moved the team" in capsys.readouterr().out


def test_a_team_moves_from_a_folder_to_a_server_and_back_and_syncs_on(
    tmp_path: Path, pg_cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    team = make_team(tmp_path / "team", workers=2)
    _work_and_sync(team, None, "Folderson")
    server = pg_cluster.conninfo(pg_cluster.new_database())
    owner = f"{server} user={SUPERUSER}"

    _move(str(team.export), owner, capsys)
    assert _contents(PostgresTarget(owner)) == _contents(FolderTarget(team.export))
    _move(str(team.export), owner, capsys)  # again (a move cut short): harmless
    assert _contents(PostgresTarget(owner)) == _contents(FolderTarget(team.export))
    other = tmp_path / "other-team"  # a destination holding another team is refused
    FolderTarget(other).root.mkdir()
    FolderTarget(other).publish_roster(b"{}", b"another team's")
    assert cli.main(["team", "move", "--from", str(team.export), "--to", str(other)]) == 1
    assert "already holds a team" in capsys.readouterr().err
    assert sorted(p.name for p in other.iterdir()) == ["roster.json", "roster.sig"]
    _work_and_sync(team, server, "Serverson")

    back = tmp_path / "back"
    _move(owner, str(back), capsys)
    assert _contents(FolderTarget(back)) == _contents(PostgresTarget(owner))
    _work_and_sync(team, str(back), "Backson")

    sessions = [laptop.open() for laptop in team.laptops]
    try:
        for worker in sessions[1:]:
            assert_same_changes(sessions[0], worker)
    finally:
        for session in sessions:
            session.close()


def test_a_move_onto_the_same_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    team = make_team(tmp_path / "team", workers=1)
    before = sorted(p.relative_to(team.export) for p in team.export.rglob("*"))
    monkeypatch.chdir(team.export.parent)
    (tmp_path / "link").symlink_to(team.export)
    for destination in (str(team.export), "./export", str(tmp_path / "link")):
        assert cli.main(["team", "move", "--from", str(team.export), "--to", destination]) == 1
        err = capsys.readouterr().err
        assert "cannot be moved onto itself" in err
        assert "Moved" not in err
    assert sorted(p.relative_to(team.export) for p in team.export.rglob("*")) == before
