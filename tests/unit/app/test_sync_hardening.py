"""What real shares, USB sticks and synced cloud folders do to the sync (issue 24), on real
data folders and a real export folder, through `restart-desktop sync` and `team`: a stray
file in a laptop's folder, a lost bundle, an empty folder where the stick should be, a damaged
roster, a missing or relative target, a removed laptop's bundles."""

from __future__ import annotations

import os
import shutil
import signal
from contextlib import suppress
from pathlib import Path

import pytest
from sqlalchemy import select

from restart_desktop import cli, interrupt
from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import TARGET_SETTING, SyncService
from restart_desktop.store.models import Change, Person
from restart_desktop.sync import publish
from restart_desktop.sync.folder import FolderTarget
from tests.support.constants import PASSPHRASE
from tests.support.team import Laptop, Team, make_team


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Team:
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    return make_team(tmp_path / "team", workers=1)


def _sync(laptop_root: Path, *args: str) -> int:
    return cli.main(["--data-dir", str(laptop_root), "sync", *args])


def _add_cases(team: Team, index: int, *names: str) -> None:
    session = team.laptops[index].open()
    try:
        for name in names:
            CaseService(session).create_case(CaseFields(given_name="Testy", family_name=name))
    finally:
        session.close()


def _family_names(session: AppSession) -> list[str]:
    with session.db.read() as s:
        return sorted(s.scalars(select(Person.family_name)))


def _assert_all_of_the_workers_changes_arrived(supervisor: AppSession, worker: AppSession) -> None:
    """Every change the worker's laptop wrote is on the supervisor's laptop: none skipped."""
    own = select(Change.change_id).where(Change.device_id == worker.device_id)
    with worker.db.read() as s:
        written = sorted(s.scalars(own))
    with supervisor.db.read() as s:
        assert sorted(s.scalars(own)) == written


def _assert_the_supervisor_holds_everything(
    supervisor: Laptop, worker: Laptop, family_names: list[str]
) -> None:
    """The supervisor's laptop holds these cases and every change the worker's wrote."""
    first, second = supervisor.open(), worker.open()
    try:
        assert _family_names(first) == family_names
        _assert_all_of_the_workers_changes_arrived(first, second)
    finally:
        first.close()
        second.close()


def _own_bundles(team: Team, index: int) -> list[Path]:
    folder = team.export / "devices" / team.laptops[index].device_id
    return sorted(folder.glob("*-*.age"))


