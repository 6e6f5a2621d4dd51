"""Who each change is encrypted to (bundle format 3): need to know in the cryptography.

A change of a case goes to the laptops of the workers entitled to the case (allocated,
shared, or the worker who recorded it while it is allocated to nobody:
``domain.allocation.entitled_workers``), to every supervisor's laptop, and, for the kinds of
record an allocator keeps (the intake: ``domain.roles.INTAKE_ENTITIES``), to the allocator's
laptop. A change of no case (team records: workers, devices, barriers, erasures, team
settings, and the stubs that keep an erased change's place) goes to every member. The
programme's recovery identity receives everything. The publisher groups a bundle's changes by
that set of devices and writes one age part per group.

Who a case is for is worked out from the routes (``route_of``): the ids a laptop needs to
keep its case index (``store.case_index``) without reading the change, carried in every
bundle's manifest, which every member reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from restart_desktop.domain.allocation import CaseAudience, entitled_workers
from restart_desktop.domain.case import CaseStatus, Role
from restart_desktop.domain.roles import keeps_entity
from restart_desktop.sync.roster import Roster

Audience = frozenset[str]  # device ids

#: The fields of a case's changes that say who the case is for (``store.case_index``).
ROUTE_KINDS = ("people", "handovers")  # the kinds of change that say who a case is for


@dataclass(frozen=True)
class TeamAudiences:
    """The roster seen as audiences: which devices are every supervisor's, the allocators',
    and each worker's."""

    everyone: Audience
    supervisors: Audience
    allocators: Audience
    by_worker: Mapping[str, Audience]
    recipients: Mapping[str, str]  # device id -> its age recipient
    recovery: str

    @classmethod
    def of(cls, roster: Roster) -> TeamAudiences:
        by_worker: dict[str, set[str]] = {}
        for member in roster.members:
            by_worker.setdefault(member.worker_id, set()).add(member.device_id)
        return cls(
            everyone=frozenset(m.device_id for m in roster.members),
            supervisors=frozenset(
                m.device_id for m in roster.members if m.role == Role.SUPERVISOR.value
            ),
            allocators=frozenset(
                m.device_id for m in roster.members if m.role == Role.ALLOCATOR.value
            ),
            by_worker={w: frozenset(d) for w, d in by_worker.items()},
            recipients={m.device_id: m.age_recipient for m in roster.members},
            recovery=roster.recovery_recipient,
        )

    def of_change(
        self, case_id: str | None, entity: str, audience: CaseAudience | None
    ) -> Audience:
        """The devices entitled to a change of ``entity`` in ``case_id`` (None: a team
        record), whose case is for ``audience`` (of a case erased, what stays of it, audit
        entries, still goes to the case's last audience: each laptop's copy of a device's
        audit chain stays whole)."""
        if case_id is None:
            return self.everyone
        found = set(self.supervisors)
        for worker in entitled_workers(audience):
            found |= self.by_worker.get(worker, frozenset())
        if keeps_entity(Role.ALLOCATOR, entity):
            found |= self.allocators
        return frozenset(found)

    def age_recipients(self, devices: Iterable[str]) -> list[str]:
        """The age recipients of ``devices``, and the recovery recipient's."""
        return sorted(
            {self.recipients[d] for d in devices if d in self.recipients} | {self.recovery}
        )


Group = tuple[Audience, list[Mapping[str, Any]]]


def group(changes: Sequence[Mapping[str, Any]], audience_of: Mapping[str, Audience]) -> list[Group]:
    """The changes by audience (``audience_of``: change id -> devices), each group in
    sequence order, the groups in a fixed order (by their sorted device ids)."""
    groups: dict[Audience, list[Mapping[str, Any]]] = {}
    for change in changes:
        groups.setdefault(audience_of[str(change["change_id"])], []).append(change)
    return sorted(groups.items(), key=lambda item: sorted(item[0]))


def route_of(change: Mapping[str, Any]) -> dict[str, Any] | None:
    """What a change says about who its case is for, as ids only (no name, no note): None
    for a change that says nothing of it."""
    if change["entity"] not in ROUTE_KINDS:
        return None
    fields = change.get("fields") or {}
    kept: dict[str, Any] = {}
    if change["entity"] == "people":
        if "given_name" in fields:
            kept["created"] = True  # the creation: it names who recorded the case
        if "allocated_worker_id" in fields:
            kept["allocated_worker_id"] = fields["allocated_worker_id"]
        if "status" in fields:
            kept["closed"] = fields["status"] == CaseStatus.CLOSED.value
    else:
        if fields.get("kind") != "share" or not fields.get("to_worker_id"):
            return None
        kept["share_to"] = fields["to_worker_id"]
    if not kept:
        return None
    return {
        "case_id": change.get("case_id"),
        "entity": change["entity"],
        "record_id": change["record_id"],
        "hlc": change["hlc"],
        "author_id": change["author_id"],
        **kept,
    }


def route_as_change(route: Mapping[str, Any]) -> dict[str, Any]:
    """A route as the case index reads a change (``store.case_index.note_audiences``)."""
    fields: dict[str, Any] = {}
    if route["entity"] == "people":
        if route.get("created"):
            fields["given_name"] = ""  # only its presence counts: the creation
        if "allocated_worker_id" in route:
            fields["allocated_worker_id"] = route["allocated_worker_id"]
        if "closed" in route:
            fields["status"] = CaseStatus.CLOSED.value if route["closed"] else ""
    else:
        fields = {"kind": "share", "to_worker_id": route["share_to"], "person_id": route["case_id"]}
    return {
        "entity": route["entity"],
        "record_id": route["record_id"],
        "case_id": route["case_id"],
        "hlc": route["hlc"],
        "author_id": route["author_id"],
        "fields": fields,
    }
