"""The demo's figures from the keyboard: every quarter of the demo's past has people
accepted, engaged and released (the status moves all carried the day the demo was made, so
the quarters before it showed Accepted 0 and Released 0)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.demo import fill_demo_data
from restart_desktop.app.session import AppSession
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.figures_view import FiguresView
from tests.support.roles import as_supervisor
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock

MakeWindow = Callable[..., MainWindow]


def _shows(figures: FiguresView, start: dt.date) -> bool:
    return figures.message.text().startswith(f"Figures for {start.day} ")


def test_each_past_quarter_of_the_demo_has_people_accepted_and_released(
    qtbot: QtBot, make_window: MakeWindow, enrolled: AppSession
) -> None:
    as_supervisor(enrolled)
    fill_demo_data(enrolled, cases=200, seed=5)
    today = enrolled.clock.today()
    enrolled.close()
    window = make_window()
    unlock(qtbot, window)
    qtbot.waitUntil(window.isActiveWindow, timeout=SIGNAL_TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.workspace is not None
    figures = window.workspace.figures
    assert figures is not None
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    found = {}
    for back in (1, 2):  # the two stretches of three months before today
        end = today - dt.timedelta(days=91 * (back - 1) + 1)
        start = end - dt.timedelta(days=90)
        qtbot.keyClick(figures, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # Fro&m
        figures.start.selectAll()
        qtbot.keyClicks(figures.start, f"{start:%d/%m/%Y}")
        qtbot.keyClick(figures.start, Qt.Key.Key_Tab)
        figures.end.selectAll()
        qtbot.keyClicks(figures.end, f"{end:%d/%m/%Y}")
        qtbot.keyClick(figures.end, Qt.Key.Key_Return)
        qtbot.waitUntil(partial(_shows, figures, start), timeout=SIGNAL_TIMEOUT_MS)
        figures.tables.setCurrentRow(0)
        model = figures.model
        headings = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)]
        assert headings == ["Group", "Recommended", "Accepted", "Engaged in custody", "Released"]
        everyone = [model.index(model.rowCount() - 1, c).data() for c in range(5)]
        found[f"{start} to {end}"] = everyone
    for period, (group, _recommended, accepted, engaged, released) in found.items():
        assert group == "All"
        assert int(accepted) > 0, (period, found)
        assert int(engaged) > 0, (period, found)
        assert int(released) > 0, (period, found)
