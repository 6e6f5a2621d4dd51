"""Opening a data folder's database: key, migrations, sessions with an actor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from restart_desktop.store.changes import Actor, install_change_capture
from restart_desktop.store.engine import READ_ONLY_OPTION, create_store_engine
from restart_desktop.store.errors import StorageError, translate
from restart_desktop.store.migrate import upgrade_to_head


class StoreSession(Session):
    """Sessions of our store: synced writes are captured into the change log."""


install_change_capture(StoreSession)


class Database:
    """An open, migrated, keyed database. Thread-safe to share; sessions are not."""

    def __init__(self, engine: Engine, actor: Actor | None = None) -> None:
        self.engine = engine
        self.actor = actor
        self._sessions = sessionmaker(
            bind=engine, class_=StoreSession, autoflush=False, expire_on_commit=False
        )

    @classmethod
    def open(
        cls, path: Path, key: bytes, backups: Path, actor: Actor | None = None
    ) -> Database:
        upgrade_to_head(path, key, backups)
        return cls(create_store_engine(path, key), actor)

    def with_actor(self, actor: Actor) -> Database:
        return Database(self.engine, actor)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: everything inside commits together or not at all."""
        session = self._sessions(info={"actor": self.actor})
        try:
            with session.begin():
                yield session
        except DBAPIError as error:
            raise (translate(error) or error) from error
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._sessions(info={"actor": self.actor})
        try:
            session.connection(execution_options={READ_ONLY_OPTION: True})
            yield session  # closed (rolled back) below: reads never commit
        except DBAPIError as error:
            raise (translate(error) or error) from error
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["Actor", "Database", "StorageError"]
