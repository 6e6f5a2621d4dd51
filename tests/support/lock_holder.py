"""A process that holds a data folder's sync lock until it is killed, as a scheduled
`restart-desktop sync` or the window's background sync would: ``python -m
tests.support.lock_holder DATA_FOLDER``. It prints "held" once it holds the lock."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from restart_desktop.app.sync_lock import sync_lock


def start(data_folder: Path) -> subprocess.Popen[str]:
    """Start a holder and return once it holds the lock."""
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.support.lock_holder", str(data_folder)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def stop(holder: subprocess.Popen[str]) -> None:
    """Kill it the hard way: the operating system releases the lock."""
    holder.kill()
    holder.wait(timeout=30)
    if holder.stdout is not None:
        holder.stdout.close()


if __name__ == "__main__":
    with sync_lock(Path(sys.argv[1])):
        print("held", flush=True)
        time.sleep(600)
