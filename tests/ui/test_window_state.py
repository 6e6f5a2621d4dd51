"""The window on a 1366x768 laptop, and what it remembers between starts (issue 21, finding
4): size and place and the main view in plain settings without names; the open case files
only inside the encrypted database."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, QSize, Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.session import unlock as unlock_folder
from restart_desktop.domain.case import Role
from restart_desktop.paths import DataPaths
from restart_desktop.store.models import ContactNote, Worker
from restart_desktop.ui import review_view
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.case_file import CaseFileView
from restart_desktop.ui.window_state import first_size
from tests.support.clock import local
from tests.support.constants import PASSPHRASE
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock

MakeWindow = Callable[..., MainWindow]
CTRL = Qt.KeyboardModifier.ControlModifier
# A 1366x768 screen less a 32-pixel panel, as a desktop reports its available area.
LAPTOP = QRect(0, 0, 1366, 736)


def test_a_first_start_fits_a_1366_by_768_screen_with_its_status_bar() -> None:
    size = first_size(LAPTOP)
    assert size.width() <= 1366 - 16
    assert size.height() <= 736 - 48
    assert first_size(QRect(0, 0, 1920, 1040)) == QSize(1280, 800)


def test_every_view_fits_in_the_window_a_laptop_gives_it(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """No page asks for more room than a 1366x768 screen has, so the status bar ("Saved",
    the sync state, supervisor comments) is never pushed off the screen."""
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    window.workspace.open_case(people["Larry Later"])
    room = first_size(LAPTOP)
    for index in range(window.workspace.tabs.count()):
        window.workspace.tabs.setCurrentIndex(index)
        hint = window.minimumSizeHint()
        title = window.workspace.tabs.tabText(index)
        assert hint.width() <= room.width(), (title, hint)
        assert hint.height() <= room.height(), (title, hint)


def test_a_case_with_warnings_above_its_sections_still_fits_a_laptop(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """A Friday release and a Duty to Refer due put warnings above the case file's sections;
    the window still fits a 1366x768 screen, every section of the case file shown in turn
    from the keyboard (Alt+1 to Alt+5)."""
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    room = first_size(LAPTOP)
    for label in ("Zebedee Friday", "Quentin Housing"):
        view = window.workspace.open_case(people[label])
        assert isinstance(view, CaseFileView)

        def loaded(opened: CaseFileView = view) -> bool:
            return opened.details is not None

        qtbot.waitUntil(loaded, timeout=SIGNAL_TIMEOUT_MS)
        qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
        for section in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4, Qt.Key.Key_5):
            qtbot.keyClick(view, section, Qt.KeyboardModifier.AltModifier)
            hint = window.minimumSizeHint()
            assert hint.height() <= room.height(), (label, view.sections.currentIndex(), hint)


def test_size_view_and_open_cases_are_remembered_without_names_in_plain_settings(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    window.workspace.open_case(people["Larry Later"])
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_T, CTRL)
    assert window.workspace.main_view_name() == "Today"
    window.resize(window.width(), 730)  # the offscreen screen is 800x800: 752 at first
    window.shutdown()
    window.close()

    again = make_window()
    assert again.height() == 730 != first_size(QRect(0, 0, 800, 800)).height()
    unlock(qtbot, again)
    assert again.workspace is not None
    assert again.workspace.main_view_name() == "Today"
    (view,) = again.workspace.case_views()
    assert isinstance(view, CaseFileView)
    assert view.case_id == people["Larry Later"]
    plain = data_paths.window_settings.read_bytes()
    for name in ("Larry", "Later", "LATER", people["Larry Later"]):
        assert name.encode() not in plain


def test_a_supervisors_review_queue_fits_a_laptop(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], data_paths: DataPaths
) -> None:
    """The review queue's filters (the partner organisations' long names, the count of a long
    queue) do not widen the window past a 1366x768 screen: they did, and once a supervisor had
    opened the queue every tab's right edge, the Next button and the status bar were off it."""
    session = unlock_folder(data_paths, PASSPHRASE)
    try:
        with session.db.write() as s:
            me = s.get(Worker, session.worker.id)
            assert me is not None
            me.role = Role.SUPERVISOR.value
            colleague = Worker(name="Colleague Fictional", organisation_code="aspire_oxford")
            s.add(colleague)
            s.flush()
            s.add_all(
                ContactNote(
                    person_id=people["Larry Later"],
                    worker_id=colleague.id,
                    contact_at=local(2026, 11, 2, 10),
                    contact_type="phone",
                    text="A fictional note",
                )
                for _ in range(review_view.SHOWN + 1)
            )
    finally:
        session.close()
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    qtbot.keyClick(window, Qt.Key.Key_5, CTRL)
    view = window.workspace.review
    assert view is not None
    qtbot.waitUntil(lambda: "of 501" in view.count.text(), timeout=SIGNAL_TIMEOUT_MS)
    qtbot.wait(100)  # the layouts take in the new count
    room = first_size(LAPTOP)
    hint = window.minimumSizeHint()
    assert hint.width() <= room.width(), (view.count.text(), hint)
    assert view.worker.width() >= view.worker.minimumSizeHint().width()
