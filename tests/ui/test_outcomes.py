"""Outcomes in the window: a keyboard-only assessment, the charts drawn offscreen (not blank)
with their table carrying the same numbers, and the barriers register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from restart_desktop.app.case_views import CaseFields
from restart_desktop.app.cases import CaseService
from restart_desktop.app.outcomes import AssessmentFields, OutcomeService
from restart_desktop.app.session import AppSession
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.barriers import BarrierDialog
from restart_desktop.ui.charts import LineChart, RadarChart
from restart_desktop.ui.outcomes import AssessmentDialog, OutcomesPanel
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, answer_modal, cut_off, unlock

MakeWindow = Callable[..., MainWindow]
ALT = Qt.KeyboardModifier.AltModifier
FIRST = [2, 1, 4, 3, 2, 5, 4]
LATEST = [6, 3, 4, 7, 5, 5, 8]


@pytest.fixture
def scored(enrolled: AppSession) -> str:
    """A person with two finalised assessments (FIRST, then LATEST)."""
    person = (
        CaseService(enrolled)
        .create_case(CaseFields(given_name="Testy", family_name="Scoreson"))
        .case_id
    )
    service = OutcomeService(enrolled)
    for days, values in ((90, FIRST), (10, LATEST)):
        scores = tuple(
            replace(area, worker=value)
            for area, value in zip(service.blank_scores(), values, strict=True)
        )
        draft = service.save_draft(
            AssessmentFields(
                person, dt.date.today() - dt.timedelta(days=days), "Both (test)", scores
            )
        )
        service.finalise(draft)
    enrolled.close()
    return person


def _idle(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)


def _inked(image: QImage) -> float:
    """The share of sampled pixels that are not white: a drawn chart inks far more of its
    area than the one line of text an empty chart shows."""
    white = QColor("#ffffff").rgb()
    samples = inked = 0
    for x in range(0, image.width(), 5):
        for y in range(0, image.height(), 5):
            samples += 1
            inked += image.pixel(x, y) != white
    return inked / samples


def _panel(qtbot: QtBot, window: MainWindow, person: str) -> OutcomesPanel:
    assert window.workspace is not None
    view = window.workspace.open_case(person)
    _idle(qtbot, window)
    qtbot.keyClick(view, Qt.Key.Key_5, ALT)
    _idle(qtbot, window)
    assert view.outcomes_panel is not None
    return view.outcomes_panel


def test_charts_draw_the_assessments_and_the_table_has_the_same_numbers(
    qtbot: QtBot, make_window: MakeWindow, scored: str, tmp_path: Path
) -> None:
    window = make_window()
    unlock(qtbot, window)
    panel = _panel(qtbot, window, scored)
    assert panel.radar.has_data()
    assert panel.line.has_data()
    for chart in (panel.radar, panel.line):
        assert _inked(chart.image()) > 0.03
        assert _inked(chart.grab().toImage()) > 0.03
    empty = RadarChart()
    assert _inked(empty.image()) < 0.01  # the same check finds an empty chart blank
    assert [s.values for s in panel.radar.series] == [tuple(FIRST), tuple(LATEST)]
    line: LineChart = panel.line
    pairs = list(zip(FIRST, LATEST, strict=True))
    assert [s.values for s in line.series] == pairs
    model = panel.scores
    table = [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]
    assert [row[1:3] for row in table] == [[str(first), str(last)] for first, last in pairs]
    assert [row[3] for row in table] == [f"{last - first:+d}" for first, last in pairs]
    assert "Accommodation +4" in panel.summary.text()
    saved = panel.radar.save_png(tmp_path / "radar.png")
    assert QImage(str(saved)).width() == 1200


def test_record_an_assessment_keyboard_only(
    qtbot: QtBot, make_window: MakeWindow, scored: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    panel = _panel(qtbot, window, scored)
    assert panel.table.hasFocus()
    done: list[bool] = []

    def score(dialog: AssessmentDialog) -> None:
        first = dialog.rows[0][1]
        qtbot.waitUntil(first.hasFocus)
        assert "low (1-3)" in dialog.meaning.text()
        for number, (_area, worker, _person, skip, _note) in enumerate(dialog.rows):
            assert worker.hasFocus()
            if number == 2:  # health: skipped this time, with the reason
                qtbot.keyClick(worker, Qt.Key.Key_Tab)
                qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
                assert skip.hasFocus()
                qtbot.keyClicks(skip, "Did not want to talk about it")
                qtbot.keyClick(skip, Qt.Key.Key_Tab)
                qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
                continue
            worker.selectAll()
            qtbot.keyClicks(worker, str(number + 3))
            qtbot.keyClick(worker, Qt.Key.Key_Tab)  # the person's own score
            qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # skip
            qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # note
            qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)  # the next area
        answer_modal(QMessageBox, lambda box: qtbot.keyClick(box, Qt.Key.Key_Return))
        qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        done.append(True)

    answer_modal(AssessmentDialog, score)
    qtbot.keyClick(panel.table, Qt.Key.Key_Insert)
    qtbot.waitUntil(lambda: bool(done), timeout=SIGNAL_TIMEOUT_MS)
    _idle(qtbot, window)
    assert panel.message.text() == "Assessment finalised."
    latest = panel.assessments[-1]
    assert latest.final
    assert [a.worker for a in latest.scores] == [3, 4, None, 6, 7, 8, 9]
    assert latest.scores[2].skipped == "Did not want to talk about it"
    # The latest is this one: its numbers are in the table's last date column.
    model = panel.scores
    last = model.columnCount() - 2
    assert [model.index(r, last).data() for r in range(model.rowCount())] == [
        "3",
        "4",
        "skipped",
        "6",
        "7",
        "8",
        "9",
    ]


def test_a_barrier_is_recorded_and_counted(
    qtbot: QtBot, make_window: MakeWindow, scored: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    qtbot.keyClick(window.focusWidget(), Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    barriers = window.workspace.barriers
    assert window.workspace.tabs.currentWidget() is barriers
    _idle(qtbot, window)
    done: list[bool] = []

    def fill(dialog: BarrierDialog) -> None:
        qtbot.waitUntil(dialog.title.hasFocus)
        qtbot.keyClicks(dialog.title, "No housing on a Friday afternoon")
        qtbot.keyClick(dialog.title, Qt.Key.Key_Tab)
        qtbot.keyClick(dialog.category, Qt.Key.Key_Down)  # Accommodation
        qtbot.keyClick(dialog, Qt.Key.Key_L, ALT)
        qtbot.waitUntil(dialog.case_search.hasFocus)
        qtbot.keyClicks(dialog.case_search, "Scoreson")
        qtbot.keyClick(dialog.case_search, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "SCORESON" in dialog.cases_label.text())
        qtbot.keyClick(dialog.title, Qt.Key.Key_Return)
        done.append(True)

    answer_modal(BarrierDialog, fill)
    barriers.table.setFocus()
    qtbot.keyClick(barriers.table, Qt.Key.Key_Insert)
    qtbot.waitUntil(lambda: bool(done), timeout=SIGNAL_TIMEOUT_MS)
    _idle(qtbot, window)
    assert barriers.model.rowCount() == 1
    view = barriers.current()
    assert view is not None
    assert view.case_names == ("SCORESON, Testy",)
    counts = barriers.counts
    totals = {
        counts.index(r, 0).data(): counts.index(r, counts.columnCount() - 1).data()
        for r in range(counts.rowCount())
    }
    assert totals["Accommodation"] == "1"
    assert totals["All categories"] == "1"


def test_finalising_with_an_area_left_keeps_the_dialog_and_a_final_one_is_read_only(
    qtbot: QtBot, make_window: MakeWindow, scored: str
) -> None:
    window = make_window()
    unlock(qtbot, window)
    panel = _panel(qtbot, window, scored)
    done: list[bool] = []

    def try_to_finalise(dialog: AssessmentDialog) -> None:
        first = dialog.rows[0][1]
        qtbot.waitUntil(first.hasFocus)
        qtbot.keyClicks(first, "5")
        qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        assert dialog.isVisible()  # refused in the dialog: nothing typed is lost
        assert "Not finalised yet" in dialog.error.text()
        assert "Education, training and employment: give a score" in dialog.error.text()
        qtbot.keyClick(dialog, Qt.Key.Key_S, ALT)  # save the draft instead
        done.append(True)

    answer_modal(AssessmentDialog, try_to_finalise)
    qtbot.keyClick(panel.table, Qt.Key.Key_Insert)
    qtbot.waitUntil(lambda: bool(done), timeout=SIGNAL_TIMEOUT_MS)
    _idle(qtbot, window)
    qtbot.waitUntil(lambda: panel.message.text() == "Draft saved.", timeout=SIGNAL_TIMEOUT_MS)
    draft = panel.assessments[-1]
    assert not draft.final
    assert draft.scores[0].worker == 5

    # Insert again carries on with that draft rather than starting a second one.
    done.clear()

    def carry_on(dialog: AssessmentDialog) -> None:
        assert dialog.rows[0][1].value() == 5
        dialog.reject()  # nothing changed: closes without asking
        done.append(True)

    answer_modal(AssessmentDialog, carry_on)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Insert)
    qtbot.waitUntil(lambda: bool(done), timeout=SIGNAL_TIMEOUT_MS)
    assert len(panel.assessments) == 3

    # A finalised assessment opens to be read, not changed.
    done.clear()

    def read(dialog: AssessmentDialog) -> None:
        assert not dialog.save_button.isVisible()
        assert not dialog.finalise_button.isVisible()
        assert dialog.rows[0][1].isReadOnly()
        dialog.reject()
        done.append(True)

    answer_modal(AssessmentDialog, read)
    panel.table.setFocus()
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(done), timeout=SIGNAL_TIMEOUT_MS)


def test_the_assessments_show_the_workers_name_whole(
    qtbot: QtBot, make_window: MakeWindow, scored: str
) -> None:
    """ "By" was 100 pixels wide: a worker's name was wrapped and cut at 1366x768."""
    window = make_window()
    window.resize(1366, 768)
    unlock(qtbot, window)
    panel = _panel(qtbot, window, scored)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=SIGNAL_TIMEOUT_MS)
    for column in range(panel.model.columnCount()):
        assert cut_off(panel.table, column) == [], column
