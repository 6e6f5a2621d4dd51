"""Intake from the keyboard: a worker's Ctrl+N records a recommendation into the queue (a
duplicate is shown before a second record is made); the allocator works the queue oldest
first and records a decision without the mouse."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths
from restart_desktop.store.intake_models import IntakeDecision, IntakeRecord
from restart_desktop.store.models import Person, Worker
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.intake_view import IntakeDialog
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def test_ctrl_n_records_a_recommendation_and_shows_a_duplicate_first(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    assert window.workspace is not None
    qtbot.waitUntil(
        lambda: (
            window.workspace is not None
            and window.workspace.intake_dialog is not None
            and window.workspace.intake_dialog.isVisible()
        ),
        timeout=SIGNAL_TIMEOUT_MS,
    )
    dialog = window.workspace.intake_dialog
    assert dialog is not None
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() is dialog.given_name, timeout=SIGNAL_TIMEOUT_MS
    )
    qtbot.keyClicks(dialog.given_name, "Zebedee")
    qtbot.keyClick(dialog.given_name, Qt.Key.Key_Tab)
    qtbot.keyClicks(QApplication.focusWidget(), "Fridayson")
    qtbot.keyClick(dialog, Qt.Key.Key_U, ALT)  # the prison number: the one already recorded
    qtbot.keyClicks(QApplication.focusWidget(), "Z1111AA")
    qtbot.keyClick(dialog, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(dialog.duplicates.isVisible, timeout=SIGNAL_TIMEOUT_MS)
    assert "same prison number" in dialog.duplicates.text()
    assert "FRIDAYSON, Zebedee" in dialog.duplicates.text()

    qtbot.keyClick(dialog, Qt.Key.Key_U, ALT)  # it was a typing slip: another person
    QApplication.focusWidget().selectAll()  # type: ignore[union-attr]
    qtbot.keyClicks(QApplication.focusWidget(), "Z8642QX")
    qtbot.keyClick(dialog, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=SIGNAL_TIMEOUT_MS)
    workspace = window.workspace
    assert workspace.tabs.currentWidget() is workspace.intake
    qtbot.waitUntil(lambda: workspace.intake.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    assert "Waiting for the allocation decision" in workspace.intake.model.index(0, 6).data()
    assert window.session is not None
    with window.session.db.read() as s:
        person = s.scalars(select(Person).where(Person.nomis_number == "Z8642QX")).one()
        assert person.allocated_worker_id is None  # not on the worker's caseload


def _allocator_with_queue(data_paths: DataPaths) -> str:
    """Make the enrolled user the allocator, with two recommendations (the older second) and
    a colleague of Aspire Oxford to allocate to. Returns the colleague's id."""
    import datetime as dt

    from restart_desktop.app.intake import IntakeService
    from restart_desktop.app.intake_views import IntakeFields

    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        service = IntakeService(session)
        for given, day in (("Newer", 5), ("Older", 1)):
            service.record(
                IntakeFields(
                    given_name=given,
                    family_name="Queueson",
                    source="probation",
                    recommended_on=dt.date(2026, 3, day),
                )
            )
        with session.db.write() as s:
            colleague = Worker(name="Colleague Fictional", organisation_code="aspire_oxford")
            s.add(colleague)
            me = s.get(Worker, session.worker.id)
            assert me is not None
            me.role = Role.ALLOCATOR.value
            s.flush()
            return colleague.id
    finally:
        session.close()


