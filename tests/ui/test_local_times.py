"""One clock: a note made at 14:05 on the laptop's clock reads 14:05 wherever it is shown,
in the users' own zone on either side of the clock changes, in a fixed UTC+1 zone and far
from UTC; records made one after the other are listed in the order they happened."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import DraftFields, NoteService, TimelineKind
from restart_desktop.app.referral_views import ReferralDraft, StatusChange
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import ItemUpdate
from restart_desktop.app.session import AppSession
from restart_desktop.app.subject_access import SubjectAccessService
from restart_desktop.app.subject_report import readable_sections
from restart_desktop.documents.release_sheet import sheet_html
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import ItemState
from restart_desktop.domain.clock import from_local
from restart_desktop.domain.referrals import ReferralStatus
from restart_desktop.ui.referral_models import referral_html
from restart_desktop.ui.search_view import COL_DATE, SearchResultsTableModel
from restart_desktop.ui.timeline import COL_WHEN, TimelineTableModel, note_html
from tests.support.clock import set_clock

#: The day after the clocks go forward, the day after they go back, and an ordinary winter day.
DAYS = (dt.date(2026, 3, 30), dt.date(2026, 10, 26), dt.date(2026, 12, 1))


def _texts(sections: list[object]) -> str:
    return repr(sections)


@pytest.mark.parametrize("day", DAYS, ids=lambda d: f"{d:%d-%b}")
def test_a_time_typed_as_1405_reads_1405_everywhere(
    enrolled: AppSession, laptop_zone: str, day: dt.date
) -> None:
    set_clock(enrolled, dt.datetime.combine(day, dt.time(14, 10)))
    at_1405 = from_local(dt.datetime.combine(day, dt.time(14, 5)))
    cases = CaseService(enrolled)
    case = cases.create_case(
        CaseFields(
            given_name="Testy",
            family_name="Clockwise",
            release_date=day,
            release_time="14:00",
            consent_given=True,
            consent_date=day - dt.timedelta(days=9),
            consent_method="written",
            consent_categories=("substance_misuse",),
        )
    ).case_id
    cases.change_status(case, CaseStatus.ACCEPTED, "Accepted (test)")
    notes = NoteService(enrolled)
    notes.finalise(
        DraftFields(case, at_1405, text="Fictional gate meeting about the hostel."), confirmed=True
    )
    set_clock(enrolled, dt.datetime.combine(day, dt.time(14, 12)))
    notes.add_action(case, "Phone the fictional hostel", "worker")

    # The timeline: the action came after the note and is listed above it (newest first).
    model = TimelineTableModel()
    model.set_entries(NoteService(enrolled).timeline(case))
    kinds = [model.entry(row).kind for row in range(model.rowCount())]  # type: ignore[union-attr]
    assert kinds[:2] == [TimelineKind.ACTION, TimelineKind.NOTE]
    shown = model.data(model.index(1, COL_WHEN), Qt.ItemDataRole.DisplayRole)
    assert shown == f"{day:%d/%m/%Y} 14:05"
    note = model.entry(1).note  # type: ignore[union-attr]
    assert note is not None
    # Made at 14:05, finalised at 14:10: both on the laptop's clock.
    html = note_html(note, enrolled.reference)
    assert "14:05" in html
    assert f"finalised {day:%d/%m/%Y} 14:10" in html

    # Search results.
    search = SearchResultsTableModel()
    search.set_rows(NoteService(enrolled).search("hostel"))
    assert search.data(search.index(0, COL_DATE), Qt.ItemDataRole.DisplayRole) == (
        f"{day:%d/%m/%Y} 14:05"
    )

    # The release-day sheet: an appointment typed as 14:05 on the day.
    release = ReleaseService(enrolled)
    plan = release.plan(case)
    assert plan is not None
    release.update_item(
        plan.id,
        "probation_appointment",
        ItemUpdate(ItemState.OPEN, appointment_at=at_1405, place="Fictional probation office"),
    )
    assert "14:05" in sheet_html(release.release_sheet(case))

    # A referral's appointment.
    referrals = ReferralService(enrolled)
    referral = referrals.create(
        ReferralDraft(
            person_id=case, service_code="dass_oxfordshire", reason="Script on release (test)"
        )
    )
    referrals.send(referral, "email")
    referrals.change_status(referral, StatusChange(ReferralStatus.ACKNOWLEDGED))
    referrals.change_status(
        referral,
        StatusChange(
            ReferralStatus.APPOINTMENT_BOOKED, appointment_at=at_1405 + dt.timedelta(days=1)
        ),
    )
    assert "14:05" in referral_html(referrals.get(referral), enrolled.reference)

    # The subject access export's readable file.
    records = SubjectAccessService(enrolled).gather(case)
    words = _texts(readable_sections(records, enrolled.reference))  # type: ignore[arg-type]
    assert f"{day:%d/%m/%Y} 14:05" in words
