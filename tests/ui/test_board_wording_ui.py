"""A supervisor writes a barrier's wording for the board from the keyboard; a wording that
names someone is refused and comes back as typed, with the reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.outcomes import BarrierFields, OutcomeService
from restart_desktop.app.session import AppSession
from restart_desktop.store.models import Barrier
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.board_wording import BoardWordingDialog
from tests.support.roles import as_supervisor
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]
NAMED = "Mr Practise (Z 9870 RJ) refused a bed"
CLEAN = "A hostel refuses beds to people released on a Friday afternoon"


def test_a_wording_naming_someone_comes_back_as_typed_and_a_clean_one_is_confirmed(
    qtbot: QtBot, make_window: MakeWindow, enrolled: AppSession
) -> None:
    lead = as_supervisor(enrolled)
    CaseService(lead).create_case(
        CaseFields(given_name="Testy", family_name="Practise", nomis_number="Z9870RJ")
    )
    OutcomeService(lead).create_barrier(
        BarrierFields(NAMED, "accommodation", raised_on=dt.date.today())
    )
    lead.close()
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    barriers = window.workspace.barriers
    window.workspace.tabs.setCurrentWidget(barriers)  # the register (Ctrl+4)
    qtbot.waitUntil(lambda: barriers.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    barriers.table.setFocus()
    barriers.table.setCurrentIndex(barriers.model.index(0, 0))
    assert barriers.wording_button.isVisible()
    seen: list[str] = []

    def first(dialog: BoardWordingDialog) -> None:
        qtbot.keyClicks(dialog.wording, "The council refused PRACTISE housing")
        answer_modal(BoardWordingDialog, second)
        qtbot.keyClick(dialog.confirm_button, Qt.Key.Key_Space)

    def second(dialog: BoardWordingDialog) -> None:
        seen.append(dialog.text())
        seen.append(dialog.error.text())
        dialog.wording.selectAll()
        qtbot.keyClicks(dialog.wording, CLEAN)
        qtbot.keyClick(dialog.confirm_button, Qt.Key.Key_Space)

    answer_modal(BoardWordingDialog, first)
    qtbot.keyClick(barriers.wording_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "confirmed" in barriers.message.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert seen[0] == "The council refused PRACTISE housing"  # nothing typed is lost
    assert "names someone on the programme" in seen[1]
    assert window.session is not None
    with window.session.db.read() as s:
        stored = s.query(Barrier).one()
        assert (stored.board_wording, stored.title) == (CLEAN, NAMED)
        assert stored.board_wording_at is not None
