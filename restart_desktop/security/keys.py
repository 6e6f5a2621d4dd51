"""The database key and how it is wrapped.

The SQLCipher key is 32 random bytes. It is stored only wrapped (AES-256-GCM) under a key
derived from BOTH the worker's passphrase (Argon2id, memory-hard) and a random secret held in
the operating system's keyring. The disk alone, or the passphrase alone, opens nothing; a
wrong passphrase is detected by the GCM tag, never by trying the database.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from restart_desktop.security.errors import (
    KeyFileDamaged,
    KeyringSecretMissing,
    TooManyAttempts,
    WrongPassphrase,
)
from restart_desktop.security.secret_store import SecretStore, new_secret

log = logging.getLogger(__name__)

KEY_BYTES = 32
KEYFILE_VERSION = 1


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. Defaults take about 0.2 s and 64 MiB on a 2020s laptop."""

    iterations: int = 3
    memory_kib: int = 64 * 1024
    lanes: int = 1


@dataclass(frozen=True)
class KeyFile:
    folder_id: str
    salt: bytes
    kdf: KdfParams
    nonce: bytes
    wrapped_key: bytes

    @property
    def keyring_name(self) -> str:
        return f"data-folder-{self.folder_id}"

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": KEYFILE_VERSION,
                "folder_id": self.folder_id,
                "kdf": {
                    "name": "argon2id",
                    "iterations": self.kdf.iterations,
                    "memory_kib": self.kdf.memory_kib,
                    "lanes": self.kdf.lanes,
                },
                "salt": base64.b64encode(self.salt).decode(),
                "nonce": base64.b64encode(self.nonce).decode(),
                "wrapped_key": base64.b64encode(self.wrapped_key).decode(),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> KeyFile:
        try:
            data: dict[str, Any] = json.loads(text)
            if not isinstance(data, dict):
                raise TypeError("the key file is not a JSON object")
            if data.get("version") != KEYFILE_VERSION:
                raise KeyFileDamaged(
                    "The key file was written by a different version of RESTART Desktop."
                )
            kdf = data["kdf"]
            keyfile = cls(
                folder_id=str(data["folder_id"]),
                salt=base64.b64decode(data["salt"], validate=True),
                kdf=KdfParams(int(kdf["iterations"]), int(kdf["memory_kib"]), int(kdf["lanes"])),
                nonce=base64.b64decode(data["nonce"], validate=True),
                wrapped_key=base64.b64decode(data["wrapped_key"], validate=True),
            )
            _check_possible(keyfile)
            return keyfile
        except (ValueError, KeyError, TypeError) as error:
            raise KeyFileDamaged(
                "The key file in this data folder is damaged, so the database cannot be opened. "
                "Ask your supervisor to recover the data folder."
            ) from error

    def aad(self) -> bytes:
        return f"restart-desktop key v{KEYFILE_VERSION} {self.folder_id}".encode()


#: What a key file may ask of the derivation: this program writes 3 iterations of 64 MiB
#: (``KdfParams``); a file asking for more than these was not written by it, and would fail
#: inside Argon2 (a traceback) or make the unlock take hours.
MAX_ITERATIONS, MAX_MEMORY_KIB, MAX_LANES = 64, 4 * 1024 * 1024, 64
NONCE_BYTES, MIN_SALT_BYTES = 12, 8


def _check_possible(keyfile: KeyFile) -> None:
    """ValueError for values Argon2 or AES-GCM refuse, or no version of this program wrote."""
    kdf = keyfile.kdf
    if not (
        1 <= kdf.iterations <= MAX_ITERATIONS
        and 1 <= kdf.lanes <= MAX_LANES
        and 8 * kdf.lanes <= kdf.memory_kib <= MAX_MEMORY_KIB
        and len(keyfile.salt) >= MIN_SALT_BYTES
        and len(keyfile.nonce) == NONCE_BYTES
    ):
        raise ValueError("the key file's parameters are out of range")


