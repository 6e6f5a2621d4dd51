"""Reading instants written before the one-clock rule (migration 0011).

Until then, app services stored some instants in the laptop's local wall-clock time and the
store stamped others in UTC, all without a zone. Migration 0011 turned the local ones in the
database into UTC. Changes in the change log, and bundles from laptops not yet updated, still
carry those naive values; they are read by the same rule whenever they are applied (on import
and on ``sync --rebuild``):

- a value with an offset (everything written since) is exact;
- a naive value of a column in ``LEGACY_LOCAL`` was the author's local wall-clock time, read in
  this laptop's zone (the programme's laptops all keep Europe/London time);
- any other naive value was UTC.
"""

from __future__ import annotations

import datetime as dt

from restart_desktop.domain.clock import from_local, utc

#: Columns whose values were written in local time before migration 0011, by table.
LEGACY_LOCAL: dict[str, frozenset[str]] = {
    "contact_notes": frozenset({"contact_at"}),
    "note_drafts": frozenset({"contact_at", "started_at", "saved_at"}),
    "follow_up_actions": frozenset({"closed_at"}),
    "release_plans": frozenset({"release_changed_at", "met_at_gate_at", "outcome_recorded_at"}),
    "release_plan_items": frozenset({"state_at", "appointment_at"}),
    "referrals": frozenset({"appointment_at"}),
    "referral_events": frozenset({"at"}),
    "assessments": frozenset({"finalised_at"}),
}


def read_instant(table: str, column: str, text: str, zone: dt.tzinfo | None = None) -> dt.datetime:
    """An instant from ISO text in a change or bundle, as aware UTC (see the module's rule)."""
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        return utc(value)
    if column in LEGACY_LOCAL.get(table, ()):
        return from_local(value, zone)
    return value.replace(tzinfo=dt.UTC)


def read_utc(text: str) -> dt.datetime:
    """A bookkeeping instant (a change's ``recorded_at``): always UTC, naive or not."""
    value = dt.datetime.fromisoformat(text)
    return utc(value) if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
