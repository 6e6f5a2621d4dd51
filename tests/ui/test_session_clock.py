"""One clock in the window too: a session whose clock is set (tests, a future "as of" view)
shows and defaults to its own day, never the machine's. The session here is in June 2031, years
from any real run: a default date, a "today" or an "overdue" read from the system clock shows
up as a date years away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from pytestqt.qtbot import QtBot

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.referral_views import ReferralDraft, StatusChange
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.clock import Clock
from restart_desktop.domain.referrals import ReferralStatus
from restart_desktop.ui.barriers import BarrierDialog
from restart_desktop.ui.outcomes import AssessmentDialog
from restart_desktop.ui.referral_models import CHASE
from restart_desktop.ui.tasks import TaskRunner
from restart_desktop.ui.widgets import DateTimeField
from restart_desktop.ui.workspace import Workspace
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal

LONDON = ZoneInfo("Europe/London")
#: The session's day: a Monday in British Summer Time, far from the day the tests run.
DAY = dt.date(2031, 6, 2)
NOW = dt.datetime(2031, 6, 2, 9, 0, tzinfo=dt.UTC)  # 10:00 in London
BOOKED_FOR = dt.date(2031, 5, 30)  # an appointment three days before the session's day


@pytest.fixture
def person(enrolled: AppSession, london: None) -> str:
    """Someone due out on the session's day, with an appointment booked for before it
    (recorded on 20 May 2031, so the appointment was then ahead)."""
    enrolled.clock = Clock.fixed(dt.datetime(2031, 5, 20, 9, 0, tzinfo=dt.UTC), LONDON)
    cases = CaseService(enrolled)
    case = cases.create_case(
        CaseFields(
            given_name="Testy",
            family_name="Calendarson",
            release_date=DAY,
            release_time="09:00",
            consent_given=True,
            consent_date=dt.date(2031, 5, 19),
            consent_method="written",
            consent_categories=("substance_misuse",),
        )
    ).case_id
    cases.change_status(case, CaseStatus.ACCEPTED, "Accepted (test)")
    referrals = ReferralService(enrolled)
    referral = referrals.create(
        ReferralDraft(person_id=case, service_code="dass_oxfordshire", reason="Script (test)")
    )
    referrals.send(referral, "email")
    referrals.change_status(referral, StatusChange(ReferralStatus.ACKNOWLEDGED))
    booked = enrolled.clock.at_local(BOOKED_FOR, dt.time(10, 0))
    referrals.change_status(
        referral, StatusChange(ReferralStatus.APPOINTMENT_BOOKED, appointment_at=booked)
    )
    return case


@pytest.fixture
def workspace(qtbot: QtBot, enrolled: AppSession, person: str) -> Iterator[Workspace]:
    """The unlocked window's workspace on the session, its clock set to the session's day."""
    enrolled.clock = Clock.fixed(NOW, LONDON)
    runner = TaskRunner()
    space = Workspace(enrolled, runner)
    qtbot.addWidget(space)
    space.show()
    qtbot.waitExposed(space)
    _idle(qtbot, space)
    yield space
    space.stop_notices()
    if space.sync is not None:
        space.sync.shutdown()
    runner.shutdown()


def _idle(qtbot: QtBot, space: Workspace) -> None:
    qtbot.waitUntil(lambda: space.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)


def test_today_and_overdue_follow_the_sessions_day(
    qtbot: QtBot, workspace: Workspace, person: str
) -> None:
    # Today: the person due out on the session's day is due out "Today".
    workspace.show_today()
    today = workspace.today
    qtbot.waitUntil(lambda: today.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    _idle(qtbot, workspace)
    assert today.summary.text().startswith("1 due out, 1 today")
    card = today.model.data(today.model.index(0, 0), Qt.ItemDataRole.DisplayRole)
    assert "release Today 09:00" in card

    # Referrals: the appointment booked for three days ago waits for "attended?", in red.
    workspace.show_referrals()
    referrals = workspace.referrals
    qtbot.waitUntil(lambda: referrals.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    _idle(qtbot, workspace)
    model = referrals.model
    next_column = model.COLUMNS.index("Next")
    index = model.index(0, next_column)
    assert model.data(index, Qt.ItemDataRole.DisplayRole) == "Record: attended?"
    brush = model.data(index, Qt.ItemDataRole.ForegroundRole)
    assert isinstance(brush, QBrush)
    assert brush.color() == CHASE

    # The case file's own referrals list says the same.
    panel = workspace.open_referrals(person)
    assert panel is not None
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    cell = panel.model.index(0, panel.model.COLUMNS.index("Next"))
    assert panel.model.data(cell, Qt.ItemDataRole.DisplayRole) == "Record: attended?"


def test_new_records_default_to_the_sessions_day_and_time(
    qtbot: QtBot, workspace: Workspace, person: str
) -> None:
    # A new outcome assessment is dated the session's day.
    view = workspace.open_case(person)
    _idle(qtbot, workspace)
    outcomes = view.show_outcomes()
    assert outcomes is not None
    _idle(qtbot, workspace)
    seen: list[str] = []

    def read_assessment(dialog: AssessmentDialog) -> None:
        seen.append(dialog.date.text())
        dialog.reject()

    answer_modal(AssessmentDialog, read_assessment)
    outcomes.record()
    assert seen == ["02/06/2031"]

    # A new barrier is raised on the session's day; the register's period ends on it.
    workspace.show_barriers()
    barriers = workspace.barriers
    assert barriers.raised_to.text() == "02/06/2031"
    assert barriers.raised_from.text() == "03/03/2031"  # 91 days before

    def read_barrier(dialog: BarrierDialog) -> None:
        seen.append(dialog.raised_on.text())
        dialog.reject()

    answer_modal(BarrierDialog, read_barrier)
    barriers.new_button.click()
    assert seen[1] == "02/06/2031"

    # A new contact note is made "now" on the session's clock (10:00 in London).
    timeline = workspace.open_contacts(person)
    assert timeline is not None
    _idle(qtbot, workspace)
    editor = timeline.new_note()
    assert editor.contact_at.text() == "02/06/2031 10:00"
    assert editor.fields().contact_at == NOW


def test_a_time_typed_alone_is_on_the_clocks_day_in_the_clocks_zone(
    qtbot: QtBot, london: None
) -> None:
    """Near midnight the laptop's zone (London) and the clock's (UTC+2) are on different
    days: "08:35" is the next morning on the clock's calendar, and shown back as typed."""
    clock = Clock.fixed(dt.datetime(2031, 6, 2, 22, 30, tzinfo=dt.UTC), ZoneInfo("Etc/GMT-2"))
    field = DateTimeField("When it happened", clock)
    qtbot.addWidget(field)
    qtbot.keyClicks(field, "08:35")
    value = field.value()
    assert value == dt.datetime(2031, 6, 3, 6, 35, tzinfo=dt.UTC)
    field.set_value(value)
    assert field.text() == "03/06/2031 08:35"
    assert clock.now_text() == "00:30"


