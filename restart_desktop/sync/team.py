"""The team in the central export: the supervisor makes it (a signed roster with their own
laptop), laptops ask to join, the supervisor approves, removes or promotes members, and every
laptop trusts a roster only when it verifies with the supervisor's key pinned when it joined
or made the team, and is not older than one seen before. Who may do what is the app's to
check (``app.permissions``) before it calls these.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace

from restart_desktop.domain.case import Role
from restart_desktop.domain.ids import uuid7
from restart_desktop.store.models import Worker
from restart_desktop.sync.checks import MEMBER_NAMES, remember_names, roster_words
from restart_desktop.sync.envelope import EnvelopeError, fingerprint, seal
from restart_desktop.sync.errors import SyncRefused
from restart_desktop.sync.folder import NOT_THE_EXPORT
from restart_desktop.sync.laptop import Laptop
from restart_desktop.sync.roster import Member, Roster, RosterError, sign_roster, verify_roster
from restart_desktop.sync.target import Target

log = logging.getLogger(__name__)

PINNED_KEY = "sync_team_key"  # the supervisor's verify key, pinned when joining or creating
ROSTER_VERSION = "sync_roster_version"  # the newest roster seen: an older one is refused

#: What is done with the team's recovery recipient once a roster is trusted (the app keeps a
#: copy of the database key encrypted to it).
Recovery = Callable[[str], None]


def _no_recovery(_recipient: str) -> None:
    return None


def member_of(laptop: Laptop) -> Member:
    """This laptop as a roster names it."""
    keys = laptop.keys
    return Member(
        laptop.device_id,
        laptop.worker_id,
        laptop.worker_name,
        laptop.role,
        keys.age_recipient,
        keys.verify_key,
    )


def create_team(
    laptop: Laptop, target: Target, recovery_recipient: str, recovery: Recovery = _no_recovery
) -> Roster:
    """A roster with this laptop alone, signed by it, in an export with no team yet; its
    key pinned. On a server the connection string's user makes the supervisor's own role."""
    if target.read_roster() is not None:
        raise SyncRefused("This central export already has a team. Join it instead.")
    keys = laptop.keys
    roster = Roster(uuid7(), 1, keys.verify_key, recovery_recipient.strip(), (member_of(laptop),))
    try:
        seal(b"check", roster.recipients, keys, laptop.device_id, "check")
    except EnvelopeError as error:
        raise SyncRefused(f"The recovery key is not an age public key ({error}).") from None
    try:
        target.found_team(laptop.device_id)  # a server makes the supervisor's role
    except PermissionError as error:
        raise SyncRefused(
            f"The team could not be made on the central server: {error.strerror}."
        ) from None
    target.publish_roster(roster.to_json(), sign_roster(roster, keys))
    recovery(roster.recovery_recipient)
    laptop.set_setting(PINNED_KEY, keys.verify_key)
    laptop.set_setting(ROSTER_VERSION, str(roster.version))
    return roster


def request_to_join(laptop: Laptop, target: Target) -> tuple[str, str]:
    """Ask to join the team in ``target``; pins the supervisor's key. Returns (supervisor's
    fingerprint, this device's fingerprint) to compare with the supervisor in person."""
    found = target.read_roster()
    if found is None:
        raise SyncRefused("There is no team in this central export yet: a supervisor makes it.")
    try:
        roster = Roster.from_json(found[0])
        verify_roster(found[0], found[1], roster.supervisor_key)
    except RosterError as error:
        raise SyncRefused(roster_words(error)) from None
    if roster.member(laptop.device_id) is not None:
        raise SyncRefused(
            f"This laptop is already a member of the team in {target.location}: nothing was "
            "filed. To sync with it from this place, run: restart-desktop sync --target "
            f"'{target.location}'"
        )
    if target.has_request(laptop.device_id):
        raise SyncRefused(
            "This laptop's request to join is already waiting for the supervisor's approval: "
            "nothing new was filed. Once approved, it receives the team's changes at its "
            "next sync."
        )
    laptop.set_setting(PINNED_KEY, roster.supervisor_key)
    laptop.set_setting(ROSTER_VERSION, str(roster.version))
    member = member_of(laptop)
    target.file_request(member.device_id, json.dumps(vars(member), sort_keys=True).encode())
    return fingerprint(roster.supervisor_key), fingerprint(member.verify_key)


