"""Small checks of the central export that turn what shares and sticks do into words: the
target kept as an absolute folder, a damaged roster explained, and a supervisor told once
that a removed laptop's bundles are ignored."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from restart_desktop.domain.case import Role
from restart_desktop.store.models import SyncPeer
from restart_desktop.sync.laptop import Laptop
from restart_desktop.sync.roster import Roster, RosterError
from restart_desktop.sync.target import Target

MEMBER_NAMES = "sync_member_names"  # device id -> worker name, of every roster seen (JSON)
REMOVED_TOLD = "sync_removed_told"  # removed devices the supervisor was told about (JSON)
_DEVICE_ID = re.compile(r"[0-9a-f-]{36}")


def absolute_folder(path: Path) -> Path:
    """The folder as an absolute path, ``~`` and ``..`` worked out (symbolic links kept: a
    mount point may be one)."""
    return Path(os.path.abspath(path.expanduser()))


def roster_words(error: RosterError) -> str:
    """Why the roster cannot be trusted, in words, and what to do."""
    return (
        f"The team roster in the central export cannot be trusted ({error}): it is "
        "damaged or was not signed by your team's supervisor. Nothing was exchanged; ask "
        "your supervisor to check the central export."
    )


def remember_names(laptop: Laptop, roster: Roster, saved: str | None = None) -> None:
    """Keep the name of every laptop ever on the roster, to name it once it is removed
    (``saved``: the setting as just read)."""
    known: dict[str, str] = json.loads(
        laptop.setting(MEMBER_NAMES, "{}") if saved is None else saved
    )
    names = {**known, **{m.device_id: m.name for m in roster.members}}
    if names != known:
        laptop.set_setting(MEMBER_NAMES, json.dumps(names, sort_keys=True))


def removed_devices(laptop: Laptop, target: Target, roster: Roster) -> tuple[str, ...]:
    """For a supervisor, once per removed laptop: that its bundles not yet read here are
    ignored, with its worker's name and how many."""
    if laptop.role != Role.SUPERVISOR:
        return ()
    removed = [
        device
        for device in target.devices()
        if device != laptop.device_id
        and _DEVICE_ID.fullmatch(device)
        and roster.member(device) is None
    ]
    if not removed:
        return ()  # the usual case: nothing read
    saved = laptop.settings(REMOVED_TOLD, MEMBER_NAMES)
    told: list[str] = json.loads(saved.get(REMOVED_TOLD, "[]"))
    names: dict[str, str] = json.loads(saved.get(MEMBER_NAMES, "{}"))
    said = []
    for device in removed:
        if device in told:
            continue
        with laptop.db.read() as s:
            peer = s.get(SyncPeer, device)
            high_water = peer.high_water if peer else 0
        count = sum(1 for item in target.published(device) if item.to_seq > high_water)
        if not count:
            continue
        who = f"{names[device]}'s laptop" if device in names else f"the laptop {device}"
        said.append(
            f"{count} bundle{'s' if count != 1 else ''} from {who} are ignored: it "
            "was removed from the team."
        )
        told.append(device)
    if said:
        laptop.set_setting(REMOVED_TOLD, json.dumps(sorted(told)))
    return tuple(said)
