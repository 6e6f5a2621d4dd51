"""The database key: wrapped under passphrase AND keyring secret, never stored in the clear."""

from __future__ import annotations

import base64
import json
import resource
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from restart_desktop.security import keys
from restart_desktop.security.errors import (
    KeyFileDamaged,
    KeyringSecretMissing,
    TooManyAttempts,
    WrongPassphrase,
)
from restart_desktop.security.keys import (
    CHILD_MEMORY_KIB,
    KEY_BYTES,
    KdfParams,
    UnlockThrottle,
    change_passphrase,
    create_key,
    read_keyfile,
    unwrap_key,
)
from restart_desktop.security.secret_store import SERVICE_NAME, KeyringSecretStore, new_secret
from tests.support.constants import PASSPHRASE, WRONG_PASSPHRASE
from tests.support.memory_keyring import MemoryKeyring


@pytest.fixture
def keyfile(tmp_path: Path) -> Path:
    return tmp_path / "key.json"


@pytest.fixture
def store() -> KeyringSecretStore:
    return KeyringSecretStore()


def test_key_wrap_round_trip_with_default_kdf(keyfile: Path, store: KeyringSecretStore) -> None:
    """The one test that pays for the real Argon2id cost."""
    raw = create_key(keyfile, PASSPHRASE, store)

    assert len(raw) == KEY_BYTES
    loaded = read_keyfile(keyfile)
    assert loaded.kdf == KdfParams()
    assert loaded.kdf.memory_kib >= 64 * 1024  # memory-hard enough to slow a thief's guesses
    assert unwrap_key(loaded, PASSPHRASE, store) == raw
    assert keyfile.stat().st_mode & 0o077 == 0  # readable by its owner only


def test_each_key_is_new(tmp_path: Path, store: KeyringSecretStore, fast_kdf: KdfParams) -> None:
    first = create_key(tmp_path / "a.json", PASSPHRASE, store, fast_kdf)
    second = create_key(tmp_path / "b.json", PASSPHRASE, store, fast_kdf)
    assert first != second
    assert (
        read_keyfile(tmp_path / "a.json").folder_id != read_keyfile(tmp_path / "b.json").folder_id
    )


def test_wrong_passphrase_is_refused(
    keyfile: Path, store: KeyringSecretStore, fast_kdf: KdfParams
) -> None:
    create_key(keyfile, PASSPHRASE, store, fast_kdf)
    with pytest.raises(WrongPassphrase, match="passphrase is not right"):
        unwrap_key(read_keyfile(keyfile), WRONG_PASSPHRASE, store)


def test_right_passphrase_without_the_keyring_secret_opens_nothing(
    keyfile: Path, store: KeyringSecretStore, fast_kdf: KdfParams, memory_keyring: MemoryKeyring
) -> None:
    create_key(keyfile, PASSPHRASE, store, fast_kdf)
    loaded = read_keyfile(keyfile)
    assert memory_keyring.get_password(SERVICE_NAME, loaded.keyring_name) is not None

    store.delete(loaded.keyring_name)

    assert memory_keyring.secrets == {}
    with pytest.raises(KeyringSecretMissing, match="keyring no longer holds"):
        unwrap_key(loaded, PASSPHRASE, store)


def test_another_keyring_secret_does_not_open_the_key(
    keyfile: Path, store: KeyringSecretStore, fast_kdf: KdfParams, memory_keyring: MemoryKeyring
) -> None:
    create_key(keyfile, PASSPHRASE, store, fast_kdf)
    name = read_keyfile(keyfile).keyring_name
    store.set(name, b"\x01" * 32)  # e.g. the secret of a different laptop
    with pytest.raises(WrongPassphrase):
        unwrap_key(read_keyfile(keyfile), PASSPHRASE, store)


