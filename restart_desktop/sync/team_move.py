"""``restart-desktop team move --from TARGET --to TARGET``: a team's whole central export
copied between any two targets (folder to server, server to folder, or alike), verbatim: the
same signed, encrypted bytes, so every signature still verifies and every laptop syncs on
once its target is set to the new place. Nothing is decrypted; no laptop's data folder is
needed.

On a server the roster goes last: a move cut short leaves no team there (a laptop refuses
it). A folder takes a device's files only under a roster, so there it goes first. Either way,
running the same move again finishes it (a destination holding another team is refused).
On a server destination the administrator's role (the connection string's user, allowed to
create roles) makes each member's role: the team's founding supervisor's allowed to approve
others, the rest plain devices.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from restart_desktop.store.batches import batches
from restart_desktop.sync.audit_heads import HEAD_NAME
from restart_desktop.sync.digest import DIGEST_NAME
from restart_desktop.sync.errors import SyncRefused
from restart_desktop.sync.folder import FolderTarget, NotTheExport, TargetUnavailable
from restart_desktop.sync.postgres import PostgresTarget, is_server_target
from restart_desktop.sync.postgres_login import split_target
from restart_desktop.sync.roster import Roster, RosterError
from restart_desktop.sync.target import Target

#: The files a device replaces (beside its bundles), copied as they are.
DEVICE_FILES = (DIGEST_NAME, HEAD_NAME)


@dataclass(frozen=True)
class Moved:
    devices: int
    bundles: int
    files: int
    requests: int


def open_admin_target(where: str, create: bool = False) -> Target:
    """A target as its administrator reaches it: a server as the connection string's user
    (the owner of the schema, to whom row-level security does not apply), or a folder."""
    if is_server_target(where):
        return PostgresTarget(where)
    folder = Path(where).expanduser().absolute()
    if create and not folder.exists() and folder.parent.is_dir():
        folder.mkdir()
    return FolderTarget(folder)


def laptops_target(where: str) -> str:
    """The target as the laptops set it: a server's without the administrator's user."""
    if is_server_target(where):
        return split_target(where)[0]
    return str(Path(where).expanduser().absolute())


def _same_place(first: str, second: str) -> bool:
    """Whether two targets are one: the same folder (however written: relative, through a
    link), or the same server and database as the laptops reach it."""
    if is_server_target(first) or is_server_target(second):
        return laptops_target(first) == laptops_target(second)
    one, other = Path(first).expanduser(), Path(second).expanduser()
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them not there (yet)
        return one.resolve() == other.resolve()


#: Parts copied per transaction (a 10,000-case laptop's export holds thousands of them).
_PARTS_AT_A_TIME = 100


def move_team(source_where: str, destination_where: str) -> Moved:
    """Copy the team's export from one target to the other; SyncRefused says why not."""
    if _same_place(source_where, destination_where):
        raise SyncRefused(
            f"--from and --to name the same place ({laptops_target(source_where)}): a team "
            "cannot be moved onto itself. Nothing was copied."
        )
    source = open_admin_target(source_where)
    destination = open_admin_target(destination_where, create=True)
    try:
        return _move(source, destination)
    except (NotTheExport, TargetUnavailable) as error:
        raise SyncRefused(str(error)) from None
    except OSError as error:
        raise SyncRefused(
            f"The move stopped ({error.strerror or error}). Nothing in the "
            "source was changed; run the same move again to finish it."
        ) from None
    finally:
        source.close()
        destination.close()


def _move(source: Target, destination: Target) -> Moved:
    source.check()
    destination.check()
    roster_pair = source.read_roster()
    if roster_pair is None:
        raise SyncRefused(f"There is no team in {source.location} to move.")
    there = destination.read_roster()
    if there is not None and there != roster_pair:  # the same roster: a move to finish
        raise SyncRefused(f"{destination.location} already holds a team: nothing was copied.")
    try:
        roster = Roster.from_json(roster_pair[0])
    except RosterError as error:
        raise SyncRefused(f"The roster in {source.location} is damaged ({error}).") from None
    if isinstance(destination, FolderTarget):  # a folder takes devices' files only under a
        destination.publish_roster(*roster_pair)  # roster (never in a stand-in folder)
    bundles = files = 0
    devices = source.devices()
    for device in devices:
        for names in batches(source.part_names(device), _PARTS_AT_A_TIME):  # not all in memory
            destination.publish_parts(
                device, [(name, *source.read_part(device, name)) for name in names]
            )
        for item in source.bundle_files(device):
            ciphertext, signature = source.read(item)
            destination.publish(
                device, item.from_seq, item.to_seq, ciphertext, signature, item.generation
            )
            bundles += 1
        for name in DEVICE_FILES:
            found = source.read_file(device, name)
            if found is not None:
                destination.publish_file(device, name, *found)
                files += 1
    requests = source.requests()
    for data in requests:
        device_id = str(json.loads(data)["device_id"])
        if isinstance(destination, PostgresTarget):
            destination.copy_request(device_id, data)  # no password verifier: it asks again
        else:
            destination.file_request(device_id, data)
    if isinstance(destination, PostgresTarget):
        founder = next(
            (m.device_id for m in roster.members if m.verify_key == roster.supervisor_key), None
        )
        destination.adopt([m.device_id for m in roster.members], founder)
    if there is None:  # a server's last: it is a team from now
        destination.publish_roster(*roster_pair)
    return Moved(len(devices), bundles, files, len(requests))
