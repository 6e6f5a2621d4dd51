"""The audit trail on screen: a supervisor sees who opened a case, narrows the whole log by
action, person and dates, opens one case's trail from its case file and checks the chain (intact,
then broken at the exact entry altered in the database); a worker has no whole log, only a
case's own trail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select, text

from restart_desktop.app.audit import AuditFilter, AuditService
from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.session import AppSession
from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.domain.audit import AuditAction
from restart_desktop.paths import DataPaths
from restart_desktop.store.models import AuditEntry, Device
from restart_desktop.ui import audit_view
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.audit_view import (
    COL_ACTION,
    COL_DETAIL,
    COL_PERSON,
    COL_WORKER,
    AuditTableModel,
    AuditTrailView,
    CaseAuditDialog,
)
from restart_desktop.ui.case_file import CaseFileView
from tests.support.constants import PASSPHRASE, WORKER_NAME
from tests.support.roles import as_supervisor
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
ZEBEDEE = "FRIDAYSON, Zebedee"
LARRY = "LATERTON, Larry"


def _make_supervisor(data_paths: DataPaths) -> None:
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        as_supervisor(session)
    finally:
        session.close()


def _column(view: AuditTrailView, column: int) -> list[str]:
    proxy = view.proxy
    return [str(proxy.index(row, column).data()) for row in range(proxy.rowCount())]


def _wait_read(qtbot: QtBot, window: MainWindow, view: AuditTrailView) -> None:
    """Until the trail shown is the one for the filters now set."""
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: "Reading" not in view.count.text(), timeout=SIGNAL_TIMEOUT_MS)


def _open_case(qtbot: QtBot, window: MainWindow, case_id: str) -> CaseFileView:
    assert window.workspace is not None
    view = window.workspace.open_case(case_id)
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    return view


def _supervisor_window(qtbot: QtBot, make_window: MakeWindow, data_paths: DataPaths) -> MainWindow:
    _make_supervisor(data_paths)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    return window


def _choose(qtbot: QtBot, combo: object, wanted: str) -> None:
    """Step a focused combo box with Down until it shows ``wanted`` (as from the keyboard)."""
    from PySide6.QtWidgets import QComboBox

    assert isinstance(combo, QComboBox)
    assert QApplication.focusWidget() is combo
    for _step in range(combo.count()):
        if combo.currentText() == wanted:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == wanted


def test_a_supervisor_sees_who_opened_a_case_and_narrows_by_action(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    window = _supervisor_window(qtbot, make_window, data_paths)
    _open_case(qtbot, window, people["Zebedee Friday"])
    assert window.audit_action.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_7, CTRL)
    assert window.workspace is not None
    assert window.workspace.audit is not None
    view = window.workspace.audit
    assert window.workspace.tabs.currentWidget() is view
    assert QApplication.focusWidget() is view.table
    _wait_read(qtbot, window, view)
    opened = [
        row
        for row in range(view.proxy.rowCount())
        if view.proxy.index(row, COL_ACTION).data() == "Opened the case file"
    ]
    assert opened, _column(view, COL_ACTION)
    row = opened[0]
    assert view.proxy.index(row, COL_WORKER).data() == WORKER_NAME
    assert view.proxy.index(row, COL_PERSON).data() == ZEBEDEE
    everything = view.proxy.rowCount()
    assert set(_column(view, COL_ACTION)) > {"Opened the case file"}  # created them, too
    assert "entries, newest first" in view.count.text()

    qtbot.keyClick(view, Qt.Key.Key_C, ALT)  # A&ction
    _choose(qtbot, view.action, "Opened the case file")
    _wait_read(qtbot, window, view)
    assert 0 < view.proxy.rowCount() < everything
    assert set(_column(view, COL_ACTION)) == {"Opened the case file"}

    qtbot.keyClick(view, Qt.Key.Key_W, ALT)  # &Worker: the one worker in the trail
    _choose(qtbot, view.worker, WORKER_NAME)
    _wait_read(qtbot, window, view)
    assert set(_column(view, COL_WORKER)) == {WORKER_NAME}

    qtbot.keyClick(view, Qt.Key.Key_M, ALT)  # Fro&m: tomorrow, so nothing yet
    assert QApplication.focusWidget() is view.date_from
    qtbot.keyClicks(view.date_from, f"{dt.date.today() + dt.timedelta(days=1):%d/%m/%Y}")
    qtbot.keyClick(view.date_from, Qt.Key.Key_Return)
    _wait_read(qtbot, window, view)
    assert view.proxy.rowCount() == 0
    assert view.count.text() == "No entries match these filters."
    view.date_from.clear()
    qtbot.keyClicks(view.date_from, "31/02/2026")
    qtbot.keyClick(view.date_from, Qt.Key.Key_Return)
    assert "is not a date" in view.message.text()
    assert view.message.isVisible()

    qtbot.keyClick(view, Qt.Key.Key_L, ALT)  # C&lear filters: everything again
    qtbot.waitUntil(
        lambda: view.action.currentText() == "Any action", timeout=SIGNAL_TIMEOUT_MS
    )  # a mnemonic presses a button in 100 ms
    _wait_read(qtbot, window, view)
    assert view.worker.currentText() == "Anyone"
    assert view.date_from.text() == ""
    assert view.proxy.rowCount() >= everything


def test_the_trail_says_what_changed_in_words_not_the_stores_names(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    """Each write's detail is kept as the store names it ("people: preferred_name"), inside
    the hash chain; the supervisor reads "Case file: preferred name"."""
    window = _supervisor_window(qtbot, make_window, data_paths)
    case = _open_case(qtbot, window, people["Zebedee Friday"])
    qtbot.keyClick(case, Qt.Key.Key_Y, ALT)  # Famil&y name, then Tab: Preferred name
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is case.preferred_name
    qtbot.keyClicks(case.preferred_name, "Zeb")
    qtbot.keyClick(case, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_7, CTRL)
    assert window.workspace is not None
    view = window.workspace.audit
    assert view is not None
    _wait_read(qtbot, window, view)
    details = _column(view, COL_DETAIL)
    changed = [
        view.proxy.index(row, COL_DETAIL).data()
        for row in range(view.proxy.rowCount())
        if view.proxy.index(row, COL_ACTION).data() == "Changed"
        and str(view.proxy.index(row, COL_PERSON).data()).startswith(ZEBEDEE)
    ]
    assert changed == ["Case file: preferred name"], details
    assert any(d.startswith("Case file: created") for d in details), details
    stored = [d for d in details if "_" in d or d.startswith(("people:", "field_changes"))]
    assert not stored, stored


def test_reading_the_trail_records_nothing_in_it(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    window = _supervisor_window(qtbot, make_window, data_paths)
    assert window.session is not None
    assert window.workspace is not None
    with window.session.db.read() as s:
        before = len(s.scalars(select(AuditEntry.id)).all())
    for _visit in range(3):
        window.workspace.show_caseload()
        qtbot.keyClick(window, Qt.Key.Key_7, CTRL)
        assert window.workspace.audit is not None
        _wait_read(qtbot, window, window.workspace.audit)
    with window.session.db.read() as s:
        assert len(s.scalars(select(AuditEntry.id)).all()) == before


def test_the_case_file_opens_only_that_cases_trail(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    window = _supervisor_window(qtbot, make_window, data_paths)
    _open_case(qtbot, window, people["Zebedee Friday"])
    larry = _open_case(qtbot, window, people["Larry Later"])
    assert larry.audit_button.isEnabled()
    qtbot.keyClick(larry.audit_button, Qt.Key.Key_Space)
    assert window.workspace is not None
    assert window.workspace.audit is not None
    view = window.workspace.audit
    assert window.workspace.tabs.currentWidget() is view
    _wait_read(qtbot, window, view)
    assert view.person.currentText() == LARRY
    assert set(_column(view, COL_PERSON)) == {LARRY}
    assert "Opened the case file" in _column(view, COL_ACTION)

    # Enter on an entry narrows to its person; "Any person" widens again.
    view.person.setFocus()
    qtbot.keyClick(view.person, Qt.Key.Key_Home)
    _wait_read(qtbot, window, view)
    assert view.person.currentText() == "Any person"
    people_shown = set(_column(view, COL_PERSON))
    assert {ZEBEDEE, LARRY} <= people_shown
    zebedee_row = _column(view, COL_PERSON).index(ZEBEDEE)
    view.table.setFocus()
    view.table.setCurrentIndex(view.proxy.index(zebedee_row, 0))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    _wait_read(qtbot, window, view)
    assert view.person.currentText() == ZEBEDEE
    assert set(_column(view, COL_PERSON)) == {ZEBEDEE}

    # Ctrl+Shift+A from inside a case file does the same as the button.
    window.workspace.tabs.setCurrentWidget(larry)
    larry.given_name.setFocus()
    qtbot.keyClick(
        larry.given_name,
        Qt.Key.Key_A,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    _wait_read(qtbot, window, view)
    assert window.workspace.tabs.currentWidget() is view
    assert set(_column(view, COL_PERSON)) == {LARRY}


def test_checking_the_chain_reports_intact_then_the_altered_entry(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    window = _supervisor_window(qtbot, make_window, data_paths)
    _open_case(qtbot, window, people["Larry Later"])
    qtbot.keyClick(window, Qt.Key.Key_7, CTRL)
    assert window.workspace is not None
    assert window.workspace.audit is not None
    view = window.workspace.audit
    _wait_read(qtbot, window, view)
    qtbot.keyClick(view, Qt.Key.Key_K, ALT)  # Chec&k the chain
    qtbot.waitUntil(lambda: "intact" in view.message.text(), timeout=SIGNAL_TIMEOUT_MS)
    session = window.session
    assert session is not None
    with session.db.read() as s:
        count = len(s.scalars(select(AuditEntry.id)).all())
    assert view.message.text() == f"The audit trail is intact ({count} entries on 1 device)."
    assert view.check_button.isEnabled()

    with session.db.read() as s:
        third = s.scalars(select(AuditEntry).where(AuditEntry.seq == 3)).one()
    with session.db.write() as s:  # someone with the key edits the file behind the app's back
        s.execute(text("DROP TRIGGER audit_entries_immutable"))
        s.execute(
            text("UPDATE audit_entries SET detail = 'nothing to see' WHERE id = :id"),
            {"id": third.id},
        )
    qtbot.keyClick(view.check_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Broken" in view.message.text(), timeout=SIGNAL_TIMEOUT_MS)
    with session.db.read() as s:
        label = s.get(Device, session.device_id).label  # type: ignore[union-attr]
    assert view.message.text() == (
        f"Broken: device {label} ({session.device_id}), entry 3: its content was altered."
    )
    assert view.message.isVisible()


def test_a_worker_has_no_audit_tab_but_sees_a_cases_own_trail(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    assert window.workspace is not None
    assert window.workspace.audit is None
    assert not window.audit_action.isVisible()
    assert not window.audit_action.isEnabled()
    tabs = window.workspace.tabs
    assert "Audit trail" not in [tabs.tabText(i) for i in range(tabs.count())]
    before = tabs.currentWidget()
    qtbot.keyClick(window, Qt.Key.Key_7, CTRL)
    assert tabs.currentWidget() is before

    _open_case(qtbot, window, people["Zebedee Friday"])
    larry = _open_case(qtbot, window, people["Larry Later"])
    seen: dict[str, object] = {}

    def look(dialog: CaseAuditDialog) -> None:
        qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
        trail = dialog.trail
        seen["people"] = set(_column(trail, COL_PERSON))
        seen["actions"] = set(_column(trail, COL_ACTION))
        seen["title"] = dialog.windowTitle()
        seen["person_filter"] = (trail.person.currentText(), trail.person.isEnabled())
        seen["check"] = trail.check_button.isVisible()
        qtbot.keyClick(dialog.close_button, Qt.Key.Key_Space)

    answer_modal(CaseAuditDialog, look)
    qtbot.keyClick(larry.audit_button, Qt.Key.Key_Space)
    assert seen["people"] == {LARRY}
    assert "Opened the case file" in seen["actions"]  # type: ignore[operator]
    assert "Laterton" not in str(seen["title"])
    assert "Larry" not in str(seen["title"])
    assert seen["person_filter"] == (LARRY, False)
    assert seen["check"] is False  # the chain covers the whole log: a supervisor's


def test_only_the_newest_entries_are_shown_and_it_says_so(
    qtbot: QtBot,
    make_window: MakeWindow,
    people: dict[str, str],
    data_paths: DataPaths,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(audit_view, "SHOWN", 2)
    window = _supervisor_window(qtbot, make_window, data_paths)
    qtbot.keyClick(window, Qt.Key.Key_7, CTRL)
    assert window.workspace is not None
    assert window.workspace.audit is not None
    view = window.workspace.audit
    _wait_read(qtbot, window, view)
    assert view.proxy.rowCount() == 2
    assert view.count.text() == (
        "Showing the newest 2 entries; narrow the filters to see older ones."
    )


def test_audit_table_model(qtmodeltester: ModelTester, enrolled: AppSession) -> None:
    cases = CaseService(enrolled)
    for given in ("Modelly", "Testina"):
        case = cases.create_case(CaseFields(given_name=given, family_name="McExample")).case_id
        cases.get_case(case)
    entries = AuditService(as_supervisor(enrolled)).entries(AuditFilter())
    assert {e.action for e in entries} >= {AuditAction.CREATED, AuditAction.VIEWED_CASE}
    model = AuditTableModel(enrolled.clock)
    model.set_rows(entries)
    qtmodeltester.check(model, force_py=True)
    proxy = audit_view.AuditSortProxyModel()
    proxy.setSourceModel(model)
    proxy.sort(audit_view.COL_WHEN, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy, force_py=True)
    # Newest first, and equal times keep the trail's own order.
    shown = [proxy.index(r, 0).data(audit_view.ID_ROLE) for r in range(proxy.rowCount())]
    assert shown == [f"{e.device_id}:{e.seq}" for e in entries]


def test_checking_the_chain_finds_the_newest_entry_deleted_after_a_sync(
    qtbot: QtBot,
    make_window: MakeWindow,
    people: dict[str, str],
    data_paths: DataPaths,
    tmp_path: Path,
) -> None:
    from restart_desktop.app.sync import SyncService
    from restart_desktop.sync.envelope import DeviceKeys

    window = _supervisor_window(qtbot, make_window, data_paths)
    session = window.session
    assert session is not None
    export = tmp_path / "export"
    export.mkdir()
    SyncService(session).create_team(export, DeviceKeys.generate().age_recipient)
    assert SyncService(session).sync_now().state == "synced"  # its signed head published
    with session.db.read() as s:
        newest = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert newest is not None
    with session.db.write() as s:  # the newest entry deleted with the key, hashes intact
        s.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": newest.id})
    qtbot.keyClick(window, Qt.Key.Key_7, CTRL)
    assert window.workspace is not None
    assert window.workspace.audit is not None
    view = window.workspace.audit
    _wait_read(qtbot, window, view)
    qtbot.keyClick(view, Qt.Key.Key_K, ALT)  # Chec&k the chain
    qtbot.waitUntil(lambda: "Broken" in view.message.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert (
        f"entry {newest.seq}: entries {newest.seq} to {newest.seq} were published"
        in view.message.text()
    )
    assert session.device_id in view.message.text()