#: From this memory cost up, the derivation runs in a short-lived child process: its 64 MiB
#: arena would otherwise stay the app's peak memory for the rest of the day (issue 27).
CHILD_MEMORY_KIB = 32 * 1024
_CHILD = """
import sys
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
salt, length, iterations, lanes, memory = sys.stdin.buffer.readline().split()
derived = Argon2id(
    salt=bytes.fromhex(salt.decode()), length=int(length), iterations=int(iterations),
    lanes=int(lanes), memory_cost=int(memory),
).derive(sys.stdin.buffer.read())
sys.stdout.write(derived.hex())
"""


def _stretch(passphrase: bytes, salt: bytes, kdf: KdfParams) -> bytes:
    """Argon2id of the passphrase: in a child process (the passphrase on its stdin, never
    on a command line) when the memory cost is large and the app runs from source; here
    in a frozen build, which has no interpreter to start, or if the child cannot start."""
    if kdf.memory_kib >= CHILD_MEMORY_KIB and not getattr(sys, "frozen", False):
        header = f"{salt.hex()} {KEY_BYTES} {kdf.iterations} {kdf.lanes} {kdf.memory_kib}\n"
        try:
            child = subprocess.run(  # noqa: S603 - our own interpreter and code, no shell
                [sys.executable, "-I", "-c", _CHILD],
                input=header.encode() + passphrase,
                capture_output=True,
                check=True,
                timeout=120,
            )
            derived = bytes.fromhex(child.stdout.decode())
            if len(derived) == KEY_BYTES:
                return derived
            log.warning("the key derivation's child process gave no key; running it here")
        except (OSError, subprocess.SubprocessError, ValueError):
            log.warning("the key derivation could not run in a child process; running it here")
    return Argon2id(
        salt=salt,
        length=KEY_BYTES,
        iterations=kdf.iterations,
        lanes=kdf.lanes,
        memory_cost=kdf.memory_kib,
    ).derive(passphrase)


#: How many derivations this process ran, and the seconds the last one took (child process
#: start included): the unlock benchmark subtracts the derivation of the very unlock it
#: times, instead of a second one timed apart (issue 27).
_derivations: list[float] = [0, 0.0]


def derivation_timing() -> tuple[int, float]:
    """(derivations run in this process, seconds the last one took)."""
    return int(_derivations[0]), _derivations[1]


def _wrapping_key(passphrase: str, keyring_secret: bytes, salt: bytes, kdf: KdfParams) -> bytes:
    started = time.perf_counter()
    stretched = _stretch(passphrase.encode("utf-8"), salt, kdf)
    _derivations[:] = [_derivations[0] + 1, time.perf_counter() - started]
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=b"restart-desktop wrap v1"
    ).derive(stretched + keyring_secret)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def create_key(
    keyfile_path: Path, passphrase: str, store: SecretStore, kdf: KdfParams | None = None
) -> bytes:
    """Mint a new database key, wrap it and save the wrapped form. Returns the raw key."""
    kdf = kdf or KdfParams()
    folder_id = uuid.uuid4().hex
    secret = new_secret()
    store.set(f"data-folder-{folder_id}", secret)
    raw_key = secrets.token_bytes(KEY_BYTES)
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    partial = KeyFile(folder_id, salt, kdf, nonce, b"")
    wrapped = AESGCM(_wrapping_key(passphrase, secret, salt, kdf)).encrypt(
        nonce, raw_key, partial.aad()
    )
    _write_atomically(keyfile_path, KeyFile(folder_id, salt, kdf, nonce, wrapped).to_json())
    return raw_key


def read_keyfile(keyfile_path: Path) -> KeyFile:
    try:
        text = keyfile_path.read_text("utf-8")
    except FileNotFoundError as error:
        raise KeyFileDamaged(
            "This data folder has no key file, so its database cannot be opened."
        ) from error
    return KeyFile.from_json(text)


def unwrap_key(keyfile: KeyFile, passphrase: str, store: SecretStore) -> bytes:
    """Return the raw database key, or raise WrongPassphrase / KeyringSecretMissing."""
    secret = store.get(keyfile.keyring_name)
    if secret is None:
        raise KeyringSecretMissing()
    key = _wrapping_key(passphrase, secret, keyfile.salt, keyfile.kdf)
    try:
        return AESGCM(key).decrypt(keyfile.nonce, keyfile.wrapped_key, keyfile.aad())
    except InvalidTag as error:
        raise WrongPassphrase() from error


