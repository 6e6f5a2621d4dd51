"""A folder as the central export (network share, synced cloud folder, encrypted USB stick).

Layout: ``devices/<device_id>/<from>-<to>.age`` with its signature ``<from>-<to>.sig`` (format
3: the manifest; its parts in ``devices/<device_id>/parts/``). Each device writes only in its
own folder; no database file ever lives on the target.

Publication is atomic: each file is written under a temporary name, flushed to disk, renamed,
and the folder flushed. The signature goes first and the bundle last, so a bundle is visible
only when complete and signed; a reader ignores temporary files. The export position is read
back from the bundles actually published, never kept as a separate flag, so a sync killed
between writing and recording can never publish the same changes twice.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from restart_desktop.atomic import fsync_dir, write_atomically, write_temporary
from restart_desktop.sync.bundle import BundleError
from restart_desktop.sync.errors import SyncRefused

#: Threads that write a bundle's parts side by side (a 10,000-case laptop's first export
#: writes thousands of files, each flushed to disk).
_WRITERS = ThreadPoolExecutor(4, thread_name_prefix="restart-parts")
_ATTEMPTS = 10  # publications of one bundle when other processes of the device race it
SHARED = 0o644  # encrypted and signed: readable by the team's accounts on a shared folder

DEVICES = "devices"
PARTS = "parts"  # a device's folder: the parts of its format 3 bundles
ROSTER, ROSTER_SIGNATURE = "roster.json", "roster.sig"
# A bundle re-encrypted for a changed team is published again as the next generation
# ("<from>-<to>.2.age"); readers take the highest generation of each range.
_NAME = re.compile(r"(\d{10})-(\d{10})(?:\.(\d+))?\.age")


class TargetUnavailable(OSError):
    """The target folder is not there now (share offline, stick not plugged in)."""


class NotTheExport(OSError):
    """A folder is there but holds no team (an empty mount point, another folder): nothing is
    written into it."""


class NotAFolder(SyncRefused):
    """A file (not a folder) stands where a device's folder of the export goes: nothing of
    that device can be read, and nothing written there."""

    def __init__(self, device_id: str, where: str = "") -> None:
        where = where or f"{DEVICES}/{device_id}"
        super().__init__(
            f"The central export holds a file where the folder {where} should be: nothing "
            "was sent or received. Move that file out of the export (or ask whoever looks "
            "after the share to); the next sync makes the folder again and publishes this "
            "laptop's bundles in it."
        )
        self.device_id = device_id


#: What a folder or file found where one of a device's own files goes is renamed to in that
#: folder: out of the way, named like nothing a reader looks at, and nothing deleted.
SET_ASIDE_SUFFIX = ".set-aside"


def set_aside_in_place(path: Path) -> Path:
    """Rename whatever is at ``path`` (a folder named like a bundle, a file where a folder
    goes) to a free name ending in SET_ASIDE_SUFFIX beside it; returns the new path."""
    for number in range(1, 1000):
        again = f"-{number}" if number > 1 else ""
        aside = path.with_name(f"{path.name}{SET_ASIDE_SUFFIX}{again}")
        if not os.path.lexists(aside):
            os.rename(path, aside)
            return aside
    raise FileExistsError(f"no free name to set {path.name} aside")


def _clear_way(path: Path) -> None:
    """A folder standing where a device writes one of its files is set aside first: a
    rename onto a folder fails, and would stop every sync of that device."""
    if path.is_dir() and not path.is_symlink():
        aside = set_aside_in_place(path)
        _wrote(path.parent, (aside.name,), (path.name,))


class PublishRaced(OSError):
    """Another process of this device kept replacing the same file: nothing broken was left."""


NOT_THE_EXPORT = (
    "This is not your team's central export (is the USB stick plugged in, is the share connected?)"
)


class Published(NamedTuple):
    """A bundle of a device in the export (a tuple: a sync lists every bundle of a device,
    hundreds on a large team, and a frozen dataclass costs several times more to make)."""

    device_id: str
    from_seq: int
    to_seq: int
    generation: int = 1

    @property
    def name(self) -> str:
        return bundle_name(self.from_seq, self.to_seq, self.generation)


def bundle_name(from_seq: int, to_seq: int, generation: int = 1) -> str:
    again = f".{generation}" if generation > 1 else ""
    return f"{from_seq:010d}-{to_seq:010d}{again}.age"


REQUESTS = "requests"


_PART = re.compile(r"(\d{10})-(\d{10})(?:\.(\d+))?\.p[0-9a-f]{16}\.age")


def part_of(name: str) -> tuple[int, int, int] | None:
    """(from_seq, to_seq, generation) of the bundle a part belongs to, by its name."""
    found = _PART.fullmatch(name)
    if found is None:
        return None
    return int(found[1]), int(found[2]), int(found[3] or 1)


def part_name(bundle: str, ciphertext: bytes) -> str:
    """A part of a format 3 bundle (``<from>-<to>[.<generation>].p<hash>.age``), named by its
    own bytes: two processes of a device publishing the same range never write each other's
    parts, and a part can never be taken for a bundle."""
    return bundle.removesuffix(".age") + f".p{hashlib.sha256(ciphertext).hexdigest()[:16]}.age"


def signature_name(name: str) -> str:
    return name.removesuffix(".age") + ".sig"


Span = tuple[int, int, int]  # (from, to, generation) of a bundle, from its name

#: What each name found in a device folder says (None: not a bundle's). Every sync lists
#: every bundle of its own folder and of each member's (hundreds each on a large team) and
#: mostly finds the names it found the time before, and a name always says the same.
_SPANS: dict[str, Span | None] = {}
_SPANS_AT_MOST = 200_000


def _span(name: str) -> Span | None:
    if name not in _SPANS:
        if len(_SPANS) >= _SPANS_AT_MOST:
            _SPANS.clear()
        match = _NAME.fullmatch(name)
        _SPANS[name] = (int(match[1]), int(match[2]), int(match[3] or 1)) if match else None
    return _SPANS[name]


class _Listed(NamedTuple):
    names: frozenset[str]
    spans: list[Span]  # in order; never changed once made
    #: The spans of the listing before when these are those and bundles after them (what a
    #: receiver mostly finds: a member's new bundles), or None.
    grown_from: list[Span] | None = None


#: The last listing of each device folder and its bundles' spans: a receiver mostly finds the
#: names of the last listing and a bundle or two more, whose spans go after those known
#: instead of all being looked up and sorted again.
_LISTED: dict[Path, _Listed] = {}
_LISTED_AT_MOST = 256


def _bundle_spans(folder: Path) -> _Listed:
    """Every name in a device's folder, and (from, to, generation) of each that is a bundle's
    (not their signatures, its digest, its chain head or its parts' folder), in order, by one
    listing, without a stat, compared whole with the last listing (never by a folder's time,
    which shares and sticks keep coarsely)."""
    names = frozenset(os.listdir(folder))
    last = _LISTED.get(folder)
    if last is not None and last.names == names:
        return last
    if last is not None and last.names < names:  # files added (what a sync mostly finds)
        added = sorted(filter(None, map(_span, names - last.names)))
        if not added:  # a signature before its bundle, the digest: the same bundles
            listed = _Listed(names, last.spans, last.grown_from)
        elif not last.spans or added[0][:2] > last.spans[-1][:2]:
            listed = _Listed(names, last.spans + added, last.spans)
        else:
            listed = _Listed(names, sorted(last.spans + added))
    else:
        listed = _Listed(names, sorted(filter(None, map(_span, names))))
    if len(_LISTED) >= _LISTED_AT_MOST:
        _LISTED.clear()
    _LISTED[folder] = listed
    return listed


#: The bundles of the last listing of each device folder (its spans, the newest generation
#: of each range), handed out again while the listing is the same, and extended with a
#: member's new bundles.
_NEWEST: dict[Path, tuple[list[Span], list[Published]]] = {}
_RANGE, _GENERATION = itemgetter(0, 1), itemgetter(2)


def _newest(device_id: str, spans: Sequence[Span]) -> list[Published]:
    """The newest generation of each range (in order: the newest last)."""
    newest = dict(zip(map(_RANGE, spans), map(_GENERATION, spans), strict=True))
    return [Published(device_id, a, b, generation) for (a, b), generation in newest.items()]


class _Confirmed(NamedTuple):
    names: frozenset[str]  # every name in the folder
    last: int  # the last change in a bundle there


#: Each of its own folders as a check by this process found it whole (every file there its
#: verified bundle, each as its database records), with the files this process has written
#: and removed there since: while a listing finds exactly these names, nobody else has
#: added, removed or renamed a file there, and the check need not be made again.
_CONFIRMED: dict[Path, _Confirmed] = {}
#: The names listed by a check under way (bundle_files), with the files this process has
#: written and removed there since (a stray set aside, a lost bundle published again).
_CHECKING: dict[Path, frozenset[str]] = {}


def _wrote(
    folder: Path, added: Sequence[str] = (), removed: Sequence[str] = (), last: int = 0
) -> None:
    """This process has written (or removed) files in a device's folder."""
    checking = _CHECKING.get(folder)
    if checking is not None:
        _CHECKING[folder] = checking.union(added).difference(removed)
    confirmed = _CONFIRMED.get(folder)
    if confirmed is not None:
        names = confirmed.names.union(added).difference(removed)
        _CONFIRMED[folder] = _Confirmed(names, max(confirmed.last, last))


class FolderTarget:
    #: Bundles an export may write at once (their manifests still land in order,
    #: ``sync.export``): each mostly waits for the disk to flush its files, and a disk
    #: flushes several files at once about as fast as one.
    concurrent_publishes = 4

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def location(self) -> str:
        return str(self.root)

    def reachable(self) -> bool:
        return self.root.is_dir()

    def close(self) -> None:
        """Nothing held open."""

    def check(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise TargetUnavailable(f"The central export {self.root} is a file, not a folder.")
        if not self.root.is_dir():
            raise TargetUnavailable(f"The central export {self.root} cannot be reached.")

    def check_identity(self) -> None:
        """The export is there and is a team's: its roster is in it. An empty folder in its
        place (a USB stick not plugged in, a share not mounted) is refused before anything
        is written."""
        self.check()
        if not (self.root / ROSTER).is_file():
            raise NotTheExport(NOT_THE_EXPORT)

    def _device_folder(self, device_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f-]{36}", device_id):
            raise ValueError("not a device id")
        return self.root / DEVICES / device_id

    def published(self, device_id: str) -> list[Published]:
        """The complete bundles of one device, in sequence order."""
        self.check()
        folder = self._device_folder(device_id)
        if not folder.is_dir():
            if os.path.lexists(folder):
                raise NotAFolder(device_id)
            return []
        listed = _bundle_spans(folder)
        last = _NEWEST.get(folder)
        if last is not None and last[0] is listed.spans:  # the very listing of last time
            return list(last[1])
        # Overlapping bundles (a laptop that published again after its newest bundle had not
        # reached its copy of the export) are read in turn: changes already held are skipped.
        if last is not None and last[0] is listed.grown_from:  # the bundles after those
            found = last[1] + _newest(device_id, listed.spans[len(last[0]) :])
        else:
            found = _newest(device_id, listed.spans)
        if len(_NEWEST) >= _LISTED_AT_MOST:
            _NEWEST.clear()
        _NEWEST[folder] = (listed.spans, found)
        return list(found)

    def bundle_files(self, device_id: str) -> list[Published]:
        """Every file of one device named like a bundle (every generation): what a name
        claims, to be checked before it is believed. Names only (a sync lists them at every
        run; a stat of each would cost more than the rest of a small sync)."""
        self.check()
        folder = self._device_folder(device_id)
        _CONFIRMED.pop(folder, None)  # a check under way: only its confirmation counts
        if not folder.is_dir():
            if os.path.lexists(folder):
                raise NotAFolder(device_id)
            _CHECKING[folder] = frozenset()
            return []
        listed = _bundle_spans(folder)
        _CHECKING[folder] = listed.names
        return [Published(device_id, a, b, generation) for a, b, generation in listed.spans]

    def confirm_listing(self, device_id: str, last: int) -> None:
        """The files bundle_files listed last in this device's folder (with those this process
        has written and removed there since) are its bundles, as its database records them,
        up to ``last``: kept, with what this process writes there from now on, for
        unchanged_since_confirmed."""
        folder = self._device_folder(device_id)
        names = _CHECKING.pop(folder, None)
        if names is not None:
            _CONFIRMED[folder] = _Confirmed(names, last)

    def unchanged_since_confirmed(self, device_id: str) -> int | None:
        """The last change in this device's bundles when its folder holds exactly the files
        confirmed (and written there by this process since): one listing, compared whole;
        None otherwise."""
        self.check()
        folder = self._device_folder(device_id)
        confirmed = _CONFIRMED.get(folder)
        if confirmed is None:
            return None
        try:
            names = frozenset(os.listdir(folder))
        except FileNotFoundError:  # not made yet, or gone
            names = frozenset()
        except OSError:  # not a folder: the whole check says what it is
            return None
        if names != confirmed.names:
            return None
        return confirmed.last

    def remove(self, item: Published) -> None:
        """Take a file that is not the device's own bundle out of its folder (the device
        keeps a copy aside first): the bundle, then the signature. A folder named like
        either is renamed aside in the same folder (SET_ASIDE_SUFFIX), nothing in it
        deleted."""
        folder = self._device_folder(item.device_id)
        for name in (item.name, signature_name(item.name)):
            _clear_way(folder / name)
        self.retire(item)

    def devices(self) -> list[str]:
        self.check()
        folder = self.root / DEVICES
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def last_published_seq(self, device_id: str) -> int:
        """The export position, from what is actually there: 0 before the first bundle."""
        return max((p.to_seq for p in self.published(device_id)), default=0)

    def _own_folder(self, device_id: str) -> Path:
        """The device's folder, made if needed, only in a folder holding the team's roster:
        never in an empty folder standing in for an unmounted share."""
        self.check_identity()
        folder = self._device_folder(device_id)
        for made in (folder.parent, folder):
            if os.path.lexists(made) and not made.is_dir():
                raise NotAFolder(device_id, str(made.relative_to(self.root)))
            made.mkdir(exist_ok=True)
        return folder

    def publish(
        self,
        device_id: str,
        from_seq: int,
        to_seq: int,
        ciphertext: bytes,
        signature: bytes,
        generation: int = 1,
        intact: Callable[[bytes, bytes], bool] | None = None,
    ) -> Published:
        """Publish a bundle: both files written under names of their own and flushed, checked
        (``intact``: the signature verifies over the bundle) before they are renamed, the
        signature first; then read back, and written again should another process of the
        same device have replaced one of the two meanwhile."""
        folder = self._own_folder(device_id)
        name = bundle_name(from_seq, to_seq, generation)
        bundle, sig = folder / name, folder / name.replace(".age", ".sig")
        _clear_way(sig)
        _clear_way(bundle)
        for _attempt in range(_ATTEMPTS):
            temporary_sig = write_temporary(sig, signature, SHARED)
            temporary = write_temporary(bundle, ciphertext, SHARED)
            try:
                if intact is not None and not intact(
                    temporary.read_bytes(), temporary_sig.read_bytes()
                ):
                    raise OSError("a bundle written to the central export did not read back whole")
                os.replace(temporary_sig, sig)
                os.replace(temporary, bundle)  # the commit point
            finally:
                temporary_sig.unlink(missing_ok=True)
                temporary.unlink(missing_ok=True)
            fsync_dir(folder)
            # Another process of this device may be between its two renames: give it the
            # time to finish. A whole pair, ours or its (the same changes), is the result.
            for _look in range(3):
                if intact is None or self._pair_intact(bundle, sig, intact):
                    _wrote(folder, (bundle.name, sig.name), last=to_seq)
                    return Published(device_id, from_seq, to_seq, generation)
                time.sleep(random.uniform(0.01, 0.05))  # noqa: S311 - a pause, not a secret
        raise PublishRaced(
            f"another process kept replacing this laptop's bundle {name} in the central export"
        )

    @staticmethod
    def _pair_intact(bundle: Path, sig: Path, intact: Callable[[bytes, bytes], bool]) -> bool:
        try:
            return intact(bundle.read_bytes(), sig.read_bytes())
        except FileNotFoundError:
            return False

    def retire(self, item: Published) -> None:
        """Remove an older generation of a bundle once a newer one is published (the bundle
        first, then its signature: a reader never sees a bundle without its signature; then
        its parts, format 3)."""
        folder = self._device_folder(item.device_id)
        pair = (item.name, item.name.replace(".age", ".sig"))
        for name in pair:
            (folder / name).unlink(missing_ok=True)
        fsync_dir(folder)
        _wrote(folder, removed=pair)
        prefix = item.name.removesuffix(".age") + ".p"
        parts = folder / PARTS
        if parts.is_dir():
            with os.scandir(parts) as entries:
                names = sorted(e.name for e in entries if e.name.startswith(prefix))
            for name in names:
                (parts / name).unlink(missing_ok=True)
            fsync_dir(parts)

    def publish_parts(self, device_id: str, parts: Sequence[tuple[str, bytes, bytes]]) -> None:
        """The parts of a format 3 bundle (name, ciphertext, signature), before its manifest:
        each file written under a name of its own, flushed and renamed (signature first),
        then the folder flushed once. Named by their bytes, so never replaced by others."""
        folder = self._own_folder(device_id) / PARTS
        if os.path.lexists(folder) and not folder.is_dir():  # a stray file: out of the way
            aside = set_aside_in_place(folder)
            _wrote(folder.parent, (aside.name,), (PARTS,))
        folder.mkdir(exist_ok=True)
        _wrote(folder.parent, (PARTS,))
        files = [
            (path, data)
            for name, ciphertext, signature in parts
            for path, data in (
                (folder / signature_name(name), signature),
                (folder / name, ciphertext),
            )
        ]
        # Written and flushed side by side (each mostly waits for the disk), renamed in order
        # once all are complete: a part never shows without its signature before it.
        writes = [_WRITERS.submit(write_temporary, path, data, SHARED) for path, data in files]
        try:
            for (path, _data), written in zip(files, writes, strict=True):
                os.replace(written.result(), path)
        finally:
            for written in writes:
                if not written.cancel() and written.exception() is None:
                    written.result().unlink(missing_ok=True)  # left by a failed rename
        with suppress(OSError):  # some shared folders cannot flush a folder: each file
            fsync_dir(folder)  # itself is complete

    def read_part(self, device_id: str, name: str) -> tuple[bytes, bytes]:
        """(ciphertext, signature) of a part named by a manifest."""
        if part_of(name) is None:
            raise FileNotFoundError(name)
        folder = self._device_folder(device_id) / PARTS
        return (folder / name).read_bytes(), (folder / signature_name(name)).read_bytes()

    def part_names(self, device_id: str) -> list[str]:
        folder = self._device_folder(device_id) / PARTS
        if not folder.is_dir():
            return []
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if _PART.fullmatch(e.name) and e.is_file())

    def read(self, item: Published) -> tuple[bytes, bytes]:
        """(ciphertext, signature) of a published bundle. A folder named like a bundle, or a
        bundle whose signature is not beside it (a stray, a cloud client's half copy; a
        device writes the signature first), is refused (BundleError), never read as the
        export failing: that would stop the sync for every laptop's bundles."""
        folder = self._device_folder(item.device_id)
        path, sig = folder / item.name, folder / signature_name(item.name)
        if path.is_dir():
            raise BundleError("it is a folder, not a bundle's file")
        if sig.is_dir():
            raise BundleError("a folder stands where its signature file goes")
        ciphertext = path.read_bytes()
        try:
            signature = sig.read_bytes()
        except FileNotFoundError:
            raise BundleError("its signature file is not beside it") from None
        return ciphertext, signature

    def publish_file(self, device_id: str, name: str, data: bytes, signature: bytes) -> None:
        """A device's file that it replaces (its digest): signature first, then the file."""
        folder = self._own_folder(device_id)
        _clear_way(folder / (name + ".sig"))
        _clear_way(folder / name)
        write_atomically(folder / (name + ".sig"), signature, SHARED)
        write_atomically(folder / name, data, SHARED)
        _wrote(folder, (name + ".sig", name))

    def read_file(self, device_id: str, name: str) -> tuple[bytes, bytes] | None:
        folder = self._device_folder(device_id)
        try:
            return (folder / name).read_bytes(), (folder / (name + ".sig")).read_bytes()
        # Not there; or a folder in its place, or a file in place of the device's folder
        # (said by the import, which cannot list the device's bundles either).
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def publish_roster(self, data: bytes, signature: bytes) -> None:
        """Only the supervisor's device writes the roster (signature first, as for bundles):
        when making the team, or over the roster it has just read and verified."""
        self.check()
        write_atomically(self.root / ROSTER_SIGNATURE, signature, SHARED)
        write_atomically(self.root / ROSTER, data, SHARED)

    def read_roster(self) -> tuple[bytes, bytes] | None:
        self.check()
        try:
            return (self.root / ROSTER).read_bytes(), (self.root / ROSTER_SIGNATURE).read_bytes()
        except FileNotFoundError:
            return None

    def read_parts(self, item: Published) -> tuple[bytes | None, bytes | None]:
        """(bundle, signature), each None when not there; BundleError when a folder stands
        in the place of either."""
        folder = self._device_folder(item.device_id)
        found: list[bytes | None] = []
        for name in (item.name, item.name.replace(".age", ".sig")):
            try:
                found.append((folder / name).read_bytes())
            except FileNotFoundError:
                found.append(None)
            except IsADirectoryError:
                raise BundleError(f"{name} is a folder, not a file") from None
        return found[0], found[1]

    # --- joining ---------------------------------------------------------------------------
    def _request(self, device_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f-]{36}", device_id):
            raise ValueError("not a device id")
        return self.root / REQUESTS / f"{device_id}.json"

    def file_request(self, device_id: str, data: bytes) -> None:
        path = self._request(device_id)
        path.parent.mkdir(exist_ok=True)
        write_atomically(path, data, SHARED)

    def requests(self) -> list[bytes]:
        folder = self.root / REQUESTS
        if not folder.is_dir():
            return []
        # Files only: a folder named like a request is a stray, not a request to read.
        return [path.read_bytes() for path in sorted(folder.glob("*.json")) if path.is_file()]

    def has_request(self, device_id: str) -> bool:
        try:
            return self._request(device_id).is_file()
        except ValueError:
            return False

    def found_team(self, device_id: str) -> None:
        """Nothing to make in a folder: its roster is the team."""

    def admit(self, device_id: str) -> None:
        self._request(device_id).unlink(missing_ok=True)

    def expel(self, device_id: str) -> None:
        """A folder enforces nothing: the roster alone says who is in."""
