"""Importing a referring partner's CSV file from the window (File > Import recommendations), as
`restart-desktop intake import` does, with a look first: the lines it would record and the
lines refused with their reasons in the file's terms; a file with a refused line, or changed
after its check, imports nothing; a good one is imported whole and waits in the queue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from restart_desktop.app.session import AppSession
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths
from restart_desktop.store.intake_models import IntakeRecord
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.intake_import import IntakeImportDialog
from restart_desktop.ui.tasks import BUG_MESSAGE
from tests.support.roles import as_role
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier
MENU_ON_OFFSCREEN = pytest.mark.qt_log_ignore(
    r"^This plugin does not support (grabbing the keyboard|raise\(\))$"
)
HEADER = "given_name,family_name,date_of_birth,nomis_number,prison,recommended_on,source"
ANNA = "Anna,Madeupson,02/03/1990,Z8181AB,HMP Bullingdon,01/11/2026,Probation"
BEN = "Ben,Madeupson,,,bullingdon,02/11/2026,self_recommendation"
CARA_BAD = "Cara,Madeupson,not a date,,,03/11/2026,nobody"


def _write(path: Path, *rows: str) -> Path:
    path.write_bytes(("\ufeff" + "\r\n".join((HEADER, *rows)) + "\r\n").encode())
    return path  # as a spreadsheet saves CSV UTF-8


def _recorded(window: MainWindow) -> int:
    assert window.session is not None
    with window.session.db.read() as s:
        return int(s.execute(select(func.count()).select_from(IntakeRecord)).scalar_one())


def _allocator_window(
    qtbot: QtBot,
    make_window: MakeWindow,
    enrolled: AppSession,
    chosen: Path,
    mp: pytest.MonkeyPatch,
) -> MainWindow:
    as_role(enrolled, Role.ALLOCATOR)
    enrolled.close()
    mp.setattr(QFileDialog, "getOpenFileName", lambda *_args: (str(chosen), "CSV files (*.csv)"))
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    return window


def _checked(qtbot: QtBot, dialog: IntakeImportDialog) -> None:
    qtbot.waitUntil(
        lambda: dialog.checked is not None and not dialog.summary.text().endswith("…"),
        timeout=SIGNAL_TIMEOUT_MS,
    )


@MENU_ON_OFFSCREEN
def test_a_refused_line_imports_nothing_then_the_corrected_file_is_imported_whole(
    qtbot: QtBot,
    make_window: MakeWindow,
    enrolled: AppSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batch = _write(tmp_path / "batch.csv", ANNA, BEN, CARA_BAD)
    window = _allocator_window(qtbot, make_window, enrolled, batch, monkeypatch)
    seen: dict[str, object] = {}

    def work(dialog: IntakeImportDialog) -> None:
        _checked(qtbot, dialog)
        seen["refused_summary"] = dialog.summary.text()
        seen["refused"] = [
            (dialog.refused.index(n, 0).data(), dialog.refused.index(n, 1).data())
            for n in range(dialog.refused.rowCount())
        ]
        seen["import_enabled"] = dialog.import_button.isEnabled()
        seen["recorded_after_check"] = _recorded(window)
        assert QApplication.focusWidget() is dialog.refused_table
        first = dialog.checked
        qtbot.keyClick(dialog.refused_table, Qt.Key.Key_Return)  # nothing to import: stays
        assert dialog.isVisible()
        assert dialog.checked is first  # nor did Enter choose another file

        _write(batch, ANNA, BEN)  # corrected in the spreadsheet
        dialog.checked = None
        qtbot.keyClick(dialog, Qt.Key.Key_G, ALT)  # Check again
        _checked(qtbot, dialog)
        seen["ready"] = dialog.summary.text()
        seen["rows"] = [
            tuple(dialog.rows.index(n, c).data() for c in range(dialog.rows.columnCount()))
            for n in range(dialog.rows.rowCount())
        ]
        seen["button"] = dialog.import_button.text()
        assert not dialog.refused_table.isVisible()
        assert QApplication.focusWidget() is dialog.rows_table  # to read, row by row
        qtbot.keyClick(dialog.rows_table, Qt.Key.Key_Tab)
        seen["tab"] = QApplication.focusWidget() is dialog.import_button
        qtbot.keyClick(dialog.import_button, Qt.Key.Key_Backtab)
        qtbot.keyClick(dialog.rows_table, Qt.Key.Key_Return)  # Import, the default button

    answer_modal(IntakeImportDialog, work)
    qtbot.keyClick(window, Qt.Key.Key_F, ALT)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=1000)
    qtbot.keyClick(QApplication.activePopupWidget(), Qt.Key.Key_M)
    qtbot.waitUntil(lambda: "button" in seen, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=SIGNAL_TIMEOUT_MS)

    assert seen["refused_summary"] == (
        "1 line of batch.csv cannot be imported, so nothing will be. Correct it in the "
        "spreadsheet, save it as CSV UTF-8, then Check again (Alt+G)."
    )
    refused = seen["refused"]
    assert isinstance(refused, list)
    assert len(refused) == 1
    assert refused[0][0] == "Line 4"
    assert "date_of_birth: 'not a date' is not a date" in refused[0][1]
    assert "source: 'nobody' is not a kind of recommender" in refused[0][1]
    assert seen["import_enabled"] is False
    assert seen["recorded_after_check"] == 0
    assert seen["ready"] == (
        "2 recommendations ready to go into the intake queue. Look them over, then Import "
        "(Enter); Cancel (Esc) imports nothing."
    )
    rows = seen["rows"]
    assert isinstance(rows, list)
    assert [row[:7] for row in rows] == [
        ("2", "MADEUPSON, Anna", "Z8181AB", "HMP Bullingdon", "", "Probation", "01/11/2026"),
        (
            "3",
            "MADEUPSON, Ben",
            "",
            "HMP Bullingdon",
            "",
            "Self-recommendation (the person's own form or letter)",
            "02/11/2026",
        ),
    ]
    assert all(row[7] for row in rows)  # the eligibility screen, in words
    assert seen["button"] == "&Import 2 recommendations"
    assert seen["tab"] is True
    # Imported whole, and shown where it waits.
    workspace = window.workspace
    assert workspace is not None
    qtbot.waitUntil(lambda: workspace.intake.model.rowCount() == 2, timeout=SIGNAL_TIMEOUT_MS)
    assert workspace.tabs.currentWidget() is workspace.intake
    assert workspace.intake.message.text() == (
        "Imported 2 recommendations from batch.csv: they wait in the intake queue for the "
        "allocation decision."
    )
    assert _recorded(window) == 2


def test_a_file_changed_after_its_check_imports_nothing(
    qtbot: QtBot,
    make_window: MakeWindow,
    enrolled: AppSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    batch = _write(tmp_path / "batch.csv", ANNA)
    window = _allocator_window(qtbot, make_window, enrolled, batch, monkeypatch)
    said: list[str] = []

    def work(dialog: IntakeImportDialog) -> None:
        _checked(qtbot, dialog)
        assert dialog.import_button.isEnabled()
        _write(batch, ANNA, CARA_BAD)  # someone saves the spreadsheet again meanwhile
        qtbot.keyClick(dialog.import_button, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "changed" in dialog.summary.text(), timeout=SIGNAL_TIMEOUT_MS)
        said.append(dialog.summary.text())
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    answer_modal(IntakeImportDialog, work)
    window.import_action.trigger()
    assert said == [
        "The file batch.csv changed after it was checked: check it again, then import. "
        "Nothing was imported."
    ]
    assert _recorded(window) == 0


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"given_name,family_name\r\n\xff\xfeAnna,X\r\n", "is not UTF-8 text: save it from"),
        (b"", "missing column given_name, family_name"),
    ],
)
def test_a_file_that_cannot_be_read_is_said_in_words(
    qtbot: QtBot,
    make_window: MakeWindow,
    enrolled: AppSession,
    data_paths: DataPaths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
    words: str,
) -> None:
    batch = tmp_path / "export.csv"
    batch.write_bytes(content)
    window = _allocator_window(qtbot, make_window, enrolled, batch, monkeypatch)
    said: list[str] = []

    def work(dialog: IntakeImportDialog) -> None:
        qtbot.waitUntil(
            lambda: not dialog.summary.text().startswith("Checking"), timeout=SIGNAL_TIMEOUT_MS
        )
        said.append(dialog.summary.text())
        said.extend(
            str(dialog.refused.index(n, 1).data()) for n in range(dialog.refused.rowCount())
        )
        assert not dialog.import_button.isEnabled()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    answer_modal(IntakeImportDialog, work)
    window.import_action.trigger()
    assert any(words in text for text in said), said
    assert BUG_MESSAGE not in said
    assert _recorded(window) == 0
