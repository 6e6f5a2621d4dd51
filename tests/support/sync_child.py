"""What a killed sync process runs (started from a multiprocessing fork server, so each start
costs milliseconds): the worker's laptop syncs, then the supervisor's."""

from __future__ import annotations

from pathlib import Path

from restart_desktop.app.session import open_session
from restart_desktop.app.sync import SyncService
from restart_desktop.paths import DataPaths


def sync_laptops(laptops: list[tuple[str, bytes]]) -> None:
    for root, key in laptops:
        session = open_session(DataPaths(Path(root)), key)
        try:
            SyncService(session).sync_now()
        finally:
            session.close()
