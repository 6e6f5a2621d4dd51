"""Enrolment (first run) and unlock (every later start)."""

from __future__ import annotations

import stat

import pytest

from restart_desktop.app.errors import AlreadyEnrolled, NotEnrolled, ValidationFailed
from restart_desktop.app.session import AppSession, enrol, unlock
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths, resolve_data_dir
from restart_desktop.security.errors import (
    KeyringSecretMissing,
    TooManyAttempts,
    WrongPassphrase,
)
from restart_desktop.security.keys import KdfParams, UnlockThrottle, read_keyfile
from restart_desktop.security.secret_store import KeyringSecretStore
from restart_desktop.store.errors import StorageError
from restart_desktop.store.models import LocalSetting
from tests.support.constants import PASSPHRASE, WORKER_NAME, WRONG_PASSPHRASE
from tests.support.memory_keyring import MemoryKeyring


def test_the_test_data_folder_is_isolated(data_paths: DataPaths) -> None:
    assert resolve_data_dir() == data_paths.root.resolve()
    assert not data_paths.root.exists()


def test_enrol_then_unlock_gives_the_same_worker(
    enrolled: AppSession, data_paths: DataPaths, organisation_code: str
) -> None:
    assert enrolled.worker.name == WORKER_NAME
    assert enrolled.worker.organisation_code == organisation_code
    assert enrolled.worker.role == Role.WORKER
    assert data_paths.is_enrolled
    assert not data_paths.is_demo
    enrolled.close()

    session = unlock(data_paths, PASSPHRASE)
    try:
        assert session.worker == enrolled.worker
        assert session.device_id == enrolled.device_id
        assert session.db.actor is not None
        assert session.db.actor.worker_id == enrolled.worker.id
        assert session.db.actor.device_id == enrolled.device_id
    finally:
        session.close()


def test_enrolment_keeps_the_second_factor_in_the_keyring(
    enrolled: AppSession, data_paths: DataPaths, memory_keyring: MemoryKeyring
) -> None:
    name = read_keyfile(data_paths.keyfile).keyring_name
    assert [username for _, username in memory_keyring.secrets] == [name]
    assert not data_paths.demo_secret.exists()


def test_wrong_passphrase_is_refused_and_counted(
    enrolled: AppSession, data_paths: DataPaths
) -> None:
    enrolled.close()
    throttle = UnlockThrottle(data_paths.unlock_state)

    with pytest.raises(WrongPassphrase):
        unlock(data_paths, WRONG_PASSPHRASE)
    assert throttle.failures == 1
    with pytest.raises(WrongPassphrase):
        unlock(data_paths, WRONG_PASSPHRASE)
    assert throttle.failures == 2

    unlock(data_paths, PASSPHRASE).close()
    assert throttle.failures == 0


def test_after_three_wrong_passphrases_even_the_right_one_must_wait(
    enrolled: AppSession, data_paths: DataPaths
) -> None:
    enrolled.close()
    for _ in range(3):
        with pytest.raises(WrongPassphrase):
            unlock(data_paths, WRONG_PASSPHRASE)

    with pytest.raises(TooManyAttempts) as caught:
        unlock(data_paths, PASSPHRASE)
    assert 1 <= caught.value.wait_seconds <= 2
    assert UnlockThrottle(data_paths.unlock_state).failures == 3


def test_a_missing_keyring_secret_is_not_counted_as_a_guess(
    enrolled: AppSession, data_paths: DataPaths
) -> None:
    enrolled.close()
    KeyringSecretStore().delete(read_keyfile(data_paths.keyfile).keyring_name)

    with pytest.raises(KeyringSecretMissing):
        unlock(data_paths, PASSPHRASE)
    assert UnlockThrottle(data_paths.unlock_state).failures == 0


def test_unlock_of_a_folder_never_set_up(data_paths: DataPaths) -> None:
    with pytest.raises(NotEnrolled):
        unlock(data_paths, PASSPHRASE)


