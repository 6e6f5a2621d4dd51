"""A folder as the central export (network share, synced cloud folder, encrypted USB stick).

Layout: ``devices/<device_id>/<from>-<to>.age`` with its signature ``<from>-<to>.sig``. Each
device writes only in its own folder; no database file ever lives on the target.

Publication is atomic: each file is written under a temporary name, flushed to disk, renamed,
and the folder flushed. The signature goes first and the bundle last, so a bundle is visible
only when complete and signed; a reader ignores temporary files. The export position is read
back from the bundles actually published, never kept as a separate flag, so a sync killed
between writing and recording can never publish the same changes twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from restart_desktop.atomic import fsync_dir, write_atomically

SHARED = 0o644  # encrypted and signed: readable by the team's accounts on a shared folder

DEVICES = "devices"
ROSTER, ROSTER_SIGNATURE = "roster.json", "roster.sig"
# A bundle re-encrypted for a changed team is published again as the next generation
# ("<from>-<to>.2.age"); readers take the highest generation of each range.
_NAME = re.compile(r"^(\d{10})-(\d{10})(?:\.(\d+))?\.age$")


class TargetUnavailable(OSError):
    """The target folder is not there now (share offline, stick not plugged in)."""


@dataclass(frozen=True)
class Published:
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


class FolderTarget:
    def __init__(self, root: Path) -> None:
        self.root = root

    def check(self) -> None:
        if not self.root.is_dir():
            raise TargetUnavailable(f"The central export {self.root} cannot be reached.")

    def _device_folder(self, device_id: str) -> Path:
        if not re.fullmatch(r"[0-9a-f-]{36}", device_id):
            raise ValueError("not a device id")
        return self.root / DEVICES / device_id

    def published(self, device_id: str) -> list[Published]:
        """The complete bundles of one device, in sequence order."""
        self.check()
        folder = self._device_folder(device_id)
        if not folder.is_dir():
            return []
        newest: dict[tuple[int, int], int] = {}
        for path in folder.iterdir():
            match = _NAME.match(path.name)
            if match:
                span = (int(match[1]), int(match[2]))
                newest[span] = max(newest.get(span, 0), int(match[3] or 1))
        found = [Published(device_id, a, b, generation) for (a, b), generation in newest.items()]
        # Overlapping bundles (a laptop that published again after its newest bundle had not
        # reached its copy of the export) are read in turn: changes already held are skipped.
        return sorted(found, key=lambda p: (p.from_seq, p.to_seq))

    def devices(self) -> list[str]:
        self.check()
        folder = self.root / DEVICES
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def last_published_seq(self, device_id: str) -> int:
        """The export position, from what is actually there: 0 before the first bundle."""
        return max((p.to_seq for p in self.published(device_id)), default=0)

    def publish(
        self, device_id: str, from_seq: int, to_seq: int, ciphertext: bytes, signature: bytes,
        generation: int = 1,
    ) -> Published:
        self.check()
        folder = self._device_folder(device_id)
        folder.mkdir(parents=True, exist_ok=True)
        name = bundle_name(from_seq, to_seq, generation)
        write_atomically(folder / name.replace(".age", ".sig"), signature, SHARED)
        write_atomically(folder / name, ciphertext, SHARED)  # the commit point
        return Published(device_id, from_seq, to_seq, generation)

    def retire(self, item: Published) -> None:
        """Remove an older generation of a bundle once a newer one is published (the bundle
        first, then its signature: a reader never sees a bundle without its signature)."""
        folder = self._device_folder(item.device_id)
        for name in (item.name, item.name.replace(".age", ".sig")):
            (folder / name).unlink(missing_ok=True)
        fsync_dir(folder)

    def read(self, item: Published) -> tuple[bytes, bytes]:
        """(ciphertext, signature) of a published bundle."""
        folder = self._device_folder(item.device_id)
        ciphertext = (folder / item.name).read_bytes()
        signature = (folder / item.name.replace(".age", ".sig")).read_bytes()
        return ciphertext, signature

    def publish_file(self, device_id: str, name: str, data: bytes, signature: bytes) -> None:
        """A device's file that it replaces (its digest): signature first, then the file."""
        self.check()
        folder = self._device_folder(device_id)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / (name + ".sig"), signature, SHARED)
        write_atomically(folder / name, data, SHARED)

    def read_file(self, device_id: str, name: str) -> tuple[bytes, bytes] | None:
        folder = self._device_folder(device_id)
        try:
            return (folder / name).read_bytes(), (folder / (name + ".sig")).read_bytes()
        except FileNotFoundError:
            return None

    def publish_roster(self, data: bytes, signature: bytes) -> None:
        """Only the supervisor's device writes the roster (signature first, as for bundles)."""
        self.check()
        write_atomically(self.root / ROSTER_SIGNATURE, signature, SHARED)
        write_atomically(self.root / ROSTER, data, SHARED)

    def read_roster(self) -> tuple[bytes, bytes] | None:
        self.check()
        try:
            return (self.root / ROSTER).read_bytes(), (self.root / ROSTER_SIGNATURE).read_bytes()
        except FileNotFoundError:
            return None
