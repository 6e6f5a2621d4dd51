"""Who a case is for: the allocation decision, handovers between workers, shares, and which
cases a laptop receives from the central export."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class HandoverKind(StrEnum):
    ALLOCATION = "allocation"  # the programme's first decision: this worker takes the case
    HANDOVER = "handover"  # the case moves from one worker to another
    SHARE = "share"  # another worker joins the case (e.g. meets the person at the gate)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: Mapping[HandoverKind, str] = MappingProxyType(
    {
        HandoverKind.ALLOCATION: "Allocated",
        HandoverKind.HANDOVER: "Handed over",
        HandoverKind.SHARE: "Shared",
    }
)


@dataclass(frozen=True)
class CaseAudience:
    """What a laptop knows about who a case is for (from every change it has seen)."""

    created_by: str
    allocated_worker_id: str | None
    shared_with: Collection[str]


def receives_case(worker_id: str, supervisor: bool, audience: CaseAudience | None) -> bool:
    """Whether a laptop keeps a case's records: a supervisor's every case of the team; a
    worker's the cases allocated to them, shared with them, or recorded by them and not yet
    allocated. A case this laptop knows nothing about yet is not kept (it is read again when
    it becomes the worker's)."""
    if supervisor:
        return True
    if audience is None:
        return False
    if audience.allocated_worker_id == worker_id or worker_id in audience.shared_with:
        return True
    return audience.allocated_worker_id is None and audience.created_by == worker_id


def entitled_workers(audience: CaseAudience | None) -> frozenset[str]:
    """The workers whose laptops a case's changes are for (besides every supervisor's): its
    allocated worker and the workers it is shared with, or the worker who recorded it while it
    is allocated to nobody. The same rule as ``receives_case``, as a set."""
    if audience is None:
        return frozenset()
    found = set(audience.shared_with)
    if audience.allocated_worker_id:
        found.add(audience.allocated_worker_id)
    elif audience.created_by:
        found.add(audience.created_by)
    return frozenset(found)


def handover_problem(
    kind: HandoverKind, current: str | None, to_worker: str | None, note: str
) -> str | None:
    """Why an allocation, handover or share cannot be recorded, in the supervisor's words."""
    if not to_worker:
        return "Choose the worker."
    if kind != HandoverKind.SHARE and to_worker == current:
        return "The case is already allocated to that worker."
    if kind == HandoverKind.HANDOVER and not note.strip():
        return "Write a handover note for the worker taking the case over."
    if kind == HandoverKind.SHARE and to_worker == current:
        return "That worker already has the case."
    return None
