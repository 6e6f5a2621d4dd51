"""Sync with the central export, the sending half so far: this device's keys and publishing
its changes as encrypted, signed bundles (issue 7; receiving, the roster and conflicts are
still to come, see the issue's note).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from sqlalchemy import select

from restart_desktop.app.session import AppSession
from restart_desktop.store.changes import to_json_value
from restart_desktop.store.migrate import HEAD_REVISION
from restart_desktop.store.models import Change, LocalSetting
from restart_desktop.sync.bundle import encode_bundle
from restart_desktop.sync.envelope import DeviceKeys, seal
from restart_desktop.sync.folder import FolderTarget, Published, bundle_name

AGE_IDENTITY = "sync_age_identity"
SIGNING_KEY = "sync_signing_key"
MAX_CHANGES_PER_BUNDLE = 5000  # a bundle a supervisor's laptop decrypts in memory at once


def device_keys(session: AppSession) -> DeviceKeys:
    """This device's sync keys, made on first use and kept only in the encrypted database."""
    with session.db.write() as s:
        identity = s.get(LocalSetting, AGE_IDENTITY)
        signing = s.get(LocalSetting, SIGNING_KEY)
        if identity is not None and signing is not None:
            return DeviceKeys(identity.value, base64.b64decode(signing.value))
        keys = DeviceKeys.generate()
        s.merge(LocalSetting(key=AGE_IDENTITY, value=keys.age_identity))
        s.merge(LocalSetting(key=SIGNING_KEY, value=base64.b64encode(keys.signing_key).decode()))
        return keys


def _change_dict(change: Change) -> dict[str, object]:
    return {
        "change_id": change.change_id,
        "device_id": change.device_id,
        "seq": change.seq,
        "entity": change.entity,
        "record_id": change.record_id,
        "base_change_id": change.base_change_id,
        "hlc": change.hlc,
        "author_id": change.author_id,
        "fields": change.fields,
        "recorded_at": to_json_value(change.recorded_at),
    }


def export_changes(
    session: AppSession, target: FolderTarget, recipients: Sequence[str]
) -> list[Published]:
    """Publish this device's changes made since its last bundle in the target, as bundles of
    at most MAX_CHANGES_PER_BUNDLE. Safe to run again after any interruption: the position is
    read from the target, so nothing is published twice and nothing skipped."""
    keys = device_keys(session)
    device = session.device_id
    published: list[Published] = []
    while True:
        last = target.last_published_seq(device)
        with session.db.read() as s:
            changes = [
                _change_dict(change)
                for change in s.scalars(
                    select(Change)
                    .where(Change.device_id == device, Change.seq > last)
                    .order_by(Change.seq)
                    .limit(MAX_CHANGES_PER_BUNDLE)
                )
            ]
        if not changes:
            return published
        first, final = int(str(changes[0]["seq"])), int(str(changes[-1]["seq"]))
        plaintext = encode_bundle(device, HEAD_REVISION, changes)
        ciphertext, signature = seal(
            plaintext, recipients, keys, device, bundle_name(first, final)
        )
        published.append(target.publish(device, first, final, ciphertext, signature))
