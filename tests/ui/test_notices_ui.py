"""Change notices in the window: every view shows a write, this laptop's or a sync's, without
anyone telling it to, keeps what the worker is typing, and reloads once per burst."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import NoteService
from restart_desktop.app.session import AppSession, enrol
from restart_desktop.app.sync import SyncService
from restart_desktop.domain.case import CaseStatus, Role
from restart_desktop.domain.notices import ChangeNotice
from restart_desktop.paths import DataPaths
from restart_desktop.security.keys import KdfParams
from restart_desktop.sync.envelope import DeviceKeys
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.case_file import CaseFileView
from tests.support.clock import use_zone
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock

MakeWindow = Callable[..., MainWindow]
SYNC_KEYS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def _idle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)


def _open(qtbot: QtBot, window: MainWindow, case_id: str) -> CaseFileView:
    assert window.workspace is not None
    view = window.workspace.open_case(case_id)
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    _idle(qtbot, window)
    return view


def _caseload_names(window: MainWindow) -> list[str]:
    assert window.workspace is not None
    model = window.workspace.caseload.model
    return [str(model.index(row, 0).data()) for row in range(model.rowCount())]


def _resets(model: object) -> list[int]:
    """Counts the model's resets (each reload of a list resets its model once)."""
    counted: list[int] = []
    model.modelReset.connect(lambda: counted.append(1))  # type: ignore[attr-defined]
    return counted


