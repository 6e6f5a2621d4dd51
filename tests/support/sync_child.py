"""What a killed sync process runs (started from a multiprocessing fork server, so each start
costs milliseconds): the worker's laptop syncs, then the supervisor's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def timed_sync(root: str, key: bytes, go: Any, results: Any) -> None:
    """Open a laptop, wait for ``go`` (a multiprocessing Event), sync once and put
    (root, seconds, error) on ``results``: many laptops syncing at the same moment."""
    import time

    session = open_session(DataPaths(Path(root)), key)
    try:
        go.wait()
        started = time.perf_counter()
        error = ""
        try:
            SyncService(session).sync_now(wait_seconds=60)
        except Exception as failure:  # a benchmark reports, it does not stop
            error = str(failure)
        results.put((root, time.perf_counter() - started, error))
    finally:
        session.close()
