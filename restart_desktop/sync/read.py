"""Reading one bundle of another device: the whole of a format 1 or 2 bundle, or, of a format
3 bundle, its manifest (every member reads it) and the parts addressed to this laptop.

A part not addressed to this laptop is never opened (it could not be: it is encrypted to
others). Every part opened is checked against the manifest (its SHA-256, its signature, the
sequence numbers it holds), so a bundle is used whole or refused whole, as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from restart_desktop.sync.bundle import Bundle, BundleError, decode_bundle
from restart_desktop.sync.envelope import DeviceKeys, open_sealed, verify
from restart_desktop.sync.folder import Published
from restart_desktop.sync.parts import decode_part, manifest_of
from restart_desktop.sync.roster import Member
from restart_desktop.sync.target import Target


@dataclass(frozen=True)
class Received:
    bundle: Bundle  # the changes this laptop can read: all of a format 1 or 2 bundle
    routes: tuple[Mapping[str, Any], ...] = ()  # who each case is for (format 3)
    parts: tuple[str, ...] = ()  # the parts addressed to this laptop (format 3)


def read_bundle(
    target: Target, member: Member, item: Published, keys: DeviceKeys, device_id: str
) -> Received:
    """Verify and decrypt a published bundle (in memory), and of a format 3 one the parts
    addressed to ``device_id``; BundleError or EnvelopeError say why it is refused."""
    ciphertext, signature = target.read(item)
    verify(ciphertext, signature, member.verify_key, member.device_id, item.name)
    plain = open_sealed(ciphertext, keys)
    manifest = manifest_of(plain)
    if manifest is None:
        return Received(decode_bundle(plain))
    if (manifest.device_id, manifest.from_seq, manifest.to_seq) != (
        member.device_id,
        item.from_seq,
        item.to_seq,
    ):
        raise BundleError("the bundle is not what its file name says")
    changes: list[Mapping[str, Any]] = []
    opened: list[str] = []
    for entry in manifest.parts:
        if device_id not in entry.recipients:
            continue
        try:
            data, part_signature = target.read_part(member.device_id, entry.name)
        except FileNotFoundError:
            raise BundleError(f"its part {entry.name} is missing") from None
        if hashlib.sha256(data).hexdigest() != entry.sha256:
            raise BundleError(f"its part {entry.name} is not the one its manifest lists")
        verify(data, part_signature, member.verify_key, member.device_id, entry.name)
        changes += decode_part(
            open_sealed(data, keys), member.device_id, entry, manifest.from_seq, manifest.to_seq
        )
        opened.append(entry.name)
    changes.sort(key=lambda change: int(change["seq"]))
    bundle = Bundle(
        manifest.device_id, manifest.from_seq, manifest.to_seq, manifest.schema, tuple(changes)
    )
    return Received(bundle, manifest.routes, tuple(opened))
