"""First run, unlock, lock (Ctrl+L and idle): what a worker sees before and around their data."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QTabBar, QWidget
from pytestqt.qtbot import QtBot

from restart_desktop.app.session import AppSession
from restart_desktop.paths import DataPaths
from restart_desktop.ui.application import MainWindow
from tests.support.constants import PASSPHRASE, WRONG_PASSPHRASE
from tests.support.memory_keyring import MemoryKeyring
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock, wait_for_caseload

MakeWindow = Callable[..., MainWindow]


def visible_text(window: MainWindow) -> str:
    """Everything a person could read in the window right now (labels, fields, tables, tabs)."""
    parts = [window.windowTitle()]
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        if isinstance(widget, QLabel | QLineEdit):
            parts.append(widget.text())
        elif isinstance(widget, QTabBar):
            parts.extend(widget.tabText(i) for i in range(widget.count()))
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            for row in range(model.rowCount(QModelIndex())):
                for column in range(model.columnCount(QModelIndex())):
                    parts.append(str(model.index(row, column).data() or ""))
    return "\n".join(parts)


def test_first_run_sets_up_the_folder_and_opens_an_empty_caseload(
    qtbot: QtBot, make_window: MakeWindow, data_paths: DataPaths, memory_keyring: MemoryKeyring
) -> None:
    window = make_window()
    page = window.onboarding
    assert page is not None
    assert window.stack.currentWidget() is page
    assert not window.lock_action.isEnabled()

    qtbot.keyClick(page.submit, Qt.Key.Key_Space)
    assert "Enter your name" in page.error.text()
    assert not data_paths.is_enrolled

    qtbot.keyClicks(page.name, "Fictional Newstarter")
    page.organisation.setFocus()
    qtbot.keyClick(page.organisation, Qt.Key.Key_Down)
    assert page.organisation.currentData()
    qtbot.keyClicks(page.passphrase, "short")
    qtbot.keyClicks(page.confirm, "short")
    qtbot.keyClick(page.confirm, Qt.Key.Key_Return)
    assert "at least 12 characters" in page.error.text()
    assert not data_paths.is_enrolled

    page.passphrase.clear()
    page.confirm.clear()
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.keyClicks(page.confirm, PASSPHRASE + " typo")
    qtbot.keyClick(page.confirm, Qt.Key.Key_Return)
    assert "different" in page.error.text()

    page.confirm.clear()
    qtbot.keyClicks(page.confirm, PASSPHRASE)
    with qtbot.waitSignal(window.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(page.confirm, Qt.Key.Key_Return)
    wait_for_caseload(qtbot, window)

    assert data_paths.is_enrolled
    assert len(memory_keyring.secrets) == 1  # the second factor went to the OS keyring
    assert window.user_label.text().startswith("Fictional Newstarter")
    assert window.workspace is not None
    assert window.workspace.caseload.count_label.text() == "0 people"
    assert not window.demo_banner.isVisible()


def test_wrong_passphrase_is_refused_then_the_right_one_opens_the_caseload(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    page = window.unlock_page
    assert window.stack.currentWidget() is page
    assert "Zebedee" not in visible_text(window)

    qtbot.keyClicks(page.passphrase, WRONG_PASSPHRASE)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.error.isVisible(), timeout=SIGNAL_TIMEOUT_MS)
    assert "not right" in page.error.text()
    assert window.workspace is None

    unlock(qtbot, window)
    assert window.workspace is not None
    assert window.workspace.caseload.count_label.text() == "3 people"
    assert "FRIDAYSON, Zebedee" in visible_text(window)


def test_repeated_wrong_passphrases_make_the_worker_wait(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    page = window.unlock_page
    for _attempt in range(3):
        page.passphrase.clear()
        qtbot.keyClicks(page.passphrase, WRONG_PASSPHRASE)
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.passphrase.isEnabled(), timeout=SIGNAL_TIMEOUT_MS)
    assert "wait" in page.error.text().lower()
    assert not page.submit.isEnabled()
    assert page.submit.text().startswith("Wait") or "seconds" in page.error.text()


def test_ctrl_l_locks_hides_personal_data_and_keeps_unsaved_typing(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    window.workspace.open_case(people["Zebedee Friday"])
    view = window.workspace.case_views()[0]
    qtbot.waitUntil(lambda: view.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    view.preferred_name.setFocus()
    qtbot.keyClicks(view.preferred_name, "Zeb")
    assert "Zebedee" in visible_text(window)

    with qtbot.waitSignal(window.locked, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(view.preferred_name, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)

    shown = visible_text(window)
    for personal in ("Zebedee", "Fridayson", "FRIDAYSON", "Z1111AA", "Zeb", "Test Worker"):
        assert personal not in shown
    assert window.windowTitle() == "RESTART Desktop"
    assert window.unlock_page.passphrase.hasFocus()
    assert not window.new_action.isEnabled()

    unlock(qtbot, window)
    assert window.workspace.case_views()[0] is view
    assert window.workspace.tabs.currentWidget() is view  # back where the worker was
    assert view.preferred_name.hasFocus()
    assert view.preferred_name.text() == "Zeb"
    assert view.dirty


def test_idle_time_locks_the_window(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    # Unlocking on a loaded CI machine can itself take longer than a short idle time, so
    # the test waits for the lock rather than racing the timer.
    window = make_window(idle_timeout_ms=1_500)
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: window.is_locked, timeout=SIGNAL_TIMEOUT_MS)
    assert "FRIDAYSON" not in visible_text(window)


def test_typing_postpones_the_idle_lock(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window(idle_timeout_ms=1_500)
    unlock(qtbot, window)
    assert window.workspace is not None
    search = window.workspace.caseload.search
    for _ in range(7):  # 7 x 300 ms of typing: longer than the idle time, a fifth of it apart
        qtbot.keyClick(search, Qt.Key.Key_A)
        qtbot.wait(300)
        assert not window.is_locked
    with qtbot.waitSignal(window.locked, timeout=SIGNAL_TIMEOUT_MS):
        pass


def test_default_idle_lock_is_five_minutes(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.idle.interval_ms == 5 * 60_000


def test_demo_folder_says_demo_data_everywhere(
    qtbot: QtBot, make_window: MakeWindow, data_paths: DataPaths
) -> None:
    window = make_window(demo=True)
    # A fresh demo folder is filled with fictional people first, then offers the unlock page.
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.unlock_page, timeout=60_000)
    assert data_paths.is_demo
    assert window.demo_banner.isVisible()
    assert "Demo data" in window.windowTitle()
    assert "demo passphrase" in visible_text(window)
    with qtbot.waitSignal(window.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    wait_for_caseload(qtbot, window)
    assert window.demo_banner.isVisible()
    assert window.user_label.text().startswith("Demo Team Leader")


def test_about_shows_the_package_version_and_the_data_folder(
    qtbot: QtBot, make_window: Callable[..., MainWindow], enrolled: AppSession
) -> None:
    from importlib.metadata import version

    from restart_desktop import __version__
    from restart_desktop.ui.dialogs import AboutDialog
    from tests.ui.conftest import answer_modal

    enrolled.close()
    window = make_window()
    unlock(qtbot, window)
    seen: list[str] = []

    def read(dialog: AboutDialog) -> None:
        seen.append(dialog.summary.text())
        seen.append(dialog.licences.toPlainText())
        dialog.reject()

    answer_modal(AboutDialog, read)
    window.about_action.trigger()
    assert __version__ == version("restart-desktop")
    summary, licences = seen
    assert f"RESTART Desktop</b> {version('restart-desktop')} (run from source" in summary
    assert str(window.paths.root) in summary
    assert "LGPL" in licences
    assert "replace them" in licences


#: Not needed to show the unlock window, and dear to import (issue 27: the cold start went
#: from 1.12x a bare PySide6 window to 1.7x when a banner's style pulled in the database
#: layer). The window loads the database layer in the background once it is shown.
LATE_IMPORTS = ("sqlalchemy", "restart_desktop.store.models", "zxcvbn")


def test_the_unlock_window_is_shown_before_the_database_layer_is_imported(
    tmp_path: Path, enrolled: AppSession
) -> None:
    enrolled.close()
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from restart_desktop.paths import DataPaths\n"
        "from restart_desktop.ui.application import MainWindow\n"
        "app = QApplication([])\n"
        f"window = MainWindow(DataPaths(Path({str(enrolled.paths.root)!r})), preload=False)\n"
        "window.show()\n"
        "app.processEvents()\n"
        f"print([m for m in {LATE_IMPORTS!r} if m in sys.modules])\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(root))
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
