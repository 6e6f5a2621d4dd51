"""Recording a 4-week check from My actions with the keyboard only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import OutcomeFields
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import FirstNight
from restart_desktop.store.models import FollowUpCheck
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.follow_up import CheckDialog
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]


def _released_five_weeks_ago(session: AppSession) -> str:
    cases = CaseService(session)
    released = dt.date.today() - dt.timedelta(days=35)
    case_id = cases.create_case(
        CaseFields(
            given_name="Testy",
            family_name="Checkson",
            release_date=released,
            needs=("accommodation", "substance_misuse"),
        )
    ).case_id
    cases.change_status(case_id, CaseStatus.ACCEPTED, "Eligible")
    release = ReleaseService(session)
    plan = release.plan(case_id)
    assert plan is not None
    release.record_outcome(plan.id, OutcomeFields(FirstNight.TEMPORARY_OR_CAS3.value, "", False))
    session.close()
    return case_id


def test_a_4_week_check_is_due_in_my_actions_and_recorded_from_the_keyboard(
    qtbot: QtBot, make_window: MakeWindow, enrolled: AppSession
) -> None:
    case_id = _released_five_weeks_ago(enrolled)
    window = make_window()
    unlock(qtbot, window)
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    checks = window.workspace.my_actions.checks
    assert checks is not None
    qtbot.waitUntil(lambda: checks.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    assert checks.model.index(0, 2).data() == "4-week check"
    # Ctrl+2 again once loaded: checks come first (before chases and actions).
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.focusWidget() is checks.table

    def record(dialog: CheckDialog) -> None:
        qtbot.keyClick(dialog.accommodation, Qt.Key.Key_Home)  # Settled accommodation
        qtbot.keyClick(dialog.answers["universal_credit"], Qt.Key.Key_Y)
        qtbot.keyClick(dialog.answers["treatment"], Qt.Key.Key_N)  # "No"
        # GP left at "Not known": an answer too
        qtbot.keyClick(dialog.answers["ete"], Qt.Key.Key_Y)
        qtbot.keyClick(dialog.answers["ete"], Qt.Key.Key_Return)

    answer_modal(CheckDialog, record)
    qtbot.keyClick(checks.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not checks.isVisible(), timeout=SIGNAL_TIMEOUT_MS)
    assert window.session is not None
    with window.session.db.read() as s:
        stored = s.query(FollowUpCheck).one()
        assert (
            stored.person_id,
            stored.check_code,
            stored.accommodation,
            stored.universal_credit,
            stored.treatment,
            stored.gp,
            stored.ete,
        ) == (case_id, "four_weeks", "settled", "yes", "no", "not_known", "yes")
