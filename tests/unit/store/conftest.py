"""A real SQLCipher database in the test's temporary folder, opened with a random key."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from restart_desktop.domain.ids import uuid7
from restart_desktop.store.changes import Actor
from restart_desktop.store.database import Database


@pytest.fixture
def key() -> bytes:
    return secrets.token_bytes(32)


@pytest.fixture
def actor() -> Actor:
    return Actor(worker_id=uuid7(), device_id=uuid7())


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    folder = tmp_path / "store"
    folder.mkdir()
    return folder / "restart.db"


@pytest.fixture
def backups(db_path: Path) -> Path:
    return db_path.parent / "backups"


@pytest.fixture
def database(db_path: Path, key: bytes, backups: Path, actor: Actor) -> Iterator[Database]:
    db = Database.open(db_path, key, backups, actor)
    yield db
    db.close()
