"""Where the second key factor lives: the operating system's keyring, behind a small interface.

The keyring holds a random 32-byte secret per data folder. It is never written to a file,
except in a demo folder (marked as such), where a file-held secret lets the README's one
command start the app on a machine with no keyring. For real data only the operating
system's protected stores are accepted, by the module of the chosen backend's class (an
allow-list): a secret written in clear beside the database would defeat the second factor.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from restart_desktop.security.errors import KeyringUnavailable

SERVICE_NAME = "RESTART Desktop"
KEYRING_TIMEOUT_SECONDS = 15.0
SECRET_BYTES = 32

T = TypeVar("T")

KEYRING_FIX = (
    "Sign in to a desktop session with a keyring (GNOME Keyring or KWallet on Linux, "
    "Credential Manager on Windows, Keychain on macOS). On Linux, install gnome-keyring "
    "and sign in again. Administrators can select a backend with the environment "
    "variable PYTHON_KEYRING_BACKEND."
)

# The only backends that may hold a real key: the operating system's protected stores, known
# by the module that defines the backend's class (a class's name proves nothing: a plain-text
# backend can be subclassed under any name, but not defined in these modules).
PROTECTED_STORES = {
    "keyring.backends.SecretService": "Secret Service (GNOME Keyring, KeePassXC)",
    "keyring.backends.libsecret": "Secret Service (through libsecret)",
    "keyring.backends.kwallet": "KWallet",
    "keyring.backends.Windows": "Windows Credential Locker",
    "keyring.backends.macOS": "macOS Keychain",
}
CHAINER = "keyring.backends.chainer"  # tries its backends in turn: each must be protected
# Words for the refused backends people meet most.
_REFUSED_WHY = {
    "keyring.backends.fail": "no keyring is available",
    "keyring.backends.null": "the keyring is switched off",
    "keyrings.alt.file": "it keeps secrets in a file in your home folder",
}
_TEST_BACKENDS: list[type] = []


def allow_for_tests(backend_class: type[T]) -> type[T]:
    """Let the test suite's in-memory and shared-file keyrings (defined under tests/, never
    shipped) hold keys. Registered by the class object, from the tests' own code."""
    _TEST_BACKENDS.append(backend_class)
    return backend_class


class SecretStore(Protocol):
    """Reads and writes the per-folder secret. Implementations may block; call off the GUI."""

    description: str

    def get(self, name: str) -> bytes | None: ...

    def set(self, name: str, value: bytes) -> None: ...

    def delete(self, name: str) -> None: ...


def _with_timeout(call: Callable[[], T], what: str) -> T:
    """Run a keyring call in a daemon thread; a locked Secret Service can block forever."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(call())
        except BaseException as error:
            failure.append(error)

    worker = threading.Thread(target=run, name="keyring-call", daemon=True)
    worker.start()
    worker.join(KEYRING_TIMEOUT_SECONDS)
    if worker.is_alive():
        raise KeyringUnavailable(
            f"The system keyring did not answer while {what}. It may be locked or waiting "
            "for a password prompt: unlock it and try again."
        )
    if failure:
        error = failure[0]
        if isinstance(error, KeyringUnavailable):
            raise error
        raise KeyringUnavailable(
            f"The system keyring failed while {what} ({type(error).__name__}). {KEYRING_FIX}"
        ) from error
    return result[0]


def backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def keyring_problem(backend: object) -> str | None:
    """Why ``backend`` may not hold a real key, or None if it is one of the operating
    system's protected stores (or a chainer of nothing else)."""
    cls = type(backend)
    if any(issubclass(cls, allowed) for allowed in _TEST_BACKENDS):
        return None
    module = cls.__module__
    if module in PROTECTED_STORES:
        return None
    if module == CHAINER:
        inner = list(getattr(backend, "backends", []))
        if not inner:
            return "No keyring is available on this computer."
        return next(filter(None, (keyring_problem(b) for b in inner)), None)
    why = _REFUSED_WHY.get(
        module,
        "it is not one of the operating system's protected stores ("
        + ", ".join(sorted(set(PROTECTED_STORES.values())))
        + ")",
    )
    return f"This computer's keyring cannot be used to keep the key: {why}."


class KeyringSecretStore:
    """The OS keyring (Secret Service, Windows Credential Manager, macOS Keychain)."""

    def __init__(self) -> None:
        import keyring

        self._keyring = keyring
        self._backend = _with_timeout(keyring.get_keyring, "looking for a keyring")
        self.description = backend_name(self._backend)
        problem = keyring_problem(self._backend)
        if problem:
            raise KeyringUnavailable(f"{problem} {KEYRING_FIX}")

    def get(self, name: str) -> bytes | None:
        value = _with_timeout(
            lambda: self._keyring.get_password(SERVICE_NAME, name), "reading the key secret"
        )
        return None if value is None else base64.b64decode(value)

    def set(self, name: str, value: bytes) -> None:
        encoded = base64.b64encode(value).decode("ascii")
        _with_timeout(
            lambda: self._keyring.set_password(SERVICE_NAME, name, encoded),
            "storing the key secret",
        )
        if self.get(name) != value:
            raise KeyringUnavailable(
                "The system keyring did not keep the secret it was given. " + KEYRING_FIX
            )

    def delete(self, name: str) -> None:
        import keyring.errors

        def remove() -> None:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):  # already gone
                self._keyring.delete_password(SERVICE_NAME, name)

        _with_timeout(remove, "removing the key secret")


class DemoFileSecretStore:
    """A file-held secret, allowed only inside a folder marked as demo data."""

    description = "demo file (fictional data only)"

    def __init__(self, secret_file: Path, demo_marker: Path) -> None:
        if not demo_marker.exists():
            raise KeyringUnavailable(
                "A file-held key is only allowed for the demo data folder. " + KEYRING_FIX
            )
        self._file = secret_file

    def get(self, name: str) -> bytes | None:
        if not self._file.exists():
            return None
        return base64.b64decode(self._file.read_text("ascii").strip())

    def set(self, name: str, value: bytes) -> None:
        tmp = self._file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(value).decode("ascii"))
        os.replace(tmp, self._file)

    def delete(self, name: str) -> None:
        self._file.unlink(missing_ok=True)


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)
