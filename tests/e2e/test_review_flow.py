"""Supervisor review, allocation and handover across three laptops (a supervisor and two
workers) through a real central export folder: real SQLCipher databases, real bundles."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from restart_desktop.app.cases import CaseFields, CaseService
from restart_desktop.app.errors import UserError, ValidationFailed
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.review import ReviewFilter, ReviewService
from restart_desktop.app.session import AppSession
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.allocation import HandoverKind
from restart_desktop.domain.review import ReviewAction, ReviewItemKind, ReviewState
from restart_desktop.store.models import Addendum, Change, ContactNote, Person, SyncSkipped
from tests.support.clock import local
from tests.support.team import assert_same_as_supervisor, make_team


def _sync(*sessions: AppSession) -> None:
    for session in sessions:
        result = SyncService(session).sync_now()
        assert result.state == "synced", result.message
        assert result.report.problems == {}


def _note(session: AppSession, case_id: str, text: str) -> str:
    return NoteService(session).finalise(
        DraftFields(
            person_id=case_id,
            contact_at=local(2026, 11, 20, 10, 30),
            text=text,
        ),
        confirmed=True,
    )


def _people(session: AppSession) -> set[str]:
    with session.db.read() as s:
        return set(s.scalars(select(Person.family_name)))


def test_a_note_is_returned_answered_and_signed_off_across_laptops(tmp_path: Path) -> None:
    team = make_team(tmp_path / "team", workers=2)
    supervisor, first, second = (laptop.open() for laptop in team.laptops)
    try:
        _sync(supervisor, first, second)
        case = (
            CaseService(first)
            .create_case(CaseFields(given_name="Testy", family_name="Reviewable"))
            .case_id
        )
        note = _note(first, case, "Fictional visit: talked about housing.")
        _sync(first, supervisor, second)

        # The supervisor's queue holds the worker's note; the other worker never receives it.
        review = ReviewService(supervisor)
        queue = review.queue(ReviewFilter())
        assert [(r.kind, r.item_id, r.worker_name) for r in queue] == [
            (ReviewItemKind.NOTE, note, "Worker 1 (fictional)")
        ]
        assert "Reviewable" not in _people(second)
        with second.db.read() as s:
            assert s.get(ContactNote, note) is None
            assert s.scalars(select(Change).where(Change.case_id == case)).all() == []

        review.act(
            ReviewItemKind.NOTE, note, ReviewAction.RETURNED, "Please add when the next visit is."
        )
        assert review.queue(ReviewFilter()) == []  # with the worker now
        assert [r.item_id for r in review.queue(ReviewFilter(state=ReviewState.RETURNED))] == [note]
        _sync(supervisor, second, first)

        # The comment reached the worker at their next sync.
        notices = ReviewService(first).notices()
        assert [(n.item_id, n.action, n.comment, n.needs_answer, n.author) for n in notices] == [
            (
                note,
                ReviewAction.RETURNED,
                "Please add when the next visit is.",
                True,
                "Supervisor (fictional)",
            )
        ]
        with pytest.raises(ValidationFailed):  # a note is answered with an addendum
            ReviewService(first).act(ReviewItemKind.NOTE, note, ReviewAction.ANSWERED, "Done")
        with pytest.raises(UserError):  # only a supervisor signs off
            ReviewService(first).act(ReviewItemKind.NOTE, note, ReviewAction.REVIEWED)
        ReviewService(first).act(
            ReviewItemKind.NOTE,
            note,
            ReviewAction.ANSWERED,
            addendum="Next visit booked for Tuesday.",
        )
        assert ReviewService(first).notices() == []
        _sync(first, supervisor)

        # Back in the queue, with the addendum to read; then signed off.
        assert [r.item_id for r in review.queue(ReviewFilter())] == [note]
        detail = review.detail(ReviewItemKind.NOTE, note)
        assert ("Note", "Fictional visit: talked about housing.") in detail.body
        assert any(text == "Next visit booked for Tuesday." for _label, text in detail.body)
        assert [e.action for e in detail.history] == [ReviewAction.RETURNED, ReviewAction.ANSWERED]
        review.act(ReviewItemKind.NOTE, note, ReviewAction.REVIEWED)
        assert review.queue(ReviewFilter()) == []
        assert review.count(ReviewFilter(state=ReviewState.REVIEWED)) == 1
        _sync(supervisor, first, second)
        assert ReviewService(first).history(note)[-1].action == ReviewAction.REVIEWED
        for laptop in (first, second):
            assert_same_as_supervisor(supervisor, laptop)
    finally:
        for session in (supervisor, first, second):
            session.close()


def test_allocation_and_handover_move_a_case_with_its_history(tmp_path: Path) -> None:
    team = make_team(tmp_path / "team", workers=2)
    supervisor, first, second = (laptop.open() for laptop in team.laptops)
    try:
        _sync(supervisor, first, second, supervisor)
        workers = {w.name: w.id for w in CaseService(supervisor).workers()}
        one, two = workers["Worker 1 (fictional)"], workers["Worker 2 (fictional)"]

        # A recommendation recorded by the supervisor waits for allocation, on no worker's
        # laptop; allocated to the first worker, it reaches theirs only.
        cases = CaseService(supervisor)
        case = cases.create_case(CaseFields(given_name="Testy", family_name="Handed")).case_id
        assert cases.get_case(case).allocated_worker_id is None
        _sync(supervisor, first, second)
        assert "Handed" not in _people(first) | _people(second)
        with pytest.raises(UserError):
            CaseService(first).allocate(case, one, "Fictional")  # the programme decides
        assert cases.allocate(case, one, "Near her area") == HandoverKind.ALLOCATION
        _sync(supervisor, first, second)
        assert "Handed" in _people(first)
        assert "Handed" not in _people(second)
        note = _note(first, case, "Fictional first visit in custody.")
        NoteService(first).add_addendum(note, "Fictional late information.")
        _sync(first, supervisor)

        # Handed over with a note: the second worker receives the case and its history.
        with pytest.raises(ValidationFailed) as refused:
            cases.allocate(case, two)
        assert "handover note" in str(refused.value.problems["note"])
        assert cases.allocate(case, two, "He prefers afternoon visits.") == HandoverKind.HANDOVER
        # The first worker's laptop publishes its notes again for the second (bundle format
        # 3: need to know in the cryptography) at its next sync; the second's then reads them.
        _sync(supervisor, second, first, second)
        with second.db.read() as s:
            assert s.get(ContactNote, note) is not None
            assert s.scalars(select(Addendum.text)).all() == ["Fictional late information."]
            handed = s.get(Person, case)
            assert handed is not None
            assert handed.allocated_worker_id == two
            assert s.scalars(select(SyncSkipped).where(SyncSkipped.case_id == case)).all() == []
        history = CaseService(second).handovers(case)
        assert [(h.kind, h.from_name, h.to_name, h.note) for h in history] == [
            (
                HandoverKind.HANDOVER,
                "Worker 1 (fictional)",
                "Worker 2 (fictional)",
                "He prefers afternoon visits.",
            ),
            (HandoverKind.ALLOCATION, "", "Worker 1 (fictional)", "Near her area"),
        ]
        assert_same_as_supervisor(supervisor, second)
        # The field history (who, when, why) travels with the case.
        moves = CaseService(second).get_case(case).field_history
        assert [(m.label, m.old, m.new, m.by, m.reason) for m in moves] == [
            (
                "Allocated worker",
                "Worker 1 (fictional)",
                "Worker 2 (fictional)",
                supervisor.worker.name,
                "He prefers afternoon visits.",
            ),
            (
                "Allocated worker",
                "Not allocated",
                "Worker 1 (fictional)",
                supervisor.worker.name,
                "Near her area",
            ),
        ]

        # The first worker no longer receives it; shared back (to meet him at the gate) they do.
        later = _note(second, case, "Fictional visit by the new worker.")
        _sync(second, supervisor, first)
        with first.db.read() as s:
            assert s.get(ContactNote, later) is None
        assert cases.allocate(case, one, "Gate cover", share=True) == HandoverKind.SHARE
        _sync(supervisor, first, second, first)  # the second's notes, published again
        with first.db.read() as s:
            assert s.get(ContactNote, later) is not None
            shared = s.get(Person, case)
            assert shared is not None
            assert shared.allocated_worker_id == two
        # Recorded and allocated between two syncs: one bundle carries both, and it arrives.
        fresh = cases.create_case(CaseFields(given_name="Testy", family_name="Direct")).case_id
        cases.allocate(fresh, two, "Fictional allocation")
        _sync(supervisor, second)
        assert "Direct" in _people(second)
        for laptop in (first, second):
            assert_same_as_supervisor(supervisor, laptop)
    finally:
        for session in (supervisor, first, second):
            session.close()
