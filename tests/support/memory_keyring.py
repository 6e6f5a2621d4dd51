"""Keyring backends FOR TESTS ONLY. Never select them for real data.

``MemoryKeyring`` keeps secrets in a dict for the life of one test; ``FileKeyring`` keeps them
in a JSON file named by ``RESTART_TEST_KEYRING_FILE`` so that several CLI subprocesses of one
test share a keyring (select it with
``PYTHON_KEYRING_BACKEND=tests.support.memory_keyring.FileKeyring``).

The app accepts only the operating system's protected stores, by the module of the backend's
class (``restart_desktop.security.secret_store.PROTECTED_STORES``). These two register
themselves with ``allow_for_tests`` when this module is imported (also in a CLI subprocess
that selects ``FileKeyring``), so the tests can drive the real keyring code path; they live
under ``tests/`` and are never shipped in the package.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import PasswordDeleteError

from restart_desktop.security.secret_store import allow_for_tests

KEYRING_FILE_ENV = "RESTART_TEST_KEYRING_FILE"


@allow_for_tests
class MemoryKeyring(KeyringBackend):
    """Secrets in a dict: each test gets a fresh one (see tests/conftest.py)."""

    @properties.classproperty
    def priority(cls) -> float:
        return 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(f"no secret for {username!r} in {service!r}")


@allow_for_tests
class FileKeyring(KeyringBackend):
    """Secrets in a plain JSON file shared by the subprocesses of one end-to-end test."""

    @properties.classproperty
    def priority(cls) -> float:
        if not os.environ.get(KEYRING_FILE_ENV):
            raise RuntimeError(f"{KEYRING_FILE_ENV} is not set")
        return 1

    @property
    def _path(self) -> Path:
        return Path(os.environ[KEYRING_FILE_ENV])

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self._path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, data: dict[str, str]) -> None:
        tmp = self._path.with_name(self._path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2), "utf-8")
        os.replace(tmp, self._path)

    @staticmethod
    def _key(service: str, username: str) -> str:
        return f"{service}\x1f{username}"

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(self._key(service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[self._key(service, username)] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(self._key(service, username), None) is None:
            raise PasswordDeleteError(f"no secret for {username!r} in {service!r}")
        self._save(data)
