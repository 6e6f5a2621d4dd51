"""Supervisor benchmark: the review queue, a record in the reading pane, the figures for a
quarter, the board pack, and a worker's comments and returns.

Run with ``make bench`` (or ``python tests/benchmarks/bench_review.py [--cases N]``). The demo
user is a supervisor; the demo data reviews most records older than two weeks and leaves the
rest in the queue. It prints figures and asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import median_ms, ms, open_window, report, run, wait

REPEATS = 5


def measure(data_dir: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import func, select

    from restart_desktop.app.figures import FiguresService
    from restart_desktop.app.review import ReviewFilter, ReviewService
    from restart_desktop.documents.board_pack import PROGRAMME, write_board_pack
    from restart_desktop.domain.figures import Period
    from restart_desktop.store.models import ContactNote, Review
    from restart_desktop.ui.application import MainWindow

    app = QApplication(sys.argv[:1])
    window = open_window(data_dir)
    assert isinstance(window, MainWindow)
    workspace, session = window.workspace, window.session
    assert workspace is not None
    assert session is not None
    assert workspace.review is not None
    with session.db.read() as s:
        notes = int(s.execute(select(func.count()).select_from(ContactNote)).scalar_one())
        reviews = int(s.execute(select(func.count()).select_from(Review)).scalar_one())
    print(f"{notes:,} contact notes, {reviews:,} review actions")
    review = ReviewService(session)
    figures = FiguresService(session)
    today = dt.date.today()
    quarter = Period(today - dt.timedelta(days=91), today)
    for label, call in (
        ("review queue, first page of 500", lambda: review.queue(ReviewFilter(), 0, 500)),
        ("review queue, count", lambda: review.count(ReviewFilter())),
        (
            "review queue, one worker's notes",
            lambda: review.queue(ReviewFilter(worker_id=session.worker.id), 0, 500),
        ),
        ("comments and returns for the signed-in worker", review.notices),
        ("figures for a quarter, programme", lambda: figures.figures(quarter)),
        ("figures for a quarter, by worker", lambda: figures.figures(quarter, "worker")),
    ):
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
        print(f"Service, {label}: {ms(times)}")
        report(label, median_ms(times), "ms", below=500 if label.startswith("figures") else None)
    first = review.queue(ReviewFilter(), 0, 1)[0]
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        review.detail(first.kind, first.item_id)
        times.append(time.perf_counter() - started)
    print(f"Service, one record for the reading pane: {ms(times)}")
    report("one record for the reading pane", median_ms(times), "ms")
    shown = []
    view = workspace.review
    for _ in range(REPEATS):
        workspace.show_caseload()
        wait(lambda: window.runner.pending == 0)
        view.model.set_rows([])
        started = time.perf_counter()
        QTest.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
        # A view reloads when first shown and when a change notice says so, not at every
        # visit: after the first, the refresh (F5) stands for the load measured.
        view.refresh()
        wait(lambda: view.model.rowCount() > 0 and window.runner.pending == 0)
        app.processEvents()
        shown.append(time.perf_counter() - started)
    print(f"Review tab (Ctrl+5) to the queue and the first record shown: {ms(shown)}")
    report("review tab (Ctrl+5) to the queue shown", median_ms(shown), "ms")
    packs = []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            write_board_pack(figures.report(quarter), Path(folder), PROGRAMME)
            packs.append(time.perf_counter() - started)
    print(f"Board pack for a quarter (figures, PDF and CSV files): {ms(packs)}")
    report("board pack for a quarter", median_ms(packs), "ms")
    window.shutdown()


if __name__ == "__main__":
    raise SystemExit(run(__file__, __doc__.splitlines()[0], measure))