def test_times_shown_are_in_the_sessions_zone_not_the_laptops(
    qtbot: QtBot, enrolled: AppSession, person: str
) -> None:
    """The laptop's own zone is New York here; the session's clock is London's. The person
    was recorded at 09:00 UTC on 20 May 2031: 10:00 in London, 05:00 in New York. The audit
    trail, and the dialog showing who changed a field too, say 10:00."""
    from restart_desktop.app.audit import AuditService
    from restart_desktop.app.versions import Clash
    from restart_desktop.ui.audit_view import COL_WHEN, AuditTrailView
    from restart_desktop.ui.clashes import ClashDialog
    from tests.support.clock import use_zone
    from tests.support.roles import as_supervisor

    enrolled.clock = Clock.fixed(NOW, LONDON)
    runner = TaskRunner()
    with use_zone("America/New_York"):
        view = AuditTrailView(AuditService(as_supervisor(enrolled)), runner)
        qtbot.addWidget(view)
        view.refresh()
        qtbot.waitUntil(lambda: view.proxy.rowCount() > 0, timeout=SIGNAL_TIMEOUT_MS)
        shown = {str(view.proxy.index(r, COL_WHEN).data()) for r in range(view.proxy.rowCount())}
        assert "20/05/2031 10:00:00" in shown
        assert not any(" 05:00" in text for text in shown)

        recorded = dt.datetime(2031, 5, 20, 9, 0, tzinfo=dt.UTC)
        clash = Clash("phone", "Phone", "0100", "0200", "0200", "A. Colleague", recorded)
        dialog = ClashDialog([clash], enrolled.clock)
        qtbot.addWidget(dialog)
        assert "A. Colleague, 20/05/2031 10:00" in dialog.theirs["phone"].text()
    runner.shutdown()


def test_today_says_it_lists_releases_whose_outcome_is_still_to_record(
    qtbot: QtBot, enrolled: AppSession, person: str
) -> None:
    """Two days after the release, with no outcome recorded: the person is still on Today,
    and its heading says why (it said only "today and in the next 7 days")."""
    enrolled.clock = Clock.fixed(NOW + dt.timedelta(days=2), LONDON)
    runner = TaskRunner()
    space = Workspace(enrolled, runner)
    qtbot.addWidget(space)
    space.show()
    qtbot.waitExposed(space)
    try:
        space.show_today()
        today = space.today
        qtbot.waitUntil(lambda: today.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
        _idle(qtbot, space)
        assert today.summary.text() == "0 due out, 0 today, 1 still to record"
        assert today.title.text().endswith("and outcomes still to record")
    finally:
        space.stop_notices()
        if space.sync is not None:
            space.sync.shutdown()
        runner.shutdown()
