"""The team roster: who may read and write the central export, signed by the supervisor.

Each device pins the supervisor's verify key when it joins (shown as a fingerprint to compare).
A roster that does not verify against the pinned key is refused; a device removed from the
roster is neither encrypted to nor imported from any more.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature

from restart_desktop.sync.envelope import DeviceKeys, verifier

ROSTER_CONTEXT = b"restart-desktop-roster/1\n"


class RosterError(ValueError):
    """A roster that is damaged or not signed by the team's supervisor."""


@dataclass(frozen=True)
class Member:
    device_id: str
    worker_id: str
    name: str
    role: str  # "worker" or "supervisor"
    age_recipient: str
    verify_key: str


@dataclass(frozen=True)
class Roster:
    team_id: str
    version: int  # raised at every change; a device never goes back to an older roster
    supervisor_key: str  # the verify key that signs the roster (pinned by every device)
    recovery_recipient: str  # the programme's recovery identity: every bundle is readable by it
    members: tuple[Member, ...] = field(default=())

    def member(self, device_id: str) -> Member | None:
        return next((m for m in self.members if m.device_id == device_id), None)

    @property
    def recipients(self) -> list[str]:
        """Who a bundle is encrypted to: every member, and the recovery recipient."""
        return sorted({m.age_recipient for m in self.members} | {self.recovery_recipient})

    def to_json(self) -> bytes:
        data: dict[str, Any] = {
            "team_id": self.team_id,
            "version": self.version,
            "supervisor_key": self.supervisor_key,
            "recovery_recipient": self.recovery_recipient,
            "members": [vars(m) for m in sorted(self.members, key=lambda m: m.device_id)],
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Roster:
        try:
            raw: Mapping[str, Any] = json.loads(data)
            return cls(
                team_id=str(raw["team_id"]),
                version=int(raw["version"]),
                supervisor_key=str(raw["supervisor_key"]),
                recovery_recipient=str(raw["recovery_recipient"]),
                members=tuple(Member(**m) for m in raw["members"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise RosterError(f"the roster cannot be read ({error})") from None


def sign_roster(roster: Roster, supervisor: DeviceKeys) -> bytes:
    if supervisor.verify_key != roster.supervisor_key:
        raise RosterError("only the team's supervisor signs its roster")
    return supervisor.signer.sign(ROSTER_CONTEXT + roster.to_json())


def verify_roster(data: bytes, signature: bytes, pinned_key: str) -> Roster:
    """The roster, if signed by the pinned supervisor key; RosterError otherwise."""
    roster = Roster.from_json(data)
    if roster.supervisor_key != pinned_key:
        raise RosterError("the roster is signed by another key than the team's supervisor")
    try:
        verifier(pinned_key).verify(signature, ROSTER_CONTEXT + data)
    except (InvalidSignature, ValueError):
        raise RosterError("the roster's signature does not verify") from None
    return roster
