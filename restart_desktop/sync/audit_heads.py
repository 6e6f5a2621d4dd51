"""Signed audit chain heads: what a device publishes with each sync so that its audit trail
cannot be cut short or rewritten without the other laptops noticing.

A head names the device, the sequence number and the hash of the newest entry of its chain,
and when it was signed. It holds no personal data (a hash names nobody), so it is published
in clear, signed with the device's Ed25519 key over a statement naming the format: anyone
with the roster's public keys can check it. Each device replaces its own ``audit-head.json``
(and ``audit-head.json.sig``) in its folder of the central export at every sync; every laptop
keeps each head it has seen (``store.audit.AuditHead``), so an earlier head stays known even
after the device, or whoever holds its keys, replaces the file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from restart_desktop.sync.envelope import DeviceKeys, verifier

HEAD_FORMAT = "restart-desktop-audit-head/1"
HEAD_NAME = "audit-head.json"  # in devices/<device_id>/, with HEAD_NAME + ".sig"
_CONTEXT = HEAD_FORMAT.encode() + b"\n"
_HASH = re.compile(r"[0-9a-f]{64}")


class HeadError(ValueError):
    """A head that is damaged or not signed by the device it names."""


@dataclass(frozen=True)
class ChainHead:
    device_id: str
    seq: int  # the newest entry's sequence number (0: no entry at all)
    hash: str  # that entry's stored hash (GENESIS for no entry)
    signed_at: dt.datetime  # aware, UTC: when the device signed it

    def to_json(self) -> bytes:
        body = {
            "format": HEAD_FORMAT,
            "device": self.device_id,
            "seq": self.seq,
            "hash": self.hash,
            "signed_at": self.signed_at.astimezone(dt.UTC).isoformat(),
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ChainHead:
        try:
            raw = json.loads(data)
            if raw["format"] != HEAD_FORMAT:
                raise HeadError(f"not an audit head ({raw['format']!r})")
            head = cls(
                str(raw["device"]),
                int(raw["seq"]),
                str(raw["hash"]),
                dt.datetime.fromisoformat(str(raw["signed_at"])),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise HeadError(f"the audit head cannot be read ({error})") from None
        if head.seq < 0 or not _HASH.fullmatch(head.hash) or head.signed_at.tzinfo is None:
            raise HeadError("the audit head cannot be read (a field is out of range)")
        return head


def sign_head(head: ChainHead, keys: DeviceKeys) -> tuple[bytes, bytes]:
    """(the head's bytes, their Ed25519 signature)."""
    data = head.to_json()
    return data, keys.signer.sign(_CONTEXT + data)


def verify_head(data: bytes, signature: bytes, verify_key: str, device_id: str) -> ChainHead:
    """The head, if ``verify_key`` signed these bytes and they name ``device_id``."""
    try:
        verifier(verify_key).verify(signature, _CONTEXT + data)
    except (InvalidSignature, ValueError):
        raise HeadError(f"the audit head of device {device_id} does not verify") from None
    head = ChainHead.from_json(data)
    if head.device_id != device_id:
        raise HeadError(f"the audit head in device {device_id}'s folder names another device")
    return head
