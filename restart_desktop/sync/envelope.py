"""Encryption and signing of bundles with standard formats, no home-made cryptography.

- Encryption: age (pyrage), to every current roster member's X25519 recipient plus the
  programme's recovery recipient. An administrator holding one of those identities decrypts a
  bundle with the standard ``age -d -i KEYFILE``. Decryption happens in memory and the result
  is used only if it succeeds (``age`` and pyrage's file functions leave partial plaintext
  behind on failure).
- Signing: Ed25519 (cryptography) over a statement naming the format, the device, the file
  name and the SHA-256 of the encrypted bytes, so a valid signature cannot be moved to another
  file, device or sequence range.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from pyrage import x25519

SIGNATURE_CONTEXT = b"restart-desktop-bundle-signature/1"


class EnvelopeError(ValueError):
    """A bundle that fails verification or decryption: refused whole, never half-used."""


@dataclass(frozen=True)
class DeviceKeys:
    """A device's secrets: its age identity (to read bundles) and its Ed25519 signing key (to
    sign what it publishes). Kept only inside the encrypted local database."""

    age_identity: str  # "AGE-SECRET-KEY-1..."
    signing_key: bytes  # raw 32-byte Ed25519 private key

    @classmethod
    def generate(cls) -> DeviceKeys:
        signing = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        return cls(str(x25519.Identity.generate()), signing)

    @property
    def age_recipient(self) -> str:
        """The public half others encrypt to: "age1..."."""
        return str(x25519.Identity.from_str(self.age_identity).to_public())

    @functools.cached_property
    def signer(self) -> Ed25519PrivateKey:
        """The signing key, loaded once for these keys (an export signs some 2,000 files)."""
        return Ed25519PrivateKey.from_private_bytes(self.signing_key)

    @functools.cached_property
    def verify_key(self) -> str:
        """The public half others verify with, base64."""
        public = self.signer.public_key()
        return base64.b64encode(public.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.verify_key)


def fingerprint(verify_key: str) -> str:
    """Short and readable, to compare aloud or on screen when a device joins the team."""
    digest = hashlib.sha256(verify_key.encode()).hexdigest()[:16].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def _statement(device_id: str, name: str, ciphertext: bytes) -> bytes:
    return b"\n".join(
        (
            SIGNATURE_CONTEXT,
            device_id.encode(),
            name.encode(),
            hashlib.sha256(ciphertext).hexdigest().encode(),
        )
    )


def encrypt(plaintext: bytes, recipients: Sequence[str]) -> bytes:
    """Encrypt to every recipient ("age1...")."""
    if not recipients:
        raise EnvelopeError("a bundle needs at least one recipient")
    return bytes(pyrage.encrypt(plaintext, _recipients(tuple(recipients))))


@functools.lru_cache(maxsize=64)
def _recipients(recipients: tuple[str, ...]) -> list[x25519.Recipient]:
    """Recipients ("age1...", public) parsed once: an export encrypts some 2,000 files to a
    handful of audiences."""
    try:
        return [x25519.Recipient.from_str(r) for r in recipients]
    except Exception as error:  # pyrage raises its own error types
        raise EnvelopeError(f"a recipient is not an age X25519 key ({error})") from None


def sign(ciphertext: bytes, keys: DeviceKeys, device_id: str, name: str) -> bytes:
    """The device's signature over the file ``name`` holding ``ciphertext``."""
    return keys.signer.sign(_statement(device_id, name, ciphertext))


def seal(
    plaintext: bytes, recipients: Sequence[str], keys: DeviceKeys, device_id: str, name: str
) -> tuple[bytes, bytes]:
    """Encrypt to every recipient ("age1...") and sign; returns (ciphertext, signature)."""
    ciphertext = encrypt(plaintext, recipients)
    return ciphertext, sign(ciphertext, keys, device_id, name)


def verify(ciphertext: bytes, signature: bytes, verify_key: str, device_id: str, name: str) -> None:
    """Raise EnvelopeError unless ``signature`` is the device's over this very file."""
    try:
        verifier(verify_key).verify(signature, _statement(device_id, name, ciphertext))
    except (InvalidSignature, ValueError) as error:
        raise EnvelopeError(
            f"the signature of {name} from device {device_id} does not verify"
        ) from error


@functools.lru_cache(maxsize=64)
def verifier(verify_key: str) -> Ed25519PublicKey:
    """A device's public key (base64, from the roster), loaded once: bundles, the roster and
    audit heads are verified with it. ValueError if it is not one."""
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(verify_key))


def open_sealed(ciphertext: bytes, keys: DeviceKeys) -> bytes:
    """Decrypt in memory; EnvelopeError when this device is not a recipient or it is damaged."""
    try:
        return bytes(pyrage.decrypt(ciphertext, [x25519.Identity.from_str(keys.age_identity)]))
    except Exception as error:  # pyrage.DecryptError and friends
        raise EnvelopeError(
            f"the bundle cannot be decrypted with this device's key ({error})"
        ) from None
