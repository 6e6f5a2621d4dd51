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

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
REPEATS = 9


def _wait(predicate: Callable[[], bool], timeout_s: float = 120.0) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.perf_counter() + timeout_s
    loop = QEventLoop()
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not get there in time")
        QTimer.singleShot(1, loop.quit)
        loop.exec()


def _ms(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"


def measure(data_dir: Path) -> None:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QFileDialog
    from sqlalchemy import func, select

    from restart_desktop.domain.passphrase import DEMO_PASSPHRASE
    from restart_desktop.paths import DataPaths
    from restart_desktop.store.models import Person, ReleasePlan, ReleasePlanItem
    from restart_desktop.ui.application import GIL_SWITCH_SECONDS, MainWindow
    from restart_desktop.ui.case_file import CaseFileView

    sys.setswitchinterval(GIL_SWITCH_SECONDS)  # as run_gui does
    app = QApplication(sys.argv[:1])
    window = MainWindow(DataPaths(data_dir))
    window.show()
    _wait(lambda: window.warmed_up and window.runner.pending == 0)
    window.unlock_page.passphrase.setText(DEMO_PASSPHRASE)
    QTest.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    _wait(lambda: window.workspace is not None and window.runner.pending == 0)
    workspace, session = window.workspace, window.session
    assert workspace is not None and session is not None
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
    print(f"Today, service query ({len(rows)} releases): {_ms(service_times)}")

    today = workspace.today
    shown_times = []
    for _ in range(REPEATS):
        workspace.show_caseload()
        _wait(lambda: window.runner.pending == 0)
        today.model.set_rows([])
        started = time.perf_counter()
        QTest.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
        _wait(lambda: today.model.rowCount() > 0)
        app.processEvents()  # paint the cards
        shown_times.append(time.perf_counter() - started)
    print(f"Today (Ctrl+T) to cards shown: {_ms(shown_times)}")

    open_times, tick_times = [], []
    for row in range(min(REPEATS, today.model.rowCount())):
        workspace.show_today()
        _wait(lambda: window.runner.pending == 0)  # the worker looks at the list first
        today.list.setCurrentIndex(today.model.index(row, 0))
        started = time.perf_counter()
        QTest.keyClick(today.list, Qt.Key.Key_Return)
        view = workspace.tabs.currentWidget()
        assert isinstance(view, CaseFileView) and view.release_panel is not None
        panel = view.release_panel
        _wait(lambda p=panel: p.plan is not None and p.model.rowCount() > 0)  # type: ignore[misc]
        app.processEvents()
        open_times.append(time.perf_counter() - started)
        item = panel.current_item()
        if item is not None and item.state.value != "done":
            code = item.code
            started = time.perf_counter()
            QTest.keyClick(panel.table, Qt.Key.Key_Space)
            _wait(
                lambda p=panel, c=code: p.plan is not None  # type: ignore[misc]
                and p.plan.item(c) is not None
                and p.plan.item(c).state.value == "done"
            )
            app.processEvents()
            tick_times.append(time.perf_counter() - started)
    print(f"Open a release plan from Today: {_ms(open_times)}")
    if tick_times:
        print(f"Tick an item (Space) to the checklist shown again: {_ms(tick_times)}")

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
        assert isinstance(view, CaseFileView) and view.release_panel is not None
        panel = view.release_panel
        timer.start()
        last[0] = time.perf_counter()
        started = time.perf_counter()
        panel.make_sheet()
        _wait(target.exists)
        made = time.perf_counter() - started
        timer.stop()
        print(
            f"Release-day sheet PDF: {made * 1000:.0f} ms to the file "
            f"({target.stat().st_size / 1024:.0f} KiB); longest GUI stall meanwhile "
            f"{max(gaps) * 1000:.0f} ms"
        )
    window.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--data-dir", help="reuse a demo folder made by `demo` (faster)")
    parser.add_argument("--inner", metavar="DATA_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        measure(Path(args.inner))
        return 0
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO_ROOT))
    with tempfile.TemporaryDirectory(prefix="restart-bench-") as tmp:
        data_dir = Path(args.data_dir) if args.data_dir else Path(tmp) / "data"
        if not args.data_dir:
            print(f"Seeding {args.cases:,} fictional people with notes and plans…", flush=True)
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "restart_desktop", "--data-dir", str(data_dir), "demo",
                 "--cases", str(args.cases), "--seed", "7"],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
            print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)
        subprocess.run(
            [sys.executable, __file__, "--inner", str(data_dir)], env=env, check=True
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
