"""Referrals in the window, keyboard only: make one from the directory, send it through the
consent gate, move it on and close it; the Referrals view across the caseload."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.referral_views import ReferralDraft
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.session import AppSession
from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.referrals import ReferralStatus
from restart_desktop.paths import DataPaths
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.case_file import CaseFileView
from restart_desktop.ui.referral_dialogs import NewReferralDialog, SendDialog, StatusDialog
from restart_desktop.ui.referrals import ReferralsPanel
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, cut_off, unlock

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier


@pytest.fixture
def person(enrolled: AppSession) -> str:
    """Someone with consent for housing services only, due out in three weeks."""
    service = CaseService(enrolled)
    case_id = service.create_case(
        CaseFields(
            given_name="Testy",
            family_name="Referson",
            prison_code="bullingdon",
            release_date=dt.date.today() + dt.timedelta(days=21),
            housing_authority="oxford",
            consent_given=True,
            consent_date=dt.date.today(),
            consent_method="written",
            consent_categories=("accommodation",),
        )
    ).case_id
    service.change_status(case_id, CaseStatus.ACCEPTED, "Accepted (test)")
    enrolled.close()
    return case_id


def _idle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)


def _answered(qtbot: QtBot, window: MainWindow, panel: ReferralsPanel, done: list[bool]) -> None:
    qtbot.waitUntil(lambda: bool(done), timeout=SIGNAL_TIMEOUT_MS)
    _idle(qtbot, window)
    qtbot.waitUntil(panel.table.hasFocus, timeout=SIGNAL_TIMEOUT_MS)


def test_make_send_and_close_a_referral_from_the_keyboard(
    qtbot: QtBot, make_window: MakeWindow, person: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    view = window.workspace.open_case(person)
    _idle(qtbot, window)
    qtbot.keyClick(view, Qt.Key.Key_4, ALT)
    _idle(qtbot, window)
    assert isinstance(window.workspace.tabs.currentWidget(), CaseFileView)
    panel = view.referrals_panel
    assert panel is not None
    assert panel.table.hasFocus()
    assert panel.duty_box.isVisible()  # no settled address, release in 21 days
    assert "Refer to Oxford City Council" in panel.duty.text()

    # Insert: a new referral from the directory.
    done: list[bool] = []

    def make(dialog: NewReferralDialog) -> None:
        qtbot.waitUntil(dialog.search.hasFocus)
        qtbot.keyClicks(dialog.search, "jobcentre")
        assert dialog.model.rowCount() == 1
        qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)  # chosen: on to the reason
        assert dialog.reason.hasFocus()
        qtbot.keyClicks(dialog.reason, "Universal Credit claim on release (test)")
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)
        qtbot.keyClick(dialog.urgency, Qt.Key.Key_Down)  # urgent
        qtbot.keyClick(dialog.urgency, Qt.Key.Key_Return)
        done.append(True)

    answer_modal(NewReferralDialog, make)
    qtbot.keyClick(panel.table, Qt.Key.Key_Insert)
    _answered(qtbot, window, panel, done)
    current = panel.current()
    assert current is not None
    assert current.status == ReferralStatus.DRAFT
    assert current.service.code == "jobcentre_plus"
    assert current.urgency.value == "urgent"

    # Send: consent covers housing only, so the dialog says so and asks for an override.
    done.clear()

    def send(dialog: SendDialog) -> None:
        assert "does not cover benefits and money services" in dialog.consent.text()
        qtbot.waitUntil(dialog.override.hasFocus)
        qtbot.keyClick(dialog.override, Qt.Key.Key_Return)
        assert dialog.isVisible()
        assert "say why" in dialog.error.text()
        qtbot.keyClicks(dialog.override, "Person asked us to, consent form to follow (test)")
        qtbot.keyClick(dialog.override, Qt.Key.Key_Return)
        done.append(True)

    answer_modal(SendDialog, send)
    qtbot.keyClick(panel.table, Qt.Key.Key_E, ALT)
    _answered(qtbot, window, panel, done)
    current = panel.current()
    assert current is not None
    assert current.status == ReferralStatus.SENT
    assert "Sent without consent: Person asked us to" in panel.details.toPlainText()

    # Enter: the next step. Acknowledged, then accepted, then closed with an outcome.
    for steps_down, expected, outcome in (
        (0, ReferralStatus.ACKNOWLEDGED, ""),
        (0, ReferralStatus.ACCEPTED, ""),
        (1, ReferralStatus.CLOSED, "Claim made (test)"),
    ):
        done.clear()

        def step(dialog: StatusDialog, down: int = steps_down, words: str = outcome) -> None:
            qtbot.waitUntil(dialog.status.hasFocus)
            for _ in range(down):
                qtbot.keyClick(dialog.status, Qt.Key.Key_Down)
            if words:
                qtbot.keyClick(dialog.status, Qt.Key.Key_Return)  # refused: no outcome
                assert dialog.isVisible()
                assert "outcome" in dialog.error.text()
                qtbot.keyClick(dialog, Qt.Key.Key_C, ALT)
                qtbot.waitUntil(dialog.outcome.hasFocus)
                qtbot.keyClicks(dialog.outcome, words)
                qtbot.keyClick(dialog.outcome, Qt.Key.Key_Return)
            else:
                qtbot.keyClick(dialog.status, Qt.Key.Key_Return)
            done.append(True)

        answer_modal(StatusDialog, step)
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
        _answered(qtbot, window, panel, done)
        current = panel.current()
        assert current is not None
        assert current.status == expected

    assert current.outcome == "Claim made (test)"
    history = panel.details.toPlainText()
    for label in ("Draft", "Sent", "Acknowledged", "Accepted", "Closed"):
        assert f"· {label} · Test Worker (fictional)" in history

    # The Referrals view across the caseload shows it among all referrals (closed too).
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    referrals = window.workspace.referrals
    assert window.workspace.tabs.currentWidget() is referrals
    _idle(qtbot, window)
    assert referrals.model.rowCount() == 0  # open referrals only, and it is closed
    referrals.status.setCurrentIndex(referrals.status.findData("all"))
    _idle(qtbot, window)
    assert referrals.model.rowCount() == 1
    assert "1 closed" in referrals.counts.text()


def test_the_duty_to_refer_from_its_banner_clears_the_caseload_flag(
    qtbot: QtBot, make_window: MakeWindow, person: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    caseload = window.workspace.caseload
    flags_column = next(
        c
        for c in range(caseload.model.columnCount())
        if caseload.model.headerData(c, Qt.Orientation.Horizontal) == "Flags"
    )
    assert "Duty to Refer due" in caseload.model.index(0, flags_column).data()
    view = window.workspace.open_case(person)
    _idle(qtbot, window)
    qtbot.keyClick(view, Qt.Key.Key_4, ALT)
    _idle(qtbot, window)
    panel = view.referrals_panel
    assert panel is not None
    assert panel.duty_box.isVisible()

    done: list[bool] = []

    def make(dialog: NewReferralDialog) -> None:
        chosen = dialog.chosen()
        assert chosen is not None
        assert chosen.code == "housing_oxford"
        assert dialog.reason.toPlainText().startswith("Duty to Refer (Homelessness Reduction")
        assert dialog.urgency.currentData() == "routine"  # 21 days ahead
        qtbot.waitUntil(dialog.reason.hasFocus)
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)
        qtbot.keyClick(dialog.urgency, Qt.Key.Key_Return)
        done.append(True)

    answer_modal(NewReferralDialog, make)
    qtbot.keyClick(panel.table, Qt.Key.Key_D, ALT)
    _answered(qtbot, window, panel, done)
    current = panel.current()
    assert current is not None
    assert current.service.code == "housing_oxford"
    assert panel.duty_button.text() == "Open the &Duty to Refer draft"

    done.clear()

    def send(dialog: SendDialog) -> None:
        assert not dialog.consent.isVisible()  # consent covers housing
        qtbot.keyClick(dialog.how, Qt.Key.Key_Return)
        done.append(True)

    answer_modal(SendDialog, send)
    qtbot.keyClick(panel.table, Qt.Key.Key_E, ALT)
    _answered(qtbot, window, panel, done)
    qtbot.waitUntil(lambda: not panel.duty_box.isVisible(), timeout=SIGNAL_TIMEOUT_MS)
    _idle(qtbot, window)
    qtbot.keyClick(view, Qt.Key.Key_3, ALT)  # the release plan, refreshed as it is shown
    _idle(qtbot, window)
    window.workspace.show_caseload()  # ... and the caseload
    _idle(qtbot, window)
    assert "Duty to Refer due" not in (caseload.model.index(0, flags_column).data() or "")
    assert view.release_panel is not None
    assert view.release_panel.plan is not None
    item = view.release_panel.plan.item("duty_to_refer")
    assert item is not None
    assert item.state.value == "done"
    assert "Duty to Refer due" not in view.release_panel.progress.text()


def test_sending_the_duty_to_refer_settles_its_item_marked_as_a_problem(
    qtbot: QtBot, make_window: MakeWindow, person: str
) -> None:
    from restart_desktop.ui.release_plan_dialogs import ItemDialog

    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    view = window.workspace.open_case(person)
    _idle(qtbot, window)
    qtbot.keyClick(view, Qt.Key.Key_3, ALT)
    _idle(qtbot, window)
    plan = view.release_panel
    assert plan is not None
    plan.table.selectRow(plan.model.row_of("duty_to_refer"))

    def problem(dialog: ItemDialog) -> None:
        qtbot.keyClicks(dialog.note, "Council portal down (test)")
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)

    answer_modal(ItemDialog, problem)
    qtbot.keyClick(plan.table, Qt.Key.Key_P)
    _idle(qtbot, window)
    assert plan.plan is not None
    assert plan.plan.item("duty_to_refer").state.value == "problem"  # type: ignore[union-attr]

    qtbot.keyClick(view, Qt.Key.Key_4, ALT)
    _idle(qtbot, window)
    panel = view.referrals_panel
    assert panel is not None
    done: list[bool] = []

    def make(dialog: NewReferralDialog) -> None:
        qtbot.waitUntil(dialog.reason.hasFocus)
        qtbot.keyClick(dialog.reason, Qt.Key.Key_Tab)
        qtbot.keyClick(dialog.urgency, Qt.Key.Key_Return)
        done.append(True)

    answer_modal(NewReferralDialog, make)
    qtbot.keyClick(panel.table, Qt.Key.Key_D, ALT)
    _answered(qtbot, window, panel, done)
    done.clear()

    def send(dialog: SendDialog) -> None:
        qtbot.keyClick(dialog.how, Qt.Key.Key_Return)
        done.append(True)

    answer_modal(SendDialog, send)
    qtbot.keyClick(panel.table, Qt.Key.Key_E, ALT)
    _answered(qtbot, window, panel, done)
    _idle(qtbot, window)
    qtbot.keyClick(view, Qt.Key.Key_3, ALT)
    _idle(qtbot, window)
    item = plan.plan.item("duty_to_refer")
    assert item is not None
    assert item.state.value == "done", item


def test_the_referrals_view_reads_a_page_at_a_time_as_it_is_scrolled(
    qtbot: QtBot,
    make_window: MakeWindow,
    enrolled: AppSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A supervisor's laptop holds thousands of referrals: the view shows the first page and
    the counts of all, and reads the next page when the table is scrolled to its end."""
    from restart_desktop.app.demo import fill_demo_data
    from restart_desktop.ui import referrals as referrals_ui

    fill_demo_data(enrolled, cases=40, seed=2)
    enrolled.close()
    monkeypatch.setattr(referrals_ui, "PAGE_SIZE", 5)
    window = make_window()
    unlock(qtbot, window)
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    view = window.workspace.referrals
    view.mine.setChecked(False)
    view.status.setCurrentIndex(view.status.findData("all"))
    _idle(qtbot, window)
    total = view.model.total
    assert total > 10
    assert f"{total} shown" in view.counts.text()
    assert 5 <= view.model.rowCount() < total  # the view may ask for one more page at once
    while view.model.canFetchMore():
        view.table.scrollToBottom()
        view.model.fetchMore()
        _idle(qtbot, window)
    ids = [view.model.row_item(n).id for n in range(view.model.rowCount())]  # type: ignore[union-attr]
    assert len(ids) == len(set(ids)) == total


def test_the_referrals_show_a_long_kind_whole(
    qtbot: QtBot, make_window: MakeWindow, person: str, data_paths: DataPaths
) -> None:
    """ "Kind" was 150 pixels wide: "Employment, education and training" wrapped and was cut
    at 1366x768."""
    session = unlock_folder(data_paths, PASSPHRASE)
    ReferralService(session).create(
        ReferralDraft(person, "employment_training", reason="Courses after release (test)")
    )
    session.close()
    window = make_window()
    window.resize(1366, 768)
    unlock(qtbot, window)
    assert window.workspace is not None
    view = window.workspace.open_case(person)
    _idle(qtbot, window)
    qtbot.keyClick(view, Qt.Key.Key_4, ALT)
    _idle(qtbot, window)
    panel = view.referrals_panel
    assert panel is not None
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    kinds = [panel.model.index(0, column).data() for column in range(panel.model.columnCount())]
    assert "Employment, education and training" in kinds
    for column in range(1, panel.model.columnCount()):
        assert cut_off(panel.table, column) == [], column
