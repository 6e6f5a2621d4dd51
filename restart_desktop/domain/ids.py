"""Identifiers minted offline: UUIDv7 (RFC 9562) sorts by creation time, so indexes stay local."""

from __future__ import annotations

import os
import time
import uuid


def uuid7(now_ms: int | None = None, rand: int | None = None) -> str:
    """A UUIDv7 string; ``now_ms`` and ``rand`` (80 bits) make it reproducible for demo data."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    if rand is None:
        rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a (12 bits)
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    return str(uuid.UUID(int=value))
