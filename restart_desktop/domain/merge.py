"""How the changes of one record make its current state: the same on every device, whatever
order the changes arrived in, with duplicates ignored.

Each change names the record's changes its author held and had not seen superseded (its
``bases``: the record's frontier on that laptop). That gives every device the same ancestry.
For each field, the *heads* are the changes that set it and that no other change setting it
built on. One head: its value. Several heads with different values: a conflict, kept with all
values; the value shown meanwhile is the head with the latest clock (a risk flag that any head
sets stays set), so every device shows the same one. Anyone who then sets the field, choosing
one of the values or typing another, builds on all the heads and ends the conflict everywhere.

Pure functions over plain data: no database here (``sync.apply`` writes the result; the
change hook uses ``frontier`` for a local edit).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from restart_desktop.domain.case import ALLOWED_TRANSITIONS, CaseStatus


@dataclass(frozen=True)
class ChangeInfo:
    change_id: str
    hlc: str
    bases: tuple[str, ...]  # empty for the change that created the record
    fields: Mapping[str, Any]  # JSON values
    author_id: str
    recorded_at: str  # ISO time, UTC

    @property
    def order(self) -> tuple[str, str]:
        """Clock order; a change always comes after every change it built on."""
        return (self.hlc, self.change_id)


@dataclass(frozen=True)
class Rules:
    """What a record's kind adds to plain "latest change wins and conflicts are kept"."""

    immutable: bool = False  # only the creation counts (notes, addenda, events)
    final_field: str | None = None  # once a change sets it, nothing not built on it applies
    risk_flags: frozenset[str] = frozenset()
    status_field: str | None = None
    allowed: Callable[[Any, Any], bool] | None = None  # the status transition table


def _case_move_allowed(old: Any, new: Any) -> bool:
    try:
        return CaseStatus(new) in ALLOWED_TRANSITIONS[CaseStatus(old)]
    except ValueError:
        return False


PLAIN = Rules()
_APPEND_ONLY = Rules(immutable=True)
#: What each kind of synced record (by its table's name) adds to the plain rules; a kind not
#: named here merges by the plain rules. Kept here, not on the ORM classes, so that the merge
#: and the change hook read one table of plain data.
RULES: Mapping[str, Rules] = MappingProxyType(
    {
        "people": Rules(
            risk_flags=frozenset({"iom", "mappa"}),
            status_field="status",
            allowed=_case_move_allowed,
        ),
        "assessments": Rules(final_field="finalised_at"),
        **dict.fromkeys(
            (
                "follow_up_checks",
                "custody_returns",
                "contact_notes",
                "addenda",
                "checklist_snapshots",
                "referral_events",
                "handovers",
                "reviews",
                "audit_entries",
                "field_changes",
                "erasures",
                "intake_decisions",
                "onward_handovers",
            ),
            _APPEND_ONLY,
        ),
    }
)


def rules_for(kind: str) -> Rules:
    """The merge rules of a kind of synced record (its table's name)."""
    return RULES.get(kind, PLAIN)


@dataclass(frozen=True)
class FieldConflict:
    field: str
    change_ids: tuple[str, ...]  # the competing changes, in clock order
    values: tuple[Any, ...]
    winner_change_id: str  # whose value shows until someone chooses


@dataclass(frozen=True)
class Merged:
    values: dict[str, Any]
    created: ChangeInfo
    latest: ChangeInfo  # the last change that applies
    conflicts: tuple[FieldConflict, ...] = ()
    refused: tuple[str, ...] = ()  # changes whose status move the transition table forbids
    missing: frozenset[str] = field(default_factory=frozenset)  # bases of the final change not here


def bases_of(bases: Sequence[str] | None, base_change_id: str | None) -> tuple[str, ...]:
    """A change's bases; one written before bases existed built on its one base change."""
    if bases is not None:
        return tuple(bases)
    return (base_change_id,) if base_change_id else ()


def frontier(changes: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """The changes no other change built on, from (change id, bases) pairs: what a new change
    of the record builds on."""
    superseded = {base for _change_id, bases in changes for base in bases}
    return sorted(change_id for change_id, _bases in changes if change_id not in superseded)


def ancestry(changes: Sequence[ChangeInfo]) -> dict[str, frozenset[str]]:
    """Every change's ancestors (ids, including ones not held here)."""
    found: dict[str, frozenset[str]] = {}
    for change in sorted(changes, key=lambda c: c.order):
        ancestors = set(change.bases)
        for base in change.bases:
            ancestors |= found.get(base, frozenset())
        found[change.change_id] = frozenset(ancestors)
    return found


def _same(values: Sequence[Any]) -> bool:
    return len({json.dumps(v, sort_keys=True) for v in values}) <= 1


def merge(changes: Sequence[ChangeInfo], rules: Rules) -> Merged | None:
    """The record's current state from its changes; None while its creation is not here."""
    if len(changes) == 1 and not changes[0].bases:  # a record new here with its creation
        only = changes[0]  # only: what the general case below works out (most of an import)
        return Merged(dict(only.fields), only, only)
    unique = {c.change_id: c for c in changes}
    ordered = sorted(unique.values(), key=lambda c: c.order)
    creations = [c for c in ordered if not c.bases]
    if not creations:
        return None
    if rules.immutable:
        return Merged(dict(creations[0].fields), creations[0], creations[0])
    ancestors = ancestry(ordered)
    considered, missing = ordered, frozenset[str]()
    if rules.final_field is not None:
        final = next((c for c in ordered if c.fields.get(rules.final_field) is not None), None)
        if final is not None:
            # Edits made elsewhere while this laptop finalised stay in the change log but do
            # not alter a final record.
            keep = ancestors[final.change_id] | {final.change_id}
            considered = [c for c in ordered if c.change_id in keep]
            missing = frozenset(keep - unique.keys())
    values: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    refused: list[str] = []
    for name in sorted({key for change in considered for key in change.fields}):
        candidates = [c for c in considered if name in c.fields]
        if name == rules.status_field and rules.allowed is not None:
            candidates = _allowed_moves(name, candidates, ancestors, rules.allowed, refused)
        if not candidates:
            continue
        heads = [
            c
            for c in candidates
            if not any(c.change_id in ancestors[o.change_id] for o in candidates if o is not c)
        ]
        shown = heads[-1]
        if name in rules.risk_flags:
            flagged = [h for h in heads if h.fields[name] is True]
            shown = flagged[-1] if flagged else shown
        values[name] = shown.fields[name]
        head_values = tuple(h.fields[name] for h in heads)
        if len(heads) > 1 and not _same(head_values):
            conflicts.append(
                FieldConflict(name, tuple(h.change_id for h in heads), head_values, shown.change_id)
            )
    return Merged(values, creations[0], considered[-1], tuple(conflicts), tuple(refused), missing)


def _allowed_moves(
    name: str,
    candidates: Sequence[ChangeInfo],
    ancestors: Mapping[str, frozenset[str]],
    allowed: Callable[[Any, Any], bool],
    refused: list[str],
) -> list[ChangeInfo]:
    """The status changes that are moves the transition table allows from the status their
    author saw (a laptop checks its own; this checks everyone else's on arrival)."""
    kept: list[ChangeInfo] = []
    for change in candidates:  # clock order: what a change built on comes before it
        seen = [k for k in kept if k.change_id in ancestors[change.change_id]]
        if seen:
            before, after = seen[-1].fields[name], change.fields[name]
            if before != after and not allowed(before, after):
                refused.append(change.change_id)
                continue
        kept.append(change)
    return kept
