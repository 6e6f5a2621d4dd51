"""Every control of every view reachable by a screen reader (issue 21): the test walks each
window's widgets through QAccessible, as assistive technology does, and fails on an input with
no accessible name or a control the keyboard can reach that has none."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.paths import DataPaths
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.case_file import CaseFileView
from tests.support.constants import PASSPHRASE
from tests.support.roles import as_supervisor
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock

MakeWindow = Callable[..., MainWindow]
INPUTS = (QLineEdit, QPlainTextEdit, QTextEdit, QComboBox, QAbstractSpinBox, QAbstractItemView)


def _name(widget: QWidget) -> str:
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name).strip() if interface is not None else ""


def _unnamed(root: QWidget, where: str) -> list[str]:
    missing = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or isinstance(widget, QTabBar | QHeaderView):
            continue
        if isinstance(widget, QLineEdit) and isinstance(
            widget.parent(), QComboBox | QAbstractSpinBox
        ):
            continue  # part of the combo box or spin box, named with it
        focusable = widget.isEnabled() and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        if isinstance(widget, INPUTS) or (focusable and isinstance(widget, QAbstractButton)):
            if not _name(widget):
                missing.append(f"{where}: {type(widget).__name__} {widget.objectName()!r}")
        elif focusable and not _name(widget) and widget.objectName() != "qt_scrollarea_viewport":
            missing.append(f"{where}: focusable {type(widget).__name__} {widget.objectName()!r}")
    return missing


def test_every_view_names_its_controls_for_a_screen_reader(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    session = unlock_folder(data_paths, PASSPHRASE)
    as_supervisor(session)
    session.close()
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    missing = []
    tabs = window.workspace.tabs
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
        page = tabs.widget(index)
        assert page is not None
        missing += _unnamed(page, tabs.tabText(index))
    view = window.workspace.open_case(people["Zebedee Friday"])
    assert isinstance(view, CaseFileView)
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    for section in range(view.sections.count()):
        view.sections.setCurrentIndex(section)
        qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
        part = view.sections.widget(section)
        assert part is not None
        missing += _unnamed(part, "Case file > " + view.sections.tabText(section))
    assert missing == [], "\n".join(missing)


def test_the_small_dialogs_name_their_controls(qtbot: QtBot) -> None:
    from restart_desktop.domain.case import CaseStatus
    from restart_desktop.ui.dialogs import AllocateDialog, ReasonDialog, StatusDialog
    from restart_desktop.ui.help import FIRST_STEPS, HelpDialog
    from restart_desktop.ui.note_dialogs import ActionDialog, CloseActionDialog
    from restart_desktop.ui.release_plan_dialogs import AddItemDialog

    dialogs: list[QWidget] = [
        ActionDialog(dt.date(2031, 6, 2)),
        CloseActionDialog("Ring the council (test)"),
        StatusDialog(CaseStatus.ACCEPTED),
        ReasonDialog("Why?", "You changed: x", "Save"),
        AllocateDialog([], None),
        AddItemDialog("", None, None),
        HelpDialog("First steps", FIRST_STEPS),
    ]
    missing = []
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        missing += _unnamed(dialog, dialog.windowTitle())
        dialog.close()
    assert missing == [], "\n".join(missing)


def _alt_letters(root: QWidget) -> dict[str, list[str]]:
    """The Alt letters of the visible controls under ``root`` (buttons, and labels that
    take a control's Alt letter), each with the texts that have it."""
    letters: dict[str, list[str]] = {}
    for widget in root.findChildren(QWidget):
        if not widget.isVisible():
            continue
        takes_letter = isinstance(widget, QAbstractButton) or (
            isinstance(widget, QLabel) and widget.buddy() is not None
        )
        if not takes_letter:
            continue
        assert isinstance(widget, QAbstractButton | QLabel)
        found = re.search(r"&([^&])", widget.text().replace("&&", ""))
        text = widget.text()
        if found:
            letters.setdefault(found.group(1).lower(), []).append(text)
    return letters


def test_no_view_takes_the_alt_letter_of_a_menu(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    """Alt+F, Alt+S and Alt+H open the File, Settings and Help menus from every view: a
    control with the same letter makes the key ambiguous, and Qt then does neither (the
    figures' "Show figures" was not pressed, the Settings menu not opened). Nor does a view
    use one letter twice: the key then only moves between the two, pressing neither."""
    session = unlock_folder(data_paths, PASSPHRASE)
    as_supervisor(session)
    session.close()
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    menus = {
        found.group(1).lower()
        for action in window.menuBar().actions()
        if (found := re.search(r"&([^&])", action.text()))
    }
    assert menus >= {"f", "s", "h"}
    clashes: list[str] = []

    def check(where: str) -> None:
        qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
        for letter, texts in _alt_letters(window.workspace or window).items():
            if letter in menus:
                clashes.append(f"{where}: Alt+{letter.upper()} {texts}")
            if len(texts) > 1:
                clashes.append(f"{where}: Alt+{letter.upper()} twice {texts}")

    tabs = window.workspace.tabs
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        check(tabs.tabText(index))
    view = window.workspace.open_case(people["Zebedee Friday"])
    assert isinstance(view, CaseFileView)
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    for section in range(view.sections.count()):
        view.sections.setCurrentIndex(section)
        check("Case file > " + view.sections.tabText(section))
    window.workspace.new_note(people["Zebedee Friday"])
    check("New contact note")
    assert clashes == [], "\n".join(clashes)


def test_enter_in_a_date_of_the_figures_shows_that_period(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    """A supervisor types the period and presses Enter: the figures are for that period (they
    stayed on the last quarter, under the new dates), and a date that is not one says so."""
    session = unlock_folder(data_paths, PASSPHRASE)
    as_supervisor(session)
    session.close()
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    figures = window.workspace.figures
    assert figures is not None
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    year = dt.date.today().year - 1
    qtbot.keyClick(figures, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # Fro&m
    assert figures.start.hasFocus()
    figures.start.selectAll()
    qtbot.keyClicks(figures.start, f"01/01/{year}")
    qtbot.keyClick(figures.start, Qt.Key.Key_Tab)
    figures.end.selectAll()
    qtbot.keyClicks(figures.end, f"31/03/{year}")
    qtbot.keyClick(figures.end, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: f"Figures for 1 Jan {year} to 31 Mar {year}" in figures.message.text(),
        timeout=SIGNAL_TIMEOUT_MS,
    )
    figures.start.selectAll()
    qtbot.keyClicks(figures.start, f"31/02/{year}")
    qtbot.keyClick(figures.start, Qt.Key.Key_Return)
    assert "is not a date" in figures.message.text()


def test_each_alt_letter_of_the_case_details_goes_to_one_place(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    """A new user reads the underlined letters of the Details: each takes them to its own
    field (Alt+G, Alt+N and Alt+Y each served two fields), and the case's actions have one
    too (Return to custody, Legal hold and Audit trail had none)."""
    session = unlock_folder(data_paths, PASSPHRASE)
    as_supervisor(session)
    session.close()
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    view = window.workspace.open_case(people["Zebedee Friday"])
    assert isinstance(view, CaseFileView)
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    alt = Qt.KeyboardModifier.AltModifier
    for key, field in (
        (Qt.Key.Key_G, view.given_name),
        (Qt.Key.Key_Y, view.family_name),
        (Qt.Key.Key_N, view.nomis_number),
        (Qt.Key.Key_R, view.crn),
        (Qt.Key.Key_E, view.sentence_type),
        (Qt.Key.Key_P, view.prison_code),
    ):
        qtbot.keyClick(view, key, alt)
        assert QApplication.focusWidget() is field, QKeySequence(key | alt).toString()
    consented = view.consent_given.isChecked()
    qtbot.keyClick(view, Qt.Key.Key_V, alt)  # the box, not "Date given"
    qtbot.waitUntil(lambda: view.consent_given.isChecked() != consented, timeout=1000)
    buttons = [
        view.status_button,
        view.allocate_button,
        view.audit_button,
        view.hold_button,
        view.custody_button,
        view.export_button,
    ]
    unlettered = [b.text() for b in buttons if not re.search(r"&[^&]", b.text())]
    assert unlettered == []
