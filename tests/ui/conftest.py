"""GUI fixtures: the real main window on a real, encrypted data folder, driven by qtbot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QStyle, QTableView, QWidget
from pytestqt.qtbot import QtBot

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.session import AppSession
from restart_desktop.paths import DataPaths
from restart_desktop.ui.application import MainWindow
from tests.support.constants import PASSPHRASE

SIGNAL_TIMEOUT_MS = 10_000
D = TypeVar("D", bound=QWidget)


def answer_modal(kind: type[D], answer: Callable[[D], None]) -> None:
    """Answer the next modal dialog of ``kind`` (from the keyboard, in ``answer``) once it is
    open: ``exec()`` blocks the test until then."""

    def attempt() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            try:
                answer(dialog)
            except BaseException:
                if dialog.isVisible() and hasattr(dialog, "reject"):
                    dialog.reject()  # fail the test now, not hang it in exec()
                raise
        else:
            QTimer.singleShot(20, attempt)

    QTimer.singleShot(0, attempt)


def next_weekday(today: dt.date, weekday: int, at_least_days: int = 1) -> dt.date:
    day = today + dt.timedelta(days=at_least_days)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def people(enrolled: AppSession) -> dict[str, str]:
    """Three fictional people on the enrolled worker's caseload; returns name -> case id.

    The enrolled session is closed afterwards, as if the app had been quit, so the window under
    test opens the folder itself.
    """
    today = enrolled.clock.today()  # the window opens the folder on the same clock
    service = CaseService(enrolled)
    cases = {
        "Zebedee Friday": CaseFields(
            given_name="Zebedee",
            family_name="Fridayson",
            nomis_number="Z1111AA",
            prison_code="bullingdon",
            release_date=next_weekday(today, 4, at_least_days=3),  # a Friday
            has_settled_address=True,
        ),
        "Quentin Housing": CaseFields(
            given_name="Quentin",
            family_name="Homeless-Example",
            nomis_number="Z2222BB",
            prison_code="bullingdon",
            release_date=next_weekday(today, 1, at_least_days=10),  # a Tuesday
            has_settled_address=False,
        ),
        "Larry Later": CaseFields(
            given_name="Larry",
            family_name="Laterton",
            nomis_number="Z3333CC",
            prison_code="bullingdon",
            release_date=next_weekday(today, 2, at_least_days=100),  # a Wednesday
            has_settled_address=True,
        ),
    }
    ids = {label: service.create_case(values).case_id for label, values in cases.items()}
    enrolled.close()
    return ids


@pytest.fixture
def make_window(qtbot: QtBot, data_paths: DataPaths) -> Iterator[Callable[..., MainWindow]]:
    windows: list[MainWindow] = []

    def make(**options: object) -> MainWindow:
        options.setdefault("preload", False)
        window = MainWindow(data_paths, **options)  # type: ignore[arg-type]
        # Quit as after "Discard" in the unsaved-changes question: tests leave edits behind.
        qtbot.addWidget(window, before_close_func=lambda w: w.shutdown())
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.shutdown()  # idempotent; closes the database before the folder is removed


def unlock(qtbot: QtBot, window: MainWindow, passphrase: str = PASSPHRASE) -> None:
    """Type the passphrase and press Enter, as a worker would; wait for the caseload."""
    page = window.unlock_page
    assert window.stack.currentWidget() is page
    page.passphrase.clear()
    qtbot.keyClicks(page.passphrase, passphrase)
    with qtbot.waitSignal(window.unlocked, timeout=SIGNAL_TIMEOUT_MS):
        qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    wait_for_caseload(qtbot, window)


def wait_for_caseload(qtbot: QtBot, window: MainWindow) -> None:
    assert window.workspace is not None
    view = window.workspace.caseload
    qtbot.waitUntil(lambda: view.count_label.text() != "", timeout=SIGNAL_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)


def cut_off(table: QTableView, column: int, up_to: str | None = None) -> list[str]:
    """The texts of ``column`` (its heading first) that its width cuts off or wraps, as a
    person at a 1366-pixel-wide screen would find them. With ``up_to``, only the part of each
    text before it must show (a note after it may be cut)."""
    width = table.columnWidth(column)
    header = table.horizontalHeader()
    margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
    heading = str(table.model().headerData(column, Qt.Orientation.Horizontal))
    cut = [heading] if header.sectionSizeHint(column) > width else []
    metrics = QFontMetrics(table.font())
    for row in range(table.model().rowCount()):
        text = str(table.model().index(row, column).data() or "")
        shown = text.split(up_to)[0] if up_to else text
        if metrics.horizontalAdvance(shown) + margin > width:
            cut.append(text)
    return cut
