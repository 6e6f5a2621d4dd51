"""Review from the keyboard: a supervisor works down the queue (next, previous, return with a
comment, sign off); a worker sees the return in the status bar and My actions and answers it
with an addendum."""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.domain.audit import AuditAction
from restart_desktop.domain.case import Role
from restart_desktop.domain.review import ReviewState
from restart_desktop.paths import DataPaths
from restart_desktop.store.changes import Actor
from restart_desktop.store.models import Addendum, AuditEntry, ContactNote, Review, Worker
from restart_desktop.ui.actions_view import AnswerDialog
from restart_desktop.ui.application import MainWindow
from tests.support.clock import local
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier


def _colleague_notes(data_paths: DataPaths, people: dict[str, str], supervisor: bool) -> list[str]:
    """A colleague's two finalised notes on the enrolled user's people (oldest first); the
    enrolled user is made a supervisor when ``supervisor``."""
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        with session.db.write() as s:
            me = s.get(Worker, session.worker.id)
            assert me is not None
            if supervisor:
                me.role = Role.SUPERVISOR.value
            colleague = Worker(name="Colleague Fictional", organisation_code="aspire_oxford")
            s.add(colleague)
            s.flush()
            notes = [
                ContactNote(
                    person_id=people["Zebedee Friday"],
                    worker_id=colleague.id,
                    contact_at=local(2026, 11, 2, 10),
                    contact_type="in_person",
                    text="Older fictional note about the hostel",
                ),
                ContactNote(
                    person_id=people["Larry Later"],
                    worker_id=colleague.id,
                    contact_at=local(2026, 11, 9, 10),
                    contact_type="phone",
                    text="Newer fictional note about the debts",
                ),
            ]
            s.add_all(notes)
            s.flush()
            return [n.id for n in notes]
    finally:
        session.close()


