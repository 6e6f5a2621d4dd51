"""What the benchmark scripts share: waiting with the event loop running, medians, seeding
a demo folder in a child process before measuring in another, and ``report``: one way for
every script to hand its figures to ``make bench`` (tests/benchmarks/run_all.py), which
prints them in one table and writes them as JSON, instead of scraping what they print."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS_ENV = "RESTART_BENCH_RESULTS"  # a JSON-lines file the figures are appended to
BENCH_ENV = "RESTART_BENCH_NAME"  # which benchmark is running (the script's name otherwise)


def report(
    name: str,
    value: float,
    unit: str,
    *,
    below: float | None = None,
    floor: float | None = None,
    ratio: float | None = None,
    note: str = "",
) -> None:
    """One figure: printed, and appended to the results file ``make bench`` gives.

    ``below`` is an absolute target (the figure must be under it, in ``unit``); ``floor`` is
    the same work done the cheapest way in the same run and ``ratio`` the target as a multiple
    of it (the figure at most ``ratio`` times the floor). Both may apply; a figure with
    neither is information (sizes, counts) and is never a MISS.
    """
    figure = {
        "bench": os.environ.get(BENCH_ENV) or Path(sys.argv[0]).stem,
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "below": below,
        "floor": None if floor is None else round(floor, 3),
        "ratio": ratio,
        "note": note,
    }
    figure["status"] = verdict(figure)
    print(
        f"  {name}: {_shown(value, unit)}"
        + (f" (floor {_shown(floor, unit)})" if floor is not None else "")
        + (f" [{figure['status']}]" if figure["status"] else ""),
        flush=True,
    )
    target = os.environ.get(RESULTS_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(figure) + "\n")


def verdict(figure: dict[str, object]) -> str:
    """PASS, MISS, or "" for a figure without a target."""
    value, below = figure["value"], figure.get("below")
    floor, ratio = figure.get("floor"), figure.get("ratio")
    checks = []
    if isinstance(below, int | float):
        checks.append(float(value) < below)  # type: ignore[arg-type]
    if isinstance(ratio, int | float) and isinstance(floor, int | float) and floor > 0:
        checks.append(float(value) <= floor * ratio)  # type: ignore[arg-type]
    if not checks:
        return ""
    return "PASS" if all(checks) else "MISS"


def target_text(figure: dict[str, object]) -> str:
    parts = []
    if figure.get("ratio") is not None:
        parts.append(f"<= {figure['ratio']}x floor")
    if figure.get("below") is not None:
        parts.append(f"< {_shown(float(figure['below']), str(figure['unit']))}")  # type: ignore[arg-type]
    return " and ".join(parts)


def _shown(value: float, unit: str) -> str:
    if unit in ("ms", "MiB", "MB") and value >= 100:
        return f"{value:,.0f} {unit}"
    if unit in ("", "x", "count"):
        return f"{value:,.2f}{unit if unit == 'x' else ''}"
    return f"{value:,.1f} {unit}" if value >= 10 else f"{value:,.2f} {unit}"


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def wait(predicate: Callable[[], bool], timeout_s: float = 120.0) -> None:
    """Run the Qt event loop until ``predicate`` holds."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.perf_counter() + timeout_s
    loop = QEventLoop()
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError("the window did not get there in time")
        QTimer.singleShot(1, loop.quit)
        loop.exec()


