"""Bundle format 3: a bundle split by audience (BUNDLE_FORMAT.md, "Format 3").

A format 3 bundle is a *manifest* (the ``<from>-<to>.age`` file, encrypted to every member)
and one *part* per audience (``<from>-<to>.p<hash>.age``, encrypted to that audience only).
The manifest lists each part with its recipients (device ids), the sequence numbers it holds
and the SHA-256 of its file, and carries the routes (who each case is for, as ids). Each
part is JSON Lines like a format 2 bundle, holding only its changes. This module turns them
into bytes and back and refuses anything malformed; encryption and signing stay in
``sync.envelope``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import zstandard

from restart_desktop.sync.bundle import (
    CHANGE_KEYS,
    MAX_PLAINTEXT,
    ZSTD_LEVEL,
    BundleError,
    plaintext_of,
)

FORMAT_3 = "restart-desktop-bundle/3"  # the manifest of a bundle split by audience
PART_FORMAT = "restart-desktop-bundle-part/3"


@dataclass(frozen=True)
class PartEntry:
    """One part as the manifest lists it."""

    name: str  # its file name in the device's folder
    recipients: tuple[str, ...]  # device ids (sorted); the recovery identity always
    runs: tuple[tuple[int, int], ...]  # the sequence numbers it holds, as (first, last) runs
    count: int
    sha256: str  # of the part's file (its ciphertext)


@dataclass(frozen=True)
class Manifest:
    device_id: str
    from_seq: int
    to_seq: int
    schema: str
    parts: tuple[PartEntry, ...]
    routes: tuple[Mapping[str, Any], ...]


def runs_of(seqs: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """Increasing sequence numbers as (first, last) runs: [1,2,3,7] -> ((1,3),(7,7))."""
    found: list[list[int]] = []
    for seq in seqs:
        if found and seq == found[-1][1] + 1:
            found[-1][1] = seq
        else:
            found.append([seq, seq])
    return tuple((a, b) for a, b in found)


def seqs_of(runs: Sequence[Sequence[int]]) -> list[int]:
    return [seq for first, last in runs for seq in range(first, last + 1)]


def _dump(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _compress(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(data)


def encode_part(
    device_id: str, schema: str, first: int, last: int, changes: Sequence[Mapping[str, Any]]
) -> bytes:
    """The plaintext of a part: the changes of one audience in the bundle ``first``-``last``."""
    if any(c["device_id"] != device_id for c in changes):
        raise BundleError("a device publishes only its own changes")
    lines = [
        _dump({key: change[key] for key in CHANGE_KEYS if key != "case_id" or key in change})
        for change in changes
    ]
    return encode_part_lines(
        device_id, schema, first, last, [int(c["seq"]) for c in changes], lines
    )


def encode_part_lines(
    device_id: str, schema: str, first: int, last: int, seqs: Sequence[int], lines: Sequence[bytes]
) -> bytes:
    """The same from changes already written as JSON lines (keys sorted) by the publisher,
    with their sequence numbers."""
    if (
        not lines
        or len(seqs) != len(lines)
        or list(seqs) != sorted(set(seqs))
        or seqs[0] < first
        or seqs[-1] > last
    ):
        raise BundleError("a part holds changes of its bundle's range, in sequence order")
    body = b"\n".join(lines)
    header = {
        "format": PART_FORMAT,
        "device": device_id,
        "from_seq": first,
        "to_seq": last,
        "schema": schema,
        "count": len(lines),
        "digest": hashlib.sha256(body).hexdigest(),
    }
    return _compress(_dump(header) + b"\n" + body + b"\n")


def decode_part(
    data: bytes, device_id: str, entry: PartEntry, first: int, last: int
) -> tuple[Mapping[str, Any], ...]:
    """The changes of a part, checked against what its manifest says of it."""
    plain, container = plaintext_of(data)
    lines = plain.rstrip(b"\n").split(b"\n")
    try:
        header = orjson.loads(lines[0])
        changes = tuple(orjson.loads(line) for line in lines[1:])
    except (orjson.JSONDecodeError, IndexError):
        raise BundleError("a part of the bundle is not readable") from None
    if (
        not isinstance(header, dict)
        or header.get("format") != PART_FORMAT
        or container != ("restart-desktop-bundle/2")
    ):
        raise BundleError("a part of the bundle is not in the format its manifest says")
    if (header.get("device"), header.get("from_seq"), header.get("to_seq")) != (
        device_id,
        first,
        last,
    ):
        raise BundleError("a part of the bundle belongs to another bundle")
    body = lines[1:]
    if header.get("count") != len(body) or hashlib.sha256(b"\n".join(body)).hexdigest() != (
        header.get("digest")
    ):
        raise BundleError("a part's changes do not match its header")
    if [c.get("seq") for c in changes] != seqs_of(entry.runs):
        raise BundleError("a part does not hold the changes its manifest lists")
    if any(c.get("device_id") != device_id for c in changes):
        raise BundleError("a change in the bundle belongs to another device")
    return changes


def encode_manifest(
    device_id: str,
    schema: str,
    first: int,
    last: int,
    parts: Sequence[PartEntry],
    routes: Sequence[Mapping[str, Any]],
) -> bytes:
    manifest = {
        "format": FORMAT_3,
        "device": device_id,
        "from_seq": first,
        "to_seq": last,
        "schema": schema,
        "count": sum(p.count for p in parts),
        "parts": [
            {
                "name": p.name,
                "recipients": list(p.recipients),
                "seqs": [list(r) for r in p.runs],
                "count": p.count,
                "sha256": p.sha256,
            }
            for p in parts
        ],
        "routes": list(routes),
    }
    return _compress(_dump(manifest) + b"\n")


def manifest_of(data: bytes) -> Manifest | None:
    """The manifest, when ``data`` (a bundle file's decrypted bytes) is a format 3 one; None
    for a bundle of format 1 or 2 (read by ``sync.bundle.decode_bundle``)."""
    plain, container = plaintext_of(data)
    first_line = plain.split(b"\n", 1)[0]
    if b'"' + FORMAT_3.encode() + b'"' not in first_line:
        return None
    if container == "restart-desktop-bundle/1":
        raise BundleError("the bundle's manifest is not stored as one")
    return decode_manifest(first_line)


def decode_manifest(plain: bytes) -> Manifest:
    """A manifest (``plain``: decompressed), checked: its parts hold every sequence number of
    its range exactly once."""
    if len(plain) > MAX_PLAINTEXT:
        raise BundleError("the bundle claims to be larger than any bundle is")
    try:
        raw = orjson.loads(plain)
        device, first, last = str(raw["device"]), raw["from_seq"], raw["to_seq"]
        parts = tuple(
            PartEntry(
                str(p["name"]),
                tuple(str(d) for d in p["recipients"]),
                tuple((int(a), int(b)) for a, b in p["seqs"]),
                int(p["count"]),
                str(p["sha256"]),
            )
            for p in raw["parts"]
        )
        routes = tuple(dict(r) for r in raw["routes"])
        schema = str(raw.get("schema", ""))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise BundleError("the bundle's manifest cannot be read") from None
    if raw.get("format") != FORMAT_3 or not isinstance(first, int) or not isinstance(last, int):
        raise BundleError("the bundle's manifest cannot be read")
    held = sorted(seq for part in parts for seq in seqs_of(part.runs))
    if held != list(range(first, last + 1)) or any(len(seqs_of(p.runs)) != p.count for p in parts):
        raise BundleError("the bundle's parts do not hold its sequence range exactly once")
    if len({p.name for p in parts}) != len(parts):
        raise BundleError("the bundle's manifest lists a part twice")
    return Manifest(device, first, last, schema, parts, routes)