def test_keyfile_holds_no_raw_key_nor_secret_nor_passphrase(
    keyfile: Path, store: KeyringSecretStore, fast_kdf: KdfParams, memory_keyring: MemoryKeyring
) -> None:
    raw = create_key(keyfile, PASSPHRASE, store, fast_kdf)
    [secret_b64] = memory_keyring.secrets.values()
    secret = base64.b64decode(secret_b64)
    data = keyfile.read_bytes()
    text = data.decode("utf-8").lower()

    for value in (raw, secret):
        assert value not in data
        assert value.hex() not in text
        for encode in (base64.b64encode, base64.urlsafe_b64encode, base64.b32encode):
            assert encode(value).decode().rstrip("=").lower() not in text
    assert PASSPHRASE.lower() not in text
    assert set(json.loads(data)) == {"version", "folder_id", "kdf", "salt", "nonce", "wrapped_key"}


def test_change_passphrase(keyfile: Path, store: KeyringSecretStore, fast_kdf: KdfParams) -> None:
    raw = create_key(keyfile, PASSPHRASE, store, fast_kdf)
    before = read_keyfile(keyfile)
    new = "lantern walrus cobalt pickle"

    change_passphrase(keyfile, PASSPHRASE, new, store)

    after = read_keyfile(keyfile)
    assert after.folder_id == before.folder_id
    assert after.salt != before.salt
    assert after.nonce != before.nonce
    assert unwrap_key(after, new, store) == raw
    with pytest.raises(WrongPassphrase):
        unwrap_key(after, PASSPHRASE, store)
    assert not keyfile.with_name(keyfile.name + ".tmp").exists()


def test_change_passphrase_needs_the_old_one(
    keyfile: Path, store: KeyringSecretStore, fast_kdf: KdfParams
) -> None:
    create_key(keyfile, PASSPHRASE, store, fast_kdf)
    before = keyfile.read_bytes()
    with pytest.raises(WrongPassphrase):
        change_passphrase(keyfile, WRONG_PASSPHRASE, "lantern walrus cobalt pickle", store)
    assert keyfile.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not json",
        "{}",
        '{"version": 1}',
        '{"version": 99, "folder_id": "x"}',
        # JSON, but not an object: a hand edit, another program's file under the name
        "[]",
        '"key"',
        "1",
        "null",
    ],
)
def test_damaged_keyfile_is_reported(keyfile: Path, content: str) -> None:
    keyfile.write_text(content, "utf-8")
    with pytest.raises(KeyFileDamaged):
        read_keyfile(keyfile)


FOLDER_ID = "0f19e979c68940f7942500fa157b6f8f"


def _key_json(**changes: object) -> str:
    data: dict[str, object] = {
        "version": 1,
        "folder_id": FOLDER_ID,
        "kdf": {"name": "argon2id", "iterations": 3, "memory_kib": 65536, "lanes": 1},
        "salt": "2F27W+8b7V/bAhFApJIBlg==",
        "nonce": "Cn5ieNyJzgm5FSvI",
        "wrapped_key": "hacLPGpOxoY/aZYYuX9vbiCpBdF/o+nlop8sSdl2o3s43KKIF2xym1IfXSjsvLdC",
    }
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    "changes",
    [
        {"kdf": {"iterations": 0, "memory_kib": 65536, "lanes": 1}},
        {"kdf": {"iterations": 3, "memory_kib": 99_999_999_999, "lanes": 1}},
        {"kdf": {"iterations": 3, "memory_kib": 65536, "lanes": 0}},
        {"kdf": {"iterations": 10**6, "memory_kib": 1024, "lanes": 1}},  # hours to derive
        {"kdf": [1, 2, 3]},
        {"salt": ""},
        {"nonce": "AAAA"},
    ],
)
def test_a_key_file_with_impossible_values_is_damaged_not_a_crash(
    keyfile: Path, store: KeyringSecretStore, changes: dict[str, object]
) -> None:
    """Read, and unlocked with, it says the file is damaged: never Argon2's or AES-GCM's
    ValueError, OverflowError or MemoryError (a traceback), never an unlock that takes hours."""
    keyfile.write_text(_key_json(**changes), "utf-8")
    store.set(f"data-folder-{FOLDER_ID}", new_secret())
    with pytest.raises(KeyFileDamaged):
        unwrap_key(read_keyfile(keyfile), PASSPHRASE, store)


