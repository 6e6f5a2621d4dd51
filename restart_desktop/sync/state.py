"""The states a sync ends in, and the kinds of problem that hold up another laptop's changes:
shown in the window, said by the command line and (the problems) stored with each peer."""

from __future__ import annotations

from enum import StrEnum


class SyncState(StrEnum):
    """How a sync ended; the value is the words the command line and the window use."""

    SYNCED = "synced"
    NO_TEAM = "no team yet"
    WAITING_FOR_APPROVAL = "waiting for approval"
    NOT_IN_TEAM = "not in the team"


class ProblemKind(StrEnum):
    """What holds up a peer's changes here (``sync_peers.problem_kind``, as stored)."""

    NONE = ""
    GAP = "gap"  # a bundle missing before the ones found
    REFUSED = "refused"  # a bundle refused whole and quarantined
    UNREADABLE = "unreadable"  # a file stands where the laptop's folder of the export goes
