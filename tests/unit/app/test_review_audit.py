"""The audit trail tells a sign-off from a return: each review written says which it was
(it said "Review: created" for both)."""

from __future__ import annotations

from restart_desktop.app.audit import AuditFilter, AuditService
from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.review import ReviewService
from restart_desktop.app.session import AppSession
from restart_desktop.domain.audit import detail_in_words
from restart_desktop.domain.review import ReviewAction, ReviewItemKind
from tests.support.roles import as_colleague, as_supervisor


def test_a_sign_off_and_a_return_read_differently_in_the_audit_trail(
    enrolled: AppSession,
) -> None:
    colleague = as_colleague(enrolled)
    case = (
        CaseService(colleague)
        .create_case(CaseFields(given_name="Testy", family_name="Audited"))
        .case_id
    )
    notes = NoteService(colleague)
    made = [
        notes.finalise(
            DraftFields(case, colleague.clock.now_minute(), text=f"Fictional visit {n}."),
            confirmed=True,
        )
        for n in (1, 2)
    ]
    first, second = made
    supervisor = as_supervisor(enrolled)
    review = ReviewService(supervisor)
    review.act(ReviewItemKind.NOTE, first, ReviewAction.REVIEWED)
    review.act(ReviewItemKind.NOTE, second, ReviewAction.RETURNED, comment="Add the date.")

    said = [
        detail_in_words(entry.detail)
        for entry in AuditService(supervisor).entries(AuditFilter(person_id=case))
        if entry.detail.startswith("reviews")
    ]
    assert sorted(said) == ["Review: created (returned)", "Review: created (reviewed)"]
