"""``export_changes``: this device's changes since its position in the export, published as
bundles of at most ``publish.MAX_CHANGES_PER_BUNDLE`` (read from that module, where a test
may lower it). A large export runs as a pipeline: the changes read by one statement on a
thread of their own, bundles sealed (compressed, encrypted, signed) two at a time, each
written on a thread of its own while the next ones are sealed, in order."""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress

from restart_desktop.sync import publish
from restart_desktop.sync.audience import TeamAudiences
from restart_desktop.sync.folder import Published
from restart_desktop.sync.laptop import Laptop
from restart_desktop.sync.own_folder import check_own_folder
from restart_desktop.sync.publish import (
    Audiences,
    Line,
    Sealed,
    line_runs,
    record_published,
    seal_lines,
    write_sealed,
)
from restart_desktop.sync.roster import Roster
from restart_desktop.sync.target import Target

#: Bundles published before their record is written (one transaction): a bundle published
#: and not yet recorded when the process stops is verified and recorded at the next sync.
_RECORD_EVERY = 25
#: Bundles sealed at once: compression, encryption and hashing let go of the interpreter,
#: so two run side by side on two cores while the next changes are read.
_SEALERS = 2
#: Bundles read ahead of the sealing (each at most MAX_CHANGES_PER_BUNDLE lines).
_READ_AHEAD = 4


def _read_ahead(laptop: Laptop, first: int, stop: threading.Event) -> Iterator[list[Line]]:
    """The runs of ``line_runs`` from ``first``, read on a thread of their own (SQLite lets
    go of the interpreter while it works) a few runs ahead of the caller, in one read
    transaction; ``stop`` set ends it (the caller stopped early)."""
    found: queue.Queue[list[Line] | BaseException | None] = queue.Queue(_READ_AHEAD)

    def hand(item: list[Line] | BaseException | None) -> bool:
        while not stop.is_set():
            with suppress(queue.Full):
                found.put(item, timeout=0.1)
                return True
        return False

    def read() -> None:
        try:
            with laptop.db.read() as s:  # one statement, one snapshot
                for lines in line_runs(s, laptop.device_id, first, publish.MAX_CHANGES_PER_BUNDLE):
                    if not hand(lines):
                        return
            hand(None)
        except BaseException as error:  # handed to the caller, raised there
            hand(error)

    reader = threading.Thread(target=read, name="restart-publish-read", daemon=True)
    reader.start()
    try:
        while (item := found.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


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
    while the next are read and sealed; one at a time, in order, so the export never holds a
    bundle without the ones before it. Changes that fit in one bundle (most syncs) are read,
    sealed and written here, without a thread."""
    device, keys = laptop.device_id, laptop.keys
    team = TeamAudiences.of(roster)
    audiences = Audiences(laptop, team)
    last = check_own_folder(laptop, target).position if position is None else position
    size = publish.MAX_CHANGES_PER_BUNDLE
    with laptop.db.read() as s:
        first_run = next(line_runs(s, device, last + 1, size), [])
    if not first_run:
        return []
    if len(first_run) < size:  # all there is
        sealed = seal_lines(laptop, keys, team, first_run, audiences=audiences)
        item = write_sealed(target, keys, device, sealed)
        record_published(laptop, [(item, len(sealed.ciphertext))])
        if sent is not None:
            sent(1)
        return [item]

    published: list[Published] = []
    unrecorded: list[tuple[Published, int]] = []
    writing: deque[tuple[Future[Published], int]] = deque()  # in order, with their sizes
    at_once = max(1, int(getattr(target, "concurrent_publishes", 1)))

    def landed() -> None:  # the oldest bundle being written is in the export: count it
        future, written = writing.popleft()
        item = future.result()
        published.append(item)
        unrecorded.append((item, written))
        if len(unrecorded) >= _RECORD_EVERY:
            record_published(laptop, unrecorded)
            unrecorded.clear()
        if sent is not None:
            sent(len(published))  # may raise Cancelled: what is published stays published

    def write(sealed: Sealed) -> None:
        if len(writing) >= at_once:
            landed()
        after = writing[-1][0] if writing else None
        future = writers.submit(write_sealed, target, keys, device, sealed, after)
        writing.append((future, len(sealed.ciphertext)))

    stop = threading.Event()
    sealing: deque[Future[Sealed]] = deque()
    # The writers take their bundles in order: the one before a bundle is always being
    # written (or done) when it waits for it.
    with (
        ThreadPoolExecutor(at_once, thread_name_prefix="restart-publish") as writers,
        ThreadPoolExecutor(_SEALERS, thread_name_prefix="restart-seal") as sealers,
    ):
        try:
            sealing.append(sealers.submit(seal_lines, laptop, keys, team, first_run, 1, audiences))
            for lines in _read_ahead(laptop, first_run[-1].seq + 1, stop):
                sealing.append(sealers.submit(seal_lines, laptop, keys, team, lines, 1, audiences))
                if len(sealing) > _SEALERS:
                    write(sealing.popleft().result())
            while sealing:
                write(sealing.popleft().result())
            while writing:
                landed()
            return published
        finally:
            stop.set()
            for pending in sealing:
                pending.cancel()
            # Stopped (cancelled, an error): let what is being written land, then record it;
            # the error that stopped the sync is the one said.
            for future, written in writing:
                with suppress(Exception):
                    unrecorded.append((future.result(), written))
            record_published(laptop, unrecorded)
