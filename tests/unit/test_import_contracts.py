"""The import contracts in pyproject.toml bite: each one fails on a copy of the package with
one forbidden import written into it. (``make lint`` checks the real tree passes them.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

# It runs lint-imports six times (a few seconds): left out of `make test-fast`.
pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]

QT = "Qt only in ui/ (and the command line that starts it)"
#: (contract, a module, a line that breaks that contract when written into the module).
FORBIDDEN = [
    # store reaching up into app: the layers contract counts chains as well.
    (
        "Layers point downwards",
        "restart_desktop/store/queries.py",
        "import restart_desktop.app.errors",
    ),
    (QT, "restart_desktop/paths.py", "import PySide6"),
    # Indirect: atomic imports no Qt itself, but a module that does.
    (QT, "restart_desktop/atomic.py", "import restart_desktop.ui.widgets"),
    (
        "domain/ is plain Python: no SQL, Qt, keyring or encryption",
        "restart_desktop/domain/case.py",
        "import sqlalchemy",
    ),
    (
        "ui/ goes through app/: no store, sync or security (their errors via app.errors)",
        "restart_desktop/ui/help.py",
        "import restart_desktop.store.models",
    ),
    (
        "The command line takes nothing from ui/ but the window it starts",
        "restart_desktop/cli.py",
        "import restart_desktop.ui.widgets",
    ),
]


def _contract_names() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [contract["name"] for contract in config["tool"]["importlinter"]["contracts"]]


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("lint-imports")
    command = str(script) if script.exists() else shutil.which("lint-imports")
    assert command, "lint-imports (import-linter) is not installed"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [command, "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def copy_of_the_package(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(
        ROOT / "restart_desktop",
        tree / "restart_desktop",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_every_contract_has_a_forbidden_import_here() -> None:
    assert sorted(_contract_names()) == sorted({contract for contract, *_ in FORBIDDEN})


@pytest.mark.parametrize(("contract", "module", "line"), FORBIDDEN)
def test_a_forbidden_import_breaks_the_contract(
    contract: str, module: str, line: str, copy_of_the_package: Path
) -> None:
    with open(copy_of_the_package / module, "a", encoding="utf-8") as handle:
        handle.write(f"\n{line}\n")
    broken = _lint_imports(copy_of_the_package)
    assert broken.returncode != 0
    # The contract named is the one broken, by the line written (the unchanged tree passes
    # them all: `make lint`).
    assert f"{contract} BROKEN" in broken.stdout
    assert f"{Path(module).with_suffix('').as_posix().replace('/', '.')} ->" in broken.stdout
