"""An open case tab and someone else's write (a sync landing, another tab): the newer value is
never put back; the same field changed on both sides is shown with who and when and the
worker chooses from the keyboard; a reload keeps what the worker is typing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from restart_desktop.app.cases import CaseService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.release_views import ItemUpdate
from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import CaseStatus
from restart_desktop.domain.checklist import ItemState
from restart_desktop.domain.ids import uuid7
from restart_desktop.store.changes import Actor
from restart_desktop.store.models import Change, Person, Worker
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.case_file import CaseFileView
from restart_desktop.ui.clashes import ClashDialog
from restart_desktop.ui.release_plan_dialogs import ItemDialog
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]


def _open(qtbot: QtBot, window: MainWindow, case_id: str) -> CaseFileView:
    assert window.workspace is not None
    window.workspace.open_case(case_id)
    view = window.workspace.case_views()[-1]
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    return view


def _colleague(window: MainWindow) -> AppSession:
    """Another worker's laptop writing to this database (as a sync import of theirs does)."""
    assert window.session is not None
    session = window.session
    colleague = uuid7()
    with session.db.write() as s:
        s.add(Worker(id=colleague, name="Fictional Colleague", organisation_code="pact"))
    return replace(session, db=session.db.with_actor(Actor(colleague, "colleague-laptop")))


def _their_write(window: MainWindow, case_id: str, **changes: object) -> None:
    """A colleague's change of the case arriving (as a sync import would write it)."""
    theirs = CaseService(_colleague(window))
    current = theirs.get_case(case_id).fields
    theirs.update_case(case_id, replace(current, **changes))  # type: ignore[arg-type]


def _stored(window: MainWindow, case_id: str) -> Person:
    assert window.session is not None
    with window.session.db.read() as s:
        person = s.get(Person, case_id)
        assert person is not None
        return person


def _case_changes(window: MainWindow, case_id: str) -> list[Change]:
    assert window.session is not None
    with window.session.db.read() as s:
        return list(s.scalars(select(Change).where(Change.record_id == case_id)))


def _type(qtbot: QtBot, edit: object, text: str) -> None:
    edit.setFocus()  # type: ignore[attr-defined]
    edit.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(edit, text)


def _save(qtbot: QtBot, window: MainWindow, view: CaseFileView) -> None:
    window.activateWindow()  # as the window manager does when a dialog closes
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    view.given_name.setFocus()
    qtbot.keyClick(view.given_name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)


def test_an_older_tab_saved_with_another_field_keeps_the_newer_family_name(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Zebedee Friday"]
    view = _open(qtbot, window, case_id)
    assert view.family_name.text() == "Fridayson"

    _their_write(window, case_id, family_name="Newname")  # the sync lands; the tab is as it was
    _type(qtbot, view.crn, "z654321")
    _save(qtbot, window, view)
    qtbot.waitUntil(
        lambda: view.saved_line.text().startswith("Saved at"), timeout=SIGNAL_TIMEOUT_MS
    )

    stored = _stored(window, case_id)
    assert (stored.family_name, stored.crn) == ("Newname", "Z654321")
    qtbot.waitUntil(lambda: view.family_name.text() == "Newname", timeout=SIGNAL_TIMEOUT_MS)
    assert not view.dirty


def test_the_same_field_shows_both_values_and_the_choice_is_saved_as_a_change(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Zebedee Friday"]
    view = _open(qtbot, window, case_id)
    _type(qtbot, view.family_name, "Mine-Example")
    _their_write(window, case_id, family_name="Newname")
    before = len(_case_changes(window, case_id))
    shown: dict[str, str] = {}

    def keep_mine(dialog: ClashDialog) -> None:
        qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)  # keys go to it
        shown.update(
            mine=dialog.mine["family_name"].text(), theirs=dialog.theirs["family_name"].text()
        )
        focused = dialog.focusWidget()
        assert focused is dialog.mine["family_name"]
        qtbot.keyClick(focused, Qt.Key.Key_Space)  # choose "keep mine"
        qtbot.keyClick(focused, Qt.Key.Key_Return)  # save the choice

    answer_modal(ClashDialog, keep_mine)
    _save(qtbot, window, view)
    qtbot.waitUntil(
        lambda: view.saved_line.text().startswith("Saved at"), timeout=SIGNAL_TIMEOUT_MS
    )

    assert "Mine-Example" in shown["mine"]
    assert "Newname" in shown["theirs"]
    assert "Fictional Colleague" in shown["theirs"]
    assert any(char.isdigit() for char in shown["theirs"])  # when, in local time
    assert _stored(window, case_id).family_name == "Mine-Example"
    changes = _case_changes(window, case_id)
    assert len(changes) == before + 1  # the choice is an ordinary change: it syncs
    newest = max(changes, key=lambda c: c.hlc)
    assert newest.fields == {"family_name": "Mine-Example"}
    assert window.session is not None
    assert newest.author_id == window.session.worker.id
    assert view.family_name.text() == "Mine-Example"
    assert not view.dirty


def test_taking_theirs_or_escaping_puts_nothing_back(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Zebedee Friday"]
    view = _open(qtbot, window, case_id)
    _type(qtbot, view.family_name, "Mine-Example")
    _type(qtbot, view.preferred_name, "Zeb")
    _their_write(window, case_id, family_name="Newname")
    before = len(_case_changes(window, case_id))

    # Escape: nothing saved, the typing stays.
    answer_modal(ClashDialog, lambda d: qtbot.keyClick(d.focusWidget(), Qt.Key.Key_Escape))
    _save(qtbot, window, view)
    assert len(_case_changes(window, case_id)) == before
    assert view.family_name.text() == "Mine-Example"
    assert view.dirty
    assert "Not saved" in view.saved_line.text()

    def take_theirs(dialog: ClashDialog) -> None:
        qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)  # keys go to it
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Down)  # to "take theirs"
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Space)  # and choose it
        assert dialog.theirs["family_name"].isChecked()
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    answer_modal(ClashDialog, take_theirs)
    _save(qtbot, window, view)
    qtbot.waitUntil(
        lambda: view.saved_line.text().startswith("Saved at"), timeout=SIGNAL_TIMEOUT_MS
    )
    stored = _stored(window, case_id)
    assert (stored.family_name, stored.preferred_name) == ("Newname", "Zeb")
    assert view.family_name.text() == "Newname"
    newest = max(_case_changes(window, case_id), key=lambda c: c.hlc)
    assert newest.fields == {"preferred_name": "Zeb"}