def test_missing_keyfile_is_reported(keyfile: Path) -> None:
    with pytest.raises(KeyFileDamaged, match="no key file"):
        read_keyfile(keyfile)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_waits_longer_after_each_failure_and_is_capped(tmp_path: Path) -> None:
    clock = FakeClock()
    throttle = UnlockThrottle(tmp_path / "unlock-state.json", clock=clock)
    waits = []
    for _ in range(12):
        throttle.record_failure()
        waits.append(throttle.wait_seconds())
    assert waits == [0, 0, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    assert throttle.failures == 12
    with pytest.raises(TooManyAttempts) as caught:
        throttle.check()
    assert caught.value.wait_seconds == 300
    assert "300 seconds" in str(caught.value)


def test_throttle_counts_down_with_the_clock(tmp_path: Path) -> None:
    clock = FakeClock()
    throttle = UnlockThrottle(tmp_path / "unlock-state.json", clock=clock)
    for _ in range(4):
        throttle.record_failure()
    assert throttle.wait_seconds() == 4
    clock.now += 2.5
    assert throttle.wait_seconds() == 2  # rounded up, never down to zero early
    clock.now += 1.5
    assert throttle.wait_seconds() == 0
    throttle.check()  # may try again


def test_throttle_survives_a_restart_and_resets_on_success(tmp_path: Path) -> None:
    clock = FakeClock()
    state = tmp_path / "unlock-state.json"
    first = UnlockThrottle(state, clock=clock)
    for _ in range(5):
        first.record_failure()

    second = UnlockThrottle(state, clock=clock)
    assert second.failures == 5
    assert second.wait_seconds() == 8
    with pytest.raises(TooManyAttempts):
        second.check()

    second.record_success()
    assert not state.exists()
    assert UnlockThrottle(state, clock=clock).wait_seconds() == 0


def test_throttle_state_holds_only_a_count_and_a_time(tmp_path: Path) -> None:
    state = tmp_path / "unlock-state.json"
    UnlockThrottle(state, clock=FakeClock()).record_failure()
    assert json.loads(state.read_text("utf-8")) == {"failures": 1, "last_failure": 1_000_000.0}


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def test_a_costly_derivation_runs_in_a_child_and_gives_the_same_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The 64 MiB arena stays out of the app's memory (issue 27), the key is the same, and
    without a child (a frozen build) the derivation runs here."""
    kdf = KdfParams(iterations=2, memory_kib=CHILD_MEMORY_KIB, lanes=1)
    salt = bytes(range(16))
    expected = Argon2id(
        salt=salt, length=KEY_BYTES, iterations=2, lanes=1, memory_cost=CHILD_MEMORY_KIB
    ).derive(PASSPHRASE.encode())

    before = _children_cpu()
    assert keys._stretch(PASSPHRASE.encode(), salt, kdf) == expected
    assert _children_cpu() > before  # the work was a child's

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    before = _children_cpu()
    assert keys._stretch(PASSPHRASE.encode(), salt, kdf) == expected
    assert _children_cpu() == before  # here, as a frozen build must

    monkeypatch.setattr(sys, "frozen", False)
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    assert keys._stretch(PASSPHRASE.encode(), salt, kdf) == expected  # no child: here


def test_each_derivation_reports_its_own_time(
    keyfile: Path, store: KeyringSecretStore, fast_kdf: KdfParams
) -> None:
    """The unlock benchmark subtracts the derivation of the unlock it times (issue 27)."""
    create_key(keyfile, PASSPHRASE, store, fast_kdf)
    before, _seconds = keys.derivation_timing()
    started = time.perf_counter()
    unwrap_key(read_keyfile(keyfile), PASSPHRASE, store)
    took = time.perf_counter() - started
    count, seconds = keys.derivation_timing()
    assert count == before + 1
    assert 0 < seconds <= took
