"""Schema migrations at start: backup copy first, transactional upgrade, restore on failure.

The backup is a copy of the already-encrypted file (after a WAL checkpoint), so no plaintext
copy is ever written. A database whose revision this version does not know was written by a
newer version and is refused untouched.

Alembic (about 18 MiB and 15 ms) is imported only when the database is not already at
``HEAD_REVISION``: the usual start reads the stored revision with one query and goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from restart_desktop.store.engine import connect_raw, create_store_engine
from restart_desktop.store.errors import DatabaseTooNew, MigrationFailed, StorageError, translate

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
#: The newest revision in migrations/versions. A test checks it against the scripts, so a new
#: migration without this line changed fails CI.
HEAD_REVISION = "0027"
#: A database already at ``HEAD_REVISION`` (its path and key, with no -wal beside it) that a
#: new database starts as a re-keyed copy of, instead of running every migration. The test
#: suite sets it once per run (tests/support/template_db.py); the app leaves it None.
TEMPLATE: tuple[Path, bytes] | None = None


def alembic_config(script_location: Path = MIGRATIONS_DIR) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    return config


def head_revision(script_location: Path = MIGRATIONS_DIR) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def stored_revision(path: Path, key: bytes) -> str | None:
    """The schema revision the database holds (None for a new, empty database)."""
    raw = connect_raw(path, key)
    try:
        table = raw.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
        if table is None:
            return None
        row = raw.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    finally:
        raw.close()


def copy_template(template: Path, template_key: bytes, path: Path, key: bytes) -> None:
    """Create ``path`` as a copy of the migrated ``template``, re-keyed to ``key``. The copy is
    made beside ``path`` (owner-only) and renamed into place once re-keyed."""
    tmp = path.with_name(path.name + ".template")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    shutil.copyfile(template, tmp)
    raw = connect_raw(tmp, template_key)
    try:
        raw.execute(f"PRAGMA rekey = \"x'{key.hex()}'\"")
    finally:
        raw.close()
    os.replace(tmp, path)


def _backup(path: Path, key: bytes, backups: Path, revision: str) -> Path:
    """Checkpoint the WAL into the main file, then copy the (encrypted) file."""
    raw = connect_raw(path, key)
    try:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    backups.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = backups / f"restart-{revision}-{stamp}.db"
    shutil.copy2(path, target)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())
    return target


def _restore(backup: Path, path: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    tmp = path.with_name(path.name + ".restore")
    shutil.copy2(backup, tmp)
    os.replace(tmp, path)


def upgrade_to_head(
    path: Path, key: bytes, backups: Path, script_location: Path = MIGRATIONS_DIR
) -> str:
    """Bring the database at ``path`` to the newest schema. Returns the revision now held."""
    if TEMPLATE is not None and script_location == MIGRATIONS_DIR and not path.exists():
        copy_template(*TEMPLATE, path, key)
    if script_location == MIGRATIONS_DIR and stored_revision(path, key) == HEAD_REVISION:
        return HEAD_REVISION
    from alembic import command
    from alembic.script import ScriptDirectory

    config = alembic_config(script_location)
    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    assert head is not None
    engine = create_store_engine(path, key)
    backup: Path | None = None
    try:
        with engine.connect() as connection:
            current = current_revision(connection)
            connection.rollback()
        if current == head:
            return head
        if current is not None:
            try:
                script.get_revision(current)
            except Exception as error:  # alembic raises several types for unknown revisions
                raise DatabaseTooNew(current) from error
            backup = _backup(path, key, backups, current)
            log.info("migrating database from %s to %s (backup %s)", current, head, backup.name)
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
        return head
    except StorageError:
        raise
    except Exception as error:
        engine.dispose()
        if backup is not None:
            _restore(backup, path)
            translated = translate(error)
            detail = str(translated) if translated else type(error).__name__
            raise MigrationFailed(backup.name, detail) from error
        raise
    finally:
        engine.dispose()
