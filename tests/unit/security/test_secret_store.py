"""The keyring behind a small interface: refused backends, timeouts, and the demo's file."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from keyring.backends import fail, null
from keyring.compat import properties
from keyring.errors import KeyringLocked

from restart_desktop.security import secret_store
from restart_desktop.security.errors import KeyringUnavailable
from restart_desktop.security.secret_store import (
    KEYRING_FIX,
    SERVICE_NAME,
    DemoFileSecretStore,
    KeyringSecretStore,
    keyring_problem,
)
from tests.support.memory_keyring import MemoryKeyring


def _named(module: str, qualname: str) -> object:
    """An object whose class claims to be ``module.qualname``, as keyring backends are named."""
    cls = type(qualname.rpartition(".")[2], (), {})
    cls.__module__ = module
    cls.__qualname__ = qualname
    return cls()


@pytest.mark.parametrize(
    "backend",
    [
        fail.Keyring(),  # type: ignore[no-untyped-call]
        null.Keyring(),  # type: ignore[no-untyped-call]
        _named("keyrings.alt.file", "PlaintextKeyring"),
        _named("keyrings.alt.file", "EncryptedKeyring"),
    ],
    ids=["fail", "null", "plaintext", "encrypted-file"],
)
def test_unusable_backends_are_refused(backend: object) -> None:
    problem = keyring_problem(backend)
    assert problem is not None
    assert "cannot be used" in problem


def test_memory_keyring_is_accepted() -> None:
    assert keyring_problem(MemoryKeyring()) is None


def test_chainer_is_judged_by_the_backends_it_chains() -> None:
    chainer = _named("keyring.backends.chainer", "ChainerBackend")
    chainer.backends = []  # type: ignore[attr-defined]
    assert keyring_problem(chainer) == "No keyring is available on this computer."
    chainer.backends = [_named("keyrings.alt.file", "PlaintextKeyring")]  # type: ignore[attr-defined]
    assert "in a file" in (keyring_problem(chainer) or "")
    chainer.backends = [  # type: ignore[attr-defined]
        _named("keyrings.alt.file", "PlaintextKeyring"),
        MemoryKeyring(),
    ]
    assert "in a file" in (keyring_problem(chainer) or "")
    chainer.backends = [MemoryKeyring()]  # type: ignore[attr-defined]
    assert keyring_problem(chainer) is None


def test_store_refuses_the_no_keyring_backend_and_names_the_fix() -> None:
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    with pytest.raises(KeyringUnavailable) as caught:
        KeyringSecretStore()
    assert "PYTHON_KEYRING_BACKEND" in str(caught.value)
    assert KEYRING_FIX in str(caught.value)


def test_store_round_trip(memory_keyring: MemoryKeyring) -> None:
    store = KeyringSecretStore()
    assert store.description == "tests.support.memory_keyring.MemoryKeyring"
    assert store.get("data-folder-x") is None

    store.set("data-folder-x", b"\x00\xffsecret")

    assert store.get("data-folder-x") == b"\x00\xffsecret"
    assert list(memory_keyring.secrets) == [(SERVICE_NAME, "data-folder-x")]
    store.delete("data-folder-x")
    assert store.get("data-folder-x") is None
    store.delete("data-folder-x")  # deleting what is not there is not an error


class ForgetfulKeyring(MemoryKeyring):
    """Accepts a secret and keeps nothing, like a misconfigured keyring daemon."""

    def set_password(self, service: str, username: str, password: str) -> None:
        pass


def test_store_notices_a_keyring_that_does_not_keep_the_secret() -> None:
    keyring.set_keyring(ForgetfulKeyring())
    with pytest.raises(KeyringUnavailable, match="did not keep"):
        KeyringSecretStore().set("data-folder-x", b"secret")


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")


def test_keyring_errors_become_keyring_unavailable() -> None:
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeyringUnavailable) as caught:
        KeyringSecretStore().get("data-folder-x")
    assert "KeyringLocked" in str(caught.value)
    assert isinstance(caught.value.__cause__, KeyringLocked)


class BlockingKeyring(MemoryKeyring):
    """``get_password`` blocks like a locked Secret Service waiting for a prompt."""

    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("only for tests that select it explicitly")

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)
        return None


@pytest.fixture
def blocking_keyring() -> Iterator[BlockingKeyring]:
    backend = BlockingKeyring()
    keyring.set_keyring(backend)
    yield backend
    backend.release.set()  # let the abandoned daemon thread finish


def test_a_keyring_that_never_answers_times_out(
    blocking_keyring: BlockingKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(secret_store, "KEYRING_TIMEOUT_SECONDS", 0.2)
    store = KeyringSecretStore()
    started = time.monotonic()
    with pytest.raises(KeyringUnavailable, match="did not answer"):
        store.get("data-folder-x")
    assert time.monotonic() - started < 5


def test_demo_store_refuses_a_folder_without_the_demo_marker(tmp_path: Path) -> None:
    with pytest.raises(KeyringUnavailable, match="only allowed for the demo"):
        DemoFileSecretStore(tmp_path / "demo-keyring-secret", tmp_path / "DEMO-DATA-ONLY")
    assert not (tmp_path / "demo-keyring-secret").exists()


def test_demo_store_round_trip_in_a_marked_folder(tmp_path: Path) -> None:
    marker = tmp_path / "DEMO-DATA-ONLY"
    marker.write_text("fictional data only", "utf-8")
    secret_file = tmp_path / "demo-keyring-secret"
    store = DemoFileSecretStore(secret_file, marker)
    assert store.get("any") is None

    store.set("any", b"\x01\x02secret")

    assert store.get("any") == b"\x01\x02secret"
    assert secret_file.stat().st_mode & 0o077 == 0
    store.delete("any")
    assert store.get("any") is None


class PlainFileKeyring(keyring.backend.KeyringBackend):
    """A plain-text keyring (as keyrings.alt's PlaintextKeyring): secrets in a file."""

    path = Path("/nonexistent")

    @properties.classproperty
    def priority(cls) -> float:
        return 1

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.path.write_text(password)

    def delete_password(self, service: str, username: str) -> None:
        pass


class Keyring(PlainFileKeyring):
    """The same plain file under an innocent name, as if it were the Secret Service's."""


@pytest.mark.parametrize("renamed", ["keyring.backends.SecretService_compat", "mykeyring"])
def test_a_renamed_plain_text_backend_is_refused_and_keeps_nothing(
    tmp_path: Path, renamed: str
) -> None:
    backend = Keyring()  # type: ignore[no-untyped-call]
    backend.path = tmp_path / "secrets.txt"
    type(backend).__module__ = renamed
    keyring.set_keyring(backend)
    with pytest.raises(KeyringUnavailable, match="not one of the operating system's protected"):
        KeyringSecretStore()
    assert not backend.path.exists()


@pytest.mark.parametrize(
    "module",
    [
        "keyring.backends.SecretService",
        "keyring.backends.kwallet",
        "keyring.backends.Windows",
        "keyring.backends.macOS",
        "keyring.backends.libsecret",
    ],
)
def test_the_protected_stores_are_accepted_by_their_module(module: str) -> None:
    assert keyring_problem(_named(module, "Keyring")) is None
    chainer = _named("keyring.backends.chainer", "ChainerBackend")
    chainer.backends = [_named(module, "Keyring")]  # type: ignore[attr-defined]
    assert keyring_problem(chainer) is None
    chainer.backends.append(_named("mykeyring", "Keyring"))  # type: ignore[attr-defined]
    assert keyring_problem(chainer) is not None  # a chainer of protected stores only
