"""Documents that leave the programme, read back from the PDF: the decision letter says the
decision and only the reason the programme shares; the onward handover summary, written from
the keyboard for an open case, holds the chosen sections and never a note's text, is kept on
record, and takes the case off the supervisor's programme-exit list."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.cases import CaseService
from restart_desktop.app.intake import IntakeService
from restart_desktop.app.intake_letter import decision_letter
from restart_desktop.app.intake_views import IntakeFields
from restart_desktop.app.notes import DraftFields, NoteService
from restart_desktop.app.onward import ConsentNeeded, OnwardService
from restart_desktop.app.session import AppSession
from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.documents.onward import letter_html
from restart_desktop.documents.pdf import html_pdf_bytes
from restart_desktop.domain.case import CaseStatus, Role
from restart_desktop.domain.intake import DecisionKind
from restart_desktop.domain.onward import OnwardServiceKind, Section
from restart_desktop.paths import DataPaths
from restart_desktop.ui.application import MainWindow
from tests.support.clock import local
from tests.support.constants import PASSPHRASE
from tests.support.roles import as_role
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock

NOTE = "Fictional private note about his brother"
WORDS = "Fictional internal words of the allocator"
MakeWindow = Callable[..., MainWindow]


def _text(data: bytes) -> str:
    """The PDF's words, ligatures undone, separated by single spaces."""
    raw = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)
    return " ".join(unicodedata.normalize("NFKC", raw).split())


def test_the_decision_letter_shares_only_what_the_programme_chooses(
    qtbot: QtBot, enrolled: AppSession
) -> None:
    case_id = IntakeService(enrolled).record(
        IntakeFields(
            given_name="Testy",
            family_name="Lettered",
            source="probation",
            recommender_name="Fictional Officer",
            recommender_organisation="Probation",
            recommended_on=dt.date.today(),
        )
    )
    allocator = IntakeService(as_role(enrolled, Role.ALLOCATOR))
    allocator.decide(case_id, DecisionKind.DECLINE, reason_code="not_thames_valley", words=WORDS)
    text = _text(html_pdf_bytes(letter_html(decision_letter(allocator, case_id)), "Letter"))
    assert "Dear Fictional Officer, Probation" in text
    assert "has not been accepted" in text
    assert "area the programme covers" in text  # the reason decline_reasons.csv shares
    assert "Fictional internal words" not in text
    # A reason the programme does not share is not in the letter at all.
    other = IntakeService(enrolled).record(
        IntakeFields(
            given_name="Other",
            family_name="Lettered",
            source="self_recommendation",
            recommended_on=dt.date.today(),
        )
    )
    allocator.decide(other, DecisionKind.DECLINE, reason_code="mappa_managed", words=WORDS)
    text = _text(html_pdf_bytes(letter_html(decision_letter(allocator, other)), "Letter"))
    assert "MAPPA" not in text
    assert "Fictional internal" not in text


def _with_note(data_paths: DataPaths, case_id: str) -> None:
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        CaseService(session).change_status(case_id, CaseStatus.ACCEPTED, "Fictional panel")
        NoteService(session).finalise(
            DraftFields(person_id=case_id, text=NOTE, contact_at=local(2026, 1, 5, 10)),
            confirmed=True,
        )
        with pytest.raises(ConsentNeeded):  # no consent recorded: an override needs a reason
            OnwardService(session).summary(
                case_id, OnwardServiceKind.PROBATION, "", (Section.IDENTITY,)
            )
        as_role(session, Role.SUPERVISOR)
    finally:
        session.close()


def test_the_onward_summary_from_the_keyboard(
    qtbot: QtBot,
    make_window: MakeWindow,
    people: dict[str, str],
    data_paths: DataPaths,
    tmp_path: Path,
) -> None:
    case_id = people["Zebedee Friday"]
    _with_note(data_paths, case_id)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    assert window.workspace is not None
    workspace = window.workspace
    qtbot.keyClick(window, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)
    exits = workspace.after_support
    assert exits is not None
    assert workspace.tabs.currentWidget() is exits
    # The accepted case; the other two are still recommendations (the intake's to settle).
    qtbot.waitUntil(lambda: exits.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    assert exits.model.row_item(0).person_id == case_id  # type: ignore[union-attr]
    assert exits.table.hasFocus()
    qtbot.keyClick(exits.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: exits.dialog is not None and exits.dialog.isVisible(), timeout=SIGNAL_TIMEOUT_MS
    )
    dialog = exits.dialog
    assert dialog is not None
    dialog.target = tmp_path / "summary.pdf"  # where the save dialog would have put it
    qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(dialog, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClicks(dialog.service_name, "Fictional Probation Delivery Unit")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "consent" in dialog.error.text(), timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClicks(dialog.override, "Fictional: licence condition, shared with probation")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=SIGNAL_TIMEOUT_MS)
    text = _text((tmp_path / "summary.pdf").read_bytes())
    assert "Fictional Probation Delivery Unit" in text
    assert "Z1111AA" in text
    assert "Fictional private note" not in text
    assert "brother" not in text
    qtbot.waitUntil(lambda: exits.model.rowCount() == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert window.session is not None
    [(kind, name, _at)] = OnwardService(window.session).for_case(case_id)
    assert (kind, name) == ("Probation", "Fictional Probation Delivery Unit")


def test_an_onward_summary_that_cannot_be_saved_says_why_in_words(
    qtbot: QtBot,
    make_window: MakeWindow,
    people: dict[str, str],
    data_paths: DataPaths,
    tmp_path: Path,
) -> None:
    """A folder that is really a file (or gone, or read-only): the reason in words, not
    Python's "[Errno 20] Not a directory: '/…'", and nothing recorded."""
    case_id = people["Zebedee Friday"]
    _with_note(data_paths, case_id)
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    assert window.workspace is not None
    qtbot.keyClick(window, Qt.Key.Key_9, Qt.KeyboardModifier.ControlModifier)
    exits = window.workspace.after_support
    assert exits is not None
    qtbot.waitUntil(lambda: exits.model.rowCount() == 1, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(exits.table, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: exits.dialog is not None and exits.dialog.isVisible(), timeout=SIGNAL_TIMEOUT_MS
    )
    dialog = exits.dialog
    assert dialog is not None
    a_file = tmp_path / "minutes.txt"
    a_file.write_text("kept")
    dialog.target = a_file / "summary.pdf"
    qtbot.waitUntil(dialog.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClicks(dialog.service_name, "Fictional Probation Delivery Unit")
    qtbot.keyClicks(dialog.override, "Fictional: licence condition, shared with probation")
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: "could not be" in dialog.error.text(), timeout=SIGNAL_TIMEOUT_MS)
    message = dialog.error.text()
    assert "Not a directory" in message
    assert "Errno" not in message
    assert str(a_file) not in message  # the path is the worker's choice: said as "there"
    assert "Nothing was recorded" in message
    assert dialog.isVisible()
