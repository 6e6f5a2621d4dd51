"""Writing a file so that it is there complete under its name or not at all: written beside
it under a temporary name (the same folder, never a temporary folder elsewhere), flushed to
the disk, renamed, and the rename flushed too where the system allows."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return  # Windows cannot open a folder to flush it; its rename is durable on NTFS
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """``mode``: readable by the owner only unless said otherwise (whatever the umask): the
    files written hold personal data. The central export's files, encrypted and signed, are
    readable by the team's other accounts on a shared folder."""
    temporary = path.with_name(f".{path.name}.part")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with open(fd, "wb") as handle:
            if os.name != "nt":
                os.fchmod(handle.fileno(), mode)  # the umask does not narrow or widen it
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    try:
        fsync_dir(path.parent)
    except OSError:
        pass  # some shared folders cannot flush a folder: the file itself is complete
