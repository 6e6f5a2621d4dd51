"""What tests do to a central export behind the laptops' backs (a bundle lost, damaged,
replayed under another name, come back), on a folder or, as the server's superuser, on a
PostgreSQL server: the same faults for both targets."""

from __future__ import annotations

import psycopg

from restart_desktop.sync.folder import FolderTarget, Published
from restart_desktop.sync.postgres import PostgresTarget
from restart_desktop.sync.target import Target
from tests.support.pg_cluster import SUPERUSER

_KEY = "device_id = %s AND from_seq = %s AND to_seq = %s AND generation = %s"


def _admin(target: PostgresTarget) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(f"{target.conninfo} user={SUPERUSER}", autocommit=True)


def _key(item: Published) -> tuple[object, ...]:
    return (item.device_id, item.from_seq, item.to_seq, item.generation)


def take_out(target: Target, item: Published) -> tuple[bytes, bytes]:
    """Remove a bundle (its file, or its row); returns its bytes to put back."""
    ciphertext, signature = target.read(item)
    if isinstance(target, FolderTarget):
        (target.root / "devices" / item.device_id / item.name).unlink()
    else:
        assert isinstance(target, PostgresTarget)
        with _admin(target) as conn:
            conn.execute(f"DELETE FROM restart.bundles WHERE {_KEY}", _key(item))
    return ciphertext, signature


def put(target: Target, item: Published, ciphertext: bytes, signature: bytes) -> None:
    """Write a bundle under ``item``'s name whatever its bytes (replacing any there)."""
    if isinstance(target, FolderTarget):
        folder = target.root / "devices" / item.device_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / item.name.replace(".age", ".sig")).write_bytes(signature)
        (folder / item.name).write_bytes(ciphertext)
        return
    assert isinstance(target, PostgresTarget)
    with _admin(target) as conn:
        conn.execute(f"DELETE FROM restart.bundles WHERE {_KEY}", _key(item))
        conn.execute(
            "INSERT INTO restart.bundles (device_id, from_seq, to_seq, generation,"
            " ciphertext, signature) VALUES (%s, %s, %s, %s, %s, %s)",
            (*_key(item), ciphertext, signature),
        )
