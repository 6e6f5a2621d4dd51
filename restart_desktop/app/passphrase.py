"""The worker's passphrase: changing it, and setting a new one with the programme's recovery
identity when it is forgotten.

Changing a passphrase wraps the same database key again (``security.keys``): nothing is
re-encrypted, and the key file is replaced in one rename. Once the laptop is in a team, its
database key is also wrapped (age, X25519) to the team's recovery recipient, the public half
of the identity ``team create --recovery-key-out FILE`` wrote, and kept in the data folder as
``recovery.age``; with that identity file the Service Delivery Manager sets a new passphrase
(``restart-desktop passphrase recover``), and the work never synced is not lost.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pyrage
from pyrage import x25519

from restart_desktop.app.audit import record
from restart_desktop.app.errors import UserError, ValidationFailed
from restart_desktop.app.session import (
    RECOVERY_FILE,
    AppSession,
    open_session,
    secret_store_for,
    unlock_throttle,
)
from restart_desktop.app.sync_lock import folder_lock
from restart_desktop.atomic import write_atomically
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.passphrase import passphrase_feedback
from restart_desktop.paths import DataPaths
from restart_desktop.security.errors import WrongPassphrase
from restart_desktop.security.keys import KdfParams, read_keyfile, rewrap_key
from restart_desktop.security.keys import change_passphrase as rewrap_under

RECOVERY_FORMAT = "restart-desktop-recovery/1"
RECOVERY_FOR = "recovery_recipient"  # local setting: the recipient recovery.age is wrapped to


def recovery_path(paths: DataPaths) -> Path:
    return paths.root / RECOVERY_FILE


def _check_new(new: str, confirm: str | None, worker_name: str) -> None:
    feedback = passphrase_feedback(new, [worker_name])
    if not feedback.acceptable:
        raise ValidationFailed({"new": feedback.message})
    if confirm is not None and confirm != new:
        raise ValidationFailed(
            {"confirm": "The two new passphrases are different. Type them again."}
        )


KEY_LOCK = "key.lock"  # held while the key file is written again
KEY_LOCK_WAIT_SECONDS = 30.0
_KEY_BUSY = UserError(
    "The passphrase is being changed by another copy of RESTART Desktop: it was not changed "
    "here. Try again in a minute."
)


def change_passphrase(session: AppSession, old: str, new: str, confirm: str | None = None) -> None:
    """Check the strength of ``new`` and ``old`` against the key file, then wrap the database
    key under ``new``. A wrong ``old`` counts as a failed unlock (and slows the next try)."""
    _check_new(new, confirm, session.worker.name)
    if new == old:
        raise ValidationFailed({"new": "The new passphrase is the same as the current one."})
    paths = session.paths
    keyfile = read_keyfile(paths.keyfile)
    store = secret_store_for(paths)
    throttle = unlock_throttle(paths, store, keyfile.keyring_name)
    throttle.check()
    try:
        # One change at a time (the window's and the command's): the second reads the key
        # file the first wrote, so its "current" passphrase is refused instead of both
        # saying "changed" and one of the two new passphrases opening nothing.
        with folder_lock(paths.root / KEY_LOCK, KEY_LOCK_WAIT_SECONDS, _KEY_BUSY):
            rewrap_under(paths.keyfile, old, new, store)
    except WrongPassphrase:
        throttle.record_failure()
        record(
            session, AuditAction.FAILED_UNLOCK, None, "1 wrong current passphrase when changing it"
        )
        raise UserError(
            "The current passphrase is not right: the passphrase was not changed."
        ) from None
    record(session, AuditAction.PASSPHRASE_CHANGED)


def ensure_recovery_copy(session: AppSession, recipient: str) -> bool:
    """Wrap the database key to the team's recovery ``recipient`` unless already done; True
    when written now. Called when the roster is read (creating, joining, every sync)."""
    path = recovery_path(session.paths)
    if not session.key or not recipient:
        return False
    if path.exists() and session.setting(RECOVERY_FOR, "") == recipient:
        return False
    try:
        parsed = x25519.Recipient.from_str(recipient)
    except Exception:  # pyrage's own error types: a roster's recipient that is not age's
        return False
    folder_id = read_keyfile(session.paths.keyfile).folder_id
    body = json.dumps(
        {
            "format": RECOVERY_FORMAT,
            "folder_id": folder_id,
            "key": base64.b64encode(session.key).decode(),
        }
    ).encode()
    write_atomically(path, pyrage.encrypt(body, [parsed]))
    session.set_setting(RECOVERY_FOR, recipient)
    return True


def _identity(recovery_key: Path) -> x25519.Identity:
    try:
        text = recovery_key.read_text("ascii")
    except (OSError, UnicodeDecodeError):
        raise UserError(f"The recovery key file {recovery_key} cannot be read.") from None
    for line in text.splitlines():
        if line.strip().startswith("AGE-SECRET-KEY-"):
            try:
                return x25519.Identity.from_str(line.strip())
            except Exception:  # pyrage's own error types
                break
    raise UserError(f"{recovery_key} is not a recovery key file (an age identity).")


def check_recoverable(paths: DataPaths) -> None:
    """UserError, in words, when ``recover`` cannot work on this data folder (said before the
    new passphrase is asked for)."""
    if not paths.database.exists():
        raise UserError(f"The data folder {paths.root} has not been set up.")
    if not recovery_path(paths).is_file():
        lost = "" if paths.keyfile.exists() else " Its key file (key.json) is missing too."
        raise UserError(
            "This laptop holds no recovery copy of its key: it is made when the "
            f"laptop joins a team.{lost} Its synced work can be read from the central "
            "export with the recovery key instead."
        )


def recover(paths: DataPaths, recovery_key: Path, new: str, confirm: str | None = None) -> bool:
    """Set a new passphrase on a laptop whose passphrase is forgotten, with the programme's
    recovery identity file: the database key is read from ``recovery.age``, checked against
    the database, and wrapped under ``new`` (and the keyring's secret, a new one if the
    keyring lost it). Recorded in the audit trail.

    ``recovery.age`` holds the data folder's id with its key: a key file (key.json) that
    was lost is made again (returns True), with the standard Argon2 costs."""
    check_recoverable(paths)
    identity = _identity(recovery_key)
    try:
        body = json.loads(pyrage.decrypt(recovery_path(paths).read_bytes(), [identity]))
        key = base64.b64decode(body["key"])
        folder_id = str(body["folder_id"])
    except Exception:  # pyrage's errors, JSON, a damaged file
        raise UserError(
            "The recovery key does not open this laptop's recovery copy: it is "
            "another team's key, or the copy is damaged."
        ) from None
    if paths.keyfile.exists() and folder_id != read_keyfile(paths.keyfile).folder_id:
        raise UserError("The recovery copy in this data folder belongs to another data folder.")
    session = open_session(paths, key)  # the key opens this database, or nothing is written
    try:
        _check_new(new, confirm, session.worker.name)
        store = secret_store_for(paths)
        with folder_lock(paths.root / KEY_LOCK, KEY_LOCK_WAIT_SECONDS, _KEY_BUSY):
            rebuilt = not paths.keyfile.exists()
            rewrap_key(
                paths.keyfile, key, new, store, (folder_id, KdfParams()) if rebuilt else None
            )
        unlock_throttle(paths, store, f"data-folder-{folder_id}").record_success()
        record(
            session,
            AuditAction.PASSPHRASE_RECOVERED,
            None,
            "a new passphrase set with the programme's recovery key"
            + ("; the lost key file made again" if rebuilt else ""),
        )
    finally:
        session.close()
    return rebuilt
