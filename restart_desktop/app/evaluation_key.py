"""The team's evaluation key: made once by the first supervisor who makes an extract, sealed
with age to the supervisors' devices (from the team roster, when the central export can be
read) and to the programme's recovery recipient, and synced as a team record. A worker's
laptop receives the sealed record and cannot open it. Rotating makes a new version, so new
extracts carry new pseudonyms.

A supervisor who joined after the key was sealed cannot open it until a supervisor who can
makes an extract with the central export reachable: the key is then sealed again to every
supervisor of the roster.
"""

from __future__ import annotations

import base64
import contextlib
import secrets

import pyrage
from pyrage import x25519
from sqlalchemy import select

from restart_desktop.app.errors import UserError
from restart_desktop.app.passphrase import RECOVERY_FOR
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService
from restart_desktop.store.models import EvaluationKey, LocalSetting
from restart_desktop.sync.keys import device_keys

KEY_BYTES = 32


def _recipients(session: AppSession) -> list[str]:
    """This device, the roster's supervisors (if the export can be read), the recovery key."""
    found = {device_keys(session.db).age_recipient}
    # No team, or the export is away: sealed again at a later extract.
    with contextlib.suppress(UserError, OSError):
        found |= {m.age_recipient for m in SyncService(session).members() if m.role == "supervisor"}
    with session.db.read() as s:
        recovery = s.get(LocalSetting, RECOVERY_FOR)
        if recovery is not None and recovery.value:
            found.add(recovery.value)
    return sorted(found)


def _seal(key: bytes, recipients: list[str]) -> str:
    parsed = [x25519.Recipient.from_str(r) for r in recipients]
    return base64.b64encode(pyrage.encrypt(key, parsed)).decode()


def evaluation_key(session: AppSession, rotate: bool = False) -> tuple[int, bytes]:
    """(version, key): the newest key, made if there is none (or a new one with ``rotate``)."""
    identity = x25519.Identity.from_str(device_keys(session.db).age_identity)
    recipients = _recipients(session)
    with session.db.write() as s:
        newest = s.scalars(select(EvaluationKey).order_by(EvaluationKey.version.desc())).first()
        if newest is None or rotate:
            key = secrets.token_bytes(KEY_BYTES)
            version = (newest.version + 1) if newest else 1
            s.add(
                EvaluationKey(version=version, sealed=_seal(key, recipients), sealed_to=recipients)
            )
            return version, key
        try:
            key = pyrage.decrypt(base64.b64decode(newest.sealed), [identity])
        except pyrage.DecryptError:
            raise UserError(
                "The team's evaluation key was sealed before this laptop could open it. Ask "
                "the supervisor who made the last extract to make one more with the central "
                "export reachable: that shares the key with every supervisor."
            ) from None
        if set(recipients) - set(newest.sealed_to):
            newest.sealed = _seal(key, sorted(set(recipients) | set(newest.sealed_to)))
            newest.sealed_to = sorted(set(recipients) | set(newest.sealed_to))
        return newest.version, key
