"""A new supervisor's week from the keyboard (issue: supervisor walk-through): the figures
for a period typed by hand, the evaluation extract, and what each screen says when something
is not right."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from restart_desktop.app.cases import CaseService
from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.paths import DataPaths
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.audit_view import COL_DETAIL, COL_WHEN
from restart_desktop.ui.case_file import CaseFileView
from restart_desktop.ui.dialogs import AllocateDialog
from restart_desktop.ui.evaluation_dialog import EvaluationExtractDialog
from restart_desktop.ui.figures_view import FiguresView
from restart_desktop.ui.help import HelpDialog
from tests.support.constants import PASSPHRASE
from tests.support.roles import as_supervisor
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock
from tests.ui.test_accessibility import _alt_letters

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _supervisor_figures(
    qtbot: QtBot, make_window: MakeWindow, data_paths: DataPaths
) -> FiguresView:
    """The enrolled user made a supervisor, unlocked, on the figures (Ctrl+6) once shown."""
    session = unlock_folder(data_paths, PASSPHRASE)
    as_supervisor(session)
    session.close()
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_6, CTRL)
    assert window.workspace is not None
    figures = window.workspace.figures
    assert figures is not None
    qtbot.waitUntil(lambda: "Figures for" in figures.message.text(), timeout=SIGNAL_TIMEOUT_MS)
    return figures


def test_a_mistyped_date_says_which_period_the_figures_still_show(
    qtbot: QtBot, make_window: MakeWindow, enrolled: object, data_paths: DataPaths
) -> None:
    """The message line said only "'31/02/2026' is not a date": the heading naming the period
    was gone while the last quarter's figures stayed under the new dates, and the keyboard
    stayed in the other field. Now the line says whose figures are still shown, and the
    keyboard is on the date to correct."""
    enrolled.close()  # type: ignore[attr-defined]
    figures = _supervisor_figures(qtbot, make_window, data_paths)
    shown = figures.message.text().removeprefix("Figures for ").split(",")[0]
    qtbot.keyClick(figures, Qt.Key.Key_M, ALT)  # Fro&m
    figures.start.selectAll()
    qtbot.keyClicks(figures.start, "31/02/2026")
    qtbot.keyClick(figures.start, Qt.Key.Key_Tab)
    qtbot.keyClick(figures.end, Qt.Key.Key_Return)
    text = figures.message.text()
    assert "'31/02/2026' is not a date" in text
    assert f"The figures below are still those for {shown}." in text
    assert QApplication.focusWidget() is figures.start
    assert figures.start.selectedText() == "31/02/2026"  # typing replaces it


def test_the_evaluation_extract_from_the_keyboard_says_why_it_is_empty(
    qtbot: QtBot,
    make_window: MakeWindow,
    people: dict[str, str],
    data_paths: DataPaths,
    tmp_path: Path,
) -> None:
    """Alt+F in the extract dialog was both "From" and "Folder" (Qt then only cycles between
    them); an extract of nobody said "0 people" and no more. Every Alt letter is now one
    field's, and an empty extract says that it holds only people whose research consent is
    recorded and how to include everyone."""
    figures = _supervisor_figures(qtbot, make_window, data_paths)
    target = tmp_path / "extract"
    seen: dict[str, object] = {}

    def answer(dialog: EvaluationExtractDialog) -> None:
        qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)  # its Alt letters
        letters = _alt_letters(dialog)
        seen["clashes"] = {k: v for k, v in letters.items() if len(v) > 1}
        qtbot.keyClick(dialog, Qt.Key.Key_D, ALT)
        seen["folder_focus"] = dialog.folder.hasFocus()
        qtbot.keyClicks(dialog.folder, str(target))
        qtbot.keyClick(dialog, Qt.Key.Key_M, ALT)
        qtbot.waitUntil(lambda: "Written to" in dialog.result_label.text(), timeout=10_000)
        seen["result"] = dialog.result_label.text()
        dialog.reject()

    answer_modal(EvaluationExtractDialog, answer)
    qtbot.keyClick(figures, Qt.Key.Key_V, ALT)  # a button's Alt letter clicks it shortly
    qtbot.waitUntil(lambda: "result" in seen, timeout=SIGNAL_TIMEOUT_MS)
    assert seen["clashes"] == {}
    assert seen["folder_focus"] is True
    result = str(seen["result"])
    assert "0 people" in result
    assert "research consent" in result
    assert "Lawful basis" in result
    assert (target / "cases.csv").exists()


def test_the_board_pack_folder_is_first_asked_in_documents_not_where_the_app_started(
    qtbot: QtBot,
    make_window: MakeWindow,
    enrolled: object,
    data_paths: DataPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Alt+P opened the folder chooser in the folder the app was started from (its own
    install folder for a packaged app), not in Documents as every other document does."""
    enrolled.close()  # type: ignore[attr-defined]
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(home / "Documents"))
    monkeypatch.chdir(tmp_path)
    asked: list[str] = []

    def choose(_parent: object, _title: str, folder: str = "", *_rest: object) -> str:
        asked.append(folder)
        return ""  # cancelled

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", choose)
    figures = _supervisor_figures(qtbot, make_window, data_paths)
    qtbot.keyClick(figures, Qt.Key.Key_P, ALT)  # Board &pack
    qtbot.waitUntil(lambda: bool(asked), timeout=SIGNAL_TIMEOUT_MS)
    assert Path(asked[0]) in (home / "Documents", home)


