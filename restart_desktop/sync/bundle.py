"""The bundle: the changes one device publishes in one file, as documented in BUNDLE_FORMAT.md.

Plaintext is JSON Lines: a header line, then one line per change in sequence order. The header
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

FORMAT = "restart-desktop-bundle/1"
CHANGE_KEYS = (
    "change_id", "device_id", "seq", "entity", "record_id", "case_id", "base_change_id",
    "bases", "hlc", "author_id", "fields", "recorded_at",
)  # fmt: skip
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
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def encode_bundle(device_id: str, schema: str, changes: Sequence[Mapping[str, Any]]) -> bytes:
    """The plaintext of a bundle of ``changes`` (this device's, in sequence order)."""
    if not changes:
        raise BundleError("a bundle holds at least one change")
    seqs = [int(c["seq"]) for c in changes]
    if seqs != list(range(seqs[0], seqs[0] + len(seqs))):
        raise BundleError("the changes of a bundle must be consecutive in sequence")
    if any(c["device_id"] != device_id for c in changes):
        raise BundleError("a device publishes only its own changes")
    lines = [_line({key: change[key] for key in CHANGE_KEYS
                    if key != "case_id" or key in change}) for change in changes]  # fmt: skip
    body = b"\n".join(lines)
    header = {
        "format": FORMAT,
        "device": device_id,
        "from_seq": seqs[0],
        "to_seq": seqs[-1],
        "schema": schema,
        "count": len(lines),
        "digest": hashlib.sha256(body).hexdigest(),
    }
    return _line(header) + b"\n" + body + b"\n"


def decode_bundle(data: bytes) -> Bundle:
    """Check and read a bundle's plaintext; BundleError says what is wrong."""
    lines = data.rstrip(b"\n").split(b"\n")
    try:
        header = json.loads(lines[0])
    except (ValueError, IndexError):
        raise BundleError("the bundle has no readable header") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BundleError(f"not a {FORMAT} bundle")
    body = lines[1:]
    if header.get("count") != len(body):
        raise BundleError(
            f"the header says {header.get('count')} changes but the bundle holds {len(body)}"
        )
    if hashlib.sha256(b"\n".join(body)).hexdigest() != header.get("digest"):
        raise BundleError("the changes do not match the header's digest")
    try:
        changes = tuple(json.loads(line) for line in body)
    except ValueError:
        raise BundleError("a change line is not readable") from None
    device, first, last = header.get("device"), header.get("from_seq"), header.get("to_seq")
    seqs = [c.get("seq") for c in changes]
    if not isinstance(first, int) or not isinstance(last, int) or seqs != list(
        range(first, last + 1)
    ):
        raise BundleError("the changes are not the sequence range the header claims")
    if any(c.get("device_id") != device for c in changes):
        raise BundleError("a change in the bundle belongs to another device")
    return Bundle(str(device), first, last, str(header.get("schema", "")), changes)


def check_clocks(bundle: Bundle) -> None:
    """Refuse a bundle with an unreadable clock time (after the schema check: a newer
    version's bundle is refused for that, in words). Every write on the reader takes its
    clock from the latest it holds, so one bad value would stop the laptop writing."""
    if any(not isinstance(c.get("hlc"), str) or not _CLOCK.fullmatch(c["hlc"])
           for c in bundle.changes):  # fmt: skip
        raise BundleError("a change in the bundle has a clock time that cannot be read")
