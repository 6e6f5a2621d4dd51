"""`restart-desktop team approve` takes the laptop as a supervisor has it: the fingerprint its
worker reads out, or the start of its id copied from `team list`; the whole 36-character id
was the only way in, and anything else answered "No such request to join." and no more."""

from __future__ import annotations

from pathlib import Path

import pytest

from restart_desktop import cli
from tests.support.constants import PASSPHRASE


def _run(data: Path, *args: str) -> int:
    return cli.main(["--data-dir", str(data), *args])


def test_approve_by_the_fingerprint_read_out_or_the_start_of_the_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    supervisor, export = tmp_path / "sup", tmp_path / "export"
    workers = [tmp_path / "one", tmp_path / "two"]
    export.mkdir()
    init = ("init", "--organisation", "aspire_oxford", "--name")
    assert _run(supervisor, *init, "Supervisor (fictional)", "--role", "supervisor") == 0
    for number, worker in enumerate(workers):
        assert _run(worker, *init, f"Worker {number} (fictional)") == 0
    key = str(tmp_path / "recovery.key")
    assert (
        _run(supervisor, "team", "create", "--target", str(export), "--recovery-key-out", key) == 0
    )
    heard = []
    for worker in workers:
        capsys.readouterr()
        assert _run(worker, "team", "join", "--target", str(export)) == 0
        heard.append(capsys.readouterr().out.split("see this laptop as ")[1][:19])

    assert _run(supervisor, "team", "approve", "0000 1111 2222 3333") == 1
    said = capsys.readouterr().err
    assert "No laptop asking to join has that id or fingerprint" in said
    assert "team list" in said
    assert "Traceback" not in said

    assert _run(supervisor, "team", "approve", heard[0].lower()) == 0  # as typed, spaces too
    assert "Approved 1" in capsys.readouterr().out
    assert _run(supervisor, "team", "list") == 0
    listed = [line.split() for line in capsys.readouterr().out.splitlines()]
    pending = [line[1] for line in listed if line[0] == "pending"]
    assert len(pending) == 1
    assert sum(line[0] == "member" for line in listed) == 2

    assert _run(supervisor, "team", "approve", pending[0][:13]) == 0  # the start of its id
    assert _run(supervisor, "team", "list") == 0
    assert "pending" not in capsys.readouterr().out


def test_an_export_out_of_reach_is_a_sentence_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stick pulled out: `team list`'s requests and `team approve` say so (the window's
    Settings > Laptops asking to join reads the same service)."""
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    supervisor, export = tmp_path / "sup", tmp_path / "export"
    export.mkdir()
    init = ("init", "--organisation", "aspire_oxford", "--name")
    assert _run(supervisor, *init, "Supervisor (fictional)", "--role", "supervisor") == 0
    key = str(tmp_path / "recovery.key")
    assert (
        _run(supervisor, "team", "create", "--target", str(export), "--recovery-key-out", key) == 0
    )
    export.rename(tmp_path / "unplugged")
    capsys.readouterr()
    assert _run(supervisor, "team", "approve", "--all-pending") == 1
    said = capsys.readouterr().err
    assert said.strip() == f"The central export {export} cannot be reached."


def test_a_supervisor_promoted_later_is_told_who_approves(tmp_path: Path) -> None:
    """Only the supervisor who made the team signs its roster: a promoted one approving is
    told so in words (it was a bug's message in the window, a traceback at the command)."""
    from restart_desktop.app.errors import UserError
    from restart_desktop.app.session import enrol
    from restart_desktop.app.sync import SyncService
    from restart_desktop.domain.case import Role
    from restart_desktop.paths import DataPaths
    from tests.support.roles import as_supervisor
    from tests.support.team import FAST_KDF, make_team

    team = make_team(tmp_path / "team", workers=1)
    newcomer = enrol(
        DataPaths(tmp_path / "new"),
        name="Newcomer (fictional)",
        organisation_code="aspire_oxford",
        role=Role.WORKER,
        passphrase=PASSPHRASE,
        kdf=FAST_KDF,
    )
    later = team.laptops[1].open()
    try:
        SyncService(newcomer).request_to_join(team.export)
        promoted = SyncService(as_supervisor(later))
        with pytest.raises(UserError, match="Only the supervisor who made the team approves"):
            promoted.approve(newcomer.device_id)
        assert [r.worker for r in promoted.join_requests()] == ["Newcomer (fictional)"]
    finally:
        later.close()
        newcomer.close()


def test_removing_or_promoting_with_the_export_out_of_reach_is_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stick pulled out: `team remove` and `team promote` say so, as approving does."""
    from tests.support.team import make_team

    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    team = make_team(tmp_path / "team", workers=1)
    supervisor, worker = team.laptops
    team.export.rename(tmp_path / "unplugged")
    capsys.readouterr()
    for command in ("remove", "promote"):
        assert _run(supervisor.paths.root, "team", command, worker.device_id) == 1
        said = capsys.readouterr().err
        assert said.strip() == f"The central export {team.export} cannot be reached.", command


def test_a_supervisor_promoted_later_is_told_who_removes_a_laptop(tmp_path: Path) -> None:
    """Only the supervisor who made the team signs its roster: a promoted one removing a
    lost laptop is told so in words, and the laptop stays in the team."""
    from restart_desktop.app.errors import UserError
    from restart_desktop.app.sync import SyncService
    from tests.support.roles import as_supervisor
    from tests.support.team import make_team

    team = make_team(tmp_path / "team", workers=2)
    later = team.laptops[1].open()
    try:
        promoted = SyncService(as_supervisor(later))
        with pytest.raises(UserError, match="Only the supervisor who made the team changes"):
            promoted.remove(team.laptops[2].device_id)
        assert team.laptops[2].device_id in {m.device_id for m in promoted.members()}
    finally:
        later.close()