def test_a_supervisor_reviews_the_queue_from_the_keyboard(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    older, newer = _colleague_notes(data_paths, people, supervisor=True)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    assert window.review_action.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    assert window.workspace.review is not None
    view = window.workspace.review
    qtbot.waitUntil(lambda: "2 to review" in view.count.text(), timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: "Older fictional note" in view.reading.toPlainText(), timeout=SIGNAL_TIMEOUT_MS
    )  # oldest first, already open
    assert QApplication.focusWidget() is view.table

    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    qtbot.waitUntil(
        lambda: "Newer fictional note" in view.reading.toPlainText(), timeout=SIGNAL_TIMEOUT_MS
    )
    qtbot.keyClick(view, Qt.Key.Key_P, ALT)  # previous
    qtbot.waitUntil(
        lambda: "Older fictional note" in view.reading.toPlainText(), timeout=SIGNAL_TIMEOUT_MS
    )

    qtbot.keyClick(view, Qt.Key.Key_T, ALT)  # return without saying why: refused, in words
    qtbot.waitUntil(
        lambda: "Write what needs correcting" in view.message.text(), timeout=SIGNAL_TIMEOUT_MS
    )
    assert QApplication.focusWidget() is view.comment
    qtbot.keyClicks(view.comment, "Please add where he will sleep.")
    qtbot.keyClick(view.comment, Qt.Key.Key_T, ALT)
    qtbot.waitUntil(lambda: "1 to review" in view.count.text(), timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: "Newer fictional note" in view.reading.toPlainText(), timeout=SIGNAL_TIMEOUT_MS
    )  # the next one shows
    qtbot.keyClick(view.table, Qt.Key.Key_R, ALT)  # sign it off
    qtbot.waitUntil(lambda: "0 to review" in view.count.text(), timeout=SIGNAL_TIMEOUT_MS)

    assert window.session is not None
    with window.session.db.read() as s:
        done = {(r.item_id, r.action, r.comment) for r in s.scalars(select(Review))}
    assert done == {(older, "returned", "Please add where he will sleep."), (newer, "reviewed", "")}


def _a_returned_note(data_paths: DataPaths, people: dict[str, str]) -> None:
    """A note of Larry's returned by a fictional lead, as if it had arrived by sync."""
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        with session.db.write() as s:
            lead = Worker(
                name="Lead Fictional", organisation_code="aspire_oxford", role="supervisor"
            )
            s.add(lead)
            note = ContactNote(
                person_id=people["Larry Later"],
                worker_id=session.worker.id,
                contact_at=local(2026, 11, 9, 10),
                contact_type="phone",
                text="My fictional note",
            )
            s.add(note)
        as_lead = session.db.with_actor(Actor(worker_id=lead.id, device_id=session.device_id))
        with as_lead.write() as s:  # as if it had arrived from the lead's laptop
            s.add(
                Review(
                    item_kind="note",
                    item_id=note.id,
                    person_id=note.person_id,
                    worker_id=session.worker.id,
                    action="returned",
                    comment="Which council got the Duty to Refer?",
                    at=local(2026, 11, 10, 9),
                )
            )
    finally:
        session.close()


def test_a_worker_answers_a_return_from_the_keyboard(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    _a_returned_note(data_paths, people)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(
        lambda: window.notices_label.text() == "1 from your supervisor: My actions (Ctrl+2)",
        timeout=SIGNAL_TIMEOUT_MS,
    )
    assert not window.review_action.isVisible()  # a worker has no review queue
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    actions = window.workspace.my_actions
    qtbot.waitUntil(lambda: actions.notice_model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    assert "Which council got the Duty to Refer?" in actions.notices_label.text() + str(
        actions.notice_model.index(0, 3).data()
    )
    assert QApplication.focusWidget() is actions.notices

    def answer(dialog: AnswerDialog) -> None:
        # The note being corrected is there to read (issue 21, finding 14).
        assert dialog.returned.isVisible()
        assert "My fictional note" in dialog.returned.toPlainText()
        qtbot.waitUntil(dialog.text.hasFocus)
        qtbot.keyClicks(dialog.text, "Sent to Oxford City Council on 3 November.")
        # Tab leaves the text for the buttons; Space presses "Send answer" (Alt+S does the
        # same on a desktop, but an off-screen dialog is not always the active window).
        qtbot.keyClick(dialog.text, Qt.Key.Key_Tab)
        qtbot.keyClick(dialog.send, Qt.Key.Key_Space)
        assert not dialog.isVisible(), "the answer was not sent"

    answer_modal(AnswerDialog, answer)
    qtbot.keyClick(actions.notices, Qt.Key.Key_N, ALT)
    qtbot.waitUntil(lambda: actions.notice_model.rowCount() == 0, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.notices_label.text() == "", timeout=SIGNAL_TIMEOUT_MS)
    assert window.session is not None
    with window.session.db.read() as s:
        assert s.scalars(select(Addendum.text)).all() == [
            "Sent to Oxford City Council on 3 November."
        ]
        assert [r.action for r in s.scalars(select(Review).order_by(Review.at))] == [
            "returned",
            "answered",
        ]


def test_escape_in_an_answer_with_typing_asks_before_throwing_it_away(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    """Esc in the answer to a return, after typing in it: a question, not a lost addendum.
    Esc on the question goes back to the typing; Send answer then sends it."""
    _a_returned_note(data_paths, people)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    actions = window.workspace.my_actions
    qtbot.waitUntil(lambda: actions.notice_model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    typed = "Sent to Cherwell District Council on 16 November."
    asked: list[str] = []

    def keep_editing(box: QMessageBox) -> None:
        asked.append(box.text())
        qtbot.keyClick(box, Qt.Key.Key_Escape)  # the safe answer: back to the typing

    def answer(dialog: AnswerDialog) -> None:
        if not asked:
            qtbot.waitUntil(dialog.text.hasFocus)
            qtbot.keyClicks(dialog.text, typed)
            answer_modal(QMessageBox, keep_editing)
            answer_modal(AnswerDialog, answer)  # the same dialog, shown again
            qtbot.keyClick(dialog.text, Qt.Key.Key_Escape)
            return
        assert dialog.text.toPlainText() == typed
        qtbot.keyClick(dialog.text, Qt.Key.Key_Tab)
        qtbot.keyClick(dialog.send, Qt.Key.Key_Space)

    answer_modal(AnswerDialog, answer)
    qtbot.keyClick(actions.notices, Qt.Key.Key_N, ALT)
    qtbot.waitUntil(lambda: actions.notice_model.rowCount() == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert asked
    assert "will be lost" in asked[0]
    assert window.session is not None
    with window.session.db.read() as s:
        assert s.scalars(select(Addendum.text)).all() == [typed]


def test_the_lock_during_the_discard_question_keeps_the_typing_for_after_the_unlock(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    """The idle lock closes the "Discard what you typed?" question unanswered: the answer
    is not shown again over the locked window, and comes back, typed, after the unlock."""
    _a_returned_note(data_paths, people)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    actions = window.workspace.my_actions
    qtbot.waitUntil(lambda: actions.notice_model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    typed = "Sent to Cherwell District Council on 16 November."
    seen: list[str] = []

    def send(dialog: AnswerDialog) -> None:
        seen.append(dialog.text.toPlainText())
        qtbot.keyClick(dialog.text, Qt.Key.Key_Tab)
        qtbot.keyClick(dialog.send, Qt.Key.Key_Space)

    def carry_on(box: QMessageBox) -> None:
        assert "Carry on" in box.text()
        answer_modal(AnswerDialog, send)
        qtbot.keyClick(box, Qt.Key.Key_Return)

    def unlock_again() -> None:
        answer_modal(QMessageBox, carry_on)
        page = window.unlock_page
        qtbot.keyClicks(page.passphrase, PASSPHRASE)
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)

    def lock_now(box: QMessageBox) -> None:
        assert "will be lost" in box.text()
        window.lock()  # as the idle lock does, the question still open
        assert window.is_locked
        assert not [d for d in window.findChildren(AnswerDialog) if d.isVisible()]
        QTimer.singleShot(0, unlock_again)

    def answer(dialog: AnswerDialog) -> None:
        qtbot.waitUntil(dialog.text.hasFocus)
        qtbot.keyClicks(dialog.text, typed)
        answer_modal(QMessageBox, lock_now)
        qtbot.keyClick(dialog.text, Qt.Key.Key_Escape)

    answer_modal(AnswerDialog, answer)
    qtbot.keyClick(actions.notices, Qt.Key.Key_N, ALT)  # A&nswer: pressed 100 ms later
    qtbot.waitUntil(lambda: seen == [typed], timeout=SIGNAL_TIMEOUT_MS)
    session = window.session
    assert session is not None

    def answered() -> bool:
        with session.db.read() as s:
            return s.scalars(select(Addendum.text)).all() == [typed]

    qtbot.waitUntil(answered, timeout=SIGNAL_TIMEOUT_MS)
    # Back in My actions after the unlock, where the worker was (the window showed the
    # caseload, and My actions behind it kept the answered return): it leaves the list.
    assert window.workspace.tabs.currentWidget() is actions
    qtbot.waitUntil(lambda: actions.notice_model.rowCount() == 0, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.notices_label.text() == "", timeout=SIGNAL_TIMEOUT_MS)


def test_the_queue_writes_dates_as_the_rest_of_the_window_does(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    """The queue and its reading pane wrote "02 Nov 2026" where every other view writes
    02/11/2026."""
    _colleague_notes(data_paths, people, supervisor=True)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    view = window.workspace.review
    assert view is not None
    qtbot.waitUntil(
        lambda: "Older fictional note" in view.reading.toPlainText(), timeout=SIGNAL_TIMEOUT_MS
    )
    dates = [view.model.index(row, 0).data() for row in range(view.model.rowCount())]
    assert dates == ["02/11/2026", "09/11/2026"]
    qtbot.keyClicks(view.comment, "Please add where he will sleep.")
    qtbot.keyClick(view.comment, Qt.Key.Key_T, ALT)  # returned: the pane's history has a time
    qtbot.waitUntil(lambda: "1 to review" in view.count.text(), timeout=SIGNAL_TIMEOUT_MS)
    view.state.setCurrentIndex(view.state.findData(ReviewState.RETURNED.value))
    qtbot.waitUntil(
        lambda: "Please add where" in view.reading.toPlainText(), timeout=SIGNAL_TIMEOUT_MS
    )
    reading = view.reading.toPlainText()
    assert "02/11/2026" in reading, reading
    assert not re.search(r"\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)", reading)


def _reads(window: MainWindow) -> list[str]:
    """Whose records the trail says were read for review, in order."""
    assert window.session is not None
    with window.session.db.read() as s:
        query = (
            select(AuditEntry.person_id)
            .where(AuditEntry.action == AuditAction.VIEWED_FOR_REVIEW.value)
            .order_by(AuditEntry.seq)
        )
        return [str(person) for person in s.scalars(query)]


def test_each_reading_for_review_is_in_the_trail_once(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    """ "Read for review" was written twice for one reading: the list reloads after a sign-off
    (and after any change notice) and the reloaded row, shown again, counted as read again."""
    _colleague_notes(data_paths, people, supervisor=True)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    view = window.workspace.review
    assert view is not None
    qtbot.waitUntil(
        lambda: "Older fictional note" in view.reading.toPlainText(), timeout=SIGNAL_TIMEOUT_MS
    )
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    zebedee, larry = people["Zebedee Friday"], people["Larry Later"]
    assert _reads(window) == [zebedee]
    view.refresh()  # as a change notice does: the same record stays on screen
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert _reads(window) == [zebedee]
    qtbot.keyClick(view.table, Qt.Key.Key_R, ALT)  # signed off: the next one is read
    qtbot.waitUntil(
        lambda: "Newer fictional note" in view.reading.toPlainText(), timeout=SIGNAL_TIMEOUT_MS
    )
    qtbot.waitUntil(lambda: "1 to review" in view.count.text(), timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert _reads(window) == [zebedee, larry]
    qtbot.keyClick(view.table, Qt.Key.Key_Up)  # nothing above: still the same reading
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert _reads(window) == [zebedee, larry]
