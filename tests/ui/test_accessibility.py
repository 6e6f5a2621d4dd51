"""Every control of every view reachable by a screen reader (issue 21): the test walks each
window's widgets through QAccessible, as assistive technology does, and fails on an input with
no accessible name or a control the keyboard can reach that has none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
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
    from restart_desktop.ui.release_plan_dialogs import AddItemDialog
    from restart_desktop.ui.timeline import ActionDialog, CloseActionDialog

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
