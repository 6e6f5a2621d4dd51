"""Data protection benchmark: the retention schedule, erasing one case (rows, search index,
VACUUM), erasing every case due seven years on, and a case file with its field history.

Run with ``make bench`` (or ``python tests/benchmarks/bench_retention.py [--cases N]``). The
demo user is a supervisor, so the retention rule is the central one (N years after closing).
It prints figures and asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import median_ms, ms, report, run

REPEATS = 5


def measure(data_dir: Path) -> None:
    from sqlalchemy import func, select

    from restart_desktop.app.cases import CaseService
    from restart_desktop.app.retention import RetentionService
    from restart_desktop.app.session import unlock
    from restart_desktop.domain.passphrase import DEMO_PASSPHRASE
    from restart_desktop.paths import DataPaths
    from restart_desktop.store.erasure import erase_cases
    from restart_desktop.store.models import ContactNote, FieldChange, Person

    paths = DataPaths(data_dir)
    session = unlock(paths, DEMO_PASSPHRASE)
    with session.db.read() as s:
        people = int(s.execute(select(func.count()).select_from(Person)).scalar_one())
        notes = int(s.execute(select(func.count()).select_from(ContactNote)).scalar_one())
        closed = int(
            s.execute(
                select(func.count()).select_from(Person).where(Person.status == "closed")
            ).scalar_one()
        )
        with_history = s.scalars(select(FieldChange.person_id).limit(1)).first()
    size = paths.database.stat().st_size / 2**20
    print(f"{people:,} people ({closed:,} closed), {notes:,} contact notes, {size:,.0f} MiB")

    later = dt.date.today() + dt.timedelta(days=7 * 366)
    service = RetentionService(session, today=lambda: later)
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        listed = service.schedule()
        times.append(time.perf_counter() - started)
    print(f"Retention schedule ({len(listed):,} cases listed): {ms(times)}")
    report("retention schedule", median_ms(times), "ms")

    cases = CaseService(session)
    if with_history:
        times = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            cases.get_case(with_history)
            times.append(time.perf_counter() - started)
        print(f"Case file with its field history: {ms(times)}")
        report("case file with its field history", median_ms(times), "ms")

    victim = listed[0].case_id
    started = time.perf_counter()
    with session.db.write() as s:
        erase_cases(s, [victim], session.device_id, scrub=True)
    rows = time.perf_counter() - started
    started = time.perf_counter()
    session.db.compact()
    vacuum = time.perf_counter() - started
    report("erase one case: rows and search index", rows * 1000, "ms")
    report("erase one case: VACUUM and log", vacuum, "s")
    print(
        f"Erase one case: rows and search index {rows * 1000:.0f} ms; VACUUM and log {vacuum:.1f} s"
    )

    started = time.perf_counter()
    result = service.run()
    report(
        "erase every case due seven years on",
        time.perf_counter() - started,
        "s",
        note=f"{result.erased:,} cases, then VACUUM",
    )
    print(
        f"Erase every case due seven years on ({result.erased:,} cases, then VACUUM): "
        f"{time.perf_counter() - started:.1f} s; file now "
        f"{paths.database.stat().st_size / 2**20:,.0f} MiB"
    )
    session.close()


if __name__ == "__main__":
    raise SystemExit(run(__file__, __doc__.splitlines()[0], measure))
