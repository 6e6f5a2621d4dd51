"""The first full import alone, repeatable: ``bench_sync.py``'s "its import on the supervisor's
laptop" without the export before it each time.

``prepare DEMO WORK`` copies the demo folder DEMO into WORK, enrols a supervisor there, makes
the team and exports the demo laptop's history once, then keeps a copy of the supervisor and
the export as they are before the import (WORK/base). ``run WORK`` puts that copy back in
place and times the supervisor's sync (the import, then its digest and its own export), with
``--profile FILE`` a cProfile of it. Prints wall and CPU seconds and the load.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.memory_keyring.FileKeyring")


#: What ``prepare`` keeps and each run puts back.
KEPT = ("supervisor", "export")


def prepare(demo: Path, work: Path) -> None:
    from tests.benchmarks.common import demo_team, keep_copy

    supervisor, demo_session = demo_team(demo, work / "live")
    supervisor.close()
    demo_session.close()
    keep_copy(work, KEPT)


_SPENT: dict[str, list[float]] = {}


def _time_statements(engine: object) -> None:
    """Time each statement given to the driver by its first words (its table)."""
    from sqlalchemy import event

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["started"] = time.perf_counter(), time.process_time()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        wall, cpu = conn.info.pop("started")
        key = " ".join(statement.split()[:3])[:60]
        spent = _SPENT.setdefault(key, [0.0, 0.0, 0])
        spent[0] += time.perf_counter() - wall
        spent[1] += time.process_time() - cpu
        spent[2] += len(parameters) if executemany else 1


_PHASES: dict[str, list[float]] = {}


def _time_phases() -> None:
    """Wall and CPU time of the import's phases (the functions wrapped in place)."""
    import functools

    from restart_desktop.app import sync as app_sync
    from restart_desktop.sync import receive

    def wrap(module: object, name: str, label: str) -> None:
        inner = getattr(module, name)

        @functools.wraps(inner)
        def timed(*args: object, **kwargs: object) -> object:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return inner(*args, **kwargs)
            finally:
                spent = _PHASES.setdefault(label, [0.0, 0.0])
                spent[0] += time.perf_counter() - wall
                spent[1] += time.process_time() - cpu

        setattr(module, name, timed)

    wrap(receive, "_check", "read and check bundles")
    wrap(receive, "_apply", "apply bundles")
    wrap(receive, "keep_up", "digest in the import")
    wrap(receive, "_apply_batch", "import transactions (apply, digest, commit)")
    wrap(app_sync, "import_changes", "import_changes")
    wrap(app_sync, "publish_and_compare_digests", "digest after")


def run_import(work: Path, profile: Path | None, tables: bool = False, floor: bool = False) -> None:
    from restart_desktop.app.session import unlock
    from restart_desktop.app.sync import SyncService
    from restart_desktop.paths import DataPaths
    from tests.benchmarks.common import put_copy_back
    from tests.support.constants import PASSPHRASE

    live = put_copy_back(work, KEPT)
    session = unlock(DataPaths(live / "supervisor"), PASSPHRASE)
    if tables:
        _time_statements(session.db.engine)
    _time_phases()
    load = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        result = SyncService(session).sync_now()
        profiler.disable()
        profiler.dump_stats(str(profile))
    else:
        result = SyncService(session).sync_now()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if floor:
        from tests.benchmarks.sqlite_floor import write_floor

        spent = write_floor(session.db, live)
        worst = sorted(spent.items(), key=lambda kv: -kv[1])[1:7]
        print(
            f"floor: SQLite alone writing the same rows into the same schema {spent['total']:.1f} s"
            f" ({', '.join(f'{name} {seconds:.1f}' for name, seconds in worst)})"
        )
    session.close()
    for key, (spent_wall, spent_cpu, rows) in sorted(_SPENT.items(), key=lambda kv: -kv[1][0])[:25]:
        print(f"{spent_wall:7.2f} s wall {spent_cpu:7.2f} s CPU {rows:9,} rows  {key}")
    for label, (spent_wall, spent_cpu) in _PHASES.items():
        print(f"{spent_wall:7.2f} s wall {spent_cpu:7.2f} s CPU  {label}")
    print(
        f"import: {wall:.1f} s wall, {cpu:.1f} s CPU; {result.report.applied} "
        f"changes; load before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}"
    )


def run_window(work: Path) -> None:
    """The window unlocking the supervisor's folder takes in the whole export: the longest
    stall of its GUI thread, and where the sync thread was at each stall over 30 ms."""
    from PySide6.QtWidgets import QApplication

    from tests.benchmarks.common import StallWatch, open_window, put_copy_back, wait
    from tests.support.constants import PASSPHRASE

    live = put_copy_back(work, KEPT)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    watch = StallWatch(where=True, depth=6)
    started = time.perf_counter()
    window = open_window(live / "supervisor", PASSPHRASE)
    watch.start()
    wait(lambda: window.sync_label.text().startswith("Synced"), timeout_s=1800)  # type: ignore[attr-defined]
    watch.stop()
    print(
        f"window: {time.perf_counter() - started:.1f} s, longest GUI stall {watch.longest} ms, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    for stall in watch.stalls:
        print("  stall", stall)
    window.shutdown()  # type: ignore[attr-defined]
    window.close()  # type: ignore[attr-defined]
    del app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("prepare")
    made.add_argument("demo", type=Path)
    made.add_argument("work", type=Path)
    timed = commands.add_parser("run")
    timed.add_argument("work", type=Path)
    timed.add_argument("--profile", type=Path)
    timed.add_argument("--tables", action="store_true", help="time statements by table")
    timed.add_argument(
        "--floor",
        action="store_true",
        help="then time SQLite alone writing the same rows into the same schema",
    )
    shown = commands.add_parser("window")
    shown.add_argument("work", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("RESTART_TEST_KEYRING_FILE", str(args.work.resolve() / "keyring.json"))
    if args.command == "prepare":
        prepare(args.demo.resolve(), args.work.resolve())
    elif args.command == "window":
        run_window(args.work.resolve())
    else:
        run_import(args.work.resolve(), args.profile, args.tables, args.floor)


if __name__ == "__main__":
    main()
