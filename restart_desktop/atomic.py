"""Writing a file so that it is there complete under its name or not at all: written beside
it under a temporary name (the same folder, never a temporary folder elsewhere), flushed to
the disk, renamed, and the rename flushed too where the system allows.

Each write has its own temporary name (process id and a random part), so two processes
writing the same file at once never rename each other's half-written file away."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":
        return  # Windows cannot open a folder to flush it; its rename is durable on NTFS
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temporary_name(path: Path) -> Path:
    """A name beside ``path`` that no other write uses, starting with a dot (readers of the
    central export ignore such names)."""
    return path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.part")


def write_temporary(path: Path, data: bytes, mode: int = 0o600) -> Path:
    """Write ``data`` complete and flushed under a temporary name beside ``path``; the caller
    renames it (``os.replace``) or removes it."""
    temporary = temporary_name(path)
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with open(fd, "wb") as handle:
            if os.name != "nt":
                os.fchmod(handle.fileno(), mode)  # the umask does not narrow or widen it
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def write_atomically(path: Path, data: bytes, mode: int = 0o600) -> None:
    """``mode``: readable by the owner only unless said otherwise (whatever the umask): the
    files written hold personal data. The central export's files, encrypted and signed, are
    readable by the team's other accounts on a shared folder."""
    temporary = write_temporary(path, data, mode)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    # Some shared folders cannot flush a folder: the file itself is complete.
    with contextlib.suppress(OSError):
        fsync_dir(path.parent)
