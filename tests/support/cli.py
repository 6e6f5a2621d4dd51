"""Running the real ``restart-desktop`` command line in a subprocess, as an administrator would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.privacy import note_output

REPO_ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 120

# Variables of the developer's own session that must not reach the app under test.
_DROPPED = ("RESTART_DESKTOP_PASSPHRASE", "RESTART_DESKTOP_DATA_DIR", "PYTHON_KEYRING_BACKEND")


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A hermetic environment: its own data folder, and a file keyring shared by the commands."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    python_path = [str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    env.update(
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=os.pathsep.join(python_path),
        PYTHONDONTWRITEBYTECODE="1",
        RESTART_DESKTOP_DATA_DIR=str(tmp_path / "data"),
        PYTHON_KEYRING_BACKEND="tests.support.memory_keyring.FileKeyring",
        RESTART_TEST_KEYRING_FILE=str(tmp_path / "test-keyring.json"),
    )
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str], env: Mapping[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "restart_desktop", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    # Its log and any crash output: searched for fictional names at the end of the run.
    note_output(f"restart-desktop {args[0] if args else ''} (standard error)", result.stderr)
    return result


def doctor_lines(output: str) -> dict[str, tuple[bool, str]]:
    """``doctor`` output as {check name: (ok, detail)}."""
    checks: dict[str, tuple[bool, str]] = {}
    for line in output.splitlines():
        mark, _, rest = line.partition(" ")
        name, _, detail = rest.strip().partition("  ")
        checks[name.strip()] = (mark == "ok", detail.strip())
    return checks