def test_a_stray_file_named_like_a_bundle_never_moves_the_position(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor, worker = team.laptops
    _add_cases(team, 1, "Before")
    assert _sync(worker.paths.root) == 0
    (published,) = _own_bundles(team, 1)
    last = int(published.name.split("-")[1][:10])
    # A cloud client's leftover, a restore, a hand-made file: named like the next bundles.
    stray = published.with_name(f"{last + 1:010d}-{last + 40:010d}.age")
    stray.write_bytes(published.read_bytes())
    stray.with_suffix(".sig").write_bytes(published.with_suffix(".sig").read_bytes())
    _add_cases(team, 1, "After", "Later")
    capsys.readouterr()

    assert _sync(worker.paths.root) == 1
    err = capsys.readouterr().err
    assert f"PROBLEM {stray.name} in this laptop's folder" in err
    assert "set aside" in err
    assert not stray.exists()  # out of the folder, where it would hold up every reader
    kept = worker.paths.quarantine / worker.device_id
    assert (kept / stray.name).read_bytes() == published.read_bytes()
    assert "not a bundle this laptop signed" in (kept / f"{stray.name}.reason.txt").read_text()
    assert _sync(supervisor.paths.root) == 0
    _assert_the_supervisor_holds_everything(supervisor, worker, ["After", "Before", "Later"])


def test_a_laptop_put_back_from_an_older_copy_stops_instead_of_skipping(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = team.laptops[1]
    _add_cases(team, 1, "Kept")
    assert _sync(worker.paths.root) == 0
    backup = tmp_path / "backup"
    shutil.copytree(worker.paths.root, backup)
    _add_cases(team, 1, "Newer")
    assert _sync(worker.paths.root) == 0
    published = _own_bundles(team, 1)
    shutil.rmtree(worker.paths.root)
    shutil.copytree(backup, worker.paths.root)  # the laptop restored from last week's copy
    capsys.readouterr()

    assert _sync(worker.paths.root) == 1
    err = capsys.readouterr().err
    assert "The central export holds changes of this laptop up to number" in err
    assert "older copy. Nothing was sent" in err
    assert "Traceback" not in err
    assert _own_bundles(team, 1) == published


def test_a_bundle_lost_from_the_share_is_published_again(
    team: Team, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor, worker = team.laptops
    monkeypatch.setattr(publish, "MAX_CHANGES_PER_BUNDLE", 4)  # several small bundles
    _add_cases(team, 1, "One", "Two", "Three")
    assert _sync(worker.paths.root) == 0
    bundles = _own_bundles(team, 1)
    assert len(bundles) >= 3
    lost = bundles[1]
    lost.unlink()  # deleted on the share: the supervisor would wait for it forever
    lost.with_suffix(".sig").unlink()
    capsys.readouterr()

    assert _sync(worker.paths.root) == 0
    assert (
        "Published again 1 of this laptop's bundles that were missing from the central export."
    ) in capsys.readouterr().out
    assert lost.exists()
    assert _sync(supervisor.paths.root) == 0
    assert "0 waiting for a missing bundle" in capsys.readouterr().out
    _assert_the_supervisor_holds_everything(supervisor, worker, ["One", "Three", "Two"])


def test_an_empty_folder_in_place_of_the_export_is_refused_and_left_empty(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = team.laptops[1]
    _add_cases(team, 1, "Waiting")
    team.export.rename(team.export.with_name("export-unplugged"))
    team.export.mkdir()  # the mount point, with the stick not plugged in
    capsys.readouterr()

    assert _sync(worker.paths.root) == 1
    captured = capsys.readouterr()
    assert (
        "This is not your team's central export (is the USB stick plugged in, is the "
        "share connected?)"
    ) in captured.err
    assert list(team.export.iterdir()) == []


def test_a_damaged_roster_is_a_reason_not_a_stack_trace(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    roster = team.export / "roster.json"
    data = bytearray(roster.read_bytes())
    data[len(data) // 2] ^= 0x01  # one byte changed
    roster.write_bytes(bytes(data))
    for laptop in team.laptops:
        capsys.readouterr()
        assert _sync(laptop.paths.root) == 1
        err = capsys.readouterr().err
        assert "The team roster in the central export cannot be trusted" in err
        assert "Traceback" not in err
        assert "RosterError" not in err


def test_team_create_makes_a_missing_folder_only_under_one_that_exists(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor = team.laptops[0]
    fresh = tmp_path / "new-team-export"
    assert (
        cli.main(
            [
                "--data-dir",
                str(supervisor.paths.root),
                "team",
                "create",
                "--target",
                str(fresh),
                "--recovery-key-out",
                str(tmp_path / "r1.key"),
            ]
        )
        == 0
    )
    assert (fresh / "roster.json").is_file()
    nowhere = tmp_path / "no-such-parent" / "export"
    capsys.readouterr()
    create = ["team", "create", "--target", str(nowhere), "--recovery-key-out"]
    assert (
        cli.main(["--data-dir", str(supervisor.paths.root), *create, str(tmp_path / "r2.key")]) == 1
    )
    err = capsys.readouterr().err
    assert f"The folder {nowhere} does not exist" in err
    assert "Traceback" not in err
    assert not (tmp_path / "r2.key").exists()


def test_sync_refuses_a_missing_folder_and_a_file(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    worker = team.laptops[1]
    missing = tmp_path / "not-mounted"
    capsys.readouterr()
    assert _sync(worker.paths.root, "--target", str(missing)) == 1
    assert f"The folder {missing} does not exist" in capsys.readouterr().err
    assert not missing.exists()
    a_file = tmp_path / "export.txt"
    a_file.write_text("not a folder")
    assert _sync(worker.paths.root, "--target", str(a_file)) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_a_relative_target_is_kept_absolute(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    worker = team.laptops[1]
    monkeypatch.chdir(team.export.parent)
    assert _sync(worker.paths.root, "--target", os.path.join(".", "export")) == 0
    monkeypatch.chdir(worker.paths.root)  # a scheduled sync runs from another folder
    assert _sync(worker.paths.root) == 0
    session = worker.open()
    try:
        assert session.setting(TARGET_SETTING, "") == str(team.export)
        target = SyncService(session).target()
        assert target is not None
        assert target.location == str(team.export)
    finally:
        session.close()


def test_a_supervisor_is_told_once_that_a_removed_laptops_bundles_are_ignored(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor, worker = team.laptops
    assert _sync(supervisor.paths.root) == 0  # the supervisor has seen the whole roster
    _add_cases(team, 1, "Lost")
    assert _sync(worker.paths.root) == 0  # published before the laptop was reported lost
    assert (
        cli.main(["--data-dir", str(supervisor.paths.root), "team", "remove", worker.device_id])
        == 0
    )
    count = len(_own_bundles(team, 1))
    capsys.readouterr()

    assert _sync(supervisor.paths.root) == 0
    noun = "bundle" if count == 1 else "bundles"
    told = f"{count} {noun} from Worker 1 (fictional)'s laptop are ignored: it was removed"
    assert told in capsys.readouterr().out
    assert _sync(supervisor.paths.root) == 0
    assert "are ignored" not in capsys.readouterr().out  # once
    session = supervisor.open()
    try:
        assert _family_names(session) == []
    finally:
        session.close()


def test_a_stray_in_another_laptops_folder_is_refused_by_the_reader(team: Team) -> None:
    """The reader trusts nothing either: a file the worker did not sign is refused whole."""
    supervisor, worker = team.laptops
    _add_cases(team, 1, "Genuine")
    assert _sync(worker.paths.root) == 0
    (published,) = _own_bundles(team, 1)
    nxt = int(published.name.split("-")[1][:10]) + 1
    forged = published.with_name(f"{nxt:010d}-{nxt:010d}.age")
    forged.write_bytes(b"a hand-made file")
    forged.with_suffix(".sig").write_bytes(bytes(64))
    session = supervisor.open()
    try:
        result = SyncService(session).sync_now()
        assert result.report.quarantined == 1
        assert _family_names(session) == ["Genuine"]
    finally:
        session.close()
    assert FolderTarget(team.export).last_published_seq(worker.device_id) == nxt


@pytest.mark.parametrize("stray", ["no signature", "a folder"])
def test_a_stray_without_a_signature_stops_only_that_laptops_import(
    team: Team, stray: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cloud client's half-copied file or a folder named like the next bundle, in another
    laptop's folder: refused and kept aside like any unsigned file, never a sync stopped for
    every laptop with "could not be read or written"."""
    supervisor, worker = team.laptops
    _add_cases(team, 1, "Genuine")
    assert _sync(worker.paths.root) == 0
    (published,) = _own_bundles(team, 1)
    nxt = int(published.name.split("-")[1][:10]) + 1
    name = f"{nxt:010d}-{nxt + 4:010d}.age"
    if stray == "a folder":
        (published.parent / name).mkdir()
    else:
        (published.parent / name).write_bytes(b"half of a file a cloud client is copying")
    capsys.readouterr()

    assert _sync(supervisor.paths.root) == 1  # a refused bundle is said, with a non-zero exit
    err = capsys.readouterr().err
    assert "could not be read or written" not in err
    assert f"({name}) was refused" in err
    session = supervisor.open()
    try:
        assert _family_names(session) == ["Genuine"]  # the bundles before it are applied
    finally:
        session.close()


def _team_command(laptop_root: Path, *args: str) -> int:
    return cli.main(["--data-dir", str(laptop_root), "team", *args])


@pytest.mark.parametrize("mistake", ["export has a team", "key file exists"])
def test_a_refused_team_create_leaves_the_laptop_in_its_team(
    team: Team, tmp_path: Path, mistake: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A supervisor's create refused (the export already holds a team, the recovery key
    file is already there): their laptop still syncs with its own team's export, and no
    recovery identity is left in a file that no team uses."""
    supervisor = team.laptops[0]
    key = tmp_path / "recovery.key"
    if mistake == "export has a team":
        where = team.export
    else:
        where = tmp_path / "new-export"
        key.write_text("the Service Delivery Manager's earlier key")
    before = key.read_bytes() if key.exists() else None
    assert (
        _team_command(
            supervisor.paths.root, "create", "--target", str(where), "--recovery-key-out", str(key)
        )
        == 1
    )
    assert (key.read_bytes() if key.exists() else None) == before
    capsys.readouterr()
    assert _sync(supervisor.paths.root) == 0, capsys.readouterr()
    assert not (tmp_path / "new-export").exists()


def test_a_refused_join_leaves_the_laptop_in_its_team(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A worker who types the wrong folder to join (an empty one: no team there) stays
    with their team's export: the next sync is not "This is not your team's export"."""
    worker = team.laptops[1]
    empty = tmp_path / "empty-stick"
    empty.mkdir()
    assert _team_command(worker.paths.root, "join", "--target", str(empty)) == 1
    capsys.readouterr()
    assert _sync(worker.paths.root) == 0, capsys.readouterr()


def test_an_audit_head_that_does_not_verify_is_said(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    """A laptop's signed audit chain head in the export replaced or damaged (to hide entries
    cut from its trail): every other laptop's sync says so, with a non-zero exit, instead of
    a warning in a log nobody reads."""
    supervisor, worker = team.laptops
    assert _sync(worker.paths.root) == 0
    head = team.export / "devices" / worker.device_id / "audit-head.json"
    assert head.is_file()
    head.write_text('{"seq": 1, "hash": "forged"}')
    capsys.readouterr()
    assert _sync(supervisor.paths.root) == 1
    err = capsys.readouterr().err
    assert f"PROBLEM the audit trail's chain head of {worker.name}'s laptop" in err


def test_a_mistyped_target_refused_as_not_the_export_is_not_kept(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sync --target` naming an empty folder (the wrong drive letter, the stick's folder
    before it is mounted): refused, and the laptop keeps syncing with its team's export
    afterwards instead of with the empty folder until someone notices."""
    worker = team.laptops[1]
    empty = tmp_path / "wrong-drive"
    empty.mkdir()
    assert _sync(worker.paths.root, "--target", str(empty)) == 1
    assert "not your team's central export" in capsys.readouterr().err
    assert not any(empty.iterdir())
    assert _sync(worker.paths.root) == 0, capsys.readouterr()


def test_stray_files_among_the_requests_to_join_are_ignored(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    """A damaged request, a hand-made one, a folder named like one: the supervisor still
    lists the team and approves the real requests, instead of a traceback for all of them."""
    supervisor = team.laptops[0]
    requests = team.export / "requests"
    requests.mkdir(exist_ok=True)
    (requests / "damaged.json").write_text('{"device_id": "01a2')
    (requests / "hand-made.json").write_text('{"device_id": 5, "colour": "blue"}')
    (requests / "listed.json").write_text("[1, 2]")
    (requests / "a-folder.json").mkdir()
    capsys.readouterr()
    assert _team_command(supervisor.paths.root, "list") == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == ["member", "member"]
    _team_command(supervisor.paths.root, "approve", "--all-pending")
    assert "Traceback" not in capsys.readouterr().err


def test_a_join_the_export_cannot_take_is_said_in_words(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The export's requests/ folder is a file (or the share is read-only): the request
    cannot be filed, which is said, never mkdir's FileExistsError."""
    from tests.support.team import make_team

    other = make_team(tmp_path / "other", workers=0).laptops[0]  # a laptop of no team here
    requests = team.export / "requests"
    if requests.exists():
        shutil.rmtree(requests)
    requests.write_text("a file where the requests folder goes")
    capsys.readouterr()
    assert _team_command(other.paths.root, "join", "--target", str(team.export)) == 1
    assert "could not be read or written" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["bundle", "signature", "digest"])
def test_a_folder_named_like_its_own_file_is_set_aside_and_the_sync_goes_on(
    team: Team, where: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder in a laptop's own folder of the export, named like its next bundle, that
    bundle's signature or its digest (a restore, a cloud client, a hand-made folder): renamed
    aside with its contents kept, never counted, and the sync goes on and publishes."""
    supervisor, worker = team.laptops
    _add_cases(team, 1, "Before")
    assert _sync(worker.paths.root) == 0
    (published,) = _own_bundles(team, 1)
    last = int(published.name.split("-")[1][:10])
    name = {
        "bundle": f"{last + 1:010d}-{last + 5:010d}.age",
        "signature": f"{last + 1:010d}-{last + 5:010d}.sig",
        "digest": "digest.age",
    }[where]
    stray = published.parent / name
    if stray.exists():
        stray.unlink()
    stray.mkdir()
    (stray / "kept.txt").write_text("somebody's file")
    if where == "signature":  # a bundle beside it: the pair is not this laptop's
        stray.with_suffix(".age").write_bytes(b"a hand-made file")
    _add_cases(team, 1, "After", "Later")
    capsys.readouterr()

    status = _sync(worker.paths.root)
    out, err = capsys.readouterr()
    assert "could not be read or written" not in err
    assert "Synced: sent" in out
    if where == "digest":
        assert status == 0
    else:
        assert status == 1
        bundle = stray.with_suffix(".age").name
        assert f"PROBLEM {bundle} in this laptop's folder" in err
        reason = worker.paths.quarantine / worker.device_id / f"{bundle}.reason.txt"
        assert "is a folder" in reason.read_text()
    aside = stray.with_name(stray.name + ".set-aside")
    assert (aside / "kept.txt").read_text() == "somebody's file"  # nothing in it deleted
    assert not any(p.is_dir() for p in _own_bundles(team, 1))
    assert _sync(worker.paths.root) == 0  # set aside once; nothing left to say
    assert _sync(supervisor.paths.root) == 0
    _assert_the_supervisor_holds_everything(supervisor, worker, ["After", "Before", "Later"])


def _export_files(team: Team) -> dict[str, bytes]:
    return {
        str(p.relative_to(team.export)): p.read_bytes()
        for p in sorted(team.export.rglob("*"))
        if p.is_file()
    }


def test_another_laptops_folder_replaced_by_a_file_holds_up_only_that_laptop(
    team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor, worker = team.laptops
    assert _sync(supervisor.paths.root) == 0
    assert _sync(worker.paths.root) == 0
    folder = team.export / "devices" / supervisor.device_id
    shutil.rmtree(folder)
    folder.write_text("not a folder")
    _add_cases(team, 1, "Sent")
    before = len(_own_bundles(team, 1))
    capsys.readouterr()

    assert _sync(worker.paths.root) == 1
    out, err = capsys.readouterr()
    assert "could not be read or written" not in err
    assert "Traceback" not in err
    assert (
        f"PROBLEM The central export holds a file where the folder of Supervisor (fictional)'s "
        f"laptop should be (devices/{supervisor.device_id})"
    ) in err
    assert "0 waiting for a missing bundle" in out
    assert len(_own_bundles(team, 1)) > before  # the rest of the sync went on

    # The supervisor's own folder is the file: a sentence, a non-zero exit, nothing written.
    exported = _export_files(team)
    assert _sync(supervisor.paths.root) == 1
    err = capsys.readouterr().err
    assert f"holds a file where the folder devices/{supervisor.device_id} should be" in err
    assert "Traceback" not in err
    assert _export_files(team) == exported
    session = supervisor.open()
    try:
        assert _family_names(session) == []
    finally:
        session.close()

    folder.unlink()  # put right: the supervisor publishes again, everyone goes on
    assert _sync(supervisor.paths.root) == 0
    assert _sync(worker.paths.root) == 0
    session = supervisor.open()
    try:
        assert _family_names(session) == ["Sent"]
    finally:
        session.close()


def test_a_ctrl_c_whose_interrupt_was_cleared_still_stops_the_sync(
    team: Team, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The SQLCipher driver clears a KeyboardInterrupt that lands while it adapts a
    parameter (most of an import's time): the press is remembered all the same, and the sync
    stops at the next bundle with the words of any stop by Ctrl+C, then carries on later."""
    supervisor, worker = team.laptops
    monkeypatch.setattr(publish, "MAX_CHANGES_PER_BUNDLE", 4)  # several bundles
    _add_cases(team, 1, "One", "Two", "Three")
    assert _sync(worker.paths.root) == 0
    capsys.readouterr()
    before = signal.getsignal(signal.SIGINT)
    interrupt.install()
    try:
        with suppress(KeyboardInterrupt):  # a press the driver cleared
            signal.raise_signal(signal.SIGINT)
        status = _sync(supervisor.paths.root)
    finally:
        signal.signal(signal.SIGINT, before)
    assert status == 1
    assert "Stopped (Ctrl+C) before the end" in capsys.readouterr().err
    session = supervisor.open()
    try:
        assert _family_names(session) == []  # stopped before the first bundle
    finally:
        session.close()
    assert _sync(supervisor.paths.root) == 0  # the next sync (no Ctrl+C) does it all
    _assert_the_supervisor_holds_everything(supervisor, worker, ["One", "Three", "Two"])


def test_a_join_by_a_member_or_a_laptop_already_waiting_files_nothing(
    team: Team, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.team import make_team

    supervisor, worker = team.laptops
    requests = team.export / "requests"
    capsys.readouterr()
    assert _team_command(worker.paths.root, "join", "--target", str(team.export)) == 1
    out, err = capsys.readouterr()
    assert "This laptop is already a member of the team" in err
    assert "Asked to join" not in out
    assert not (requests / f"{worker.device_id}.json").exists()
    assert _team_command(supervisor.paths.root, "list") == 0
    assert "pending" not in capsys.readouterr().out

    other = make_team(tmp_path / "other", workers=0).laptops[0]
    assert _team_command(other.paths.root, "join", "--target", str(team.export)) == 0
    filed = (requests / f"{other.device_id}.json").read_bytes()
    capsys.readouterr()
    assert _team_command(other.paths.root, "join", "--target", str(team.export)) == 1
    assert "already waiting for the supervisor's approval" in capsys.readouterr().err
    assert (requests / f"{other.device_id}.json").read_bytes() == filed
    assert _sync(worker.paths.root) == 0  # the member's laptop syncs on as before


def test_a_stop_while_history_is_encrypted_again_keeps_what_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-encrypting a laptop's history for a changed team (a minute at 10,000 cases) stops
    between two bundles when the user asks (Ctrl+C, the window's Stop): the bundles done stay
    done, and the next sync finishes the rest, each bundle readable by the team of now."""
    from restart_desktop.app.sync import Cancelled

    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    team = make_team(tmp_path / "team", workers=2)
    supervisor, worker, leaving = team.laptops
    monkeypatch.setattr(publish, "MAX_CHANGES_PER_BUNDLE", 2)  # several bundles
    _add_cases(team, 1, "One", "Two", "Three")
    assert _sync(worker.paths.root) == 0
    first_generation = _own_bundles(team, 1)
    assert len(first_generation) >= 4
    boss = supervisor.open()
    try:
        SyncService(boss).remove(leaving.device_id)  # the team changed: every bundle again
    finally:
        boss.close()

    def again() -> list[Path]:
        return [p for p in _own_bundles(team, 1) if p.name.endswith(".2.age")]  # "….2.age"

    session = worker.open()
    try:
        with pytest.raises(Cancelled):
            SyncService(session).sync_now(cancelled=lambda: bool(again()))
        done = again()
        assert 1 <= len(done) < len(first_generation)  # stopped between two bundles
        SyncService(session).sync_now()
    finally:
        session.close()
    assert len(again()) == len(first_generation)
    assert set(done) <= set(again())  # those done before the stop were not done twice
    assert not set(first_generation) & set(_own_bundles(team, 1))  # the older ones retired
    assert _sync(supervisor.paths.root) == 0
    _assert_the_supervisor_holds_everything(supervisor, worker, ["One", "Three", "Two"])
