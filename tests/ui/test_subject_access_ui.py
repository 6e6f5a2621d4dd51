"""The subject access export from the case file, from the keyboard: the records are gathered
in the background, the worker reviews the names of other people found and unticks one, types
the folder and writes; both files appear there, the ticked name withheld, the other kept."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.session import AppSession
from restart_desktop.domain.redaction import WITHHELD
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.subject_access import NameCandidateTableModel, SubjectAccessDialog
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock

MakeWindow = Callable[..., MainWindow]
NOTES = (
    "Fixture visit. His sister Marnie Fablewick will meet him; Marnie Fablewick drives.",
    "Fixture call. Partner Jory Quenby has the phone.",
)


@pytest.fixture
def person(enrolled: AppSession) -> str:
    case = (
        CaseService(enrolled)
        .create_case(
            CaseFields(given_name="Perpetua", family_name="Exportley", nomis_number="Z4321QR")
        )
        .case_id
    )
    yesterday = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(days=1)
    for hours, text in enumerate(NOTES):
        NoteService(enrolled).finalise(
            DraftFields(case, yesterday + dt.timedelta(hours=hours), text=text), confirmed=True
        )
    enrolled.close()
    return case


def test_review_untick_choose_folder_and_write(
    qtbot: QtBot, make_window: MakeWindow, person: str, tmp_path: Path, qtmodeltester: object
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    window.workspace.open_case(person)
    view = window.workspace.case_views()[-1]
    qtbot.waitUntil(
        lambda: view.details is not None and view.export_button.isEnabled(),
        timeout=SIGNAL_TIMEOUT_MS,
    )

    view.given_name.setFocus()  # Alt+X from anywhere in the case file
    qtbot.keyClick(view.given_name, Qt.Key.Key_X, Qt.KeyboardModifier.AltModifier)
    workspace = window.workspace  # a mnemonic "clicks" a moment later
    qtbot.waitUntil(lambda: workspace.export_dialog is not None, timeout=SIGNAL_TIMEOUT_MS)
    dialog = workspace.export_dialog
    assert isinstance(dialog, SubjectAccessDialog)
    assert dialog.isVisible()
    assert "Exportley" not in dialog.windowTitle()
    qtbot.waitUntil(
        lambda: dialog.model.rowCount() == 2 and not dialog.busy, timeout=SIGNAL_TIMEOUT_MS
    )
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    model = dialog.model
    names = [model.index(row, NameCandidateTableModel.NAME).data() for row in range(2)]
    assert names == ["Marnie Fablewick", "Jory Quenby"]  # most often first, all ticked
    assert model.chosen() == names

    # The list has the keyboard: Down to the second name, Space unticks it.
    assert dialog.names.hasFocus() or dialog.names.currentIndex().row() == 0
    qtbot.keyClick(dialog.names, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.names, Qt.Key.Key_Space)
    assert model.chosen() == ["Marnie Fablewick"]
    assert not dialog.write_button.isEnabled()  # no folder yet

    out = tmp_path / "request"
    out.mkdir()
    qtbot.keyClicks(dialog.folder, str(out))
    assert dialog.write_button.isEnabled()
    qtbot.keyClick(dialog.write_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Written to" in dialog.message.text(), timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)

    files = sorted(out.iterdir())
    assert [f.suffix for f in files] == [".json", ".pdf"]
    assert all(f.name in dialog.message.text() for f in files)
    assert "1 name withheld in 4 places" in dialog.message.text()  # note and change log
    document = json.loads(files[0].read_text("utf-8"))
    texts = [n["text"] for n in document["records"]["contact_notes"]]
    assert texts == [NOTES[0].replace("Marnie Fablewick", WITHHELD), NOTES[1]]
    assert files[1].read_bytes().startswith(b"%PDF")

    # Writing again into the same folder is refused in words; nothing is overwritten.
    dialog.write_button.setEnabled(True)
    qtbot.keyClick(dialog.write_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "already in" in dialog.message.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert sorted(out.iterdir()) == files

    window.lock()  # the dialog lists names: locking closes it
    assert not dialog.isVisible()


def test_a_folder_that_does_not_exist_is_refused_in_words(
    qtbot: QtBot, make_window: MakeWindow, person: str, tmp_path: Path
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    dialog = window.workspace.export_subject(person)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClicks(dialog.folder, str(tmp_path / "nowhere"))
    qtbot.keyClick(dialog.write_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "does not exist" in dialog.message.text(), timeout=SIGNAL_TIMEOUT_MS)
    assert dialog.write_button.isEnabled()
    assert not dialog.busy
    qtbot.keyClick(dialog.close_button, Qt.Key.Key_Space)
    assert not dialog.isVisible()
