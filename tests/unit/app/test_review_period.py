"""The review queue's period is days on the laptop's calendar: a note made at 00:30 in
British Summer Time (23:30 UTC the evening before) belongs to the day it was made."""

from __future__ import annotations

import datetime as dt

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.review import ReviewFilter, ReviewService
from restart_desktop.app.session import AppSession
from tests.support.clock import local, set_clock
from tests.support.roles import as_colleague, as_supervisor


def test_a_period_holds_the_notes_made_on_its_days_by_the_laptops_clock(
    enrolled: AppSession, london: None
) -> None:
    set_clock(enrolled, dt.datetime(2026, 6, 12, 9, 0))
    colleague = as_colleague(enrolled)
    case = (
        CaseService(colleague)
        .create_case(CaseFields(given_name="Testy", family_name="Midnight"))
        .case_id
    )
    notes = NoteService(colleague)
    made = {
        when: notes.finalise(
            DraftFields(case, local(*when), text="Fictional visit."), confirmed=True
        )
        for when in (
            (2026, 6, 9, 23, 30),
            (2026, 6, 10, 0, 30),
            (2026, 6, 10, 23, 30),
            (2026, 6, 11, 0, 30),
        )
    }
    review = ReviewService(as_supervisor(enrolled))
    queue = review.queue(ReviewFilter(date_from=dt.date(2026, 6, 10), date_to=dt.date(2026, 6, 10)))
    assert {row.item_id for row in queue} == {
        made[(2026, 6, 10, 0, 30)],
        made[(2026, 6, 10, 23, 30)],
    }
    # ...and the queue lists each on that day, as the filter found it, not on UTC's.
    assert {row.when for row in queue} == {dt.date(2026, 6, 10)}


def test_an_addendum_in_the_reading_pane_is_dated_as_the_laptop_shows(
    enrolled: AppSession, london: None
) -> None:
    """An addendum written at 00:30 on 11 June in summer time reads "11 Jun", not UTC's
    10 June, under the note in the supervisor's reading pane."""
    from restart_desktop.domain.review import ReviewItemKind

    set_clock(enrolled, dt.datetime(2026, 6, 10, 9, 0))
    colleague = as_colleague(enrolled)
    case = (
        CaseService(colleague)
        .create_case(CaseFields(given_name="Testy", family_name="Addendum"))
        .case_id
    )
    notes = NoteService(colleague)
    note = notes.finalise(
        DraftFields(case, local(2026, 6, 10, 9, 0), text="Fictional visit."), confirmed=True
    )
    set_clock(colleague, dt.datetime(2026, 6, 11, 0, 30))
    notes.add_addendum(note, "Fictional addendum after midnight.")
    detail = ReviewService(as_supervisor(enrolled)).detail(ReviewItemKind.NOTE, note)
    headings = [heading for heading, _text in detail.body if heading.startswith("Addendum")]
    assert headings == ["Addendum, 11/06/2026 by Fictional Colleague"]
