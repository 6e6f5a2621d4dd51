"""Storage failures split into what the environment did (a message for the worker) and bugs."""

from __future__ import annotations


class StorageError(Exception):
    """Base: ``str(error)`` is written for the person at the keyboard."""


class DatabaseLocked(StorageError):
    """Another process holds the write lock: this app's own writers take turns (store/writer.py),
    so SQLite's "database is locked" only ever comes from outside it."""

    def __init__(self) -> None:
        super().__init__(
            "The database is in use by another copy of RESTART Desktop (a second window, or "
            "the restart-desktop command running), so this was not saved. Close the other "
            "copy and try again; what you were saving is still here."
        )


class BusyWithOwnWork(StorageError):
    """A save waited too long for this app's own background work (a very large sync or
    retention run)."""

    def __init__(self) -> None:
        super().__init__(
            "RESTART Desktop is still busy with its own work in the background (a sync, or "
            "removing old records), so this was not saved yet. What you were saving is still "
            "here: try again in a minute."
        )


class DiskFull(StorageError):
    def __init__(self) -> None:
        super().__init__(
            "The laptop's disk is full, so nothing more can be saved. Your last change was "
            "not saved. Free some space (empty the recycle bin, remove downloads) and try again."
        )


class DatabaseUnreadable(StorageError):
    def __init__(self) -> None:
        super().__init__(
            "The database could not be read: the key does not match or the file is damaged. "
            "Nothing has been changed. Ask your supervisor; a backup copy may be in the "
            "'backups' folder of the data folder."
        )


class DatabaseEmpty(StorageError):
    """The database file is there with nothing in it: never to be made a new database."""

    def __init__(self) -> None:
        super().__init__(
            "The database file in this data folder is empty (a copy or a save was cut short, "
            "or the disk was full), so there is nothing to open. Nothing has been changed. "
            "Ask your supervisor; a backup copy may be in the 'backups' folder of the data "
            "folder."
        )


class DatabaseTooNew(StorageError):
    def __init__(self, revision: str) -> None:
        self.revision = revision
        super().__init__(
            "This data was saved by a newer version of RESTART Desktop (data format "
            f"{revision}). Install the newer version to open it; nothing has been changed."
        )


class MigrationFailed(StorageError):
    def __init__(self, backup_name: str, detail: str) -> None:
        super().__init__(
            "Updating the database to this version of RESTART Desktop failed, so the previous "
            f"database has been put back unchanged (backup: {backup_name}). Please tell your "
            f"supervisor or IT contact. Detail: {detail}"
        )


class ReadOnlyStorage(StorageError):
    def __init__(self) -> None:
        super().__init__(
            "The data folder cannot be written to (it may be on a read-only or removed "
            "drive). Check the drive and try again."
        )


def translate(error: BaseException) -> StorageError | None:
    """Map a SQLite/SQLCipher error to a worker-facing one; None means it is a bug."""
    text = str(getattr(error, "orig", None) or error).lower()
    if "database is locked" in text or "database table is locked" in text:
        return DatabaseLocked()
    if "disk is full" in text or "disk i/o error" in text and "full" in text:
        return DiskFull()
    if "file is not a database" in text or "malformed" in text or "not a database" in text:
        return DatabaseUnreadable()
    if "readonly" in text or "read-only" in text:
        return ReadOnlyStorage()
    return None
