"""This device's sync keys (made on first use, kept only in the encrypted database), and the
programme's recovery identity written to a file once."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from restart_desktop.store.database import Database
from restart_desktop.store.models import LocalSetting
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.sync.errors import SyncRefused

AGE_IDENTITY = "sync_age_identity"
SIGNING_KEY = "sync_signing_key"


def device_keys(db: Database) -> DeviceKeys:
    """This device's sync keys, made on first use and kept only in the encrypted database."""
    with db.read() as s:
        identity = s.get(LocalSetting, AGE_IDENTITY)
        signing = s.get(LocalSetting, SIGNING_KEY)
        if identity is not None and signing is not None:
            return DeviceKeys(identity.value, base64.b64decode(signing.value))
    with db.write() as s:
        identity = s.get(LocalSetting, AGE_IDENTITY)
        signing = s.get(LocalSetting, SIGNING_KEY)
        if identity is not None and signing is not None:
            return DeviceKeys(identity.value, base64.b64decode(signing.value))
        keys = DeviceKeys.generate()
        s.merge(LocalSetting(key=AGE_IDENTITY, value=keys.age_identity))
        s.merge(LocalSetting(key=SIGNING_KEY, value=base64.b64encode(keys.signing_key).decode()))
        return keys


def write_recovery_identity(path: Path) -> str:
    """Make the programme's recovery identity, write it to ``path`` (readable by its owner
    only; an age identity file the standard tool reads), return its public recipient."""
    keys = DeviceKeys.generate()
    if path.exists():
        raise SyncRefused(f"{path} already exists: choose a new file for the recovery key.")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(
            f"# RESTART Desktop recovery identity: keep offline\n"
            f"# public key: {keys.age_recipient}\n{keys.age_identity}\n"
        )
    return keys.age_recipient
