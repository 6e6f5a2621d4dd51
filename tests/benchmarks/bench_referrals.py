"""Referrals benchmark: the Referrals view, counts, referrals to chase, one person's referrals.

Run with ``make bench`` (or ``python tests/benchmarks/bench_referrals.py [--cases N]``). The
demo data gives people who are in the programme up to three referrals each, in every status.
It prints figures and asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import median_ms, ms, open_window, report, run, wait

REPEATS = 7


def measure(data_dir: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import func, select

    from restart_desktop.app.referrals import ReferralQuery
    from restart_desktop.store.models import Referral, ReferralEvent
    from restart_desktop.ui.application import MainWindow
    from restart_desktop.ui.referral_models import PAGE_SIZE

    app = QApplication(sys.argv[:1])
    window = open_window(data_dir)
    assert isinstance(window, MainWindow)
    workspace, session = window.workspace, window.session
    assert workspace is not None
    assert session is not None
    with session.db.read() as s:
        referrals = int(s.execute(select(func.count()).select_from(Referral)).scalar_one())
        events = int(s.execute(select(func.count()).select_from(ReferralEvent)).scalar_one())
    print(f"{referrals:,} referrals, {events:,} status changes and chases")
    service = workspace.referral_service
    for label, call in (
        (
            "open referrals across the caseload, first page",
            lambda: service.across_caseload_page(ReferralQuery(), 0, PAGE_SIZE).views,
        ),
        (
            "open referrals across the caseload, all",
            lambda: service.across_caseload(ReferralQuery()),
        ),
        ("counts by status", lambda: service.counts(ReferralQuery())),
        ("my referrals to chase", service.to_chase),
    ):
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            rows = call()
            times.append(time.perf_counter() - started)
        size = len(rows) if isinstance(rows, list) else sum(rows.values())
        print(f"Service, {label} ({size:,}): {ms(times)}")
        report(label, median_ms(times), "ms", below=150 if label.endswith("first page") else None)
    view = workspace.referrals
    shown = []
    for _ in range(REPEATS):
        workspace.show_caseload()
        wait(lambda: window.runner.pending == 0)
        view.model.set_rows([])
        started = time.perf_counter()
        QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
        wait(lambda: view.model.rowCount() > 0 and window.runner.pending == 0)
        app.processEvents()
        shown.append(time.perf_counter() - started)
    print(f"Referrals view (Ctrl+3) to the list and counts shown: {ms(shown)}")
    report("referrals view (Ctrl+3) to the first page shown", median_ms(shown), "ms", below=150)
    person = view.model.row_item(0)
    assert person is not None
    opened = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        service.for_person(person.person_id)
        opened.append(time.perf_counter() - started)
    print(f"One person's referrals with their history: {ms(opened)}")
    report("one person's referrals with their history", median_ms(opened), "ms")
    window.shutdown()


if __name__ == "__main__":
    raise SystemExit(run(__file__, __doc__.splitlines()[0], measure))
