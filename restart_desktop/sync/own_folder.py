"""This device's own folder of the central export, trusting nothing found there.

The export position (the sequence after which the next bundle starts) comes only from files
that verify with this device's own signing key and hold changes it holds, checked against its
own record of what it published (``sync_published``): a stray file named like a bundle (a copy
left by a cloud client, a restore, a hand-made file) is set aside with the reason and never
moves the position; a bundle found missing is published again from the changes held; a
position beyond anything this laptop ever wrote stops the sync with the reason.

The check reads every bundle's name and record, hundreds on a large laptop: a process that
has found its folder whole makes it again only when the folder's names are no longer those
it found and has written since (``FolderTarget.unchanged_since_confirmed``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from operator import itemgetter

from sqlalchemy import delete, func, select

from restart_desktop.atomic import write_atomically
from restart_desktop.store.models import Change, SyncErasedSeq, SyncPublished
from restart_desktop.sync.bundle import BundleError
from restart_desktop.sync.envelope import EnvelopeError, verify
from restart_desktop.sync.errors import SyncRefused
from restart_desktop.sync.folder import SET_ASIDE_SUFFIX, Published
from restart_desktop.sync.laptop import Laptop
from restart_desktop.sync.publish import publish_range, record_published
from restart_desktop.sync.roster import Roster
from restart_desktop.sync.target import Target

log = logging.getLogger(__name__)


class AheadOfThisLaptop(SyncRefused):
    """The export holds more of this laptop's changes than it ever wrote (put back from an
    older copy): sending would reuse numbers already published, so nothing is sent."""


@dataclass(frozen=True)
class OwnFolder:
    position: int  # the last change in a verified bundle of this laptop (0: none)
    set_aside: tuple[str, ...] = ()  # files named like its bundles that it did not sign
    republished: int = 0  # its bundles found missing and published again
    scrub_due: bool = False  # changes of cases erased here wait to leave its bundles


def _set_aside(laptop: Laptop, target: Target, item: Published, reason: str) -> None:
    """Keep a copy of a file that is not this laptop's bundle (with the reason) in the data
    folder's quarantine, then take it out of this laptop's folder of the export, where it
    would hold up every reader."""
    folder = laptop.quarantine / item.device_id
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with suppress(BundleError):  # a folder named like it: renamed aside where it is
            for name, data in zip(
                (item.name, item.name.replace(".age", ".sig")),
                target.read_parts(item),
                strict=True,
            ):
                if data is not None:
                    write_atomically(folder / name, data)
        write_atomically(folder / (item.name + ".reason.txt"), (reason + "\n").encode())
    except OSError:
        log.warning("could not keep a copy of a file set aside")
    target.remove(item)


@dataclass(frozen=True)
class _Written:
    ever: int  # the last change this laptop ever wrote (held, erased, or published)
    recorded_upto: int  # the last it recorded as published
    scrub_due: bool  # changes of cases erased here wait to leave its bundles
    #: Each bundle it recorded as published, as a Published (a tuple): compared whole with
    #: the bundles listed, hundreds on a large laptop at every sync.
    published: frozenset[tuple[str, int, int, int]]

    @property
    def recorded(self) -> dict[tuple[int, int], int]:
        """(from, to) -> the generation it published."""
        return {(first, last): generation for _d, first, last, generation in self.published}


def _ever_written(laptop: Laptop) -> _Written:
    """What this laptop wrote and recorded as published: one read."""
    device = laptop.device_id
    with laptop.db.read() as s:
        own = s.execute(select(func.max(Change.seq)).where(Change.device_id == device)).scalar()
        erased = s.execute(select(func.max(SyncErasedSeq.seq))).scalar()
        rows = s.connection().exec_driver_sql(
            "SELECT ?, from_seq, to_seq, generation FROM sync_published", (device,)
        )
        published = frozenset(map(tuple, rows))
    upto = max(map(itemgetter(2), published), default=0)
    return _Written(max(int(own or 0), int(erased or 0), upto), upto, erased is not None, published)


def _as_confirmed(laptop: Laptop, target: Target) -> OwnFolder | None:
    """The check's result without making it again, when this laptop's folder holds exactly
    the files this process last found to be its bundles, as recorded, with those it has
    written and removed there since (one listing, no file read), and its database records
    the same last bundle (not put back from an older copy meanwhile): one statement."""
    last = target.unchanged_since_confirmed(laptop.device_id)
    if last is None:
        return None
    with laptop.db.read() as s:
        # The last bundle recorded by the index (a bundle over the changes after all
        # others'); any other answer only sends the sync through the whole check.
        recorded, erased = s.execute(
            select(
                select(SyncPublished.to_seq)
                .order_by(SyncPublished.from_seq.desc())
                .limit(1)
                .scalar_subquery(),
                select(func.max(SyncErasedSeq.seq)).scalar_subquery(),
            )
        ).one()
    if (recorded or 0) != last:
        return None
    return OwnFolder(last, scrub_due=erased is not None)


def check_own_folder(laptop: Laptop, target: Target, roster: Roster | None = None) -> OwnFolder:
    """Work out this laptop's export position from the files that really are its bundles;
    with ``roster``, publish again any of its bundles missing from the export. Raises
    AheadOfThisLaptop when the export holds more of this laptop's changes than it ever wrote.

    With ``roster``, the check is made in full only when the folder's files are not those
    this process last found whole (and has written since): at the first sync of a process,
    and after anybody else added, removed or renamed a file there. Its bundles cost a
    listing, their records and a lookup each otherwise, at every sync (hundreds of each on
    a large laptop)."""
    device, keys = laptop.device_id, laptop.keys
    if roster is not None:
        confirmed = _as_confirmed(laptop, target)
        if confirmed is not None:
            return confirmed
    written = _ever_written(laptop)
    ever, recorded_upto, known = written.ever, written.recorded_upto, written.published
    listed = target.bundle_files(device)
    # Its own, checked when it was published or first found: all of them, mostly.
    unknown = [item for item in listed if item not in known]
    valid = [item for item in listed if item in known] if unknown else listed
    recorded = written.recorded if unknown else {}
    found: list[tuple[Published, int]] = []
    set_aside: list[str] = []
    for item in unknown:
        try:
            ciphertext, signature = target.read_parts(item)
            if ciphertext is None:
                continue  # retired meanwhile
            if signature is None:
                raise EnvelopeError("no signature")
            verify(ciphertext, signature, keys.verify_key, device, item.name)
        except (EnvelopeError, BundleError) as error:
            folder = (
                f" ({error}: renamed where it is, '{SET_ASIDE_SUFFIX}' added to its name, "
                "nothing in it deleted)"
                if isinstance(error, BundleError)
                else ""
            )
            reason = (
                f"{item.name} in this laptop's folder of the central export is not "
                f"a bundle this laptop signed{folder}: set aside, it does not count."
            )
            _set_aside(laptop, target, item, reason)
            set_aside.append(item.name)
            continue
        if item.to_seq > ever:
            raise AheadOfThisLaptop(
                f"The central export holds changes of this laptop up to number {item.to_seq}, "
                f"but this laptop has only ever written {ever}: it may have been put back from "
                "an older copy. Nothing was sent; ask your supervisor before syncing again."
            )
        valid.append(item)
        if item.generation >= recorded.get((item.from_seq, item.to_seq), 0):
            found.append((item, len(ciphertext)))
    record_published(laptop, found)
    position = max(map(itemgetter(2), valid), default=0)
    again: list[Published] = []
    if roster is not None:
        for first, last in _uncovered(valid, max(position, recorded_upto)):
            again += publish_range(laptop, target, roster, first, last, stubs_upto=recorded_upto)
        position = max([position, *(item.to_seq for item in again)])
        # Every span recorded is there when the bundles listed are those recorded.
        every = not unknown and len(valid) == len(known)
        present = set() if every else {(item.from_seq, item.to_seq) for item in (*valid, *again)}
        gone = [] if every else [span for span in written.recorded if span not in present]
        if gone:  # superseded by bundles over the same changes
            with laptop.db.write() as s:
                for first, last in gone:
                    s.execute(
                        delete(SyncPublished).where(
                            SyncPublished.from_seq == first, SyncPublished.to_seq == last
                        )
                    )
        # The files are those recorded now: those listed, less those set aside, and those
        # published again.
        target.confirm_listing(device, position)
    republished = len(again)
    return OwnFolder(position, tuple(set_aside), republished, written.scrub_due)


def _uncovered(valid: Sequence[Published], upto: int) -> list[tuple[int, int]]:
    """The ranges of sequence numbers from 1 to ``upto`` in none of the bundles."""
    gaps, covered = [], 0
    for item in sorted(valid, key=itemgetter(1, 2)):  # (from, to)
        if item.from_seq > covered + 1:
            gaps.append((covered + 1, item.from_seq - 1))
        covered = max(covered, item.to_seq)
    if upto > covered:
        gaps.append((covered + 1, upto))
    return gaps
