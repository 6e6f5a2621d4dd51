"""Fields changed on two laptops at once and not yet decided: listed in words for the people
who decide them, and settled by a choice that is itself an ordinary change (so it ends the
conflict on every laptop)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from restart_desktop.domain.case import Role, display_name
from restart_desktop.store.models import (
    Change,
    Person,
    ReleasePlan,
    ReleasePlanItem,
    SyncConflict,
)
from restart_desktop.store.queries import worker_names
from restart_desktop.sync.apply import MODELS, to_column_value
from restart_desktop.sync.errors import SyncRefused
from restart_desktop.sync.laptop import Laptop


@dataclass(frozen=True)
class ConflictOption:
    change_id: str
    value: Any  # as stored (JSON)
    shown: str  # the value in words
    author: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class ConflictView:
    record_id: str
    entity: str
    field: str
    what: str  # "Status of Testy Travelson's case", in words
    options: tuple[ConflictOption, ...]  # oldest first
    showing: str  # the change id whose value shows until someone chooses
    detected_at: dt.datetime


def conflicts(laptop: Laptop) -> list[ConflictView]:
    """Fields changed on two laptops at once and not yet decided, oldest first: for a
    supervisor all of them; for a worker those of their cases and those they took part in."""
    with laptop.db.read() as s:
        names = worker_names(s)
        found = []
        for conflict in s.scalars(select(SyncConflict).order_by(SyncConflict.detected_at)):
            changes = {
                c.change_id: c
                for c in s.scalars(select(Change).where(Change.change_id.in_(conflict.change_ids)))
            }
            person = _person_of(s, conflict.entity, conflict.record_id)
            mine = (person is not None and person.allocated_worker_id == laptop.worker_id) or any(
                c.author_id == laptop.worker_id for c in changes.values()
            )
            if laptop.role != Role.SUPERVISOR and not mine:
                continue
            options = tuple(
                ConflictOption(
                    change_id,
                    value,
                    _shown(conflict.field, value, names),
                    names.get(changes[change_id].author_id, "Someone"),
                    changes[change_id].recorded_at,
                )
                for change_id, value in zip(conflict.change_ids, conflict.values, strict=True)
                if change_id in changes
            )
            found.append(
                ConflictView(
                    conflict.record_id,
                    conflict.entity,
                    conflict.field,
                    _what(conflict.entity, conflict.field, person),
                    options,
                    conflict.winner_change_id,
                    conflict.detected_at,
                )
            )
        return found


def resolve(laptop: Laptop, record_id: str, field_name: str, change_id: str) -> None:
    """Keep the value of ``change_id``. The choice is an ordinary change of the record
    that builds on every competing value, so it ends the conflict on every laptop."""
    with laptop.db.write() as s:
        conflict = s.get(SyncConflict, (record_id, field_name))
        if conflict is None:
            raise SyncRefused("That conflict has already been settled.")
        if change_id not in conflict.change_ids:
            raise SyncRefused("Choose one of the values shown.")
        value = conflict.values[conflict.change_ids.index(change_id)]
        model = MODELS[conflict.entity]
        record = s.get(model, record_id)
        if record is None:
            raise SyncRefused("That record is no longer on this laptop.")
        setattr(record, field_name, to_column_value(model, field_name, value))
        # Setting the value it already has would be no change: record the choice anyway.
        flag_modified(record, field_name)


_FIELD_WORDS = {
    "status": "status",
    "allocated_worker_id": "worker",
    "release_date": "release date",
    "release_time": "release time",
    "prison_code": "prison",
    "iom": "IOM flag",
    "mappa": "MAPPA flag",
    "consent_given": "consent",
    "nomis_number": "prison number",
    "crn": "CRN",
}
_ENTITY_WORDS = {
    "people": "case",
    "release_plans": "release plan",
    "release_plan_items": "release-day item",
    "referrals": "referral",
    "follow_up_actions": "follow-up action",
    "assessments": "assessment",
    "barriers": "barrier",
    "workers": "worker",
    "devices": "laptop",
}


def _person_of(s: Session, entity: str, record_id: str) -> Person | None:
    """The person a record is about, if any."""
    if entity == "people":
        return s.get(Person, record_id)
    record = s.get(MODELS[entity], record_id)
    person_id = getattr(record, "person_id", None)
    if person_id is None and isinstance(record, ReleasePlanItem):
        plan = s.get(ReleasePlan, record.plan_id)
        person_id = plan.person_id if plan else None
    return s.get(Person, person_id) if person_id else None


def _what(entity: str, field_name: str, person: Person | None) -> str:
    """ "Prison number (case, SMITH, Testy)", "State (release-day item, SMITH, Testy)"."""
    words = _FIELD_WORDS.get(field_name, field_name.replace("_", " ")).capitalize()
    kind = _ENTITY_WORDS.get(entity, entity.replace("_", " "))
    if person is None:
        return f"{words} ({kind})"
    name = display_name(person.given_name, person.family_name, person.preferred_name)
    return f"{words} ({kind}, {name})"


def _shown(field_name: str, value: Any, names: Mapping[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field_name.endswith("worker_id"):
        return names.get(str(value), "another worker")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if field_name == "status":
        return str(value).replace("_", " ").capitalize()
    return str(value)
