"""The caseload: search as you type, filters, release flags, keyboard opening of a case."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from restart_desktop.app.cases import CaseService
from restart_desktop.ui.application import MainWindow
from restart_desktop.ui.caseload_model import COL_FLAGS, COL_NAME, CaseloadTableModel
from restart_desktop.ui.caseload_view import CaseloadView
from restart_desktop.ui.tasks import TaskRunner
from tests.ui.conftest import SIGNAL_TIMEOUT_MS, unlock

MakeWindow = Callable[..., MainWindow]


def _names(view: CaseloadView) -> list[str]:
    model = view.model
    return [str(model.index(row, COL_NAME).data()) for row in range(model.rowCount())]


def _wait_count(qtbot: QtBot, view: CaseloadView, text: str) -> None:
    qtbot.waitUntil(lambda: view.count_label.text() == text, timeout=SIGNAL_TIMEOUT_MS)


def _caseload(qtbot: QtBot, make_window: MakeWindow) -> tuple[MainWindow, CaseloadView]:
    window = make_window()
    unlock(qtbot, window)
    assert window.workspace is not None
    return window, window.workspace.caseload


def test_search_as_you_type_by_name_and_prison_number(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window, view = _caseload(qtbot, make_window)
    assert view.count_label.text() == "3 people"

    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.search.hasFocus()
    qtbot.keyClicks(view.search, "homeless")
    _wait_count(qtbot, view, "1 person")
    assert _names(view) == ["HOMELESS-EXAMPLE, Quentin"]

    view.search.clear()
    _wait_count(qtbot, view, "3 people")
    qtbot.keyClicks(view.search, "z3333")
    _wait_count(qtbot, view, "1 person")
    assert _names(view) == ["LATERTON, Larry"]
    qtbot.keyClick(view.search, Qt.Key.Key_Down)  # on to the list, first person selected
    assert view.table.hasFocus()
    assert view.selected_case_id() == people["Larry Later"]

    view.search.clear()
    qtbot.keyClicks(view.search, "nobody-like-this")
    _wait_count(qtbot, view, "0 people")


def test_release_window_filter_and_order(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    _window, view = _caseload(qtbot, make_window)
    # Sorted by release date, soonest first.
    assert _names(view) == ["FRIDAYSON, Zebedee", "HOMELESS-EXAMPLE, Quentin", "LATERTON, Larry"]

    view.release_filter.setFocus()
    index = view.release_filter.findText("Due out in 28 days")
    while view.release_filter.currentIndex() < index:
        qtbot.keyClick(view.release_filter, Qt.Key.Key_Down)
    _wait_count(qtbot, view, "2 people")
    assert "LATERTON, Larry" not in _names(view)


def test_status_and_worker_filters(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    _window, view = _caseload(qtbot, make_window)
    view.status_filter.setFocus()
    index = view.status_filter.findText("Released")
    while view.status_filter.currentIndex() < index:
        qtbot.keyClick(view.status_filter, Qt.Key.Key_Down)
    _wait_count(qtbot, view, "0 people")
    view.status_filter.setCurrentIndex(view.status_filter.findText("Recommended"))
    _wait_count(qtbot, view, "3 people")

    view.worker_filter.setFocus()
    qtbot.keyClick(view.worker_filter, Qt.Key.Key_Down)
    assert view.worker_filter.currentText() == "Everyone's cases"
    _wait_count(qtbot, view, "3 people")


def test_friday_and_duty_to_refer_releases_are_marked(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    _window, view = _caseload(qtbot, make_window)
    flags = {
        str(view.model.index(row, COL_NAME).data()): str(view.model.index(row, COL_FLAGS).data())
        for row in range(view.model.rowCount())
    }
    assert flags["FRIDAYSON, Zebedee"] == "Friday release"
    assert flags["HOMELESS-EXAMPLE, Quentin"] == "Duty to Refer due"
    assert flags["LATERTON, Larry"] == ""
    friday_row = _names(view).index("FRIDAYSON, Zebedee")
    tooltip = view.model.index(friday_row, COL_FLAGS).data(Qt.ItemDataRole.ToolTipRole)
    assert "Day of Release from Detention" in tooltip
    assert view.model.index(friday_row, COL_FLAGS).data(Qt.ItemDataRole.BackgroundRole)


def test_enter_opens_the_selected_case_file(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window, view = _caseload(qtbot, make_window)
    workspace = window.workspace
    assert workspace is not None
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(workspace.case_views()) == 1, timeout=SIGNAL_TIMEOUT_MS)
    case = workspace.case_views()[0]
    qtbot.waitUntil(lambda: case.details is not None, timeout=SIGNAL_TIMEOUT_MS)
    assert case.case_id == people["Quentin Housing"]
    assert case.heading.text() == "Quentin Homeless-Example"
    assert workspace.tabs.tabText(workspace.tabs.indexOf(case)) == "Quentin Homeless-Example"

    qtbot.keyClick(case, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert workspace.case_views() == []


def test_caseload_model_passes_the_model_tester(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str], qtmodeltester: object
) -> None:
    window, _view = _caseload(qtbot, make_window)
    assert window.session is not None
    model = CaseloadTableModel(CaseService(window.session), window.runner)
    with qtbot.waitSignal(model.loaded, timeout=SIGNAL_TIMEOUT_MS):
        model.refresh()
    assert model.rowCount() == 3
    qtmodeltester.check(model, force_py=True)  # type: ignore[attr-defined]


def test_caseload_pages_through_many_people(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    """A list longer than one page fetches the rest as the view scrolls (fetchMore)."""
    window, view = _caseload(qtbot, make_window)
    assert window.session is not None
    from restart_desktop.app.demo import fill_demo_data

    runner = TaskRunner()
    with qtbot.waitSignal(
        runner.busy_changed, check_params_cb=lambda busy: not busy, timeout=60_000
    ):
        runner.run(
            lambda: fill_demo_data(window.session, cases=450, seed=3),  # type: ignore[arg-type]
            lambda _r: None,
        )
    runner.shutdown()
    view.worker_filter.setCurrentIndex(view.worker_filter.findText("Everyone's cases"))
    view.status_filter.setCurrentIndex(view.status_filter.findText("All cases"))
    qtbot.waitUntil(lambda: view.model.total == 453, timeout=SIGNAL_TIMEOUT_MS)
    assert view.count_label.text() == "453 people"
    assert view.model.rowCount() < 453  # only the first page so far
    view.table.setFocus()
    for _ in range(5):
        qtbot.keyClick(view.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: window.runner.pending == 0, timeout=SIGNAL_TIMEOUT_MS)
    assert view.model.rowCount() == 453


def test_ctrl_page_down_moves_between_tabs(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    window, view = _caseload(qtbot, make_window)
    assert window.workspace is not None
    tabs = window.workspace.tabs
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentWidget() is window.workspace.today
    qtbot.keyClick(tabs.currentWidget(), Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentWidget() is window.workspace.my_actions
    qtbot.keyClick(tabs.currentWidget(), Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(tabs.currentWidget(), Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentWidget() is view


def test_a_settled_caseload_search_is_audited_once_without_its_text(
    qtbot: QtBot, make_window: MakeWindow, people: dict[str, str]
) -> None:
    from restart_desktop.app.audit import AuditFilter, AuditService
    from restart_desktop.domain.audit import AuditAction
    from tests.support.roles import as_supervisor

    window, view = _caseload(qtbot, make_window)
    assert window.session is not None
    qtbot.keyClicks(view.search, "homeless")  # eight keys, one search
    _wait_count(qtbot, view, "1 person")
    service = AuditService(as_supervisor(window.session))

    def searches() -> list[str]:
        found = service.entries(AuditFilter(action=AuditAction.SEARCHED_CASELOAD))
        return [entry.detail for entry in found]

    qtbot.waitUntil(lambda: searches() == ["1 found"], timeout=SIGNAL_TIMEOUT_MS)
    qtbot.wait(300)
    assert searches() == ["1 found"]  # never the words typed, and once