def ms(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms"


def run(script: str, description: str, measure: Callable[[Path], None]) -> int:
    """The scripts' main(): ``--cases N`` seeds a fresh demo folder (or ``--data-dir`` reuses
    one), then ``measure`` runs in a child process with the offscreen platform."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--data-dir", help="reuse a demo folder made by `demo` (faster)")
    parser.add_argument("--inner", metavar="DATA_DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        measure(Path(args.inner))
        return 0
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO_ROOT))
    env.setdefault(BENCH_ENV, Path(script).stem)
    with tempfile.TemporaryDirectory(prefix="restart-bench-") as tmp:
        data_dir = Path(args.data_dir) if args.data_dir else Path(tmp) / "data"
        if not args.data_dir:
            print(f"Seeding {args.cases:,} fictional people…", flush=True)
            seed(data_dir, args.cases, env)
        subprocess.run([sys.executable, script, "--inner", str(data_dir)], env=env, check=True)
    return 0


def seed(data_dir: Path, cases: int, env: dict[str, str] | None = None) -> float:
    """Seed a demo folder of ``cases`` fictional people (seed 7); returns the seconds taken."""
    env = env or dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "restart_desktop",
            "--data-dir",
            str(data_dir),
            "demo",
            "--cases",
            str(cases),
            "--seed",
            "7",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    print(f"  seeded in {seconds:.1f} s", flush=True)
    return seconds


def new_laptop(folder: Path, role: str) -> Any:
    """A new laptop enrolled in ``folder`` (its name the folder's), quick to unlock: the
    tests' passphrase and key derivation."""
    from restart_desktop.app.session import enrol
    from restart_desktop.domain.case import Role
    from restart_desktop.domain.reference import load_reference_data
    from restart_desktop.paths import DataPaths
    from tests.support.constants import PASSPHRASE
    from tests.support.team import FAST_KDF

    return enrol(
        DataPaths(folder),
        name=f"{folder.name} (fictional)",
        organisation_code=load_reference_data().organisations[0].code,
        role=Role(role),
        passphrase=PASSPHRASE,
        kdf=FAST_KDF,
    )


def make_team(export: Path, supervisor: Any, *members: Any) -> None:
    """The team in a new export folder: made by ``supervisor``, every member approved."""
    from restart_desktop.app.sync import SyncService
    from restart_desktop.sync.envelope import DeviceKeys

    export.mkdir()
    SyncService(supervisor).create_team(export, DeviceKeys.generate().age_recipient)
    for member in members:
        SyncService(member).request_to_join(export)
    for request in SyncService(supervisor).requests():
        SyncService(supervisor).approve(request.device_id)


def demo_team(demo: Path, live: Path) -> tuple[Any, Any]:
    """A copy of the demo folder ``demo`` in ``live/demo`` and a new supervisor in
    ``live/supervisor``, in a new team at ``live/export``; the demo laptop's whole history
    exported once (timed). Returns (supervisor, demo laptop), both unlocked."""
    from restart_desktop.app.session import unlock
    from restart_desktop.app.sync import SyncService
    from restart_desktop.domain.demo_passphrase import DEMO_PASSPHRASE
    from restart_desktop.paths import DataPaths

    live.mkdir(parents=True)
    subprocess.run(["cp", "-a", str(demo), str(live / "demo")], check=True)
    supervisor = new_laptop(live / "supervisor", "supervisor")
    demo_session = unlock(DataPaths(live / "demo"), DEMO_PASSPHRASE)
    make_team(live / "export", supervisor, demo_session)
    started = time.perf_counter()
    SyncService(demo_session).sync_now()
    print(f"exported in {time.perf_counter() - started:.1f} s")
    return supervisor, demo_session


def keep_copy(work: Path, names: Sequence[str]) -> None:
    """Copy the folders ``names`` of ``work/live`` to ``work/base``, as prepared."""
    base = work / "base"
    base.mkdir()
    for name in names:
        subprocess.run(["cp", "-a", str(work / "live" / name), str(base / name)], check=True)


def put_copy_back(work: Path, names: Sequence[str]) -> Path:
    """Put the folders ``names`` kept by ``keep_copy`` back in ``work/live`` (what a run
    changed is gone); returns ``work/live``."""
    import shutil

    live = work / "live"
    live.mkdir(exist_ok=True)
    for name in names:
        shutil.rmtree(live / name, ignore_errors=True)
        subprocess.run(["cp", "-a", str(work / "base" / name), str(live / name)], check=True)
    return live


def one_note(session: Any, person_id: str) -> None:
    """One fictional contact note finalised on ``session`` for ``person_id``: what the sync
    benchmarks send, round after round."""
    import datetime as dt

    from restart_desktop.app.notes import DraftFields, NoteService

    NoteService(session).finalise(
        DraftFields(
            person_id=person_id,
            contact_at=dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC),
            text="Fictional benchmark contact",
        ),
        confirmed=True,
    )


def open_window(data_dir: Path, passphrase: str | None = None) -> object:
    """The real main window, unlocked (the QApplication must exist): a demo folder with the
    demo's passphrase, any other folder with the ``passphrase`` it was enrolled with."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from restart_desktop.domain.passphrase import DEMO_PASSPHRASE
    from restart_desktop.paths import DataPaths
    from restart_desktop.ui.application import MainWindow, prepare_runtime

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    prepare_runtime(app)  # threads and garbage collection as run_gui sets them
    window = MainWindow(DataPaths(data_dir))
    window.show()
    wait(lambda: window.warmed_up and window.runner.pending == 0)
    window.unlock_page.passphrase.setText(passphrase or DEMO_PASSPHRASE)
    QTest.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    wait(lambda: window.workspace is not None and window.runner.pending == 0)
    return window


class StallWatch:
    """The GUI thread's longest stall while a benchmark runs: a 5 ms timer notes each gap
    between its ticks. ``ours`` counts only what this process was running in a gap (at most
    its CPU time meanwhile: the sync holding the interpreter, or the GUI thread busy), the rest
    being the machine busy with others. With ``where``, each stall over 30 ms is noted with
    ``label()`` and the database threads' stacks (``stalls``)."""

    def __init__(self, label: Callable[[], str] = str, where: bool = False, depth: int = 4):
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.longest, self.ours = 0, 0.0
        self.stalls: list[str] = []
        self._label, self._where, self._depth = label, where, depth
        self._clock = QElapsedTimer()
        self._cpu = time.process_time()
        self._timer = QTimer()
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        """Watch afresh (a benchmark may watch several phases in turn)."""
        self.longest, self.ours = 0, 0.0
        self.stalls.clear()
        self._clock.start()
        self._cpu = time.process_time()
        self._timer.start(5)

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        gap = self._clock.restart()
        cpu = time.process_time()
        self.ours = max(self.ours, min(gap, (cpu - self._cpu) * 1000))
        self._cpu = cpu
        self.longest = max(self.longest, gap)
        if gap > 30 and self._where:
            self.stalls.append(f"{gap} ms{self._label()}{self._stacks()}")

    def _stacks(self) -> str:
        import threading
        import traceback

        where = ""
        for thread in threading.enumerate():
            if thread.name.startswith("restart-db") and thread.ident:
                frame = sys._current_frames().get(thread.ident)
                if frame is not None:
                    where += " | " + " < ".join(
                        f"{f.name}:{f.lineno}"
                        for f in traceback.extract_stack(frame)[-self._depth :]
                    )
        return where
