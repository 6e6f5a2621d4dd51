"""One writer at a time, never a long wait: a supervisor's window takes in a whole demo
laptop's export (10,000 cases) while the supervisor keeps saving a case every ~200 ms through
the real service and the window's own task runner; then a retention run erases cases while
the saves go on.

Prints the save latency (median and max; target: max under 500 ms) measured on the database
thread (the service call) and from the click to the result on the GUI thread, the saves that
failed and why, and the longest GUI-thread stall meanwhile (target under 50 ms).

Run with ``make bench`` (or ``python tests/benchmarks/bench_busy.py [--cases N]
[--data-dir DEMO]``). The demo folder is copied first, so a reused one stays as it was.
RESTART_BENCH_STALLS=1 lists each GUI stall over 30 ms with where the other threads were.
Asserts nothing.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import StallWatch, median_ms, open_window, report, run, wait

SAVE_EVERY_MS = 200


def _figures(name: str, seconds: list[float]) -> str:
    if not seconds:
        return f"{name}: none"
    return (
        f"{name}: {len(seconds)} saves, median {statistics.median(seconds) * 1000:.0f} ms, "
        f"max {max(seconds) * 1000:.0f} ms"
    )


def _time_turns() -> list[tuple[bool, float, str]]:
    """(background, seconds, where) of every turn at writing (store/writer.py) from now on."""
    import threading
    import traceback
    from contextlib import contextmanager

    from restart_desktop.store import writer

    holds: list[tuple[bool, float, str]] = []
    real_turn = writer.WriteGate.turn

    @contextmanager
    def timed_turn(self: writer.WriteGate, background: bool | None = None) -> Any:
        with real_turn(self, background):
            began = time.perf_counter()
            try:
                yield
            finally:
                seconds = time.perf_counter() - began
                ours = [
                    frame.name
                    for frame in traceback.extract_stack()
                    if "restart_desktop" in frame.filename and frame.name != "write"
                ]
                where = " < ".join(reversed(ours[-2:]))
                kind = writer.in_background() if background is None else background
                holds.append((kind, seconds, f"{threading.current_thread().name}: {where}"))

    writer.WriteGate.turn = timed_turn  # type: ignore[method-assign]
    return holds


def measure(data_dir: Path) -> None:
    import datetime as dt

    import keyring
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import func, select

    from restart_desktop.app.cases import CaseFields, CaseService
    from restart_desktop.app.retention import RetentionService
    from restart_desktop.app.session import AppSession, enrol, unlock
    from restart_desktop.app.sync import SyncService
    from restart_desktop.domain.case import Role
    from restart_desktop.domain.passphrase import DEMO_PASSPHRASE
    from restart_desktop.domain.reference import load_reference_data
    from restart_desktop.paths import DataPaths
    from restart_desktop.store.models import Change, Person
    from restart_desktop.sync.envelope import DeviceKeys
    from restart_desktop.ui.application import MainWindow
    from restart_desktop.ui.tasks import user_message
    from tests.support.constants import PASSPHRASE
    from tests.support.memory_keyring import MemoryKeyring
    from tests.support.team import FAST_KDF

    keyring.set_keyring(MemoryKeyring())
    holds = _time_turns()
    tmp = Path(tempfile.mkdtemp(prefix="restart-bench-busy-"))
    demo_dir = tmp / "demo"
    shutil.copytree(data_dir, demo_dir)

    # --- the team: the demo laptop publishes its whole history ---------------------------
    code = load_reference_data().organisations[0].code
    supervisor = enrol(
        DataPaths(tmp / "supervisor"),
        name="Supervisor (fictional)",
        organisation_code=code,
        role=Role.SUPERVISOR,
        passphrase=PASSPHRASE,  # a real folder refuses the demo's passphrase
        kdf=FAST_KDF,
    )
    export = tmp / "export"
    export.mkdir()
    SyncService(supervisor).create_team(export, DeviceKeys.generate().age_recipient)
    demo = unlock(DataPaths(demo_dir), DEMO_PASSPHRASE)
    SyncService(demo).request_to_join(export)
    for request in SyncService(supervisor).requests():
        SyncService(supervisor).approve(request.device_id)
    SyncService(supervisor).sync_now()
    with demo.db.read() as s:
        changes = int(s.execute(select(func.count()).select_from(Change)).scalar_one())
        people = int(s.execute(select(func.count()).select_from(Person)).scalar_one())
    started = time.perf_counter()
    SyncService(demo).sync_now()
    bundles = len(list((export / "devices").rglob("*-*.age")))
    print(
        f"Demo laptop: {people:,} people, {changes:,} changes, published as {bundles} "
        f"bundles in {time.perf_counter() - started:.1f} s"
    )
    demo.close()
    case_id = (
        CaseService(supervisor)
        .create_case(CaseFields(given_name="Testy", family_name="Benchson"))
        .case_id
    )
    supervisor.close()

    # --- the window takes it all in while the supervisor saves --------------------------
    app = QApplication.instance() or QApplication(sys.argv[:1])
    watch = StallWatch(where=bool(os.environ.get("RESTART_BENCH_STALLS")))
    window = open_window(DataPaths(tmp / "supervisor").root, PASSPHRASE)
    assert isinstance(window, MainWindow)
    session: AppSession | None = window.session
    assert session is not None
    service = CaseService(session)
    in_thread: list[float] = []
    end_to_end: list[float] = []
    failures: Counter[str] = Counter()
    state = {"saving": False, "n": 0, "on": True}

    def save_once() -> None:
        if state["saving"] or not state["on"]:
            return
        state["saving"] = True
        state["n"] += 1
        values = CaseFields(
            given_name="Testy", family_name="Benchson", preferred_name=f"Bench {state['n']}"
        )
        clicked = time.perf_counter()

        def work() -> float:
            begun = time.perf_counter()
            try:
                service.update_case(case_id, values)
            finally:
                in_thread.append(time.perf_counter() - begun)
            return clicked

        def done(_clicked: float) -> None:
            end_to_end.append(time.perf_counter() - clicked)
            state["saving"] = False

        def failed(error: BaseException) -> None:
            end_to_end.append(time.perf_counter() - clicked)
            failures[user_message(error)] += 1
            state["saving"] = False

        window.runner.run(work, done, failed)

    save_timer = QTimer()
    save_timer.timeout.connect(save_once)

    def measure_while(what: str, finished: object, timeout_s: float = 3600) -> None:
        in_thread.clear()
        end_to_end.clear()
        failures.clear()
        state["on"] = True
        began = time.perf_counter()
        watch.start()
        save_timer.start(SAVE_EVERY_MS)
        wait(finished, timeout_s=timeout_s)  # type: ignore[arg-type]
        save_timer.stop()
        state["on"] = False
        wait(lambda: not state["saving"])
        watch.stop()
        print(f"{what}: {time.perf_counter() - began:.1f} s")
        print("  " + _figures("save latency, the service call", in_thread))
        print("  " + _figures("save latency, click to result", end_to_end))
        for message, count in failures.items():
            print(f"  {count} saves failed: {message}")
        background = sorted((hold for hold in holds if hold[0]), key=lambda hold: -hold[1])
        if background:
            print(
                f"  background transactions: {len(background)}, longest "
                + ", ".join(
                    f"{seconds * 1000:.0f} ms ({where})" for _, seconds, where in background[:3]
                )
            )
        holds.clear()
        print(f"  longest GUI-thread stall meanwhile: {watch.longest} ms (target < 50 ms)")
        report(f"{what}: longest GUI stall", watch.longest, "ms", below=50)
        if end_to_end:
            report(f"{what}: save, click to result (median)", median_ms(end_to_end), "ms")
        for stall in watch.stalls:
            print("    stall", stall)

    # Unlocking started a sync: the whole export comes in.
    measure_while(
        "The window took in the whole export", lambda: window.sync_label.text().startswith("Synced")
    )
    print(f"  status bar: {window.sync_label.text()}")
    measure_while("Saves with nothing else running", lambda: len(in_thread) >= 10)

    # --- a retention run while the supervisor saves ---------------------------------------
    # The demo's closed cases are due seven years on (the supervisor's rule: years after
    # closing), as in bench_retention.
    later = dt.date.today() + dt.timedelta(days=7 * 366)
    retention = RetentionService(session, today=lambda: later)
    erased: list[int] = []

    def erase() -> None:
        import threading

        def go() -> None:
            erased.append(retention.run().erased)

        threading.Thread(target=go, name="bench-retention").start()

    erase()
    measure_while("A retention run beside the saves", lambda: bool(erased))
    print(f"  cases erased: {erased[0]}")
    window.shutdown()
    window.close()
    del app
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(run(__file__, "Saves during an import and a retention run", measure))
