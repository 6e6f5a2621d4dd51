"""Roles as data: what each role may do, in one table, checked by the services (and by the
sync import for what a laptop receives). The window hides what a role may not do, but the
services refuse it whatever the window shows."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from restart_desktop.domain.case import Role


class Permission(StrEnum):
    #: Read and write the work with a person: contact notes, actions, release plans,
    #: referrals, outcome scores, subject access exports.
    CASE_WORK = "case_work"
    #: Record a recommendation in the intake queue.
    RECORD_INTAKE = "record_intake"
    #: Decide a recommendation: accept and allocate, decline, ask for more information.
    DECIDE_INTAKE = "decide_intake"
    #: Allocate a case, hand it over to another worker, share it.
    ALLOCATE = "allocate"
    #: Review workers' records, read the whole audit trail, the figures and the board pack.
    SUPERVISE = "supervise"
    #: Place or lift a legal hold.
    LEGAL_HOLD = "legal_hold"
    #: Make the team, approve, remove and promote devices.
    MANAGE_TEAM = "manage_team"
    #: The laptop receives every case of the team (all their records).
    RECEIVE_ALL_CASES = "receive_all_cases"
    #: The laptop receives every case's intake records and decisions only (never notes,
    #: referrals' details or outcome scores).
    RECEIVE_INTAKE = "receive_intake"


_P = Permission
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.WORKER: frozenset({_P.CASE_WORK, _P.RECORD_INTAKE}),
        Role.SUPERVISOR: frozenset(
            {
                _P.CASE_WORK,
                _P.RECORD_INTAKE,
                _P.DECIDE_INTAKE,
                _P.ALLOCATE,
                _P.SUPERVISE,
                _P.LEGAL_HOLD,
                _P.MANAGE_TEAM,
                _P.RECEIVE_ALL_CASES,
            }
        ),
        Role.ALLOCATOR: frozenset({_P.RECORD_INTAKE, _P.DECIDE_INTAKE, _P.RECEIVE_INTAKE}),
    }
)

#: What a refusal says, in the user's words.
_REFUSALS: Mapping[Permission, str] = MappingProxyType(
    {
        _P.CASE_WORK: "Your role does not give access to contact notes, referrals, release plans "
        "or outcome scores: they stay with the case's workers and supervisors.",
        _P.RECORD_INTAKE: "Your role does not record recommendations.",
        _P.DECIDE_INTAKE: "Only the allocator or a supervisor decides a recommendation.",
        _P.ALLOCATE: "Only a supervisor allocates cases and hands them over.",
        _P.SUPERVISE: "Only a supervisor does that.",
        _P.LEGAL_HOLD: "Only a supervisor places or lifts a legal hold.",
        _P.MANAGE_TEAM: "Only a supervisor creates the team and approves or removes devices.",
        _P.RECEIVE_ALL_CASES: "Only a supervisor's laptop receives every case.",
        _P.RECEIVE_INTAKE: "Only the allocator's laptop receives the intake of every case.",
    }
)

#: The kinds of record an allocator's laptop keeps: team records, the case file (names,
#: prison, release, eligibility flags), the intake and its decisions, allocations.
INTAKE_ENTITIES = frozenset(
    {
        "workers",
        "devices",
        "erasures",
        "people",
        "intake_records",
        "intake_decisions",
        "handovers",
    }
)


def can(role: Role | str, permission: Permission) -> bool:
    """Whether ``role`` may do ``permission`` (an unknown role may do nothing)."""
    try:
        return permission in ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False


def refusal(permission: Permission) -> str:
    return _REFUSALS[permission]


def keeps_entity(role: Role | str, entity: str) -> bool:
    """Whether a laptop of ``role`` keeps records of ``entity`` at all (the cases it keeps
    are decided by ``domain.allocation.receives_case``)."""
    if can(role, Permission.CASE_WORK) or can(role, Permission.RECEIVE_ALL_CASES):
        return True
    return entity in INTAKE_ENTITIES