@pytest.mark.parametrize(
    ("name", "organisation", "passphrase", "field"),
    [
        ("Testy McExample", "__first__", "short", "passphrase"),
        ("Testy McExample", "__first__", "password1234!", "passphrase"),
        ("   ", "__first__", PASSPHRASE, "name"),
        ("Testy McExample", "ministry_of_fiction", PASSPHRASE, "organisation"),
    ],
    ids=["short-passphrase", "common-passphrase", "blank-name", "unknown-organisation"],
)
def test_enrol_refuses_bad_input_and_leaves_nothing_behind(
    data_paths: DataPaths,
    fast_kdf: KdfParams,
    memory_keyring: MemoryKeyring,
    organisation_code: str,
    name: str,
    organisation: str,
    passphrase: str,
    field: str,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        enrol(
            data_paths,
            name=name,
            organisation_code=organisation_code if organisation == "__first__" else organisation,
            role=Role.WORKER,
            passphrase=passphrase,
            kdf=fast_kdf,
        )
    assert set(caught.value.problems) == {field}
    assert "Nothing was saved" in str(caught.value)
    assert not data_paths.keyfile.exists()
    assert not data_paths.database.exists()
    assert memory_keyring.secrets == {}


def test_enrol_reports_every_problem_at_once(data_paths: DataPaths, fast_kdf: KdfParams) -> None:
    with pytest.raises(ValidationFailed) as caught:
        enrol(
            data_paths,
            name="",
            organisation_code="",
            role=Role.WORKER,
            passphrase="",
            kdf=fast_kdf,
        )
    assert set(caught.value.problems) == {"name", "organisation", "passphrase"}


def test_enrol_twice_is_refused(
    enrolled: AppSession, data_paths: DataPaths, fast_kdf: KdfParams, organisation_code: str
) -> None:
    keyfile_before = data_paths.keyfile.read_bytes()
    with pytest.raises(AlreadyEnrolled):
        enrol(
            data_paths,
            name="Another Fictional Worker",
            organisation_code=organisation_code,
            role=Role.SUPERVISOR,
            passphrase="lantern walrus cobalt pickle",
            kdf=fast_kdf,
        )
    assert data_paths.keyfile.read_bytes() == keyfile_before
    enrolled.close()
    session = unlock(data_paths, PASSPHRASE)
    session.close()
    assert session.worker.name == WORKER_NAME


def test_a_failed_enrolment_can_be_retried(
    data_paths: DataPaths,
    fast_kdf: KdfParams,
    organisation_code: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken(StorageError):
        pass

    def broken_open(*args: object, **kwargs: object) -> None:
        raise Broken("the disk went away (fictional)")

    with monkeypatch.context() as patch:
        patch.setattr("restart_desktop.app.session.Database.open", broken_open)
        with pytest.raises(Broken):
            enrol(
                data_paths,
                name=WORKER_NAME,
                organisation_code=organisation_code,
                role=Role.WORKER,
                passphrase=PASSPHRASE,
                kdf=fast_kdf,
            )
    assert not data_paths.keyfile.exists()
    assert not data_paths.is_enrolled

    session = enrol(
        data_paths,
        name=WORKER_NAME,
        organisation_code=organisation_code,
        role=Role.WORKER,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    )
    session.close()
    unlock(data_paths, PASSPHRASE).close()


def test_a_failure_after_the_database_was_created_leaves_no_database_files(
    data_paths: DataPaths,
    fast_kdf: KdfParams,
    organisation_code: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stale -wal beside a new database file could be replayed into it or deleted under it."""

    def broken_node() -> str:
        raise OSError("fictional failure while naming the device")

    with monkeypatch.context() as patch:
        patch.setattr("restart_desktop.app.session.platform.node", broken_node)
        with pytest.raises(OSError, match="fictional failure while naming the device"):
            enrol(
                data_paths,
                name=WORKER_NAME,
                organisation_code=organisation_code,
                role=Role.WORKER,
                passphrase=PASSPHRASE,
                kdf=fast_kdf,
            )
    leftovers = {p.name for p in data_paths.root.iterdir()}
    assert not {n for n in leftovers if n.startswith(("restart.db", "key.json"))}

    session = enrol(
        data_paths,
        name=WORKER_NAME,
        organisation_code=organisation_code,
        role=Role.WORKER,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    )
    session.close()
    unlock(data_paths, PASSPHRASE).close()


def test_local_settings(enrolled: AppSession) -> None:
    assert enrolled.idle_lock_minutes == 5
    enrolled.set_setting("idle_lock_minutes", "12")
    assert enrolled.idle_lock_minutes == 12
    assert enrolled.setting("idle_lock_minutes", "5") == "12"
    enrolled.set_setting("idle_lock_minutes", "not a number")
    assert enrolled.idle_lock_minutes == 5
    assert enrolled.setting("no such setting", "fallback") == "fallback"


def test_only_the_owner_can_read_the_data_folder_files(
    enrolled: AppSession, data_paths: DataPaths
) -> None:
    with enrolled.db.write() as s:
        s.merge(LocalSetting(key="touched", value="yes"))
    assert stat.S_IMODE(data_paths.root.stat().st_mode) == 0o700
    for path in (data_paths.database, data_paths.keyfile):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_ctrl_c_during_the_set_up_leaves_a_folder_that_can_be_set_up(
    data_paths: DataPaths,
    fast_kdf: KdfParams,
    organisation_code: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Interrupted after the key and the database were made, before the worker was saved:
    nothing of it is left, so the next set-up starts clean (not a folder that says "set it
    up again" while the set-up says it is set up)."""

    def interrupted() -> str:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr("restart_desktop.app.session.platform.node", interrupted)
        with pytest.raises(KeyboardInterrupt):
            enrol(
                data_paths,
                name=WORKER_NAME,
                organisation_code=organisation_code,
                role=Role.WORKER,
                passphrase=PASSPHRASE,
                kdf=fast_kdf,
            )
    leftovers = {p.name for p in data_paths.root.iterdir()}
    assert not {n for n in leftovers if n.startswith(("restart.db", "key.json"))}
    enrol(
        data_paths,
        name=WORKER_NAME,
        organisation_code=organisation_code,
        role=Role.WORKER,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    ).close()
    unlock(data_paths, PASSPHRASE).close()
