"""A note being typed survives SIGKILL: the real window, a real kill, a real restart."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from restart_desktop.domain.reference import load_reference_data
from restart_desktop.ui.note_editor import AUTOSAVE_MS
from tests.support.cli import REPO_ROOT, cli_env, run_cli
from tests.support.constants import PASSPHRASE

pytestmark = pytest.mark.e2e

DRIVER = str(REPO_ROOT / "tests" / "support" / "autosave_driver.py")
TYPED = "Zażółć gęślą jaźń: talked about the hostel in Banbury 🏠"


def test_a_draft_survives_sigkill_and_is_found_after_restart(tmp_path: Path) -> None:
    env = cli_env(tmp_path, RESTART_DESKTOP_PASSPHRASE=PASSPHRASE)
    organisation = load_reference_data().organisations[0].code
    init = run_cli(["init", "--name", "Testy McExample", "--organisation", organisation], env)
    assert init.returncode == 0, init.stderr

    with subprocess.Popen(
        [sys.executable, DRIVER, "type", TYPED],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as app:
        try:
            assert app.stdout is not None
            assert app.stdout.readline().strip() == "TYPED"
            time.sleep(AUTOSAVE_MS / 1000 + 1.5)  # past the autosave interval, with margin
            app.send_signal(signal.SIGKILL)
            app.wait(timeout=30)
        finally:
            if app.poll() is None:
                app.kill()
    assert app.returncode == -signal.SIGKILL

    data = Path(env["RESTART_DESKTOP_DATA_DIR"])
    for path in data.rglob("*"):  # no temp files, no plaintext anywhere in the folder
        if path.is_file():
            assert b"Banbury" not in path.read_bytes(), path.name

    after = subprocess.run(
        [sys.executable, DRIVER, "drafts"], env=env, capture_output=True, text=True, timeout=120
    )
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout.strip().splitlines()[-1]) == [TYPED]
