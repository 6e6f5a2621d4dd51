"""Release plans made and followed inside the case service's own write: a person's first plan
from the checklist template, the plan following a changed release date, and the Duty to Refer
item ticked when the referral is made. Ids of plans, items and snapshots are derived, so two
laptops making the same plan offline make the same records."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from restart_desktop.domain.case import OPEN_STATUSES, OUT_STATUSES
from restart_desktop.domain.checklist import ChecklistTemplate, ItemState, Records
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.store.models import (
    ChecklistSnapshot,
    Person,
    ReleasePlan,
    ReleasePlanItem,
)

# Fixed forever: plan, item and snapshot ids are derived from it on every laptop.
# A plan starts automatically only while the person is still inside.
IN_CUSTODY_STATUSES = frozenset(OPEN_STATUSES - OUT_STATUSES)
SETTLED_STATES = frozenset({ItemState.DONE, ItemState.NOT_NEEDED})
_ID_NAMESPACE = uuid.UUID("5f0d6c1e-8d7b-4b43-9a44-2f4c3b1e7a10")


def plan_id_for(person_id: str, number: int) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"release-plan/{person_id}/{number}"))


def item_id_for(plan_id: str, code: str) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, f"release-plan-item/{plan_id}/{code}"))


def snapshot_id_for(template: ChecklistTemplate) -> str:
    key = f"checklist/{template.code}/{template.version}/{template.digest}"
    return str(uuid.uuid5(_ID_NAMESPACE, key))


def follow_case(
    s: Session, person: Person, reference: ReferenceData, now: dt.datetime
) -> ReleasePlan | None:
    """Keep the person's release plan in step with the case, in the caller's transaction.

    Starts a plan when someone still inside has a release date and no plan for it, and makes
    an open plan (outcome not yet recorded) follow a changed release date and time, noting
    where it was before. Returns the open plan, if any.
    """
    latest = latest_plan(s, person.id)
    if latest is not None and latest.outcome_recorded_at is None:
        follow_plan(latest, person.release_date, person.release_time, now)
        return latest
    if person.release_date is None or person.status not in IN_CUSTODY_STATUSES:
        return None
    if latest is not None and (
        latest.release_date is None or person.release_date <= latest.release_date
    ):
        return None  # the recorded release is this one, or a later one
    return new_plan(s, person, reference, (latest.number + 1) if latest else 1)


def duty_to_refer_ticked(s: Session, person_ids: list[str], reference: ReferenceData) -> set[str]:
    """Of these people, those whose release checklist has its Duty to Refer item done or not
    needed (the referral was made, perhaps outside the app)."""
    codes = {
        item.code
        for template in reference.checklist_templates
        for item in template.items
        if item.records == Records.DUTY_TO_REFER
    }
    if not person_ids or not codes:
        return set()
    return set(
        s.scalars(
            select(ReleasePlanItem.person_id).where(
                ReleasePlanItem.person_id.in_(person_ids),
                ReleasePlanItem.item_code.in_(codes),
                ReleasePlanItem.state.in_([state.value for state in SETTLED_STATES]),
            )
        )
    )


def recorded_release(s: Session, person: Person) -> dt.date | None:
    """The release date of someone whose release day is recorded and who is out: that date
    is history now (a new release comes with a new status, and a new plan)."""
    if person.status not in OUT_STATUSES:
        return None
    latest = latest_plan(s, person.id)
    if latest is None or latest.outcome_recorded_at is None:
        return None
    return latest.release_date


def latest_plan(s: Session, person_id: str) -> ReleasePlan | None:
    return s.scalars(
        select(ReleasePlan)
        .where(ReleasePlan.person_id == person_id)
        .order_by(ReleasePlan.number.desc())
        .limit(1)
    ).first()


def follow_plan(
    plan: ReleasePlan, release_date: dt.date | None, release_time: str, now: dt.datetime
) -> None:
    if (plan.release_date, plan.release_time) == (release_date, release_time):
        return
    if plan.release_date is not None:
        plan.previous_release_date = plan.release_date
        plan.previous_release_time = plan.release_time
        plan.release_changed_at = now
    plan.release_date = release_date
    plan.release_time = release_time


def snapshot(s: Session, template: ChecklistTemplate) -> ChecklistSnapshot:
    """The snapshot of ``template`` plans start from, added to the session if not held."""
    snapshot_id = snapshot_id_for(template)
    snapshot = s.get(ChecklistSnapshot, snapshot_id)
    if snapshot is None:
        snapshot = ChecklistSnapshot(
            id=snapshot_id,
            code=template.code,
            version=template.version,
            name=template.name,
            digest=template.digest,
            content=template.to_json(),
        )
        s.add(snapshot)
    return snapshot


def new_plan(s: Session, person: Person, reference: ReferenceData, number: int) -> ReleasePlan:
    """A plan from the default template, written in the caller's transaction."""
    plan = plan_record(person, snapshot(s, reference.default_checklist).id, number)
    s.add(plan)
    return plan


def plan_record(person: Person, snapshot_id: str, number: int) -> ReleasePlan:
    """The ``number``th plan of ``person`` from a snapshot, not yet added to a session."""
    return ReleasePlan(
        id=plan_id_for(person.id, number),
        person_id=person.id,
        number=number,
        snapshot_id=snapshot_id,
        release_date=person.release_date,
        release_time=person.release_time,
    )
