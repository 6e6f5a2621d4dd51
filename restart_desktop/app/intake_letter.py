"""The letter that tells a recommender what was decided: short and plain, with no reason
beyond what the programme chooses to share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from restart_desktop.app.errors import UserError
from restart_desktop.app.intake import IntakeService
from restart_desktop.domain.intake import DecisionKind
from restart_desktop.store.intake_models import IntakeDecision


@dataclass(frozen=True)
class DecisionLetter:
    """What the recommender is told: a short, plain letter. It gives no reason beyond what
    the programme chooses to share (``decline_reasons.csv``'s ``letter``), never the
    allocator's own words."""

    recommender: str  # name, organisation (or "" for the person themselves)
    is_self: bool
    person_name: str
    recommended_on: dt.date
    decision: DecisionKind
    shared_reason: str
    decided_on: dt.date
    made_at: dt.datetime  # UTC
    #: The session clock's zone (None: the laptop's): the times printed are in it.
    zone: dt.tzinfo | None = None


def decision_letter(service: IntakeService, person_id: str) -> DecisionLetter:
    """The letter for the latest decision on a recommendation (UserError when undecided)."""
    detail = service.for_case(person_id)
    if detail is None or not detail.decisions:
        raise UserError(
            "This recommendation has no decision yet: there is nothing to tell the recommender."
        )
    latest = detail.decisions[0]
    values = detail.fields
    reason = ""
    if latest.decision == DecisionKind.DECLINE:
        with service.session.db.read() as s:  # the code, not the label shown
            code = (
                s.scalars(
                    select(IntakeDecision.reason_code)
                    .where(IntakeDecision.person_id == person_id)
                    .order_by(IntakeDecision.at.desc())
                ).first()
                or ""
            )
        found = service.session.reference.decline_reason(code)
        reason = found.letter if found else ""
    recommender = ", ".join(
        p for p in (values.recommender_name, values.recommender_organisation) if p
    )
    clock = service.session.clock
    return DecisionLetter(
        recommender,
        detail.row.is_self,
        f"{values.given_name} {values.family_name}",
        detail.row.recommended_on,
        latest.decision,
        reason,
        clock.day_of(latest.at),
        clock.now(),
        clock.zone,
    )