def change_passphrase(keyfile_path: Path, old: str, new: str, store: SecretStore) -> None:
    """Wrap the same database key under ``new`` (nothing is re-encrypted); WrongPassphrase
    if ``old`` is not the passphrase."""
    keyfile = read_keyfile(keyfile_path)
    rewrap_key(keyfile_path, unwrap_key(keyfile, old, store), new, store)


def rewrap_key(
    keyfile_path: Path,
    raw_key: bytes,
    new: str,
    store: SecretStore,
    lost: tuple[str, KdfParams] | None = None,
) -> None:
    """Wrap ``raw_key`` under ``new`` and the folder's keyring secret (a new secret when the
    keyring lost it: a recovery), replacing the key file in one rename. ``lost``: the key
    file is gone (a recovery): made again for that folder id, with those KDF costs."""
    if lost is None:
        keyfile = read_keyfile(keyfile_path)
        lost = (keyfile.folder_id, keyfile.kdf)
    folder_id, kdf = lost
    name = f"data-folder-{folder_id}"
    secret = store.get(name)
    if secret is None:
        secret = new_secret()
        store.set(name, secret)
    nonce = secrets.token_bytes(12)
    salt = secrets.token_bytes(16)
    fresh = KeyFile(folder_id, salt, kdf, nonce, b"")
    wrapped = AESGCM(_wrapping_key(new, secret, salt, kdf)).encrypt(nonce, raw_key, fresh.aad())
    _write_atomically(keyfile_path, KeyFile(folder_id, salt, kdf, nonce, wrapped).to_json())


class UnlockThrottle:
    """Slows repeated wrong passphrases: after 3 failures, wait 2, 4, 8 ... up to 300 seconds.

    The count and the time of the last failure are kept twice: in a small file, and beside
    the key secret in the operating system's keyring (``store``, under ``name``), which only
    the signed-in user can change. Deleting the file resets nothing: the larger count and the
    later time of the two are used, so the failures also still reach the audit trail at the
    next unlock.
    """

    FREE_ATTEMPTS = 3
    MAX_WAIT = 300

    def __init__(
        self,
        state_path: Path,
        clock: Any = time.time,
        store: SecretStore | None = None,
        name: str = "",
    ) -> None:
        self._path = state_path
        self._clock = clock
        self._store = store
        self._name = name

    @staticmethod
    def _parse(data: bytes | str | None) -> tuple[int, float]:
        try:
            parsed = json.loads(data) if data else {}
            return int(parsed["failures"]), float(parsed["last_failure"])
        except (ValueError, KeyError, TypeError):
            return 0, 0.0

    def _read(self) -> tuple[int, float]:
        try:
            in_file = self._parse(self._path.read_text("utf-8"))
        except OSError:
            in_file = (0, 0.0)
        kept = self._parse(self._store.get(self._name)) if self._store else (0, 0.0)
        return max(in_file[0], kept[0]), max(in_file[1], kept[1])

    @property
    def failures(self) -> int:
        return self._read()[0]

    @property
    def last_failure(self) -> float:
        """When the last wrong passphrase was typed (seconds since the epoch; 0: none)."""
        return self._read()[1]

    def wait_seconds(self) -> int:
        failures, last = self._read()
        if failures < self.FREE_ATTEMPTS:
            return 0
        delay = min(2 ** (failures - self.FREE_ATTEMPTS + 1), self.MAX_WAIT)
        remaining = last + delay - self._clock()
        return max(0, int(remaining + 0.999))

    def check(self) -> None:
        wait = self.wait_seconds()
        if wait:
            raise TooManyAttempts(wait)

    def record_failure(self) -> int:
        failures, _ = self._read()
        failures += 1
        state = json.dumps({"failures": failures, "last_failure": self._clock()})
        if self._store is not None:  # first: the copy that deleting a file does not reset
            self._store.set(self._name, state.encode())
        _write_atomically(self._path, state)
        return failures

    def record_success(self) -> None:
        if self._store is not None and self._store.get(self._name) is not None:
            self._store.delete(self._name)
        self._path.unlink(missing_ok=True)