def test_the_allocator_decides_from_the_keyboard(
    qtbot: QtBot, make_window: MakeWindow, data_paths: DataPaths, enrolled: object
) -> None:
    enrolled.close()  # type: ignore[attr-defined]
    colleague = _allocator_with_queue(data_paths)
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    workspace = window.workspace
    assert not workspace.case_work  # the allocator's window: no notes, referrals or scores
    assert workspace.tabs.indexOf(workspace.search) == -1
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_8, CTRL)
    view = workspace.intake
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=SIGNAL_TIMEOUT_MS)
    assert view.model.index(0, 1).data() == "QUEUESON, Older"  # oldest first
    assert QApplication.focusWidget() is view.table
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: view.dialog is not None and view.dialog.isVisible(), timeout=SIGNAL_TIMEOUT_MS
    )
    dialog = view.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_D, ALT)  # record without an organisation: refused
    qtbot.waitUntil(
        lambda: "partner organisation" in dialog.error.text(), timeout=SIGNAL_TIMEOUT_MS
    )
    qtbot.keyClick(dialog, Qt.Key.Key_O, ALT)
    assert QApplication.focusWidget() is dialog.organisation
    qtbot.keyClick(dialog.organisation, Qt.Key.Key_Down)  # Aspire Oxford, the first partner
    qtbot.keyClick(dialog, Qt.Key.Key_W, ALT)
    assert dialog.worker.currentData() == colleague
    qtbot.keyClick(dialog, Qt.Key.Key_S, ALT)  # in words
    qtbot.keyClicks(QApplication.focusWidget(), "Meet in custody next week")
    qtbot.keyClick(dialog, Qt.Key.Key_D, ALT)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    # The keyboard is back on the queue: nothing was active after the dialog, keys went nowhere.
    qtbot.waitUntil(view.table.hasFocus, timeout=SIGNAL_TIMEOUT_MS)
    assert window.session is not None
    with window.session.db.read() as s:
        decision = s.scalars(select(IntakeDecision)).one()
        assert (decision.worker_id, decision.words) == (colleague, "Meet in custody next week")
        assert s.get(IntakeRecord, decision.intake_id).status == "accepted"  # type: ignore[union-attr]


def _new_recommendation(qtbot: QtBot, window: MainWindow, given: str) -> IntakeDialog:
    """Ctrl+N, and a first name typed in the new recommendation."""
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    assert window.workspace is not None
    workspace = window.workspace
    qtbot.waitUntil(
        lambda: workspace.intake_dialog is not None and workspace.intake_dialog.isVisible(),
        timeout=SIGNAL_TIMEOUT_MS,
    )
    dialog = workspace.intake_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.given_name.hasFocus, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClicks(dialog.given_name, given)
    return dialog