def test_a_reload_keeps_unsaved_typing_and_shows_the_rest(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Zebedee Friday"]
    view = _open(qtbot, window, case_id)
    _type(qtbot, view.preferred_name, "Zeb")
    view.need_boxes["health"].setFocus()
    qtbot.keyClick(view.need_boxes["health"], Qt.Key.Key_Space)
    _their_write(window, case_id, family_name="Newname", crn="Z765432")

    view.reload()  # as a change notice for the case would
    qtbot.waitUntil(lambda: view.family_name.text() == "Newname", timeout=SIGNAL_TIMEOUT_MS)
    assert view.crn.text() == "Z765432"
    assert view.preferred_name.text() == "Zeb"  # the typing is kept
    assert view.need_boxes["health"].isChecked()
    assert view.dirty

    _save(qtbot, window, view)
    qtbot.waitUntil(
        lambda: view.saved_line.text().startswith("Saved at"), timeout=SIGNAL_TIMEOUT_MS
    )
    stored = _stored(window, case_id)
    assert (stored.family_name, stored.crn, stored.preferred_name) == ("Newname", "Z765432", "Zeb")
    assert "health" in stored.needs


def test_a_refresh_under_typing_in_the_same_field_still_asks_at_save(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """The worker is typing a family name when a colleague's new one arrives and the tab
    refreshes: the typing stays, and saving asks which value to keep instead of quietly
    writing over the colleague's."""
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Zebedee Friday"]
    view = _open(qtbot, window, case_id)
    _type(qtbot, view.family_name, "Mine-Example")
    _their_write(window, case_id, family_name="Newname", crn="Z765432")
    qtbot.waitUntil(lambda: view.crn.text() == "Z765432", timeout=SIGNAL_TIMEOUT_MS)
    assert view.family_name.text() == "Mine-Example"
    asked: list[str] = []

    def escape(dialog: ClashDialog) -> None:
        asked.append(dialog.theirs["family_name"].text())
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Escape)

    answer_modal(ClashDialog, escape)
    _save(qtbot, window, view)
    qtbot.waitUntil(lambda: bool(asked), timeout=SIGNAL_TIMEOUT_MS)
    assert "Newname" in asked[0]
    assert _stored(window, case_id).family_name == "Newname"


def test_a_release_item_dialog_older_than_a_colleagues_note_asks_and_keeps_the_choice(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    case_id = people["Zebedee Friday"]
    assert window.session is not None
    CaseService(window.session).change_status(case_id, CaseStatus.ACCEPTED, "Accepted (test)")
    view = _open(qtbot, window, case_id)
    panel = view.show_release()
    assert panel is not None
    panel.reload()
    qtbot.waitUntil(
        lambda: panel.plan is not None and window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS
    )
    panel.table.setFocus()
    panel.table.selectRow(panel.model.row_of("phone"))
    assert panel.plan is not None
    plan_id = panel.plan.id
    seen: list[str] = []

    def type_note(dialog: ItemDialog) -> None:
        ReleaseService(_colleague(window)).update_item(  # lands while the dialog is open
            plan_id, "phone", ItemUpdate(ItemState.PROBLEM, note="Phone lost")
        )
        qtbot.keyClicks(dialog.note, "Has a phone now")
        qtbot.keyClick(dialog.note, Qt.Key.Key_Return)

    def keep_mine(dialog: ClashDialog) -> None:
        qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
        seen.append(dialog.theirs["note"].text())
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Space)
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    answer_modal(ItemDialog, type_note)
    answer_modal(ClashDialog, keep_mine)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(seen) and window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: panel.message.text().startswith("To do"), timeout=SIGNAL_TIMEOUT_MS)

    assert "Phone lost" in seen[0]
    assert "Fictional Colleague" in seen[0]
    plan = ReleaseService(window.session).plan(case_id)
    assert plan is not None
    item = plan.item("phone")
    assert item is not None
    assert (item.state, item.note) == (ItemState.PROBLEM, "Has a phone now")  # theirs, mine
