"""One sync per data folder at a time, with real processes: a second `restart-desktop sync`
waits, then says a sync is already running and exits non-zero, having written nothing; a
killed sync never blocks the next; two processes of one device publishing the same bundle
at once never leave a broken one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from restart_desktop import cli, cli_sync
from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.sync.envelope import EnvelopeError, verify
from restart_desktop.sync.keys import device_keys
from tests.support import lock_holder
from tests.support.constants import PASSPHRASE
from tests.support.team import make_team


def test_a_second_sync_waits_then_says_one_is_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr(cli_sync, "SYNC_WAIT_SECONDS", 0.5)  # 10 s in use
    team = make_team(tmp_path / "team", workers=1)
    worker = team.laptops[1]
    session = worker.open()
    try:
        CaseService(session).create_case(CaseFields(given_name="Testy", family_name="Queued"))
    finally:
        session.close()
    holder = lock_holder.start(worker.paths.root)
    try:
        assert cli.main(["--data-dir", str(worker.paths.root), "sync"]) == 1
        assert "A sync is already running on this laptop" in capsys.readouterr().err
        assert not (team.export / "devices" / worker.device_id).exists()  # nothing written
    finally:
        lock_holder.stop(holder)  # killed mid-sync: the next one is not blocked
    assert cli.main(["--data-dir", str(worker.paths.root), "sync"]) == 0
    assert list((team.export / "devices" / worker.device_id).glob("*-*.age"))


_RACER = """
import base64, sys
from pathlib import Path
from restart_desktop.sync.envelope import DeviceKeys, seal, verify, EnvelopeError
from restart_desktop.sync.folder import FolderTarget
export, device, identity, signing, rounds = sys.argv[1:6]
keys = DeviceKeys(identity, base64.b64decode(signing))
target = FolderTarget(Path(export))
name = "0000000001-0000000001.age"
def intact(data, sig):
    try:
        verify(data, sig, keys.verify_key, device, name)
    except EnvelopeError:
        return False
    return True
for _ in range(int(rounds)):
    ciphertext, signature = seal(b"the same change", [keys.age_recipient], keys, device, name)
    target.publish(device, 1, 1, ciphertext, signature, 1, intact)
"""


def test_two_processes_of_one_device_publishing_at_once_leave_a_whole_bundle(
    tmp_path: Path,
) -> None:
    team = make_team(tmp_path / "team", workers=0)
    laptop = team.laptops[0]
    session = laptop.open()
    try:
        keys = device_keys(session.db)
    finally:
        session.close()
    import base64

    args = [
        sys.executable,
        "-c",
        _RACER,
        str(team.export),
        laptop.device_id,
        keys.age_identity,
        base64.b64encode(keys.signing_key).decode(),
        "40",
    ]
    racers = [subprocess.Popen(args, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [racer.communicate(timeout=120)[1] for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], errors
    folder = team.export / "devices" / laptop.device_id
    name = "0000000001-0000000001.age"
    try:
        verify(
            (folder / name).read_bytes(),
            (folder / name.replace(".age", ".sig")).read_bytes(),
            keys.verify_key,
            laptop.device_id,
            name,
        )
    except EnvelopeError:
        pytest.fail("the two processes left a bundle whose signature is another's")
    assert sorted(p.name for p in folder.iterdir()) == [name, name.replace(".age", ".sig")]
