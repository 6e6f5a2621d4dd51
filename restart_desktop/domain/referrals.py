"""Rules for service referrals: the status lifecycle, the consent gate, chasing by working days,
and which of a person's details a referral summary may carry.

Values of the enums are stored and exported, so they never change; labels may be reworded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from enum import StrEnum
from types import MappingProxyType

from restart_desktop.domain.release import is_working_day

DEFAULT_CHASE_WORKING_DAYS = 3
MAX_REASON_LENGTH = 4000


class ReferralStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    APPOINTMENT_BOOKED = "appointment_booked"
    ATTENDED = "attended"
    DID_NOT_ATTEND = "did_not_attend"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS: Mapping[ReferralStatus, str] = MappingProxyType(
    {
        ReferralStatus.DRAFT: "Draft",
        ReferralStatus.SENT: "Sent",
        ReferralStatus.ACKNOWLEDGED: "Acknowledged",
        ReferralStatus.ACCEPTED: "Accepted",
        ReferralStatus.DECLINED: "Declined",
        ReferralStatus.APPOINTMENT_BOOKED: "Appointment booked",
        ReferralStatus.ATTENDED: "Attended",
        ReferralStatus.DID_NOT_ATTEND: "Did not attend",
        ReferralStatus.CLOSED: "Closed",
        ReferralStatus.WITHDRAWN: "Withdrawn",
    }
)

_R = ReferralStatus
# Where a referral can go from each status. A service may skip steps (accept without an
# acknowledgement, book an appointment at once); a booked appointment can be rebooked; closed
# and withdrawn are the end.
ALLOWED_TRANSITIONS: Mapping[ReferralStatus, frozenset[ReferralStatus]] = MappingProxyType(
    {
        _R.DRAFT: frozenset({_R.SENT, _R.WITHDRAWN}),
        _R.SENT: frozenset(
            {_R.ACKNOWLEDGED, _R.ACCEPTED, _R.DECLINED, _R.APPOINTMENT_BOOKED, _R.WITHDRAWN}
        ),
        _R.ACKNOWLEDGED: frozenset({_R.ACCEPTED, _R.DECLINED, _R.APPOINTMENT_BOOKED, _R.WITHDRAWN}),
        _R.ACCEPTED: frozenset({_R.APPOINTMENT_BOOKED, _R.CLOSED, _R.WITHDRAWN}),
        _R.APPOINTMENT_BOOKED: frozenset(
            {_R.ATTENDED, _R.DID_NOT_ATTEND, _R.APPOINTMENT_BOOKED, _R.WITHDRAWN}
        ),
        _R.ATTENDED: frozenset({_R.APPOINTMENT_BOOKED, _R.CLOSED}),
        _R.DID_NOT_ATTEND: frozenset({_R.APPOINTMENT_BOOKED, _R.CLOSED, _R.WITHDRAWN}),
        _R.DECLINED: frozenset({_R.CLOSED}),
        _R.CLOSED: frozenset(),
        _R.WITHDRAWN: frozenset(),
    }
)
# Waiting for the service to answer: these are chased when nobody has.
AWAITING_ANSWER = frozenset({_R.SENT})
FINISHED = frozenset({_R.CLOSED, _R.WITHDRAWN})
OPEN_STATUSES = frozenset(set(ReferralStatus) - FINISHED)


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"

    @property
    def label(self) -> str:
        return {"routine": "Routine", "urgent": "Urgent", "emergency": "Emergency (today)"}[
            self.value
        ]


class HowSent(StrEnum):
    FORM = "form"
    EMAIL = "email"
    PHONE = "phone"
    PORTAL = "portal"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return _HOW_LABELS[self]


_HOW_LABELS: Mapping[HowSent, str] = MappingProxyType(
    {
        HowSent.FORM: "Referral form",
        HowSent.EMAIL: "Email",
        HowSent.PHONE: "Phone",
        HowSent.PORTAL: "Online portal",
        HowSent.IN_PERSON: "In person",
    }
)


class SummaryField(StrEnum):
    """What a referral summary may say about the person; each service lists what it needs."""

    NAME = "name"
    DATE_OF_BIRTH = "date_of_birth"
    NOMIS_NUMBER = "nomis_number"
    CRN = "crn"
    PRISON = "prison"
    RELEASE_DATE = "release_date"
    NEEDS = "needs"
    REASON = "reason"
    URGENCY = "urgency"
    LOCAL_AUTHORITY = "local_authority"
    WORKER = "worker"

    @property
    def label(self) -> str:
        return _FIELD_LABELS[self]


_FIELD_LABELS: Mapping[SummaryField, str] = MappingProxyType(
    {
        SummaryField.NAME: "Name",
        SummaryField.DATE_OF_BIRTH: "Date of birth",
        SummaryField.NOMIS_NUMBER: "Prison number",
        SummaryField.CRN: "Probation case reference (CRN)",
        SummaryField.PRISON: "Prison",
        SummaryField.RELEASE_DATE: "Release",
        SummaryField.NEEDS: "Needs",
        SummaryField.REASON: "Reason for the referral",
        SummaryField.URGENCY: "Urgency",
        SummaryField.LOCAL_AUTHORITY: "Local authority of choice",
        SummaryField.WORKER: "Referring worker",
    }
)


def transition_problem(
    old: ReferralStatus, new: ReferralStatus, details: Mapping[str, object]
) -> str | None:
    """Why a referral cannot move from ``old`` to ``new`` with these details; None when it can.

    ``details``: ``reason`` (declined, withdrawn), ``appointment_at`` (appointment booked),
    ``outcome`` (closed).
    """
    allowed = ALLOWED_TRANSITIONS[old]
    if new not in allowed:
        if not allowed:
            return f"A referral that is {old.label.lower()} cannot change any more."
        options = ", ".join(s.label.lower() for s in ReferralStatus if s in allowed)
        return f"A referral that is {old.label.lower()} can become: {options}."
    if new in (_R.DECLINED, _R.WITHDRAWN) and not str(details.get("reason", "")).strip():
        return "Say why." if new == _R.WITHDRAWN else "Say why the service declined."
    if new == _R.APPOINTMENT_BOOKED and details.get("appointment_at") is None:
        return "Enter the date and time of the appointment."
    if new == _R.CLOSED and not str(details.get("outcome", "")).strip():
        return "Say how the referral ended (the outcome)."
    return None


def consent_problem(
    consent_given: bool, consented_categories: Collection[str], category: str, label: str
) -> str | None:
    """Why a referral to a service of ``category`` needs consent first; None when covered."""
    if not consent_given:
        return (
            "No consent to share is recorded for this person. Record it on the Details "
            "section, or override with a reason (for example a safeguarding duty)."
        )
    if category not in consented_categories:
        return (
            f"The person's consent does not cover {label.lower()} services. Add it to the "
            "consent on the Details section, or override with a reason."
        )
    return None


def add_working_days(start: dt.date, days: int, holidays: frozenset[dt.date]) -> dt.date:
    """The date ``days`` working days after ``start`` (weekends and bank holidays skipped)."""
    day = start
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return day


def chase_due_on(sent_on: dt.date, working_days: int, holidays: frozenset[dt.date]) -> dt.date:
    """The day a referral sent on ``sent_on`` and not answered becomes one to chase."""
    return add_working_days(sent_on, working_days, holidays)


def needs_chasing(
    status: ReferralStatus,
    last_contact: dt.date,
    today: dt.date,
    working_days: int,
    holidays: frozenset[dt.date],
) -> bool:
    """Sent, no answer, and ``working_days`` working days since it was sent or last chased."""
    return status in AWAITING_ANSWER and today >= chase_due_on(last_contact, working_days, holidays)
