"""Comparing a chain with the heads its device signed: what is a break and what is not."""

from __future__ import annotations

import datetime as dt

from restart_desktop.domain.audit import PublishedHead, head_breaks

T = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
HELD = {n: f"{n:064x}" for n in range(1, 11)}


def _head(seq: int, minutes: int, seen: int | None = None) -> PublishedHead:
    seen_at = None if seen is None else T + dt.timedelta(minutes=seen)
    return PublishedHead(seq, HELD.get(seq, "f" * 64), T + dt.timedelta(minutes=minutes), seen_at)


def test_a_chain_that_grows_through_its_heads_is_intact() -> None:
    heads = [_head(3, 0, 0), _head(7, 60, 60), _head(10, 120, 120)]
    assert head_breaks("d", heads, HELD, whole=True) == []


def test_a_device_clock_put_back_is_not_a_break() -> None:
    # The laptop's clock was an hour fast, then corrected: its later head is signed earlier,
    # but reached this laptop later.
    heads = [_head(7, 60, 0), _head(10, 10, 30)]
    assert head_breaks("d", heads, HELD, whole=False) == []


def test_a_later_head_with_fewer_entries_names_the_entries() -> None:
    heads = [_head(10, 0, 0), _head(7, 60, 60)]
    (found,) = head_breaks("d", heads, HELD, whole=False)
    assert found.seq == 8
    assert "entries 8 to 10 were deleted" in found.why


def test_a_hash_not_the_one_published_is_a_rewrite_narrowed_on_its_own_laptop() -> None:
    rewritten = {**HELD, 7: "e" * 64}
    heads = [_head(3, 0, 0), _head(7, 60, 60)]
    (own,) = head_breaks("d", heads, rewritten, whole=True)
    assert "one of entries 4 to 7 was rewritten" in own.why
    (elsewhere,) = head_breaks("d", heads, rewritten, whole=False)
    assert "one of entries 1 to 7 was rewritten" in elsewhere.why
