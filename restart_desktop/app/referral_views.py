"""What the referral service takes and gives: a draft referral, a change of status, the views
of referrals and their events, the query of the Referrals view and the Duty to Refer proposal
(plain frozen values, never ORM objects)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from restart_desktop.app.versions import EditBase
from restart_desktop.domain.reference import Service
from restart_desktop.domain.referrals import (
    FINISHED,
    ReferralStatus,
    Urgency,
)


@dataclass(frozen=True)
class ReferralDraft:
    person_id: str
    service_code: str
    needs: tuple[str, ...] = ()
    reason: str = ""
    urgency: str = Urgency.ROUTINE.value
    how_sent: str = ""
    note_id: str | None = None


@dataclass(frozen=True)
class StatusChange:
    status: ReferralStatus
    note: str = ""
    reason: str = ""  # declined or withdrawn
    appointment_at: dt.datetime | None = None
    appointment_place: str = ""
    outcome: str = ""  # closed
    #: The referral as the worker saw it: its version and the status the step moves on from.
    #: A step from a status someone else has since moved is refused (EditClashed).
    base: EditBase | None = None

    @classmethod
    def step(cls, view: ReferralView, status: ReferralStatus, **details: Any) -> StatusChange:
        """A step of the referral shown in ``view`` (as loaded) to ``status``."""
        return cls(status, base=EditBase(view.version, {"status": view.status.value}), **details)


@dataclass(frozen=True)
class ReferralEventView:
    at: dt.datetime
    author: str
    kind: str  # "status" or "chase"
    from_status: ReferralStatus | None
    to_status: ReferralStatus | None
    note: str


@dataclass(frozen=True)
class ReferralView:
    id: str
    person_id: str
    person_name: str
    service: Service  # as it was when the referral was made
    category: str
    category_label: str
    needs: tuple[str, ...]
    reason: str
    urgency: Urgency
    how_sent: str
    made_on: dt.date
    made_by: str
    status: ReferralStatus
    sent_on: dt.date | None
    last_chased_on: dt.date | None
    chase_due: bool
    chase_due_on: dt.date | None
    consent_override: str
    declined_reason: str
    appointment_at: dt.datetime | None
    appointment_place: str
    outcome: str
    withdrawn_reason: str
    events: tuple[ReferralEventView, ...] = field(default=())
    version: str | None = None  # the referral's last change when read: a step's If-Match

    @property
    def open(self) -> bool:
        return self.status not in FINISHED


@dataclass(frozen=True)
class ReferralPage:
    views: list[ReferralView]
    total: int  # referrals matching the query, on every page
    to_chase: int  # of them, those to chase


@dataclass(frozen=True)
class ReferralQuery:
    status: str | None = None  # a ReferralStatus value; None: every open referral
    category: str | None = None
    chase_only: bool = False
    mine: bool = False  # only the signed-in worker's caseload
    include_finished: bool = False


@dataclass(frozen=True)
class DutyToReferProposal:
    """A housing referral the law says is due: who to, and by when."""

    person_id: str
    release_date: dt.date
    days_to_release: int
    authority_code: str  # "" when the person has not chosen yet
    authority_name: str
    service_code: str | None
    draft_id: str | None = None  # a Duty to Refer already drafted, not yet sent
