"""The hot paths at the service layer, the work each view asks of the database thread: unlock
to the first caseload page, a caseload keystroke, a note search, Today, opening a case. The
window adds its own cost on top (bench_foundation.py, bench_notes.py); these figures compare
two trees on one data folder without the GUI's noise.

Run with ``python tests/benchmarks/bench_services.py [--cases N | --data-dir DIR]`` (or in
``make bench``). It reports medians; it asserts nothing (the statement budgets in
tests/unit/app/test_budgets.py are the suite's guard). The note search (``NoteService.find``,
as bench_notes.py times it) has a floor: its very SQL run on a DB-API cursor of the same
connection, in the same run; its audit entry's write is reported apart, without a target.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import report, run

REPEATS = 15
KEYSTROKES = ("e", "ex", "exa", "exam", "ma", "mad", "z1", "ho")


def _median_ms(work: Callable[[], object], repeats: int = REPEATS) -> float:
    work()  # the page cache warm, as in a session already open
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(data_dir: Path) -> None:
    from restart_desktop.app.cases import CaseloadQuery, CaseService
    from restart_desktop.app.notes import NoteService, search_statement
    from restart_desktop.app.release import ReleaseService
    from restart_desktop.app.session import open_key, open_session
    from restart_desktop.domain.passphrase import DEMO_PASSPHRASE
    from restart_desktop.paths import DataPaths

    paths = DataPaths(data_dir)
    key = open_key(paths, DEMO_PASSPHRASE)
    started = time.perf_counter()
    session = open_session(paths, key)
    cases = CaseService(session)
    cases.caseload_page_and_count(CaseloadQuery(), 0, 100)
    report(
        "open the data and the first caseload page",
        (time.perf_counter() - started) * 1000,
        "ms",
        below=150,
        note="migrations checked; the key derivation excluded",
    )
    notes, release = NoteService(session), ReleaseService(session)
    typed = iter(KEYSTROKES * (REPEATS + 1))
    first = cases.caseload_page(CaseloadQuery(), 0, 1)[0].id
    statement = search_statement("hostel")
    assert statement is not None
    sql, params = statement

    def same_sql_on_the_cursor() -> object:
        with session.db.read() as s:
            cursor = s.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
            started = time.perf_counter()
            rows = cursor.execute(sql, params).fetchall()
            elapsed.append(time.perf_counter() - started)
            return rows

    elapsed: list[float] = []
    _median_ms(same_sql_on_the_cursor)
    floor = statistics.median(elapsed[1:]) * 1000
    report(
        "caseload keystroke",
        _median_ms(lambda: cases.caseload_page_and_count(CaseloadQuery(text=next(typed)), 0, 100)),
        "ms",
        below=30,
    )
    # The search as the window runs it (bench_notes.py likewise): ``find`` against its floor,
    # then the audit entry written once the results are shown, timed apart. ``search()``
    # does both, so timing it set a read and a write against the floor of the read alone.
    report(
        "note search, a common word (about 20% of notes)",
        _median_ms(lambda: notes.find("hostel")),
        "ms",
        floor=floor,
        ratio=1.5,
        below=30,
        note="NoteService.find; floor: its very SQL on a cursor of the same connection",
    )
    found = len(notes.find("hostel"))
    report(
        "note search's audit entry, written after the results are shown",
        _median_ms(lambda: notes.record_search(found)),
        "ms",
    )
    report("Today", _median_ms(release.today), "ms", below=100)
    report(
        "open a case (details and timeline)",
        _median_ms(lambda: (cases.get_case(first), notes.timeline(first))),
        "ms",
    )
    session.close()


if __name__ == "__main__":
    sys.exit(run(__file__, __doc__.splitlines()[0], measure))