def test_a_write_through_a_service_refreshes_an_open_case_tab_and_the_caseload(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.session is not None
    assert window.workspace is not None
    case_id = people["Larry Later"]
    view = _open(qtbot, window, case_id)
    service = CaseService(window.session)  # no window code is told about this write

    window.runner.run(
        lambda: service.update_case(
            case_id, replace(service.get_case(case_id).fields, family_name="Newname-Example")
        ),
        lambda _r: None,
    )
    _idle(qtbot, window)

    assert view.family_name.text() == "Newname-Example"
    assert "Newname-Example" in view.heading.text()
    assert not view.dirty
    window.workspace.show_caseload()  # a list on a tab not shown reloads as it is shown
    _idle(qtbot, window)
    assert "NEWNAME-EXAMPLE, Larry" in _caseload_names(window)


def test_an_open_case_tab_shows_a_supervisors_change_after_a_sync_and_typing_survives(
    qtbot: QtBot,
    make_window: MakeWindow,
    enrolled: AppSession,
    tmp_path: Path,
    fast_kdf: KdfParams,
    organisation_code: str,
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    supervisor = enrol(
        DataPaths(tmp_path / "sup"),
        name="Supervisor (fictional)",
        organisation_code=organisation_code,
        role=Role.SUPERVISOR,
        passphrase=PASSPHRASE,
        kdf=fast_kdf,
    )
    try:
        SyncService(supervisor).create_team(export, DeviceKeys.generate().age_recipient)
        SyncService(enrolled).request_to_join(export)
        SyncService(supervisor).approve(enrolled.device_id)
        case = (
            CaseService(enrolled)
            .create_case(CaseFields(given_name="Testy", family_name="Beforeson"))
            .case_id
        )
        SyncService(enrolled).sync_now()
        enrolled.close()

        window = make_window()
        unlock(qtbot, window)
        qtbot.waitUntil(
            lambda: window.sync_label.text().startswith("Synced"), timeout=SIGNAL_TIMEOUT_MS
        )
        view = _open(qtbot, window, case)
        qtbot.keyClick(view, Qt.Key.Key_2, ALT)
        timeline = view.timeline
        assert timeline is not None
        _idle(qtbot, window)
        editor = timeline.new_note()
        qtbot.keyClicks(editor.text, "Half a sentence about the hostel")
        cursor_at = editor.text.textCursor().position()
        resets = _resets(timeline.model)

        # Meanwhile the supervisor corrects the family name and adds an action for the case.
        SyncService(supervisor).sync_now()
        theirs = CaseService(supervisor)
        theirs.update_case(case, replace(theirs.get_case(case).fields, family_name="Afterson"))
        NoteService(supervisor).add_action(case, "Ring the hostel about a bed")
        SyncService(supervisor).sync_now()

        qtbot.keyClick(editor.text, Qt.Key.Key_S, SYNC_KEYS)  # sync now, while typing
        qtbot.waitUntil(lambda: "Afterson" in view.heading.text(), timeout=SIGNAL_TIMEOUT_MS)
        _idle(qtbot, window)

        assert view.family_name.text() == "Afterson"  # the details form, not edited: reloaded
        entries = [timeline.model.entry(row) for row in range(timeline.model.rowCount())]
        assert any(
            e is not None
            and e.action is not None
            and e.action.description == "Ring the hostel about a bed"
            for e in entries
        )
        assert len(resets) == 1  # one reload of the timeline for the whole sync
        # The note being typed is untouched: same words, same cursor, still being typed.
        assert timeline.editor is editor
        assert editor.text.toPlainText() == "Half a sentence about the hostel"
        assert editor.text.textCursor().position() == cursor_at
        assert timeline.right.currentWidget() is editor
        qtbot.keyClicks(editor.text, ", then more")
        assert editor.text.toPlainText() == "Half a sentence about the hostel, then more"
    finally:
        supervisor.close()


def test_a_burst_of_notices_reloads_each_view_once(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    case_id = people["Quentin Housing"]
    view = _open(qtbot, window, case_id)
    view.show_contacts()
    _idle(qtbot, window)
    window.workspace.show_caseload()
    _idle(qtbot, window)
    assert view.timeline is not None
    caseload, timeline = _resets(window.workspace.caseload.model), _resets(view.timeline.model)

    # A sync's burst: fifty transactions' notices, from the thread that committed them.
    notice = ChangeNotice(frozenset({case_id}), frozenset({"people", "contact_notes"}))
    notices = window.workspace.notices

    def burst() -> None:
        for _ in range(50):
            notices.publish(notice)

    publisher = threading.Thread(target=burst)
    with qtbot.waitSignal(notices.records_changed, timeout=SIGNAL_TIMEOUT_MS):
        publisher.start()
        publisher.join()
    _idle(qtbot, window)
    assert len(caseload) == 1  # the list shown: once for the burst
    assert timeline == []  # on a tab not shown: nothing yet...
    window.workspace.tabs.setCurrentWidget(view)  # the case tab, on its contacts
    _idle(qtbot, window)
    assert len(timeline) == 1  # ... and once as it is shown
    assert len(caseload) == 1


def test_one_write_reloads_each_view_showing_it_once(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.session is not None
    assert window.workspace is not None
    case_id = people["Zebedee Friday"]
    view = _open(qtbot, window, case_id)
    timeline = view.show_contacts()
    assert timeline is not None
    _idle(qtbot, window)
    resets = _resets(timeline.model)

    editor = timeline.new_note()
    qtbot.keyClicks(editor.text, "Saw him on the wing; fine for Friday.")
    window.session.set_asks_before_finalising(False)  # the question is tested with notes
    with qtbot.waitSignal(timeline.changed, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(editor.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    _idle(qtbot, window)

    assert len(resets) == 1  # the finalised note's notice: one reload, not one per caller
    entry = timeline.current_entry()
    assert entry is not None
    assert entry.note is not None
    assert "fine for Friday" in timeline.reader.toPlainText()


def test_the_caseload_keeps_the_person_selected_when_a_notice_reloads_it(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.session is not None
    assert window.workspace is not None
    caseload = window.workspace.caseload
    larry = caseload.model.row_of(people["Larry Later"])
    assert larry > 0  # not the first row: the first is what a lost selection falls back to
    caseload.table.setFocus()
    caseload.table.setCurrentIndex(caseload.model.index(larry, 0))
    qtbot.keyClick(caseload.table, Qt.Key.Key_Up)
    qtbot.keyClick(caseload.table, Qt.Key.Key_Down)
    resets = _resets(caseload.model)
    service, zebedee = CaseService(window.session), people["Zebedee Friday"]

    window.runner.run(
        lambda: service.update_case(
            zebedee, replace(service.get_case(zebedee).fields, preferred_name="Zeb")
        ),
        lambda _r: None,
    )
    _idle(qtbot, window)

    assert len(resets) == 1
    assert any("(Zeb)" in name for name in _caseload_names(window))
    assert caseload.selected_case_id() == people["Larry Later"]


def test_a_case_file_being_edited_keeps_the_typing_and_shows_the_new_history(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.session is not None
    case_id = people["Quentin Housing"]
    view = _open(qtbot, window, case_id)
    view.crn.setFocus()
    qtbot.keyClicks(view.crn, "X123456")
    assert view.dirty
    service = CaseService(window.session)

    accept = CaseStatus.ACCEPTED
    window.runner.run(
        lambda: service.change_status(case_id, accept, "Eligible (test)"), lambda _r: None
    )
    _idle(qtbot, window)

    assert "Accepted" in view.status_line.text()  # what nobody types in is current
    assert "Eligible (test)" in view.history.text()
    assert view.crn.text() == "X123456"  # the typing stays, still to be saved
    assert view.dirty
    assert view.crn.hasFocus()


def test_a_new_day_on_the_laptops_calendar_refreshes_todays_list(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """A laptop left open overnight (or woken the next morning) shows the new day's releases:
    the calendar moving on is announced like a change, and Today follows it. The zones are
    26 hours apart, so the laptop's date differs whatever the time of the run."""
    with use_zone("Etc/GMT+12"):
        window = make_window()
        unlock(qtbot, window)
        assert window.workspace is not None
        workspace = window.workspace
        workspace.show_today()
        _idle(qtbot, window)
        reloads = _resets(workspace.today.model)
        workspace.notices.check_the_day()  # the same day: nothing to do
        _idle(qtbot, window)
        assert reloads == []
        with use_zone("Etc/GMT-14"):
            workspace.notices.check_the_day()
            qtbot.waitUntil(lambda: len(reloads) == 1, timeout=SIGNAL_TIMEOUT_MS)
            _idle(qtbot, window)
            assert len(reloads) == 1
