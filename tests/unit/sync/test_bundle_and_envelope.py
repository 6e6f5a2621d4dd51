"""Bundles: plaintext round trip and every kind of damage refused; sealing with age and
Ed25519: only recipients decrypt, a signature fits only its own file."""

from __future__ import annotations

import pytest
import zstandard

from restart_desktop.sync.bundle import BundleError, check_clocks, decode_bundle, encode_bundle
from restart_desktop.sync.envelope import DeviceKeys, EnvelopeError, open_sealed, seal, verify

DEVICE = "01a20000-0000-7000-8000-000000000001"


def _changes(first: int, count: int) -> list[dict[str, object]]:
    return [
        {
            "change_id": f"{DEVICE}:{seq}",
            "device_id": DEVICE,
            "seq": seq,
            "entity": "contact_notes",
            "record_id": f"r{seq}",
            "base_change_id": None,
            "bases": [],
            "hlc": f"{seq:015d}-000000",
            "author_id": "w",
            "recorded_at": "2026-11-23T10:00:00",
            "fields": {"text": f"Fictional note {seq} – café ☕"},
        }
        for seq in range(first, first + count)
    ]


def test_a_bundle_round_trips() -> None:
    data = encode_bundle(DEVICE, "0005", _changes(5, 3))
    bundle = decode_bundle(data)
    assert (bundle.device_id, bundle.from_seq, bundle.to_seq, bundle.schema) == (
        DEVICE,
        5,
        7,
        "0005",
    )
    assert [c["fields"] for c in bundle.changes][2] == {"text": "Fictional note 7 – café ☕"}


def test_a_change_with_an_unreadable_clock_is_refused() -> None:
    """Every later write on the reader would read its clock from it and fail."""
    changes = _changes(5, 2)
    changes[1]["hlc"] = "9" * 20
    with pytest.raises(BundleError, match="clock"):
        check_clocks(decode_bundle(encode_bundle(DEVICE, "0005", changes)))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d.replace(b"Fictional note 6", b"Fictional note X"), "digest"),
        (lambda d: d.rsplit(b"\n", 2)[0] + b"\n", "holds 2"),
        (lambda d: b"not json\n" + d, "header"),
        (
            lambda d: d.replace(b"restart-desktop-bundle/2", b"other/9"),
            "format this version does not read .'other/9'; it reads restart-desktop-bundle/1 and "
            "restart-desktop-bundle/2.: update",
        ),
        (
            lambda d: d.replace(b"restart-desktop-bundle/2", b"restart-desktop-bundle/1"),
            "not stored as one",
        ),
    ],
)
def test_a_damaged_bundle_is_refused(damage: object, message: str) -> None:
    """Damaged inside the compression (which a damaged file would fail to decompress)."""
    lines = zstandard.decompress(encode_bundle(DEVICE, "0005", _changes(5, 3)))
    damaged = zstandard.compress(damage(lines))  # type: ignore[operator]
    with pytest.raises(BundleError, match=message):
        decode_bundle(damaged)


def test_damaged_compressed_bytes_are_refused() -> None:
    data = encode_bundle(DEVICE, "0005", _changes(5, 3))
    with pytest.raises(BundleError, match="compressed changes cannot be read"):
        decode_bundle(data[:-8])


def test_only_consecutive_own_changes_make_a_bundle() -> None:
    changes = _changes(1, 3)
    with pytest.raises(BundleError, match="consecutive"):
        encode_bundle(DEVICE, "0005", [changes[0], changes[2]])
    with pytest.raises(BundleError, match="its own"):
        encode_bundle("01a20000-0000-7000-8000-000000000002", "0005", changes)


def test_only_recipients_decrypt_and_the_signature_fits_only_its_file() -> None:
    writer, reader, outsider = DeviceKeys.generate(), DeviceKeys.generate(), DeviceKeys.generate()
    plaintext = encode_bundle(DEVICE, "0005", _changes(1, 2))
    name = "0000000001-0000000002.age"
    ciphertext, signature = seal(
        plaintext, [reader.age_recipient, writer.age_recipient], writer, DEVICE, name
    )
    assert b"Fictional" not in ciphertext
    assert open_sealed(ciphertext, reader) == plaintext
    assert open_sealed(ciphertext, writer) == plaintext
    with pytest.raises(EnvelopeError, match="cannot be decrypted"):
        open_sealed(ciphertext, outsider)
    verify(ciphertext, signature, writer.verify_key, DEVICE, name)
    for args in (
        (ciphertext + b"x", signature, writer.verify_key, DEVICE, name),
        (ciphertext, signature, outsider.verify_key, DEVICE, name),
        (ciphertext, signature, writer.verify_key, DEVICE, "0000000003-0000000004.age"),
    ):
        with pytest.raises(EnvelopeError, match="does not verify"):
            verify(*args)
    assert len(writer.fingerprint.split()) == 4
