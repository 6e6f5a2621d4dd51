"""Contact notes in the window: keyboard-only capture, autosave, finalising, search, actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from restart_desktop.app.notes import SEARCH_LIMIT, DraftFields, NoteService
from restart_desktop.app.session import AppSession, unlock
from restart_desktop.domain.audit import AuditAction
from restart_desktop.paths import DataPaths
from restart_desktop.store.models import AuditEntry, ContactNote, NoteDraft
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.case_file import CaseFileView
from restart_desktop.ui.caseload_model import COL_NAME, COL_OVERDUE
from restart_desktop.ui.search_view import COL_SNIPPET, SNIPPET_ROLE, snippet_segments
from restart_desktop.ui.timeline import TimelinePanel
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal
from tests.ui.conftest import unlock as unlock_window

MakeWindow = Callable[..., MainWindow]


def _idle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)


def _drafts(window: MainWindow) -> list[NoteDraft]:
    assert window.session is not None
    with window.session.db.read() as s:
        return list(s.scalars(select(NoteDraft)))


def _notes(window: MainWindow) -> list[ContactNote]:
    assert window.session is not None
    with window.session.db.read() as s:
        return list(s.scalars(select(ContactNote)))


def _select_person(qtbot: QtBot, window: MainWindow, name: str) -> None:
    assert window.workspace is not None
    view = window.workspace.caseload
    view.table.setFocus()
    for row in range(view.model.rowCount()):
        if view.model.index(row, COL_NAME).data() == name:
            while view.table.currentIndex().row() < row:
                qtbot.keyClick(view.table, Qt.Key.Key_Down)
            return
    raise AssertionError(f"{name} is not in the caseload")


def _timeline(window: MainWindow) -> TimelinePanel:
    assert window.workspace is not None
    current = window.workspace.tabs.currentWidget()
    assert isinstance(current, CaseFileView)
    assert current.timeline is not None
    return current.timeline


def test_keyboard_only_capture_autosaves_then_finalises(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock_window(qtbot, window)
    _select_person(qtbot, window, "HOMELESS-EXAMPLE, Quentin")
    qtbot.keyClick(
        window.focusWidget(),
        Qt.Key.Key_N,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    timeline = _timeline(window)
    editor = timeline.editor
    assert editor is not None
    assert editor.text.hasFocus()
    qtbot.keyClicks(editor.text, "Discussed the Banbury hostel; wants help with ID.")

    # Autosave: the draft reaches the encrypted database within two seconds of typing.
    qtbot.waitUntil(lambda: "Draft saved" in editor.save_state.text(), timeout=4000)
    [draft] = _drafts(window)
    assert draft.text == "Discussed the Banbury hostel; wants help with ID."
    assert draft.person_id == people["Quentin Housing"]

    # Ctrl+Enter asks once (finalising is permanent); Escape goes back to the note as it was.
    asked: list[str] = []

    def keep_editing(box: QMessageBox) -> None:
        asked.append(box.text())
        qtbot.keyClick(box, Qt.Key.Key_Escape)

    answer_modal(QMessageBox, keep_editing)
    qtbot.keyClick(editor.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["Finalise this note? Nothing can be undone after it."]
    assert timeline.editor is editor
    qtbot.waitUntil(editor.text.hasFocus, timeout=SIGNAL_TIMEOUT_MS)
    assert editor.text.toPlainText() == "Discussed the Banbury hostel; wants help with ID."

    def finalise_and_stop_asking(box: QMessageBox) -> None:
        checkbox = box.checkBox()
        assert checkbox is not None
        checkbox.setFocus()
        qtbot.keyClick(checkbox, Qt.Key.Key_Space)
        assert checkbox.isChecked()
        qtbot.keyClick(box, Qt.Key.Key_Return)

    answer_modal(QMessageBox, finalise_and_stop_asking)
    with qtbot.waitSignal(timeline.changed, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(editor.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    _idle(qtbot, window)
    assert window.session is not None
    assert not window.session.asks_before_finalising
    assert timeline.editor is None
    assert _drafts(window) == []
    [note] = _notes(window)
    assert note.text == "Discussed the Banbury hostel; wants help with ID."
    assert timeline.count_label.text() == "1 note, 0 actions"
    assert "Banbury hostel" in timeline.reader.toPlainText()


def test_an_empty_note_cannot_be_finalised(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock_window(qtbot, window)
    assert window.workspace is not None
    window.workspace.new_note(people["Larry Later"])
    editor = _timeline(window).editor
    assert editor is not None
    qtbot.keyClick(editor.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    _idle(qtbot, window)
    assert "Write what happened" in editor.summary.text()
    assert _notes(window) == []


def test_the_contact_time_is_what_was_typed_as_a_person_writes_it(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """Qt's date and time field moved on after the day's two digits and took the "/" typed
    next as a move past the month: "04/11/2025 09:30" became the 4th of this month, this
    year, 09:30, without a word. Typed after Alt+W, after Ctrl+A or from Home, it is what
    was typed, and the draft holds it."""
    window = make_window()
    unlock_window(qtbot, window)
    assert window.workspace is not None
    window.workspace.new_note(people["Larry Later"])
    editor = _timeline(window).editor
    assert editor is not None
    qtbot.keyClicks(editor.text, "Fictional contact at the hostel")
    field = editor.contact_at

    def typed(then: Callable[[], object], text: str) -> str:
        qtbot.keyClick(editor.text, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
        assert field.hasFocus()
        then()
        qtbot.keyClicks(field, text)
        return field.dateTime().toString("dd/MM/yyyy HH:mm")

    assert typed(lambda: None, "04/11/2025 09:30") == "04/11/2025 09:30"
    select_all = Qt.KeyboardModifier.ControlModifier
    assert typed(lambda: qtbot.keyClick(field, Qt.Key.Key_A, select_all), "3/10/2025 14:05") == (
        "03/10/2025 14:05"
    )
    assert typed(lambda: qtbot.keyClick(field, Qt.Key.Key_Home), "28/09/2025 8:15") == (
        "28/09/2025 08:15"
    )
    qtbot.waitUntil(lambda: "Draft saved" in editor.save_state.text(), timeout=4000)
    [draft] = _drafts(window)
    assert draft.contact_at is not None
    assert window.session is not None
    assert window.session.clock.local_text(draft.contact_at) == "28/09/2025 08:15"


def test_locking_saves_the_draft_at_once(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock_window(qtbot, window)
    assert window.workspace is not None
    window.workspace.new_note(people["Larry Later"])
    editor = _timeline(window).editor
    assert editor is not None
    qtbot.keyClicks(editor.text, "Half a sentence")
    qtbot.keyClick(editor.text, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked
    _idle(qtbot, window)
    assert [d.text for d in _drafts(window)] == ["Half a sentence"]


def test_a_draft_left_behind_is_offered_back_at_the_next_unlock(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    session = unlock(data_paths, PASSPHRASE)
    NoteService(session).save_draft(
        DraftFields(person_id=people["Zebedee Friday"], text="Typed before the battery died")
    )
    session.close()

    window = make_window()

    def press_open(box: QMessageBox) -> None:
        assert "unfinished contact note" in box.text()
        assert "FRIDAYSON, Zebedee" in box.informativeText()
        qtbot.keyClick(box, Qt.Key.Key_Return)

    answer_modal(QMessageBox, press_open)
    unlock_window(qtbot, window)
    qtbot.waitUntil(
        lambda: isinstance(
            window.workspace and window.workspace.tabs.currentWidget(), CaseFileView
        ),
        timeout=SIGNAL_TIMEOUT_MS,
    )
    _idle(qtbot, window)
    editor = _timeline(window).editor
    assert editor is not None
    assert editor.text.toPlainText() == "Typed before the battery died"


@pytest.fixture
def noted(people: dict[str, str], data_paths: DataPaths) -> dict[str, str]:
    """A finalised note and two actions (one overdue) for the fictional people."""
    session: AppSession = unlock(data_paths, PASSPHRASE)
    notes = NoteService(session)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    note = notes.finalise(
        DraftFields(
            person_id=people["Zebedee Friday"],
            contact_at=now - dt.timedelta(days=2),
            text="Talked about the Wantage foodbank and a GP in Didcot.",
        )
    )
    overdue = notes.add_action(
        people["Zebedee Friday"],
        "Send the GP registration form",
        due_date=dt.date.today() - dt.timedelta(days=3),
        note_id=note,
    )
    later = notes.add_action(
        people["Larry Later"],
        "Ask about the family visit",
        due_date=dt.date.today() + dt.timedelta(days=5),
    )
    session.close()
    return {"note": note, "overdue": overdue, "later": later}


def test_search_finds_the_note_and_opens_it_in_its_case(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], noted: dict[str, str]
) -> None:
    window = make_window()
    unlock_window(qtbot, window)
    assert window.workspace is not None
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    search = window.workspace.search
    assert search.box.hasFocus()
    with qtbot.waitSignal(search.results_shown, timeout=SIGNAL_TIMEOUT_MS) as shown:
        qtbot.keyClicks(search.box, "wanta")
    assert shown.args == [1]
    assert search.status.text() == "1 note"
    assert search.model.index(0, 0).data() == "FRIDAYSON, Zebedee"
    marked = search.model.index(0, COL_SNIPPET).data(SNIPPET_ROLE)
    assert ("Wantage", True) in snippet_segments(marked)  # drawn bold and underlined
    assert "<b><u>Wantage</u></b>" in search.model.index(0, COL_SNIPPET).data(
        Qt.ItemDataRole.ToolTipRole
    )
    # Recorded once shown (the worker does not wait for it), with the count, not the words.
    _idle(qtbot, window)
    session = window.session
    assert session is not None
    with session.db.read() as s:
        searched = list(
            s.scalars(
                select(AuditEntry.detail)
                .where(AuditEntry.action == AuditAction.SEARCHED_NOTES.value)
                .order_by(AuditEntry.seq.desc())
            )
        )
    assert searched
    assert searched[0] == "1 found"  # the newest: the search shown
    assert all(d.endswith(" found") and "wanta" not in d for d in searched)

    qtbot.keyClick(search.box, Qt.Key.Key_Down)
    qtbot.keyClick(search.table, Qt.Key.Key_Return)
    _idle(qtbot, window)
    timeline = _timeline(window)
    qtbot.waitUntil(lambda: timeline.current_id() == noted["note"], timeout=SIGNAL_TIMEOUT_MS)
    assert "Wantage foodbank" in timeline.reader.toPlainText()


def test_a_search_that_fills_the_page_does_not_claim_to_be_all_there_is(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    """A search shows the newest SEARCH_LIMIT notes; with more matching, the count says so
    rather than "200 notes" as if those were all."""
    session: AppSession = unlock(data_paths, PASSPHRASE)
    notes = NoteService(session)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    for n in range(SEARCH_LIMIT + 1):
        notes.finalise(
            DraftFields(
                person_id=people["Larry Later"],
                contact_at=now - dt.timedelta(hours=n + 1),
                text=f"Visit {n}: talked about the hostel in Banbury.",
            )
        )
    session.close()
    window = make_window()
    unlock_window(qtbot, window)
    assert window.workspace is not None
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    search = window.workspace.search
    with qtbot.waitSignal(search.results_shown, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClicks(search.box, "hostel")
    assert search.model.rowCount() == SEARCH_LIMIT
    assert search.status.text() == f"The newest {SEARCH_LIMIT} notes: add a word to find fewer"
    search.box.clear()
    with qtbot.waitSignal(search.results_shown, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClicks(search.box, "hostel visit 7")
    assert 0 < search.model.rowCount() < SEARCH_LIMIT
    assert search.status.text() == f"{search.model.rowCount()} notes"


def test_my_actions_lists_overdue_first_and_the_caseload_counts_them(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], noted: dict[str, str]
) -> None:
    window = make_window()
    unlock_window(qtbot, window)
    assert window.workspace is not None
    caseload = window.workspace.caseload
    counts = {
        caseload.model.index(r, COL_NAME).data(): caseload.model.index(r, COL_OVERDUE).data()
        for r in range(caseload.model.rowCount())
    }
    assert counts["FRIDAYSON, Zebedee"] == "1"
    assert counts["LATERTON, Larry"] == ""

    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    actions = window.workspace.my_actions
    qtbot.waitUntil(lambda: actions.model.rowCount() == 2, timeout=SIGNAL_TIMEOUT_MS)
    assert actions.summary.text() == "2 open, 1 overdue"
    assert actions.model.index(0, 2).data() == "Send the GP registration form"
    assert actions.model.index(0, 0).data().startswith("Overdue")


def test_addendum_and_closing_an_action_from_the_keyboard(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], noted: dict[str, str]
) -> None:
    from restart_desktop.ui.note_dialogs import AddendumDialog, CloseActionDialog

    window = make_window()
    unlock_window(qtbot, window)
    assert window.workspace is not None
    timeline = window.workspace.open_contacts(people["Zebedee Friday"])
    assert timeline is not None
    _idle(qtbot, window)
    timeline.select_record(noted["note"])
    assert timeline.addendum_button.isEnabled()

    def write_addendum(dialog: AddendumDialog) -> None:
        qtbot.keyClicks(dialog.text, "Correction: the foodbank is in Wantage town centre.")
        qtbot.keyClick(dialog.text, Qt.Key.Key_Tab)  # to the buttons
        qtbot.keyClick(dialog, Qt.Key.Key_Return)

    answer_modal(AddendumDialog, write_addendum)
    with qtbot.waitSignal(timeline.changed, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(timeline.addendum_button, Qt.Key.Key_Space)
    _idle(qtbot, window)
    assert timeline.current_id() == noted["note"]
    assert "Addendum" in timeline.reader.toPlainText()
    assert "town centre" in timeline.reader.toPlainText()

    timeline.select_record(noted["overdue"])
    assert timeline.close_action_button.isEnabled()

    def close_done(dialog: CloseActionDialog) -> None:
        qtbot.keyClicks(dialog.outcome, "Form posted to the surgery")
        qtbot.keyClick(dialog.outcome, Qt.Key.Key_Return)

    answer_modal(CloseActionDialog, close_done)
    with qtbot.waitSignal(timeline.changed, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(timeline.close_action_button, Qt.Key.Key_Space)
    _idle(qtbot, window)
    assert "Outcome: Form posted to the surgery" in timeline.reader.toPlainText()
    assert not timeline.close_action_button.isEnabled()


def test_an_action_due_in_the_past_is_flagged_and_a_bad_date_explained(qtbot: QtBot) -> None:
    from restart_desktop.ui.note_dialogs import ActionDialog

    dialog = ActionDialog(dt.date(2031, 6, 2))  # the session's day, not the machine's
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.due.text() == "09/06/2031"  # a week after the session's day by default
    assert dialog.past_warning.text() == ""
    qtbot.keyClicks(dialog.description, "Chase the council")
    dialog.due.selectAll()
    qtbot.keyClicks(dialog.due, "01/06/2031")  # typed as written, not rewritten
    assert dialog.due.text() == "01/06/2031"
    assert "already passed" in dialog.past_warning.text()
    dialog.due.selectAll()
    qtbot.keyClicks(dialog.due, "31/02/2027")
    qtbot.keyClick(dialog.due, Qt.Key.Key_Return)
    assert dialog.isVisible()  # refused, with the reason
    assert "is not a date" in dialog.error.text()
    dialog.due.clear()  # no date at all is fine
    qtbot.keyClick(dialog.due, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert dialog.due_date() is None


def test_an_action_due_before_today_is_saved_only_when_the_worker_says_so(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """A due date of 01/01/2020 was taken without a question: the worker is asked (the
    domain allows a date that has passed: an action agreed last week, written up today)."""
    from restart_desktop.ui.note_dialogs import ActionDialog

    window = make_window()
    unlock_window(qtbot, window)
    assert window.workspace is not None
    view = window.workspace.open_case(people["Larry Later"])
    assert isinstance(view, CaseFileView)
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    timeline = view.show_contacts()
    assert timeline is not None
    seen: dict[str, object] = {}

    def fill(dialog: ActionDialog) -> None:
        qtbot.keyClicks(dialog.description, "Ring the council about ID (test)")
        dialog.due.selectAll()
        qtbot.keyClicks(dialog.due, "01/01/2020")
        answer_modal(QMessageBox, keep_editing)
        qtbot.keyClick(dialog.due, Qt.Key.Key_Return)

    def keep_editing(box: QMessageBox) -> None:
        seen["first"] = box.text()
        dialog = box.parent()
        assert isinstance(dialog, ActionDialog)
        QTimer.singleShot(50, lambda: try_again(dialog))  # once the question has closed
        qtbot.keyClick(box, Qt.Key.Key_Return)  # No is the default: back to the date

    def try_again(dialog: ActionDialog) -> None:
        seen["still open"] = dialog.isVisible()
        seen["focus"] = dialog.focusWidget() is dialog.due
        answer_modal(QMessageBox, save_anyway)
        qtbot.keyClick(dialog.due, Qt.Key.Key_Return)

    def save_anyway(box: QMessageBox) -> None:
        seen["second"] = box.text()
        yes = box.button(QMessageBox.StandardButton.Yes)
        yes.setFocus()  # as Tab would
        qtbot.keyClick(yes, Qt.Key.Key_Space)

    answer_modal(ActionDialog, fill)
    qtbot.keyClick(timeline.add_action_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "second" in seen, timeout=SIGNAL_TIMEOUT_MS)
    assert seen["first"] == "This date is in the past. Save it anyway?"
    assert seen["still open"] is True
    assert seen["focus"] is True
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert window.session is not None
    actions = NoteService(window.session).my_actions()
    assert [(a.description, a.due_date) for a in actions] == [
        ("Ring the council about ID (test)", dt.date(2020, 1, 1))
    ]