def test_escape_in_a_new_recommendation_asks_before_losing_the_typing(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """Esc after typing: a question; Esc on it goes back to the typing, Discard it closes
    the window and records nothing."""
    window = make_window()
    unlock(qtbot, window)
    dialog = _new_recommendation(qtbot, window, "Yannick")
    asked: list[str] = []

    def answer(box: QMessageBox) -> None:
        asked.append(box.text())
        if len(asked) == 1:
            qtbot.keyClick(box, Qt.Key.Key_Escape)  # the safe answer: keep editing
            return
        (discard,) = [b for b in box.buttons() if b.text() == "&Discard it"]
        qtbot.keyClick(discard, Qt.Key.Key_Space)

    answer_modal(QMessageBox, answer)
    qtbot.keyClick(dialog.given_name, Qt.Key.Key_Escape)
    qtbot.waitUntil(dialog.isVisible, timeout=SIGNAL_TIMEOUT_MS)  # shown again
    assert dialog.given_name.text() == "Yannick"
    assert len(asked) == 1
    assert "will be lost" in asked[0]

    answer_modal(QMessageBox, answer)
    qtbot.keyClick(dialog.given_name, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.wait(50)
    assert not dialog.isVisible()
    assert window.session is not None
    with window.session.db.read() as s:
        assert s.scalars(select(IntakeRecord)).all() == []


def test_the_lock_keeps_a_new_recommendation_and_offers_it_back(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """The idle lock closes the dialog (it shows personal data); after the unlock the same
    window comes back with what was typed."""
    window = make_window()
    unlock(qtbot, window)
    dialog = _new_recommendation(qtbot, window, "Yannick")
    window.lock()
    assert not dialog.isVisible()

    def carry_on(box: QMessageBox) -> None:
        assert "Carry on" in box.text()
        qtbot.keyClick(box, Qt.Key.Key_Return)

    answer_modal(QMessageBox, carry_on)
    unlock(qtbot, window)
    qtbot.waitUntil(dialog.isVisible, timeout=SIGNAL_TIMEOUT_MS)
    assert dialog.given_name.text() == "Yannick"


def test_the_queue_shows_whole_headings_names_and_a_readable_screen_column(
    qtbot: QtBot, make_window: MakeWindow, data_paths: DataPaths, enrolled: object
) -> None:
    """On a 1366x768 laptop the queue's columns were all 100 pixels wide, leaving half the
    table empty: "Recommended by" read "ecommended b", names and the eligibility screen were
    wrapped and cut. Each heading is whole, a name fits on its line and the screen column
    takes the room that is left."""
    enrolled.close()  # type: ignore[attr-defined]
    _allocator_with_queue(data_paths)
    window = make_window()
    window.resize(1280, 688)  # what a 1366x768 laptop gives it at the first start
    unlock(qtbot, window)
    assert window.workspace is not None
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_8, CTRL)
    view = window.workspace.intake
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=SIGNAL_TIMEOUT_MS)
    table, header = view.table, view.table.horizontalHeader()
    metrics = header.fontMetrics()
    for column in range(view.model.columnCount()):
        heading = str(view.model.headerData(column, Qt.Orientation.Horizontal))
        assert header.sectionSize(column) > metrics.horizontalAdvance(heading) + 8, heading
    name = view.model.index(0, 1)
    assert table.columnWidth(1) > table.fontMetrics().horizontalAdvance(name.data()) + 8
    assert not table.wordWrap()
    used = sum(header.sectionSize(c) for c in range(view.model.columnCount()))
    assert used >= table.viewport().width() - 2  # no empty half of the table
    assert header.sectionSize(5) >= 250  # the screen's points have room to be read
    screen = view.model.index(0, 5)
    assert screen.data(Qt.ItemDataRole.ToolTipRole) == screen.data()


def test_the_letter_of_the_decision_just_recorded_is_one_alt_l_away(
    qtbot: QtBot,
    make_window: MakeWindow,
    data_paths: DataPaths,
    enrolled: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A decided recommendation leaves the queue, and Alt+L answered "This recommendation has
    no decision yet" about the next one: the letter was only reached through "Show decided"
    and a search of thousands of rows. Alt+L now writes the letter of the decision just
    recorded, and the count of those waiting stays in view."""
    enrolled.close()  # type: ignore[attr-defined]
    _allocator_with_queue(data_paths)
    target = tmp_path / "letter.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args: (str(target), "PDF (*.pdf)"))
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_8, CTRL)
    view = window.workspace.intake
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)  # the older one
    qtbot.waitUntil(
        lambda: view.dialog is not None and view.dialog.isVisible(), timeout=SIGNAL_TIMEOUT_MS
    )
    dialog = view.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_L, ALT)  # decline
    qtbot.waitUntil(dialog.reason.isEnabled, timeout=SIGNAL_TIMEOUT_MS)  # a moment's click
    qtbot.keyClick(dialog, Qt.Key.Key_R, ALT)
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Down)
    qtbot.keyClick(dialog, Qt.Key.Key_S, ALT)
    qtbot.keyClicks(QApplication.focusWidget(), "Lives outside the area")
    qtbot.keyClick(dialog, Qt.Key.Key_D, ALT)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    assert "Declined: QUEUESON, Older" in view.message.text()
    assert view.summary.text() == "1 waiting for a decision"

    qtbot.waitUntil(view.table.hasFocus, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(view.table, Qt.Key.Key_L, ALT)
    qtbot.waitUntil(lambda: "Letter saved" in view.message.text(), timeout=SIGNAL_TIMEOUT_MS)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(target).pages)
    assert "Older" in text
    assert "Newer" not in text
    assert view.summary.text() == "1 waiting for a decision"


def test_the_decision_offers_only_the_fields_the_chosen_decision_uses(
    qtbot: QtBot, make_window: MakeWindow, data_paths: DataPaths, enrolled: object
) -> None:
    """A reason for declining could be chosen for an acceptance, and a worker for a decline,
    and were then silently ignored. Each decision now offers only what it records."""
    enrolled.close()  # type: ignore[attr-defined]
    _allocator_with_queue(data_paths)
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_8, CTRL)
    view = window.workspace.intake
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: view.dialog is not None and view.dialog.isVisible(), timeout=SIGNAL_TIMEOUT_MS
    )
    dialog = view.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    enabled = {
        "organisation": dialog.organisation.isEnabled,
        "worker": dialog.worker.isEnabled,
        "reason": dialog.reason.isEnabled,
        "words": dialog.words.isEnabled,
    }

    def offered() -> set[str]:
        return {name for name, on in enabled.items() if on()}

    assert offered() == {"organisation", "worker", "words"}  # accept, the first choice
    # A radio button's Alt letter clicks it a moment later, as a press of the mouse would.
    for letter, fields in (
        (Qt.Key.Key_L, {"reason", "words"}),  # Dec&line
        (Qt.Key.Key_M, {"words"}),  # Ask for &more information
        (Qt.Key.Key_A, {"organisation", "worker", "words"}),  # &Accept and allocate
    ):
        qtbot.keyClick(dialog, letter, ALT)

        def shows(wanted: set[str] = fields) -> bool:
            return offered() == wanted

        qtbot.waitUntil(shows, timeout=SIGNAL_TIMEOUT_MS)
    dialog.reject()
