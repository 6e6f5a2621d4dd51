"""Release-day benchmark: the Today view, opening a plan, a tick, and the release-day sheet.

Run with ``make bench`` (or ``python tests/benchmarks/bench_release.py [--cases N]``). The demo
data gives every person released in the last 60 days, or due out in the next 60, a release
plan (10,000 cases: several thousand plans and tens of thousands of ticked items). Printed:

- Today (Ctrl+T) to the cards shown in the window, and the service query alone (medians);
- opening a person's release plan from a card to the checklist shown (median);
- one tick (Space) to the checklist shown again with the item done (median);
- the release-day sheet: time to the PDF on disk, and the longest stall of the GUI thread
  while it is made (it is made on the worker thread).

It prints figures and asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import median_ms, ms, open_window, report, run, wait

REPEATS = 9


def measure(data_dir: Path) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QFileDialog
    from sqlalchemy import func, select

    from restart_desktop.store.models import Person, ReleasePlan, ReleasePlanItem
    from restart_desktop.ui.application import MainWindow
    from restart_desktop.ui.case_file import CaseFileView

    app = QApplication(sys.argv[:1])
    window = open_window(data_dir)
    assert isinstance(window, MainWindow)
    workspace, session = window.workspace, window.session
    assert workspace is not None
    assert session is not None
    with session.db.read() as s:
        people = int(s.execute(select(func.count()).select_from(Person)).scalar_one())
        plans = int(s.execute(select(func.count()).select_from(ReleasePlan)).scalar_one())
        items = int(s.execute(select(func.count()).select_from(ReleasePlanItem)).scalar_one())
    print(f"{people:,} people, {plans:,} release plans, {items:,} checklist items recorded")

    service_times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        rows = workspace.release.today()
        service_times.append(time.perf_counter() - started)
    print(f"Today, service query ({len(rows)} releases): {ms(service_times)}")
    report("Today, the service", median_ms(service_times), "ms", below=100)

    today = workspace.today
    shown_times = []
    for _ in range(REPEATS):
        workspace.show_caseload()
        wait(lambda: window.runner.pending == 0)
        today.model.set_rows([])
        started = time.perf_counter()
        QTest.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
        # A view reloads when first shown and when a change notice says so, not at every
        # visit: after the first, the refresh (F5) stands for the load measured.
        today.refresh()
        wait(lambda: today.model.rowCount() > 0)
        app.processEvents()  # paint the cards
        shown_times.append(time.perf_counter() - started)
    print(f"Today (Ctrl+T) to cards shown: {ms(shown_times)}")
    report("Today (Ctrl+T) to cards shown", median_ms(shown_times), "ms")

    open_times, tick_times = [], []
    for row in range(min(REPEATS, today.model.rowCount())):
        workspace.show_today()
        wait(lambda: window.runner.pending == 0)  # the worker looks at the list first
        today.list.setCurrentIndex(today.model.index(row, 0))
        started = time.perf_counter()
        QTest.keyClick(today.list, Qt.Key.Key_Return)
        view = workspace.tabs.currentWidget()
        assert isinstance(view, CaseFileView)
        assert view.release_panel is not None
        panel = view.release_panel
        wait(lambda p=panel: p.plan is not None and p.model.rowCount() > 0)  # type: ignore[misc]
        app.processEvents()
        open_times.append(time.perf_counter() - started)
        item = panel.current_item()
        if item is not None and item.state.value != "done":
            code = item.code
            started = time.perf_counter()
            QTest.keyClick(panel.table, Qt.Key.Key_Space)
            wait(
                lambda p=panel, c=code: (
                    p.plan is not None  # type: ignore[misc]
                    and p.plan.item(c) is not None
                    and p.plan.item(c).state.value == "done"
                )
            )
            app.processEvents()
            tick_times.append(time.perf_counter() - started)
    print(f"Open a release plan from Today: {ms(open_times)}")
    report("open a release plan from Today", median_ms(open_times), "ms")
    if tick_times:
        print(f"Tick an item (Space) to the checklist shown again: {ms(tick_times)}")
        report("tick an item to the checklist shown again", median_ms(tick_times), "ms")

    with tempfile.TemporaryDirectory(prefix="restart-sheet-") as folder:
        target = Path(folder) / "sheet.pdf"
        QFileDialog.getSaveFileName = lambda *_a, **_k: (str(target), "")  # type: ignore[method-assign]
        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(2)
        timer.timeout.connect(tick)
        view = workspace.tabs.currentWidget()
        assert isinstance(view, CaseFileView)
        assert view.release_panel is not None
        panel = view.release_panel
        timer.start()
        last[0] = time.perf_counter()
        started = time.perf_counter()
        panel.make_sheet()
        wait(target.exists)
        made = time.perf_counter() - started
        timer.stop()
        report("release-day sheet PDF to the file", made * 1000, "ms")
        report("longest GUI stall while the sheet is made", max(gaps) * 1000, "ms", below=50)
        print(
            f"Release-day sheet PDF: {made * 1000:.0f} ms to the file "
            f"({target.stat().st_size / 1024:.0f} KiB); longest GUI stall meanwhile "
            f"{max(gaps) * 1000:.0f} ms"
        )
    window.shutdown()


if __name__ == "__main__":
    raise SystemExit(run(__file__, __doc__.splitlines()[0], measure))
