"""One new note, sent and received, alone and repeatable: ``bench_sync.py``'s figure without
the first full export and import before it each time.

``prepare DEMO WORK`` copies the demo folder DEMO into WORK, enrols a supervisor, makes the
team, exports the demo laptop's history and imports it on the supervisor's laptop once, makes
an empty team of a worker (one case) and a supervisor beside it, syncs each laptop once more,
then keeps a copy of it all (WORK/base). ``run WORK`` puts that copy back in place and times
ROUNDS rounds of one note written on the large laptop then its sync and its supervisor's,
alternated with the same on the empty team, after one sync of each laptop (the first of a
process checks its own folder in full); it prints the medians, their ratio, each team's CPU
time and the load. ``--phases`` adds the wall time of a sync's steps, of each statement and
commit and of the garbage collector on each team; ``--profile FILE`` writes cProfiles (CPU
time) of the large team's syncs (FILE) and of the empty team's (FILE.small), to compare.

    python tests/benchmarks/bench_one_note.py prepare /work/bench/demo10k-27 /tmp/one-note
    python tests/benchmarks/bench_one_note.py run /tmp/one-note --rounds 21 --phases
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "tests.support.memory_keyring.FileKeyring")

FOLDERS = ("demo", "supervisor", "export", "small-worker", "small-supervisor", "small-export")


def prepare(demo: Path, work: Path) -> None:
    from restart_desktop.app.cases import CaseFields, CaseService
    from restart_desktop.app.sync import SyncService
    from tests.benchmarks.common import demo_team, keep_copy, make_team, new_laptop

    live = work / "live"
    supervisor, demo_session = demo_team(demo, live)
    started = time.perf_counter()
    SyncService(supervisor).sync_now()
    print(f"imported in {time.perf_counter() - started:.1f} s")
    small_worker = new_laptop(live / "small-worker", "worker")
    small_supervisor = new_laptop(live / "small-supervisor", "supervisor")
    make_team(live / "small-export", small_supervisor, small_worker)
    CaseService(small_worker).create_case(CaseFields(given_name="Testy", family_name="Benchson"))
    sessions = (small_worker, small_supervisor, demo_session, supervisor)
    for session in sessions:
        SyncService(session).sync_now()
    for session in sessions:
        session.close()
    keep_copy(work, FOLDERS)


_SIDE = ["large"]
_PHASES: dict[tuple[str, str], list[float]] = {}


def _time_phases() -> None:
    """Wall time of a sync's steps on each team (the functions wrapped where they are called)."""
    import functools

    from restart_desktop.app import sync as app_sync
    from restart_desktop.sync import folder, own_folder, receive

    def wrap(owner: object, name: str) -> None:
        inner = getattr(owner, name)

        @functools.wraps(inner)
        def timed(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent = _PHASES.setdefault((name, _SIDE[0]), [0.0, 0])
                spent[0] += time.perf_counter() - started
                spent[1] += 1

        setattr(owner, name, timed)

    for name in (
        "check_own_folder",
        "import_changes",
        "rekey_published",
        "export_changes",
        "exchange_heads",
        "publish_and_compare_digests",
        "removed_devices",
        "record",
    ):
        wrap(app_sync, name)
    for name in ("_run_retention", "_unpublished", "remember_sent", "_roster", "sync_now"):
        wrap(app_sync.SyncService, name)
    wrap(own_folder, "_ever_written")
    wrap(receive, "_plan")
    wrap(receive, "read_new_generations")
    wrap(receive, "fetch_skipped")
    wrap(folder.FolderTarget, "bundle_files")
    wrap(folder.FolderTarget, "published")


_STATEMENTS: dict[tuple[str, str], list[float]] = {}


def _time_collections() -> None:
    """Time in Python's garbage collector, by generation, on each team."""
    import gc

    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            name = f"garbage collection, generation {info['generation']}"
            spent = _PHASES.setdefault((name, _SIDE[0]), [0.0, 0])
            spent[0] += time.perf_counter() - started[0]
            spent[1] += 1

    gc.callbacks.append(callback)


def _time_statements(engine: object) -> None:
    """Wall time of each statement given to the driver, by its text, on each team."""
    from sqlalchemy import event

    dialect = engine.dialect  # type: ignore[attr-defined]
    commit = dialect.do_commit

    def timed_commit(connection: object) -> None:
        started = time.perf_counter()
        try:
            commit(connection)
        finally:
            spent = _STATEMENTS.setdefault(("COMMIT", _SIDE[0]), [0.0, 0])
            spent[0] += time.perf_counter() - started
            spent[1] += 1

    dialect.do_commit = timed_commit

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        key = " ".join(statement.split())[:110]
        spent = _STATEMENTS.setdefault((key, _SIDE[0]), [0.0, 0])
        spent[0] += time.perf_counter() - conn.info.pop("started")
        spent[1] += 1


def run_rounds(
    work: Path, rounds: int, profile: Path | None, restore: bool, phases: bool = False
) -> None:
    import cProfile

    from sqlalchemy import select

    from restart_desktop.app.session import unlock
    from restart_desktop.app.sync import SyncService
    from restart_desktop.domain.passphrase import DEMO_PASSPHRASE
    from restart_desktop.paths import DataPaths
    from restart_desktop.store.models import Person
    from tests.benchmarks.common import one_note, put_copy_back
    from tests.support.constants import PASSPHRASE

    live = put_copy_back(work, FOLDERS) if restore else work / "live"
    demo = unlock(DataPaths(live / "demo"), DEMO_PASSPHRASE)
    supervisor = unlock(DataPaths(live / "supervisor"), PASSPHRASE)
    small_worker = unlock(DataPaths(live / "small-worker"), PASSPHRASE)
    small_supervisor = unlock(DataPaths(live / "small-supervisor"), PASSPHRASE)
    people = []
    for session in (demo, small_worker):
        with session.db.read() as s:
            people.append(str(s.execute(select(Person.id).limit(1)).scalar_one()))
    profilers = [cProfile.Profile(time.process_time) for _ in range(2)]

    def timed(action: Callable[[], object], profiled: int | None) -> float:
        started = time.perf_counter()
        if profiled is not None:
            profilers[profiled].enable()
        action()
        if profiled is not None:
            profilers[profiled].disable()
        return time.perf_counter() - started

    # One sync of each laptop first, as in bench_sync.py (where each has synced before in the
    # same process): the first of a process checks its own folder in full.
    for session in (demo, supervisor, small_worker, small_supervisor):
        SyncService(session).sync_now()
    if phases:
        _time_phases()
        _time_collections()
        for session in (demo, supervisor, small_worker, small_supervisor):
            _time_statements(session.db.engine)
    load = os.getloadavg()
    large: list[float] = []
    small: list[float] = []
    cpu_large = cpu_small = 0.0
    watched = (0, 1) if profile is not None else (None, None)
    for _ in range(rounds):
        one_note(demo, people[0])
        cpu = time.process_time()
        large.append(
            timed(lambda: SyncService(demo).sync_now(), watched[0])
            + timed(lambda: SyncService(supervisor).sync_now(), watched[0])
        )
        cpu_large += time.process_time() - cpu
        _SIDE[0] = "small"
        one_note(small_worker, people[1])
        cpu = time.process_time()
        small.append(
            timed(lambda: SyncService(small_worker).sync_now(), watched[1])
            + timed(lambda: SyncService(small_supervisor).sync_now(), watched[1])
        )
        cpu_small += time.process_time() - cpu
        _SIDE[0] = "large"
    for session in (demo, supervisor, small_worker, small_supervisor):
        session.close()
    if profile is not None:
        profilers[0].dump_stats(str(profile))
        profilers[1].dump_stats(str(profile) + ".small")
    for name in sorted(
        {name for name, _side in _PHASES}, key=lambda n: -_PHASES.get((n, "large"), [0.0])[0]
    ):
        large_s, calls = _PHASES.get((name, "large"), [0.0, 0])
        small_s = _PHASES.get((name, "small"), [0.0, 0])[0]
        print(
            f"{large_s / rounds * 1000:7.2f} ms large {small_s / rounds * 1000:7.2f} ms small "
            f"a round ({calls / rounds:.0f} calls)  {name}"
        )
    texts = {text for text, _side in _STATEMENTS}
    extra = {
        text: _STATEMENTS.get((text, "large"), [0.0, 0])[0]
        - _STATEMENTS.get((text, "small"), [0.0, 0])[0]
        for text in texts
    }
    for text in sorted(texts, key=lambda t: -extra[t])[:25]:
        large_s, calls = _STATEMENTS.get((text, "large"), [0.0, 0])
        small_s, small_calls = _STATEMENTS.get((text, "small"), [0.0, 0])
        print(
            f"{large_s / rounds * 1000:6.2f} ms large ({calls / rounds:4.1f}) "
            f"{small_s / rounds * 1000:6.2f} ms small ({small_calls / rounds:4.1f})  {text}"
        )
    large_ms, small_ms = statistics.median(large) * 1000, statistics.median(small) * 1000
    print(
        f"one new note, sent and received: {large_ms:.1f} ms on the large team, "
        f"{small_ms:.1f} ms on the empty one: ratio {large_ms / small_ms:.2f} "
        f"(min {min(large) * 1000:.1f} / {min(small) * 1000:.1f} ms); CPU a round "
        f"{cpu_large / rounds * 1000:.1f} / {cpu_small / rounds * 1000:.1f} ms "
        f"({cpu_large / cpu_small:.2f}); load before {load[0]:.2f}, "
        f"after {os.getloadavg()[0]:.2f}"
    )
    if phases:
        print("rounds, large:", " ".join(f"{t * 1000:.0f}" for t in large))
        print("rounds, small:", " ".join(f"{t * 1000:.0f}" for t in small))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("prepare")
    made.add_argument("demo", type=Path)
    made.add_argument("work", type=Path)
    timed = commands.add_parser("run")
    timed.add_argument("work", type=Path)
    timed.add_argument("--rounds", type=int, default=11)
    timed.add_argument(
        "--profile",
        type=Path,
        help="cProfiles of the large team's syncs (FILE) and the empty one's (FILE.small)",
    )
    timed.add_argument(
        "--keep", action="store_true", help="go on from the last run instead of the copy"
    )
    timed.add_argument("--phases", action="store_true", help="time a sync's steps")
    args = parser.parse_args()
    os.environ.setdefault("RESTART_TEST_KEYRING_FILE", str(args.work.resolve() / "keyring.json"))
    if args.command == "prepare":
        prepare(args.demo.resolve(), args.work.resolve())
    else:
        run_rounds(args.work.resolve(), args.rounds, args.profile, not args.keep, args.phases)


if __name__ == "__main__":
    main()