def test_the_audit_trail_shows_the_whole_detail_of_the_entry_moved_to(
    qtbot: QtBot,
    make_window: MakeWindow,
    people: dict[str, str],
    data_paths: DataPaths,
) -> None:
    """An entry's detail ("Contact note: created; Case history: created; Follow-up action:
    ...") was cut to the column's width, and its whole text only in a tooltip, out of reach
    of the keyboard. The entry the supervisor moves to is now shown whole under the table."""
    session = unlock_folder(data_paths, PASSPHRASE)
    service = CaseService(session)
    case = people["Larry Later"]
    fields = replace(
        service.get_case(case).fields,
        preferred_name="Laz",
        crn="X123456",
        date_of_birth=dt.date(1990, 1, 2),
        referral_date=dt.date(2026, 1, 5),
        earlier_custodial_sentences=3,
        housing_authority="oxford",
    )
    service.update_case(case, fields)
    as_supervisor(session)
    session.close()
    window = make_window()
    window.resize(1280, 688)
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_7, CTRL)
    assert window.workspace is not None
    view = window.workspace.audit
    assert view is not None
    qtbot.waitUntil(lambda: view.proxy.rowCount() > 2, timeout=SIGNAL_TIMEOUT_MS)
    assert QApplication.focusWidget() is view.table
    table = view.table
    rows = view.proxy.rowCount()
    for row in range(rows):
        whole = str(view.proxy.index(row, COL_DETAIL).data())
        if table.fontMetrics().horizontalAdvance(whole) > table.columnWidth(COL_DETAIL):
            break
    else:
        raise AssertionError([str(view.proxy.index(r, COL_DETAIL).data()) for r in range(rows)])
    for _step in range(row):
        qtbot.keyClick(table, Qt.Key.Key_Down)
    assert table.currentIndex().row() == row
    assert view.detail.isVisible()
    assert whole in view.detail.text()
    assert str(view.proxy.index(row, COL_WHEN).data()) in view.detail.text()


def test_handing_a_case_over_to_its_own_worker_is_refused_in_the_dialog(
    qtbot: QtBot,
    make_window: MakeWindow,
    people: dict[str, str],
    data_paths: DataPaths,
) -> None:
    """Alt+A then Alt+H with the worker the case already has closed the dialog and put
    "Nothing was saved. Please correct: The case is already allocated to that worker." on the
    case file, with "Not saved" beside its Save button, as if its fields were wrong; the
    handover note typed was gone. The dialog now says so itself and keeps the note."""
    session = unlock_folder(data_paths, PASSPHRASE)
    as_supervisor(session)
    session.close()
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    view = window.workspace.open_case(people["Larry Later"])
    assert isinstance(view, CaseFileView)
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    seen: dict[str, object] = {}

    def answer(dialog: AllocateDialog) -> None:
        qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)  # its Alt letters
        qtbot.keyClick(dialog, Qt.Key.Key_N, ALT)
        qtbot.keyClicks(dialog.note, "Meets him on Tuesday")
        dialog.ok.click()
        seen["visible"] = dialog.isVisible()
        seen["error"] = dialog.error.text()
        seen["focus"] = dialog.focusWidget() is dialog.worker
        seen["note"] = dialog.note.toPlainText()
        dialog.note.clear()  # nothing typed left to ask about
        dialog.reject()

    answer_modal(AllocateDialog, answer)
    qtbot.keyClick(view, Qt.Key.Key_A, ALT)
    qtbot.waitUntil(lambda: "note" in seen, timeout=SIGNAL_TIMEOUT_MS)
    assert seen["visible"] is True
    assert "already allocated to" in str(seen["error"])
    assert seen["focus"] is True
    assert seen["note"] == "Meets him on Tuesday"
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert not view.summary.isVisible()


def test_first_steps_name_the_buttons_there_are_and_a_supervisors_week(
    qtbot: QtBot, make_window: MakeWindow, enrolled: object, data_paths: DataPaths
) -> None:
    """First steps sent a new user to a "New person" button that is now "New
    recommendation", and said nothing of a supervisor's work: the review queue, the
    figures and board pack, the audit trail, letting a laptop into the team."""
    enrolled.close()  # type: ignore[attr-defined]
    figures = _supervisor_figures(qtbot, make_window, data_paths)
    window = figures.window()
    assert isinstance(window, MainWindow)
    opened: list[str] = []

    def read(dialog: HelpDialog) -> None:
        opened.append(dialog.browser.toPlainText())
        dialog.reject()

    answer_modal(HelpDialog, read)
    window.first_steps_action.trigger()
    qtbot.waitUntil(lambda: bool(opened), timeout=SIGNAL_TIMEOUT_MS)
    text = opened[0]
    assert "New person" not in text
    assert "New recommendation" in text
    caseload = window.workspace.caseload if window.workspace else None
    assert caseload is not None
    assert "New recommendation" in caseload.new_button.text().replace("&", "")
    assert "New person" not in caseload.empty_hint.text()
    for words in ("For a supervisor", "Ctrl+5", "Alt+T", "board pack", "Ctrl+7"):
        assert words in text
    assert "Settings > Laptops asking to join" in text  # no terminal needed