def trusted_roster(
    laptop: Laptop, target: Target, recovery: Recovery = _no_recovery
) -> Roster | None:
    """The team's roster, verified with the pinned key and no older than one seen before;
    None when this laptop has neither made nor asked to join a team."""
    found = target.read_roster()
    saved = laptop.settings(PINNED_KEY, ROSTER_VERSION, MEMBER_NAMES)  # one read, every sync
    pinned = saved.get(PINNED_KEY, "")
    if not pinned:
        return None
    if found is None:  # in a team, and no roster here: an empty stand-in folder
        raise SyncRefused(NOT_THE_EXPORT)
    try:
        roster = verify_roster(found[0], found[1], pinned)
    except RosterError as error:
        raise SyncRefused(roster_words(error)) from None
    remember_names(laptop, roster, saved.get(MEMBER_NAMES, "{}"))
    recovery(roster.recovery_recipient)
    seen = int(saved.get(ROSTER_VERSION) or 0)
    if roster.version < seen:
        raise SyncRefused(
            "The team roster in the central export is older than one already "
            "seen here: it may have been replaced. Ask your supervisor."
        )
    if roster.version > seen:
        laptop.set_setting(ROSTER_VERSION, str(roster.version))
    return roster


def join_requests(target: Target) -> list[Member]:
    """Devices asking to join (for the supervisor to compare fingerprints and approve). A
    file that is not a request (damaged, hand-made, another program's) is left out: it
    never stands in the way of the real ones."""
    members = []
    for data in target.requests():
        try:
            fields = json.loads(data)
            member = Member(**fields)
            if not all(isinstance(getattr(member, f), str) for f in Member.__dataclass_fields__):
                raise TypeError("a request's fields are text")
        except (ValueError, TypeError):
            log.warning("a file among the requests to join is not one: left out")
            continue
        members.append(member)
    return members


def publish_roster(laptop: Laptop, target: Target, roster: Roster) -> None:
    keys = laptop.keys
    target.publish_roster(roster.to_json(), sign_roster(roster, keys))
    laptop.set_setting(ROSTER_VERSION, str(roster.version))


def approve(laptop: Laptop, target: Target, roster: Roster, device_id: str) -> Roster:
    """Add a device asking to join to the roster (in place of any earlier entry of it)."""
    member = next((m for m in join_requests(target) if m.device_id == device_id), None)
    if member is None:
        raise SyncRefused("No such request to join.")
    others = tuple(m for m in roster.members if m.device_id != device_id)
    updated = replace(roster, version=roster.version + 1, members=(*others, member))
    publish_roster(laptop, target, updated)
    try:
        target.admit(device_id)  # a server makes the device's role
    except PermissionError as error:
        raise SyncRefused(
            f"The roster names the laptop, but the central server did not let "
            f"its role be made ({error.strerror}): ask its administrator "
            "(docs/central-server.md)."
        ) from None
    return updated


def remove(laptop: Laptop, target: Target, roster: Roster, device_id: str) -> Roster:
    """A lost laptop leaves the team: nothing more is encrypted to it or read from it."""
    if roster.member(device_id) is None:
        raise SyncRefused("That device is not in the team.")
    if device_id == laptop.device_id:
        raise SyncRefused("The supervisor's own laptop cannot be removed here.")
    updated = replace(
        roster,
        version=roster.version + 1,
        members=tuple(m for m in roster.members if m.device_id != device_id),
    )
    try:
        publish_roster(laptop, target, updated)
    except RosterError:
        raise SyncRefused(
            "Only the supervisor who made the team changes its roster: ask them to remove "
            "this laptop."
        ) from None
    target.expel(device_id)  # a server disables the device's role
    return updated


def promote(laptop: Laptop, target: Target, roster: Roster, device_id: str, role: Role) -> Member:
    """Give a member a role: the roster says so, and their worker record too. Only the
    supervisor who made the team signs the roster."""
    member = roster.member(device_id)
    if member is None:
        raise SyncRefused("That device is not in the team.")
    with laptop.db.read() as s:
        if s.get(Worker, member.worker_id) is None:
            raise SyncRefused(
                "Sync once first: this laptop has not received that worker's record yet."
            )
    promoted = replace(member, role=role.value)
    others = tuple(m for m in roster.members if m.device_id != device_id)
    try:
        publish_roster(
            laptop,
            target,
            replace(roster, version=roster.version + 1, members=(*others, promoted)),
        )
    except RosterError:
        raise SyncRefused(
            "Only the supervisor who made the team changes its roster: ask "
            "them to promote this member."
        ) from None
    with laptop.db.write() as s:
        worker = s.get(Worker, member.worker_id)
        if worker is not None:
            worker.role = role.value
    return promoted
