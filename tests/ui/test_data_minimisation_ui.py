"""Data minimisation on screen and on disk (issue 9): a locked window names no one, whatever
was open (case file, audit trail, a case's trail dialog); the file names the app suggests or
writes for exports name no one; a bug nobody caught shows a plain message, not a traceback.

Names are searched with the privacy plugin's own scanner and the names of the whole run
(``tests.support.privacy``), so a fictional person added to a fixture later is covered too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from restart_desktop.app.figures import FiguresService
from restart_desktop.app.referral_views import ReferralDraft
from restart_desktop.app.referrals import ReferralService
from restart_desktop.app.release import ReleaseService
from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.documents.board_pack import PROGRAMME, write_board_pack
from restart_desktop.domain.figures import Period
from restart_desktop.paths import DataPaths
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.crash_notice import CRASH_MESSAGE, CrashNotice
from tests.support.constants import PASSPHRASE
from tests.support.privacy import NAMES, Captured, find_leaks
from tests.support.roles import as_supervisor
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, unlock
from tests.ui.test_main_window import visible_text

MakeWindow = Callable[..., MainWindow]
CTRL = Qt.KeyboardModifier.ControlModifier


def _names_in(where: str, text: str) -> list[str]:
    """Each name of the run found in ``text`` (the first of each line)."""
    lines = [Captured(where, line) for line in text.splitlines()]
    return [leak.name for leak in find_leaks(lines, NAMES.snapshot())]


def _everything_shown(window: MainWindow) -> str:
    """The window's visible text, and the titles of every window of the application on screen
    (titles reach task bars, window lists and screen sharing)."""
    titles = [w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible()]
    parts = [visible_text(window), *titles, window.statusBar().currentMessage()]
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        parts.append(widget.accessibleName())  # what a screen reader says
        if isinstance(widget, QComboBox):
            parts.append(widget.currentText())
        elif isinstance(widget, QAbstractButton):
            parts.append(widget.text())
        elif isinstance(widget, QTextEdit | QPlainTextEdit):
            parts.append(widget.toPlainText())
    return "\n".join(parts)


def test_a_locked_window_names_no_one_whatever_was_open(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    session = unlock_folder(data_paths, PASSPHRASE)
    as_supervisor(session)
    session.close()
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    assert window.workspace is not None
    case = window.workspace.open_case(people["Zebedee Friday"])
    qtbot.waitUntil(lambda: case.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    assert "Zebedee" not in window.windowTitle()  # not even unlocked
    qtbot.keyClick(case.audit_button, Qt.Key.Key_Space)  # the trail, naming him
    audit = window.workspace.audit
    assert audit is not None
    qtbot.waitUntil(lambda: audit.model.rowCount() > 0, timeout=SIGNAL_TIMEOUT_MS)
    shown = _everything_shown(window)
    assert "Zebedee" in _names_in("unlocked", shown)  # the search does find him

    with qtbot.waitSignal(window.locked, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(audit.table, Qt.Key.Key_L, CTRL)
    locked = _everything_shown(window)
    assert _names_in("locked window", locked) == []
    assert window.windowTitle() == "RESTART Desktop"
    for prison_number in ("Z1111AA", "Z2222BB", "Z3333CC"):
        assert prison_number not in locked


@pytest.mark.parametrize(
    "opened", ["audit trail", "new referral", "outcome assessment", "follow-up action"]
)
def test_a_dialog_naming_the_person_closes_when_the_window_locks(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], opened: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    case = window.workspace.open_case(people["Larry Later"])
    qtbot.waitUntil(lambda: case.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    referrals, outcomes = case.show_referrals(), case.show_outcomes()
    assert referrals is not None
    assert outcomes is not None
    seen: dict[str, str] = {}

    def lock_over_it(dialog: QDialog) -> None:
        qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
        seen["open"] = _everything_shown(window) + "\n" + dialog.windowTitle()
        seen["title"] = dialog.windowTitle()
        window.lock()  # as the idle timer would, with the dialog open
        seen["locked"] = _everything_shown(window)

    answer_modal(QDialog, lock_over_it)
    if opened == "audit trail":
        qtbot.keyClick(case.audit_button, Qt.Key.Key_Space)
    elif opened == "new referral":
        referrals.new_referral()
    elif opened == "follow-up action":
        timeline = case.show_contacts()
        assert timeline is not None
        qtbot.keyClick(timeline.add_action_button, Qt.Key.Key_Space)
    else:
        outcomes.record()
    assert window.is_locked
    assert "Larry" in _names_in("dialog open", seen["open"])  # the search does find him
    # A dialog's title shows in the task bar and Alt+Tab (in a prison visits room): no name.
    assert _names_in("dialog title", seen["title"]) == []
    assert _names_in("locked window", seen["locked"]) == []
    assert not any(isinstance(w, QDialog) and w.isVisible() for w in QApplication.topLevelWidgets())


def test_export_file_names_name_no_one(
    qtbot: QtBot,
    make_window: MakeWindow,
    people: dict[str, str],
    data_paths: DataPaths,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    person = people["Zebedee Friday"]
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        ReleaseService(session).start_plan(person)
        service = session.reference.services[0]
        ReferralService(session).create(
            ReferralDraft(person, service.code, reason="Fictional reason")
        )
    finally:
        session.close()
    suggested: list[str] = []

    def save_as(_parent: QWidget, _title: str, path: str, _filter: str) -> tuple[str, str]:
        suggested.append(Path(path).name)
        return "", ""  # cancelled: only the suggestion matters here

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    case = window.workspace.open_case(person)
    qtbot.waitUntil(lambda: case.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    release = case.show_release()
    referrals = case.show_referrals()
    outcomes = case.show_outcomes()
    assert release is not None
    assert referrals is not None
    assert outcomes is not None
    qtbot.waitUntil(
        lambda: release.plan is not None and referrals.model.rowCount() == 1,
        timeout=SIGNAL_TIMEOUT_MS,
    )
    referrals.table.setCurrentIndex(referrals.model.index(0, 0))
    release.make_sheet()
    referrals.save_summary_pdf()
    outcomes.save_png(outcomes.radar, "radar")
    outcomes.save_png(outcomes.line, "line chart")
    assert len(suggested) == 4, suggested
    assert suggested[0].startswith("Release day sheet")
    assert suggested[1].startswith("Referral to ")

    # What the app writes by itself: the board pack's files.
    assert window.session is not None
    figures = FiguresService(as_supervisor(window.session)).report(
        Period(dt.date.today() - dt.timedelta(days=90), dt.date.today()), "organisation"
    )
    written = write_board_pack(figures, tmp_path / "pack", PROGRAMME)
    names = [*suggested, *(p.name for p in written)]
    assert _names_in("file names", "\n".join(names)) == [], names
    for prison_number in ("Z1111AA", "Z2222BB", "Z3333CC"):
        assert not any(prison_number in name for name in names)


def test_the_subject_access_export_files_name_no_one(
    people: dict[str, str], data_paths: DataPaths, tmp_path: Path
) -> None:
    subject_access = pytest.importorskip("restart_desktop.app.subject_access")
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        person = people["Quentin Housing"]
        records = subject_access.SubjectAccessService(session).gather(person)
        paths = subject_access.export_paths(records, tmp_path)
    finally:
        session.close()
    names = [p.name for p in paths]
    assert _names_in("file names", "\n".join(names)) == [], names
    assert not any("Z2222BB" in name for name in names)


def test_a_bug_nobody_caught_shows_a_plain_message(qtbot: QtBot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    notice = CrashNotice(host)
    seen: list[str] = []

    def read(box: QMessageBox) -> None:
        seen.append(box.text())
        notice()  # a second error while the message is open adds no second message
        box.accept()

    answer_modal(QMessageBox, read)
    notice()
    assert seen == [CRASH_MESSAGE]
    assert notice.box is None
