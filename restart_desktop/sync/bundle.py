"""The bundle: the changes one device publishes in one file, as documented in BUNDLE_FORMAT.md.

Plaintext is JSON Lines, compressed with zstd (format 2; format 1, uncompressed, is read
forever): a header line, then one line per change in sequence order. The header
says which device wrote it, the sequence range, the schema, the count and a SHA-256 digest of
the change lines, so a reader checks a bundle is whole and is what it claims before applying
anything of it. Encryption and signing are separate (``sync.envelope``); this module only
turns changes into bytes and back, and refuses anything malformed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import zstandard

FORMAT_1 = "restart-desktop-bundle/1"  # plain JSON Lines: read, no longer written
FORMAT = "restart-desktop-bundle/2"  # the same JSON Lines, compressed with zstd
READABLE = (FORMAT_1, FORMAT)
ZSTD_LEVEL = 3
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: The most a bundle's plaintext may grow to when decompressed (500 changes are about 1 MB;
#: the largest ever written, 5,000 changes, about 10 MB): a small file claiming more is refused
#: before anything is allocated.
MAX_PLAINTEXT = 256 * 1024 * 1024
CHANGE_KEYS = (
    "change_id",
    "device_id",
    "seq",
    "entity",
    "record_id",
    "case_id",
    "base_change_id",
    "bases",
    "hlc",
    "author_id",
    "fields",
    "recorded_at",
)
# ``case_id`` (the case the change belongs to) was added in schema 0010; a reader works it out
# for older bundles (``store.case_index.case_of_change``).


_CLOCK = re.compile(r"\d{15}-\d{6}")  # domain.hlc.Timestamp.encode


class BundleError(ValueError):
    """A bundle that is not whole, not ours, or not what its header or name claims."""


@dataclass(frozen=True)
class Bundle:
    device_id: str
    from_seq: int
    to_seq: int
    schema: str
    changes: tuple[Mapping[str, Any], ...]


def _line(value: Mapping[str, Any]) -> bytes:
    """One JSON line, keys sorted, no spaces, UTF-8 (as ``json.dumps(sort_keys=True,
    ensure_ascii=False, separators=(",", ":"))``, about ten times faster)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def encode_bundle(device_id: str, schema: str, changes: Sequence[Mapping[str, Any]]) -> bytes:
    """The plaintext of a bundle of ``changes`` (this device's, in sequence order)."""
    if not changes:
        raise BundleError("a bundle holds at least one change")
    seqs = [int(c["seq"]) for c in changes]
    if seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        raise BundleError("the changes of a bundle must be consecutive in sequence")
    if any(c["device_id"] != device_id for c in changes):
        raise BundleError("a device publishes only its own changes")
    lines = [
        _line({key: change[key] for key in CHANGE_KEYS if key != "case_id" or key in change})
        for change in changes
    ]
    return encode_lines(device_id, schema, seqs[0], lines)


def encode_lines(device_id: str, schema: str, from_seq: int, lines: Sequence[bytes]) -> bytes:
    """The plaintext of a bundle of changes already written as JSON lines (keys sorted), the
    device's changes from ``from_seq`` on, consecutive (the caller has checked)."""
    if not lines:
        raise BundleError("a bundle holds at least one change")
    body = b"\n".join(lines)
    header = {
        "format": FORMAT,
        "device": device_id,
        "from_seq": from_seq,
        "to_seq": from_seq + len(lines) - 1,
        "schema": schema,
        "count": len(lines),
        "digest": hashlib.sha256(body).hexdigest(),
    }
    lines_text = _line(header) + b"\n" + body + b"\n"
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(lines_text)


def _decompressed(data: bytes) -> tuple[bytes, str]:
    """(the JSON Lines, the format their container says); format 1 is not compressed."""
    if not data.startswith(_ZSTD_MAGIC):
        return data, FORMAT_1
    try:
        size = zstandard.frame_content_size(data)
        if size > MAX_PLAINTEXT:  # -1: not said; the limit below holds then
            raise BundleError("the bundle claims to be larger than any bundle is")
        plain = zstandard.ZstdDecompressor().decompress(data, max_output_size=MAX_PLAINTEXT)
    except zstandard.ZstdError:
        raise BundleError("the bundle's compressed changes cannot be read") from None
    return plain, FORMAT


def plaintext_of(data: bytes) -> tuple[bytes, str]:
    """(the decompressed plaintext, the format its container says: format 1 is not
    compressed, later formats are)."""
    return _decompressed(data)


def decode_bundle(data: bytes) -> Bundle:
    """Check and read a bundle's plaintext (format 2, or format 1 written by earlier
    versions); BundleError says what is wrong."""
    data, container = _decompressed(data)
    lines = data.rstrip(b"\n").split(b"\n")
    try:
        header = json.loads(lines[0])
    except (ValueError, IndexError):
        raise BundleError("the bundle has no readable header") from None
    written = header.get("format") if isinstance(header, dict) else None
    if written not in READABLE:
        raise BundleError(
            f"it is in a format this version does not read ({written!r}; it reads "
            f"{' and '.join(READABLE)}): update RESTART Desktop"
        )
    if written != container:
        raise BundleError(f"its header says {written} but it is not stored as one")
    body = lines[1:]
    if header.get("count") != len(body):
        raise BundleError(
            f"the header says {header.get('count')} changes but the bundle holds {len(body)}"
        )
    if hashlib.sha256(b"\n".join(body)).hexdigest() != header.get("digest"):
        raise BundleError("the changes do not match the header's digest")
    try:
        changes = tuple(orjson.loads(line) for line in body)
    except orjson.JSONDecodeError:
        raise BundleError("a change line is not readable") from None
    device, first, last = header.get("device"), header.get("from_seq"), header.get("to_seq")
    seqs = [c.get("seq") for c in changes]
    if (
        not isinstance(first, int)
        or not isinstance(last, int)
        or seqs != list(range(first, last + 1))
    ):
        raise BundleError("the changes are not the sequence range the header claims")
    if any(c.get("device_id") != device for c in changes):
        raise BundleError("a change in the bundle belongs to another device")
    return Bundle(str(device), first, last, str(header.get("schema", "")), changes)


def check_clocks(bundle: Bundle) -> None:
    """Refuse a bundle with an unreadable clock time (after the schema check: a newer
    version's bundle is refused for that, in words). Every write on the reader takes its
    clock from the latest it holds, so one bad value would stop the laptop writing."""
    if any(
        not isinstance(c.get("hlc"), str) or not _CLOCK.fullmatch(c["hlc"]) for c in bundle.changes
    ):
        raise BundleError("a change in the bundle has a clock time that cannot be read")
