"""Rules for a case (one person on the programme): statuses, sources, consent, field checks.

Values of the enums are what is stored and exported, so they never change; labels are what a
worker reads and may be reworded freely.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from restart_desktop.domain.dates import year_problem
from restart_desktop.domain.identifiers import crn_problem, nomis_problem

ADULT_AGE = 18
OLDEST_PLAUSIBLE_AGE = 110
#: A referral or release date further than this from today is a year typed wrong (01/01/0001,
#: 31/12/9999); the release plan's times, weeks either side of the release, must stay in range.


class CaseStatus(StrEnum):
    RECOMMENDED = "recommended"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENGAGED_IN_CUSTODY = "engaged_in_custody"
    RELEASED = "released"
    SUPPORTED_IN_COMMUNITY = "supported_in_community"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS: Mapping[CaseStatus, str] = {
    CaseStatus.RECOMMENDED: "Recommended",
    CaseStatus.ACCEPTED: "Accepted",
    CaseStatus.DECLINED: "Declined",
    CaseStatus.ENGAGED_IN_CUSTODY: "Engaged in custody",
    CaseStatus.RELEASED: "Released",
    CaseStatus.SUPPORTED_IN_COMMUNITY: "Supported in the community",
    CaseStatus.CLOSED: "Closed",
}

# The person is out of custody (or the case is over): release-day flags no longer apply.
OUT_STATUSES = frozenset(
    s.value for s in (CaseStatus.RELEASED, CaseStatus.SUPPORTED_IN_COMMUNITY, CaseStatus.CLOSED)
)
OPEN_STATUSES = frozenset(
    s.value for s in CaseStatus if s not in (CaseStatus.CLOSED, CaseStatus.DECLINED)
)


def display_name(given: str, family: str, preferred: str) -> str:
    """How a person is named in lists: family name in capitals, then the given name."""
    name = f"{family.upper()}, {given}"
    if preferred and preferred != given:
        name += f" ({preferred})"
    return name


_S = CaseStatus
# Declined and Closed cases can come back: people are often re-recommended after a recall.
ALLOWED_TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = MappingProxyType(
    {
        _S.RECOMMENDED: frozenset({_S.ACCEPTED, _S.DECLINED}),
        _S.ACCEPTED: frozenset({_S.ENGAGED_IN_CUSTODY, _S.RELEASED, _S.CLOSED, _S.DECLINED}),
        _S.ENGAGED_IN_CUSTODY: frozenset({_S.RELEASED, _S.CLOSED}),
        _S.RELEASED: frozenset({_S.SUPPORTED_IN_COMMUNITY, _S.CLOSED}),
        _S.SUPPORTED_IN_COMMUNITY: frozenset({_S.CLOSED}),
        _S.DECLINED: frozenset({_S.RECOMMENDED, _S.CLOSED}),
        _S.CLOSED: frozenset({_S.RECOMMENDED}),
    }
)


def _joined(labels: list[str], word: str) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + f" {word} " + labels[-1]


def _either(labels: list[str]) -> str:
    return _joined(labels, "or")


def listed(labels: list[str]) -> str:
    """``["a", "b", "c"]`` as "a, b and c"."""
    return _joined(labels, "and")


def transition_problem(old: CaseStatus, new: CaseStatus, reason: str) -> str | None:
    """Why a status change is not allowed, in a worker's words; None when it is.

    Every change needs a reason because the status history is what supervisors and the
    evaluators read to understand a case.
    """
    if old == new:
        return f"The case is already {old.label}."
    allowed = ALLOWED_TRANSITIONS[old]
    if new not in allowed:
        options = _either([s.label for s in CaseStatus if s in allowed])
        return f"A case that is {old.label} can be {options}, not {new.label}."
    if not reason.strip():
        return "Say why the status is changing."
    return None


# Statuses a person can be released from; a release-day record moves them to Released
# through the allowed statuses. Declined and Closed cases are not the programme's releases.
RELEASABLE_FROM = frozenset({_S.RECOMMENDED, _S.ACCEPTED, _S.ENGAGED_IN_CUSTODY})


def path_to_released(old: CaseStatus) -> list[CaseStatus]:
    """The statuses a release-day record moves a case through to reach Released, each an
    allowed step (Recommended -> Accepted -> Released); empty when the case is already out
    of custody or cannot be released by the programme (Declined, Closed)."""
    if old not in RELEASABLE_FROM:
        return []
    path, status = [], old
    while status != _S.RELEASED:
        allowed = ALLOWED_TRANSITIONS[status]
        status = _S.RELEASED if _S.RELEASED in allowed else _S.ACCEPTED
        path.append(status)
    return path


class ReferralSource(StrEnum):
    PRISON_RESETTLEMENT = "prison_resettlement"
    PROBATION = "probation"
    PARTNER_AGENCY = "partner_agency"
    SELF_RECOMMENDATION = "self_recommendation"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _SOURCE_LABELS[self]


_SOURCE_LABELS: Mapping[ReferralSource, str] = {
    ReferralSource.PRISON_RESETTLEMENT: "Prison resettlement staff",
    ReferralSource.PROBATION: "Probation",
    ReferralSource.PARTNER_AGENCY: "Partner agency",
    ReferralSource.SELF_RECOMMENDATION: "Self-recommendation",
    ReferralSource.OTHER: "Other",
}


class ConsentMethod(StrEnum):
    WRITTEN = "written"
    VERBAL = "verbal"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _CONSENT_LABELS[self]


_CONSENT_LABELS: Mapping[ConsentMethod, str] = {
    ConsentMethod.WRITTEN: "Written",
    ConsentMethod.VERBAL: "Verbal",
    ConsentMethod.OTHER: "Other",
}


class Role(StrEnum):
    """Who the signed-in person is; what each role may do is in ``domain.roles``."""

    WORKER = "worker"
    SUPERVISOR = "supervisor"
    ALLOCATOR = "allocator"  # the OPCC's decision maker: the intake queue, nothing of the work

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS: Mapping[Role, str] = {
    Role.WORKER: "Frontline worker",
    Role.SUPERVISOR: "Supervisor",
    Role.ALLOCATOR: "Allocator",
}


def eligibility_warnings(iom: bool, mappa: bool) -> list[str]:
    """Warnings, not refusals: the programme is for people NOT under IOM or MAPPA.

    The worker may still record the case (the flag may be out of date), but should check.
    """
    warnings = []
    if iom:
        warnings.append(
            "This person is recorded as managed under Integrated Offender Management (IOM). "
            "RESTART is for people who are not under IOM: check with your supervisor."
        )
    if mappa:
        warnings.append(
            "This person is recorded as managed under MAPPA. RESTART is for people who are "
            "not under MAPPA: check with your supervisor."
        )
    return warnings


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Age in whole years on ``day`` (someone born on 29 February turns a year older on 1 March
    in other years, as in English law)."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)


def validate_case_fields(
    *,
    given_name: str,
    family_name: str,
    nomis: str,
    crn: str,
    date_of_birth: dt.date | None,
    referral_date: dt.date | None,
    release_date: dt.date | None,
    today: dt.date,
) -> dict[str, str]:
    """Problems with a case's own fields, keyed by field name; empty when all is well.

    Only the names are required: identifiers and dates are often unknown at first, so they
    are checked only when given.
    """
    problems: dict[str, str] = {}
    if not given_name.strip():
        problems["given_name"] = "Enter the person's first name."
    if not family_name.strip():
        problems["family_name"] = "Enter the person's last name."
    for key, value in (("given_name", given_name), ("family_name", family_name)):
        if value.strip() and not is_plain_text(value):
            problems[key] = (
                "The name holds characters that are not letters (control "
                "characters, such as a pasted terminal code): type it again."
            )
    if problem := nomis_problem(nomis):
        problems["nomis_number"] = problem
    if problem := crn_problem(crn):
        problems["crn"] = problem
    if date_of_birth is not None:
        if date_of_birth > today:
            problems["date_of_birth"] = "The date of birth is in the future."
        elif age_on(date_of_birth, today) < ADULT_AGE:
            problems["date_of_birth"] = (
                "With this date of birth the person is under 18. RESTART works with adults: "
                "check the date."
            )
        elif age_on(date_of_birth, today) > OLDEST_PLAUSIBLE_AGE:
            problems["date_of_birth"] = (
                f"With this date of birth the person is over {OLDEST_PLAUSIBLE_AGE}: check "
                "the date."
            )
    if referral_date is not None and referral_date > today:
        problems["referral_date"] = "The referral date is in the future."
    elif problem := year_problem(referral_date, today, "The referral date"):
        problems["referral_date"] = problem
    if problem := year_problem(release_date, today, "The release date"):
        problems["release_date"] = problem
        return problems
    if release_date is not None and referral_date is not None and release_date < referral_date:
        problems["release_date"] = "The release date is before the referral date."
    return problems


#: Fields that matter: every change to one asks for a short reason, kept with the old and new
#: values in the case's field history. Keys are stored; labels are what a worker reads.
REASONED_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "status": "Status",
        "allocated_worker_id": "Allocated worker",
        "release_date": "Release date",
        "consent_given": "Consent to share",
        "consent_date": "Date consent was given",
        "consent_method": "How consent was given",
        "consent_scope": "What consent covers",
        "consent_categories": "Services consent covers",
        "iom": "Integrated Offender Management (IOM)",
        "mappa": "MAPPA",
        "legal_hold": "Legal hold",
        "closure_reason": "Why the case closed",
    }
)

#: Every field of the case file in words (for a clash between two edits of the same field).
CASE_FIELD_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "given_name": "Given name",
        "family_name": "Family name",
        "preferred_name": "Preferred name",
        "date_of_birth": "Date of birth",
        "nomis_number": "Prison number",
        "crn": "CRN",
        "prison_code": "Prison",
        "release_date": "Release date",
        "release_time": "Release time",
        "sentence_type": "Sentence type",
        "iom": "IOM",
        "mappa": "MAPPA",
        "referral_source": "Recommended by",
        "referral_date": "Date recommended",
        "has_settled_address": "Settled address",
        "consent_given": "Consent to share",
        "consent_date": "Date consent was given",
        "consent_method": "How consent was given",
        "consent_scope": "What consent covers",
        "consent_categories": "Services consent covers",
        "housing_authority": "Housing authority",
        "needs": "Needs",
        "earlier_custodial_sentences": "Earlier custodial sentences",
        "research_consent_date": "Research consent",
    }
)


def reason_problem(changed: list[str], reason: str) -> str | None:
    """Why a change to fields that matter cannot be saved yet: it needs a reason."""
    if not changed or reason.strip():
        return None
    labels = [
        REASONED_FIELDS[name].split(" (")[0].lower().replace("mappa", "MAPPA") for name in changed
    ]
    return f"Say why the {listed(labels)} changed: the reason is kept in the case history."


def is_plain_text(text: str) -> bool:
    """No control characters (a terminal's escape sequences) and no undecodable bytes (the
    command line's surrogate escapes): what a name, stored and printed, may hold."""
    return all(ch.isprintable() for ch in text)  # a surrogate is not printable either
