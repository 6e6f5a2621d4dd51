"""One migrated database per test run, copied (and re-keyed) for every new test database.

Running the twenty-odd migrations costs 0.3 to 0.8 s a database; a re-keyed copy of a database
migrated once costs about 0.05 s. tests/unit/store/test_migrate.py turns the template off, so
the migrations themselves are still run from scratch there.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from restart_desktop.store.engine import connect_raw
from restart_desktop.store.migrate import HEAD_REVISION, upgrade_to_head


def build_template(folder: Path) -> tuple[Path, bytes]:
    """A database migrated to head in ``folder``, checkpointed so the file alone holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    path = folder / "template.db"
    assert upgrade_to_head(path, key, folder / "backups") == HEAD_REVISION
    raw = connect_raw(path, key)
    try:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    return path, key
