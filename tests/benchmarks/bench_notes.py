"""Contact-notes benchmark: search, a 500-note timeline and autosave while typing.

Run with ``make bench`` (or ``python tests/benchmarks/bench_notes.py [--cases N]``). The demo
data gives about ten notes a person (10,000 cases: about 100,000 notes); a hundred invented
place names each appear in about 0.1% of notes, and the search figures use them. Printed:

- the search service (median) against its very SQL (FTS5 match, snippet, join to the person,
  order, limit) run on a DB-API cursor of the same connection in the same run, both warm;
  the search's audit entry, written once the results are shown; and search to results
  shown in the window;
- opening the contacts timeline of a person with 500 notes (median);
- the longest stall of the GUI thread while typing a long note with autosave running.

It prints figures and asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import median_ms, open_window, report, run, wait

SEARCHES = 20
COMMON_WORDS = ("hostel", "housing", "council", "release", "prescription")
TIMELINE_NOTES = 500
TIMELINE_OPENS = 7


def _sleep(seconds: float) -> None:
    """Wait with the event loop running (timers, queued results, painting)."""
    end = time.perf_counter() + seconds
    wait(lambda: time.perf_counter() > end)


def measure(data_dir: Path) -> None:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from restart_desktop.app.demo_notes import RARE_PLACES
    from restart_desktop.app.notes import DraftFields, search_statement
    from restart_desktop.store.models import ContactNote
    from restart_desktop.ui.application import MainWindow

    app = QApplication(sys.argv[:1])
    window = open_window(data_dir)
    assert isinstance(window, MainWindow)
    workspace = window.workspace
    session = window.session
    assert workspace is not None
    assert session is not None
    with session.db.read() as s:
        from sqlalchemy import func, select

        total_notes = int(s.execute(select(func.count()).select_from(ContactNote)).scalar_one())

    # --- search ---------------------------------------------------------------------------
    workspace.show_search()
    search = workspace.search
    results = QEventLoop()
    search.results_shown.connect(lambda _found: results.quit())
    same_sql: list[float] = []
    service: list[float] = []
    shown: list[float] = []
    found: list[int] = []
    recorded: list[float] = []
    # The view searches again only for other words: each word once, rare and common ones.
    for place in [*RARE_PLACES[:SEARCHES], *COMMON_WORDS]:
        statement = search_statement(place)
        assert statement is not None
        sql, params = statement
        with session.db.read() as s:
            cursor = s.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(sql, params).fetchall()  # both timed warm: the pages read once
            started = time.perf_counter()
            cursor.execute(sql, params).fetchall()
            same_sql.append(time.perf_counter() - started)
        # The service as the window calls it: the search, then (once the results are
        # shown) its audit entry, timed apart (issue 27).
        started = time.perf_counter()
        found.append(len(workspace.notes.find(place)))
        service.append(time.perf_counter() - started)
        started = time.perf_counter()
        workspace.notes.record_search(found[-1])
        recorded.append(time.perf_counter() - started)
        search.box.setText(place)
        started = time.perf_counter()
        QTest.keyClick(search.box, Qt.Key.Key_Return)
        # The view's own signal, not polling (a polling loop competes with the worker for
        # the GIL and slowed the search it measured), then the paint. The audit entry's
        # write and its change notice (gathered for 60 ms) come after the results are
        # shown: waited for below, outside the figure.
        results.exec()
        app.processEvents()
        shown.append(time.perf_counter() - started)
        wait(lambda: window.runner.pending == 0)

    # --- a 500-note timeline --------------------------------------------------------------
    first_hit = search.model.hit(0)
    assert first_hit is not None
    person_id = first_hit.person_id
    notes = workspace.notes
    existing = len(notes.timeline(person_id))
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    for number in range(TIMELINE_NOTES - existing):
        notes.finalise(
            DraftFields(
                person_id=person_id,
                contact_at=now - dt.timedelta(hours=number + 1),
                text=f"Benchmark note {number}: fictional text about housing and benefits.",
            ),
            confirmed=True,
        )
    opens: list[float] = []
    timeline = workspace.open_contacts(person_id)
    assert timeline is not None
    wait(lambda: window.runner.pending == 0)
    for _ in range(TIMELINE_OPENS):
        timeline.count_label.setText("")
        started = time.perf_counter()
        timeline.reload()
        wait(lambda: timeline.count_label.text() != "")
        app.processEvents()
        opens.append(time.perf_counter() - started)
    timeline_size = timeline.model.rowCount()

    # --- autosave while typing: the longest GUI-thread stall --------------------------------
    editor = timeline.new_note()
    paragraph = "Fictional benchmark text about housing, benefits and the first night. " * 7
    long_note = "\n".join([paragraph] * (100_000 // len(paragraph) + 1))
    editor.text.setPlainText(long_note)  # a very long note (100,000+ characters) to save
    editor.text.moveCursor(editor.text.textCursor().MoveOperation.End)
    wait(lambda: window.runner.pending == 0)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now_ = time.perf_counter()
        gaps.append(now_ - last[0])
        last[0] = now_

    ticker = QTimer()
    ticker.setInterval(0)
    ticker.timeout.connect(tick)
    saves = [0]
    editor.draft_saved.connect(lambda _id: saves.__setitem__(0, saves[0] + 1))
    ticker.start()
    deadline = time.perf_counter() + 8.0
    while time.perf_counter() < deadline:
        for char in "typing fast ":
            QTest.keyClicks(editor.text, char)
            wait(lambda: True)
            _sleep(0.05)  # a fast typist: 20 keys a second
        _sleep(1.7)  # a pause: the autosave fires
    ticker.stop()
    window.shutdown()

    print(
        f"\nRESTART Desktop contact-notes benchmark, {total_notes:,} notes; searched "
        f"{SEARCHES} rare place names and a common word, found {statistics.median(found)} "
        "(median)"
    )
    report(
        "search service (median)",
        median_ms(service),
        "ms",
        floor=median_ms(same_sql),
        ratio=1.5,
        note="floor: its very SQL on a cursor of the same connection",
    )
    report(
        "search audit entry, written after the results are shown (median)",
        median_ms(recorded),
        "ms",
    )
    report(
        "search to results shown (median)",
        median_ms(shown),
        "ms",
        below=30,
        note="Return to the table painted; the audit entry's write follows, not timed",
    )
    report(f"timeline of {timeline_size} entries (median)", median_ms(opens), "ms", below=150)
    report(
        "longest GUI stall while typing + autosave",
        max(gaps) * 1000,
        "ms",
        below=16,
        note=f"{saves[0]} autosaves of a 100,000-character note",
    )


if __name__ == "__main__":
    raise SystemExit(run(__file__, __doc__.splitlines()[0], measure))
