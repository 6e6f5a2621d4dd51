"""The CI workflow file is checked by `make lint` against GitHub's workflow schema (shipped
inside check-jsonschema: no network). The check passes on the file and fails on a broken one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# It starts check-jsonschema twice (a few seconds): left out of `make test-fast`.
pytestmark = pytest.mark.e2e
WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "build.yml"


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("check-jsonschema")
    command = str(script) if script.exists() else shutil.which("check-jsonschema")
    assert command, "check-jsonschema is not installed (pip install -e '.[dev]')"
    return subprocess.run(
        [command, "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_workflow_builds_and_smoke_tests_on_three_systems() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    for needed in (
        "windows-latest",
        "macos-latest",
        "ubuntu-latest",
        "packaging/restart_desktop.spec",
        "packaging/smoke_test.py",
    ):
        assert needed in text
    passed = _check(WORKFLOW)
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_a_broken_workflow_fails_the_check(tmp_path: Path) -> None:
    broken = tmp_path / "build.yml"
    broken.write_text(
        WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "runs_on:"), encoding="utf-8"
    )
    failed = _check(broken)
    assert failed.returncode != 0
    assert "one-folder" in failed.stdout
