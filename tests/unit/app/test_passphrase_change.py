"""The worker's passphrase: changed from the command line (strength checked, the same key
wrapped again, audited), the unlock throttle that deleting its file does not reset, and a
forgotten passphrase replaced with the programme's recovery key; real SQLCipher databases,
real key files, the keyring through the keyring library."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from restart_desktop import cli
from restart_desktop.app.audit import AuditFilter, AuditService
from restart_desktop.app.session import AppSession, enrol, open_key, unlock
from restart_desktop.app.sync import SyncService, write_recovery_identity
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths
from restart_desktop.security.errors import TooManyAttempts, WrongPassphrase
from restart_desktop.security.keys import KdfParams
from tests.support.constants import PASSPHRASE, WRONG_PASSPHRASE
from tests.support.roles import as_supervisor

NEW_PASSPHRASE = "saffron glacier tuba pelican"


def _run(paths: DataPaths, *args: str) -> int:
    return cli.main(["--data-dir", str(paths.root), *args])


def _actions(paths: DataPaths, passphrase: str) -> list[tuple[AuditAction | None, str]]:
    session = unlock(paths, passphrase)
    try:
        found = AuditService(as_supervisor(session)).entries(AuditFilter())
        return [(e.action, e.detail) for e in found]
    finally:
        session.close()


def test_passphrase_change_rewraps_the_same_key_and_is_audited(
    enrolled: AppSession,
    data_paths: DataPaths,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    enrolled.close()
    key = open_key(data_paths, PASSPHRASE)
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("RESTART_DESKTOP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    assert _run(data_paths, "passphrase", "change") == 0
    assert "The passphrase is changed" in capsys.readouterr().out
    assert open_key(data_paths, NEW_PASSPHRASE) == key  # nothing re-encrypted
    with pytest.raises(WrongPassphrase):
        open_key(data_paths, PASSPHRASE)
    assert data_paths.keyfile.stat().st_mode & 0o777 == 0o600
    assert not list(data_paths.root.glob("*.tmp"))
    assert (AuditAction.PASSPHRASE_CHANGED, "") in _actions(data_paths, NEW_PASSPHRASE)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (PASSPHRASE, "demo passphrase", "anyone would try first"),
        (PASSPHRASE, "password password", "too easy to guess"),
        (PASSPHRASE, "fictional worker test", "your own name"),
        (PASSPHRASE, PASSPHRASE, "the same as the current one"),
        (WRONG_PASSPHRASE, NEW_PASSPHRASE, "current passphrase is not right"),
    ],
)
def test_a_refused_change_changes_nothing_and_says_why(
    enrolled: AppSession,
    data_paths: DataPaths,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    words: str,
) -> None:
    enrolled.close()
    before = data_paths.keyfile.read_bytes()
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)  # to unlock
    monkeypatch.setenv("RESTART_DESKTOP_NEW_PASSPHRASE", new)
    session = unlock(data_paths, PASSPHRASE)
    from restart_desktop.app.errors import UserError
    from restart_desktop.app.passphrase import change_passphrase

    try:
        with pytest.raises(UserError, match=words):
            change_passphrase(session, old, new)
    finally:
        session.close()
    assert data_paths.keyfile.read_bytes() == before
    if old == PASSPHRASE:  # the command line says the same, in words, non-zero
        assert _run(data_paths, "passphrase", "change") == 1
        err = capsys.readouterr().err
        assert words in err
        assert "Traceback" not in err
        assert data_paths.keyfile.read_bytes() == before


def test_deleting_the_throttle_file_resets_nothing_and_failures_are_audited(
    enrolled: AppSession, data_paths: DataPaths
) -> None:
    enrolled.close()
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            unlock(data_paths, WRONG_PASSPHRASE)
    data_paths.unlock_state.unlink()  # someone guessing wipes the file
    with pytest.raises(TooManyAttempts) as caught:
        unlock(data_paths, PASSPHRASE)
    time.sleep(caught.value.wait_seconds + 0.1)  # the wait (2 s) is over
    session = unlock(data_paths, PASSPHRASE)
    session.close()
    failed = [d for a, d in _actions(data_paths, PASSPHRASE) if a == AuditAction.FAILED_UNLOCK]
    assert len(failed) == 1
    assert failed[0].startswith("3 wrong passphrases")


def _team_with_recovery(
    tmp_path: Path, fast_kdf: KdfParams, organisation_code: str, worker: AppSession
) -> Path:
    """A supervisor makes a team with a recovery identity file; the worker joins, is
    approved and syncs. Returns the recovery identity file."""
    recovery = tmp_path / "recovery.key"
    recipient = write_recovery_identity(recovery)
    export = tmp_path / "export"
    export.mkdir()
    lead = enrol(
        DataPaths(tmp_path / "lead"),
        name="Lead (fictional)",
        organisation_code=organisation_code,
        role=Role.SUPERVISOR,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    )
    try:
        SyncService(lead).create_team(export, recipient)
        SyncService(worker).request_to_join(export)
        SyncService(lead).approve(worker.device_id)
    finally:
        lead.close()
    assert SyncService(worker).sync_now().state == "synced"
    return recovery


def test_a_forgotten_passphrase_is_replaced_with_the_recovery_key(
    enrolled: AppSession,
    data_paths: DataPaths,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    recovery = _team_with_recovery(tmp_path, fast_kdf, organisation_code, enrolled)
    enrolled.close()
    copy = data_paths.root / "recovery.age"
    assert copy.stat().st_mode & 0o777 == 0o600
    assert b"AGE-SECRET" not in copy.read_bytes()
    assert b"age-encryption.org" in copy.read_bytes()
    key = open_key(data_paths, PASSPHRASE)
    for _ in range(3):  # the worker tried and forgot
        with pytest.raises(WrongPassphrase):
            unlock(data_paths, WRONG_PASSPHRASE)

    other = tmp_path / "other.key"
    write_recovery_identity(other)
    monkeypatch.setenv("RESTART_DESKTOP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    assert _run(data_paths, "passphrase", "recover", "--recovery-key", str(other)) == 1
    assert "does not open this laptop's recovery copy" in capsys.readouterr().err
    assert _run(data_paths, "passphrase", "recover", "--recovery-key", str(recovery)) == 0
    assert "A new passphrase is set" in capsys.readouterr().out
    assert open_key(data_paths, NEW_PASSPHRASE) == key  # the same database, nothing lost
    actions = _actions(data_paths, NEW_PASSPHRASE)
    assert AuditAction.PASSPHRASE_RECOVERED in [a for a, _ in actions]
    assert json.loads(data_paths.keyfile.read_text())["version"] == 1


def test_recovery_before_joining_a_team_says_what_to_do(
    enrolled: AppSession,
    data_paths: DataPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    enrolled.close()
    recovery = tmp_path / "recovery.key"
    write_recovery_identity(recovery)
    monkeypatch.setenv("RESTART_DESKTOP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    assert _run(data_paths, "passphrase", "recover", "--recovery-key", str(recovery)) == 1
    assert "no recovery copy of its key" in capsys.readouterr().err


def test_a_lost_key_file_is_made_again_from_the_recovery_copy(
    enrolled: AppSession,
    data_paths: DataPaths,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """recovery.age holds the data folder's id with its key: all that key.json adds is the
    wrapping, made again under the new passphrase."""
    recovery = _team_with_recovery(tmp_path, fast_kdf, organisation_code, enrolled)
    enrolled.close()
    key = open_key(data_paths, PASSPHRASE)
    folder_id = json.loads(data_paths.keyfile.read_text())["folder_id"]
    data_paths.keyfile.unlink()  # deleted by a clean-up tool, lost in a copy
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    assert _run(data_paths, "sync") == 1
    said = " ".join(capsys.readouterr().err.split())
    assert "restart-desktop passphrase recover --recovery-key FILE" in said

    monkeypatch.setenv("RESTART_DESKTOP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    assert _run(data_paths, "passphrase", "recover", "--recovery-key", str(recovery)) == 0
    out = capsys.readouterr().out
    assert "The lost key file (key.json) was made again from the recovery copy." in out
    assert "A new passphrase is set" in out
    assert open_key(data_paths, NEW_PASSPHRASE) == key  # the same database, nothing lost
    assert json.loads(data_paths.keyfile.read_text())["folder_id"] == folder_id
    assert data_paths.keyfile.stat().st_mode & 0o777 == 0o600
    recovered = [
        d
        for a, d in _actions(data_paths, NEW_PASSPHRASE)
        if a is not None and a.name == "PASSPHRASE_RECOVERED"
    ]
    assert recovered == [
        "a new passphrase set with the programme's recovery key; the lost key file made again"
    ]
    assert _run(data_paths, "sync") == 1  # the old passphrase opens nothing
    monkeypatch.setenv("RESTART_DESKTOP_PASSPHRASE", NEW_PASSPHRASE)
    assert _run(data_paths, "sync") == 0


def test_a_lost_key_file_without_a_recovery_copy_is_said_before_asking(
    enrolled: AppSession,
    data_paths: DataPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    enrolled.close()
    data_paths.keyfile.unlink()
    recovery = tmp_path / "recovery.key"
    write_recovery_identity(recovery)
    monkeypatch.delenv("RESTART_DESKTOP_NEW_PASSPHRASE", raising=False)
    assert _run(data_paths, "passphrase", "recover", "--recovery-key", str(recovery)) == 1
    err = capsys.readouterr().err
    assert "no recovery copy of its key" in err
    assert "key file (key.json) is missing too" in err
