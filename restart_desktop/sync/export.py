"""``export_changes``: this device's changes since its position in the export, published as
bundles of at most ``publish.MAX_CHANGES_PER_BUNDLE`` (read from that module, where a test
may lower it); each bundle is written on a thread of its own while the next is read and
sealed."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress

from restart_desktop.sync import publish
from restart_desktop.sync.audience import TeamAudiences
from restart_desktop.sync.folder import Published
from restart_desktop.sync.laptop import Laptop
from restart_desktop.sync.own_folder import check_own_folder
from restart_desktop.sync.publish import lines_in, record_published, seal_lines, write_sealed
from restart_desktop.sync.roster import Roster
from restart_desktop.sync.target import Target

#: Bundles published before their record is written (one transaction): a bundle published
#: and not yet recorded when the process stops is verified and recorded at the next sync.
_RECORD_EVERY = 25


def export_changes(
    laptop: Laptop,
    target: Target,
    roster: Roster,
    sent: Callable[[int], None] | None = None,
    position: int | None = None,
) -> list[Published]:
    """Publish this device's changes made since its last bundle in the target, as bundles of
    at most MAX_CHANGES_PER_BUNDLE. Safe to run again after any interruption: the position is
    read from the bundles of this device really there (``position``: as the sync has just
    checked), so nothing is published twice and nothing skipped.

    A bundle is written to the export (mostly waiting for the disk) on a thread of its own
    while the next is read and sealed; one at a time, in order, so the export never holds a
    bundle without the ones before it."""
    device, keys = laptop.device_id, laptop.keys
    team = TeamAudiences.of(roster)
    last = check_own_folder(laptop, target).position if position is None else position
    published: list[Published] = []
    unrecorded: list[tuple[Published, int]] = []
    writing: Future[Published] | None = None
    size = 0

    def landed() -> None:  # the bundle being written is in the export: count it
        nonlocal writing
        if writing is None:
            return
        item, writing = writing.result(), None
        published.append(item)
        unrecorded.append((item, size))
        if len(unrecorded) >= _RECORD_EVERY:
            record_published(laptop, unrecorded)
            unrecorded.clear()
        if sent is not None:
            sent(len(published))  # may raise Cancelled: what is published stays published

    with ThreadPoolExecutor(1, thread_name_prefix="restart-publish") as pool:
        try:
            while True:
                with laptop.db.read() as s:
                    lines = lines_in(s, device, last + 1, last + publish.MAX_CHANGES_PER_BUNDLE)
                sealed = seal_lines(laptop, keys, team, lines) if lines else None
                landed()
                if sealed is None:
                    return published
                writing, size = (
                    pool.submit(write_sealed, target, keys, device, sealed),
                    len(sealed.ciphertext),
                )
                last = sealed.final
        finally:
            if writing is not None:  # stopped (cancelled, an error): let it land, then record
                # the error that stopped the sync is the one said
                with suppress(Exception):
                    unrecorded.append((writing.result(), size))
            record_published(laptop, unrecorded)
