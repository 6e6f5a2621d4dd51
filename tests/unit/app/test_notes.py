"""NoteService on a real SQLCipher database: drafts, finalising, addenda, actions, search."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from restart_desktop.app.cases import CaseFields, CaseloadQuery, CaseService
from restart_desktop.app.errors import ValidationFailed
from restart_desktop.app.notes import (
    SNIPPET_END,
    SNIPPET_START,
    DraftFields,
    NeedsConfirmation,
    NoteService,
    TimelineKind,
)
from restart_desktop.app.session import AppSession
from restart_desktop.domain.notes import ActionStatus, ContactType, fts_query
from restart_desktop.store.changes import ImmutableRecord
from restart_desktop.store.models import Change, ContactNote, NoteDraft
from tests.support.clock import local, set_clock
from tests.support.roles import as_supervisor

NOW = local(2026, 3, 2, 10, 30)


@pytest.fixture
def person(enrolled: AppSession) -> str:
    values = CaseFields(
        given_name="Testy", family_name="McExample", referral_date=dt.date(2026, 1, 5)
    )
    return CaseService(enrolled).create_case(values).case_id


@pytest.fixture
def notes(enrolled: AppSession) -> NoteService:
    set_clock(enrolled, NOW)
    return NoteService(enrolled)


def _fields(person: str, body: str = "Talked about housing on release.") -> DraftFields:
    return DraftFields(
        person_id=person,
        contact_at=NOW - dt.timedelta(hours=1),
        contact_type=ContactType.IN_PERSON.value,
        location="HMP Bullingdon, C wing",
        duration_minutes=40,
        text=body,
        needs=("accommodation",),
    )


def _count(session: AppSession, model: type) -> int:
    with session.db.read() as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_drafts_are_saved_overwritten_and_never_logged_for_sync(
    notes: NoteService, person: str, enrolled: AppSession
) -> None:
    changes = _count(enrolled, Change)
    draft_id = notes.save_draft(_fields(person, "First words"))
    notes.save_draft(_fields(person, "First words and more"), draft_id)
    assert notes.get_draft(draft_id).text == "First words and more"
    [summary] = notes.drafts()
    assert summary.id == draft_id
    assert summary.characters == len("First words and more")
    assert not summary.stale
    assert _count(enrolled, Change) == changes  # drafts are local: no change per keystroke


def test_old_drafts_are_flagged_to_their_author(enrolled: AppSession, person: str) -> None:
    set_clock(enrolled, NOW - dt.timedelta(hours=30))
    earlier = NoteService(enrolled)
    earlier.save_draft(_fields(person))
    set_clock(enrolled, NOW)
    assert NoteService(enrolled).drafts()[0].stale


def test_finalise_writes_one_note_removes_the_draft_and_indexes_it(
    notes: NoteService, person: str, enrolled: AppSession
) -> None:
    draft_id = notes.save_draft(_fields(person))
    note_id = notes.finalise(_fields(person), draft_id)
    assert _count(enrolled, NoteDraft) == 0
    note = notes.get_note(note_id)
    assert note.text == "Talked about housing on release."
    assert note.worker_name.startswith("Test Worker")
    [hit] = notes.search("housing")
    assert hit.note_id == note_id
    assert hit.person_name == "MCEXAMPLE, Testy"
    assert f"{SNIPPET_START}housing{SNIPPET_END}" in hit.snippet


def test_empty_text_and_missing_reason_cannot_be_finalised(
    notes: NoteService, person: str, enrolled: AppSession
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        notes.finalise(_fields(person, "   "))
    assert "text" in caught.value.problems
    not_seen = DraftFields(person_id=person, contact_at=NOW, contact_type="not_seen", text="x")
    with pytest.raises(ValidationFailed) as caught:
        notes.finalise(not_seen)
    assert "not_seen_reason" in caught.value.problems
    assert _count(enrolled, ContactNote) == 0


def test_future_or_pre_referral_times_need_confirmation(
    notes: NoteService, person: str, enrolled: AppSession
) -> None:
    future = DraftFields(person_id=person, contact_at=NOW + dt.timedelta(days=1), text="x")
    with pytest.raises(NeedsConfirmation) as caught:
        notes.finalise(future)
    assert "in the future" in caught.value.reasons[0]
    early = DraftFields(person_id=person, contact_at=local(2025, 12, 1, 9), text="x")
    with pytest.raises(NeedsConfirmation) as caught:
        notes.finalise(early)
    assert "before the person was recommended" in caught.value.reasons[0]
    assert _count(enrolled, ContactNote) == 0
    notes.finalise(early, confirmed=True)
    assert _count(enrolled, ContactNote) == 1


def test_finalised_notes_refuse_edits_at_the_service_and_store_layers(
    notes: NoteService, person: str, enrolled: AppSession
) -> None:
    note_id = notes.finalise(_fields(person))

    def rewrite() -> None:
        with enrolled.db.write() as s:
            note = s.get(ContactNote, note_id)
            assert note is not None
            note.text = "rewritten history"

    with pytest.raises(ImmutableRecord):
        rewrite()
    with pytest.raises(DBAPIError, match="append-only"), enrolled.db.write() as s:
        s.execute(text("UPDATE contact_notes SET text = 'rewritten'"))
    assert notes.get_note(note_id).text == "Talked about housing on release."


def test_addenda_are_shown_under_the_note_and_searchable(notes: NoteService, person: str) -> None:
    note_id = notes.finalise(_fields(person))
    with pytest.raises(ValidationFailed):
        notes.add_addendum(note_id, "  ")
    notes.add_addendum(note_id, "Correction: the hostel is in Banbury.")
    note = notes.get_note(note_id)
    assert [a.text for a in note.addenda] == ["Correction: the hostel is in Banbury."]
    [hit] = notes.search("banbury")
    assert hit.kind == "addendum"
    assert hit.note_id == note_id


def test_search_lists_the_newest_contacts_first_and_stops_at_the_limit(
    notes: NoteService, person: str
) -> None:
    """The order is the contact time, not the order of writing: a note written up late, or
    an addendum to an old note, takes the place of its contact."""
    hours = [5, 1, 30, 3, 12]  # written in this order, each so many hours before now
    made = {
        h: notes.finalise(
            replace(_fields(person, f"Hostel visit {h}"), contact_at=NOW - dt.timedelta(hours=h)),
            confirmed=True,
        )
        for h in hours
    }
    notes.add_addendum(made[30], "Hostel place confirmed later.")
    hits = notes.search("hostel")
    assert [h.note_id for h in hits[:4]] == [made[1], made[3], made[5], made[12]]
    # The addendum is listed at its note's contact time, beside it.
    assert sorted((h.note_id, h.kind) for h in hits[4:]) == [
        (made[30], "addendum"),
        (made[30], "note"),
    ]
    assert [h.note_id for h in notes.search("hostel", limit=2)] == [made[1], made[3]]


def test_actions_due_overdue_and_closed(
    notes: NoteService, person: str, enrolled: AppSession
) -> None:
    note_id = notes.finalise(_fields(person))
    late = notes.add_action(person, "Book GP appointment", due_date=NOW.date() - dt.timedelta(1))
    soon = notes.add_action(person, "Chase ID", "person", due_date=NOW.date() + dt.timedelta(3))
    undated = notes.add_action(person, "Ask about family contact", note_id=note_id)
    with pytest.raises(ValidationFailed):
        notes.add_action(person, "", "worker")
    mine = notes.my_actions()
    assert [a.id for a in mine] == [late, soon, undated]
    assert [a.overdue for a in mine] == [True, False, False]

    cases = CaseService(enrolled)
    [row] = cases.caseload_page(CaseloadQuery(), 0, 10)
    assert row.overdue_actions == 1

    with pytest.raises(ValidationFailed):
        notes.close_action(late, ActionStatus.DONE, "")
    notes.close_action(late, ActionStatus.DONE, "Registered with the Bicester surgery")
    assert [a.id for a in notes.my_actions()] == [soon, undated]
    [row] = cases.caseload_page(CaseloadQuery(), 0, 10)
    assert row.overdue_actions == 0
    with pytest.raises(ValidationFailed):
        notes.close_action(late, ActionStatus.NOT_DONE, "again")


def test_timeline_newest_first_with_filters(notes: NoteService, person: str) -> None:
    older = notes.finalise(
        DraftFields(person_id=person, contact_at=NOW - dt.timedelta(days=3), text="older")
    )
    newer = notes.finalise(
        DraftFields(person_id=person, contact_at=NOW - dt.timedelta(days=1), text="newer")
    )
    notes.add_action(person, "An action")
    timeline = notes.timeline(person)
    assert [e.kind for e in timeline][1:] == [TimelineKind.NOTE, TimelineKind.NOTE]
    assert [e.note.id for e in timeline if e.note] == [newer, older]
    only_notes = notes.timeline(person, frozenset({TimelineKind.NOTE}))
    assert all(e.kind == TimelineKind.NOTE for e in only_notes)


@pytest.mark.parametrize(
    "body",
    [
        "Siaradodd am ei ysbyty yng Nghaerdydd, diolch yn fawr",  # Welsh
        "Rozmawialiśmy o zasiłku i mieszkaniu w Łodzi",  # Polish
        "تحدثنا عن السكن بعد الإفراج",  # Arabic
        "Good news today 🎉 housing confirmed",
    ],
)
def test_any_unicode_is_stored_and_found(notes: NoteService, person: str, body: str) -> None:
    note_id = notes.finalise(_fields(person, body))
    assert notes.get_note(note_id).text == body
    for word in body.split()[1:3]:
        assert [h.note_id for h in notes.search(word)] == [note_id], word


def test_a_very_long_note_is_stored_and_found(notes: NoteService, person: str) -> None:
    body = ("word " * 19_999) + "needle"
    assert len(body) > 100_000
    note_id = notes.finalise(_fields(person, body))
    assert notes.get_note(note_id).text == body
    assert [h.note_id for h in notes.search("needle")] == [note_id]


def test_search_syntax_is_safe() -> None:
    assert fts_query('"hostel in banbury" gp') == '"hostel in banbury" "gp"*'
    assert fts_query('NEAR( AND OR "') is not None  # operators are matched as plain words
    assert fts_query("   ") is None


WORDS = ["housing", "hostel", "gp", "methadone", "banbury", "bicester", "job", "ID", "bank"]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    bodies=st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join),
        min_size=1,
        max_size=12,
    ),
    addendum_words=st.lists(st.sampled_from(WORDS), max_size=3),
    probe=st.sampled_from(WORDS),
)
def test_search_matches_a_brute_force_scan(
    enrolled: AppSession,
    person: str,
    bodies: list[str],
    addendum_words: list[str],
    probe: str,
) -> None:
    set_clock(enrolled, NOW)
    notes = NoteService(enrolled)
    with enrolled.db.read() as s:
        before = {n.id for n in s.scalars(select(ContactNote))}
    created = {notes.finalise(_fields(person, body)): body for body in bodies}
    first = next(iter(created))
    if addendum_words:
        notes.add_addendum(first, " ".join(addendum_words))
        created[first] += " " + " ".join(addendum_words)

    def words(body: str) -> set[str]:
        return {unicodedata.normalize("NFC", w).casefold() for w in body.split()}

    prefix = probe.casefold()
    expected = {
        note_id
        for note_id, body in created.items()
        if any(word.startswith(prefix) for word in words(body))
    }
    found = {hit.note_id for hit in notes.search(probe, limit=10_000)} - before
    assert found == expected


def test_my_actions_are_those_on_my_caseload_only(
    notes: NoteService, person: str, enrolled: AppSession
) -> None:
    action = notes.add_action(person, "Chase the council")
    assert [a.id for a in notes.my_actions()] == [action]
    # handed back by the supervisor: no longer my case
    CaseService(as_supervisor(enrolled)).allocate(person, None, "Fictional reason")
    assert notes.my_actions() == []
