"""Whether a person's Duty to Refer (Homelessness Reduction Act 2017, s.10) needs nothing more:
a referral gone to a housing authority, or the release checklist's item ticked. The one rule
behind the caseload flag, the case banner and the referral proposal."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from restart_desktop.app.release_plans import duty_to_refer_ticked
from restart_desktop.domain.reference import ReferenceData
from restart_desktop.domain.referrals import ReferralStatus
from restart_desktop.store.models import Referral

# A Duty to Refer counts as made once the referral has gone (a draft has not).
_MADE = frozenset(set(ReferralStatus) - {ReferralStatus.DRAFT, ReferralStatus.WITHDRAWN})


def duty_to_refer_answered(s: Session, person_ids: list[str], reference: ReferenceData) -> set[str]:
    """Of these people, those whose Duty to Refer needs nothing more: the referral has gone to
    a housing authority, or the release checklist's item says it was made (or is not needed).
    The one rule behind the caseload flag, the case banner and the referral proposal."""
    return duty_to_refer_made(s, person_ids) | duty_to_refer_ticked(s, person_ids, reference)


def duty_to_refer_made(s: Session, person_ids: list[str]) -> set[str]:
    """Of these people, those with a Duty to Refer referral gone to a housing authority."""
    if not person_ids:
        return set()
    # The service's copied directory entry names its housing authority: asked in SQL, so a
    # page of the caseload does not read and decode every referral's entry.
    authority = text("json_extract(referrals.service, '$.local_authority')")  # as indexed
    return set(
        s.scalars(
            select(Referral.person_id)
            .distinct()
            .where(
                Referral.person_id.in_(person_ids),
                Referral.status.in_([status.value for status in _MADE]),
                func.coalesce(authority, "") != "",
            )
        )
    )
