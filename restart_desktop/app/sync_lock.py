"""One sync per data folder at a time (and one set-up of a new data folder): an exclusive
lock on a file in the data folder.

The operating system holds the lock for the process (``flock`` on Unix, ``msvcrt.locking`` on
Windows) and releases it when the process ends, however it ends: a killed sync never blocks
the next one, and there is no lock file to clean up by hand.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from restart_desktop.app.errors import UserError

LOCK_NAME = "sync.lock"
_POLL_SECONDS = 0.1


class SyncBusy(UserError):
    """Another sync of this data folder is running now."""


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def sync_lock(data_folder: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold this data folder's sync lock for the block, waiting up to ``wait_seconds`` for a
    sync already running; SyncBusy when it is still running then."""
    with folder_lock(
        data_folder / LOCK_NAME,
        wait_seconds,
        SyncBusy(
            "A sync is already running on this laptop: this one did not "
            "start. Try again when it has finished."
        ),
    ):
        yield


@contextmanager
def folder_lock(path: Path, wait_seconds: float, busy: UserError) -> Iterator[None]:
    """Hold the exclusive lock on the file ``path`` for the block, waiting up to
    ``wait_seconds`` for the process holding it; ``busy`` is raised when it still holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise busy
            time.sleep(_POLL_SECONDS)
        yield  # the lock goes with the descriptor, below, or with the process
    finally:
        os.close(fd)
