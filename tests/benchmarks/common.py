"""What the benchmark scripts share: waiting with the event loop running, medians, and seeding
a demo folder in a child process before measuring in another."""

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
    with tempfile.TemporaryDirectory(prefix="restart-bench-") as tmp:
        data_dir = Path(args.data_dir) if args.data_dir else Path(tmp) / "data"
        if not args.data_dir:
            print(f"Seeding {args.cases:,} fictional people…", flush=True)
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "restart_desktop", "--data-dir", str(data_dir), "demo",
                 "--cases", str(args.cases), "--seed", "7"],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
            print(f"  seeded in {time.perf_counter() - started:.1f} s", flush=True)
        subprocess.run([sys.executable, script, "--inner", str(data_dir)], env=env, check=True)
    return 0


def open_window(data_dir: Path) -> object:
    """The real main window, unlocked on the demo folder (the QApplication must exist)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from restart_desktop.domain.passphrase import DEMO_PASSPHRASE
    from restart_desktop.paths import DataPaths
    from restart_desktop.ui.application import GIL_SWITCH_SECONDS, MainWindow

    sys.setswitchinterval(GIL_SWITCH_SECONDS)  # as run_gui does
    window = MainWindow(DataPaths(data_dir))
    window.show()
    wait(lambda: window.warmed_up and window.runner.pending == 0)
    window.unlock_page.passphrase.setText(DEMO_PASSPHRASE)
    QTest.keyClick(window.unlock_page.passphrase, Qt.Key.Key_Return)
    wait(lambda: window.workspace is not None and window.runner.pending == 0)
    return window
