"""Smoke test of the frozen build, as an administrator would try it on a laptop.

``python packaging/smoke_test.py dist/restart-desktop`` (``make smoke`` builds first):

1. every file the app loads from resources/ (and every other resource file) is in the build;
2. the build's own command line seeds demo data into a temporary folder;
3. ``doctor`` passes on that folder;
4. the window starts offscreen and quits once shown (``--quit-after-shown``);

and any output on stderr fails it. It prints the build's size and its cold start time against
running from source. Exit code 0 when all is well.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Said once per window by Qt's offscreen platform, which cannot resize native windows.
HARMLESS = ("This plugin does not support propagateSizeHints()",)


def run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    took = time.perf_counter() - started
    errors = "\n".join(
        line for line in result.stderr.splitlines() if line.strip() and line not in HARMLESS
    )
    if result.returncode != 0 or errors:
        print(f"FAILED: {' '.join(command)} (exit code {result.returncode})")
        print(result.stdout)
        print(errors)
        raise SystemExit(1)
    return took, result.stdout


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    build = Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "dist" / "restart-desktop")
    program = build / ("restart-desktop-admin.exe" if os.name == "nt" else "restart-desktop-admin")
    window = build / ("restart-desktop.exe" if os.name == "nt" else "restart-desktop")
    if not program.exists():
        print(f"No build at {build}: run `make dist` first.")
        return 1
    sys.path.insert(0, str(REPO))
    from restart_desktop.domain.reference import reference_files
    from restart_desktop.paths import resources_dir

    source = resources_dir()
    frozen = build / "_internal" / "resources"
    wanted = {
        p.relative_to(source)
        for p in source.rglob("*")
        if p.is_file() and "screenshots" not in p.parts
    }
    present = {p.relative_to(frozen) for p in frozen.rglob("*") if p.is_file()}
    missing = sorted(str(p) for p in wanted - present)
    loaded_missing = sorted(str(p) for p in reference_files(source) if p not in present)
    if missing or loaded_missing:
        print(f"FAILED: resource files missing from the build: {missing or loaded_missing}")
        return 1
    print(
        f"ok  resources: all {len(wanted)} files present, incl. the "
        f"{len(reference_files(source))} the app loads"
    )

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("RESTART_DESKTOP_RESOURCES", None)
    env.pop("RESTART_DESKTOP_DATA_DIR", None)
    with tempfile.TemporaryDirectory(prefix="restart-smoke-") as tmp:
        data = Path(tmp) / "data"
        took, out = run([str(program), "--data-dir", str(data), "demo", "--cases", "30"], env)
        print(f"ok  demo data seeded by the build ({took:.1f} s)")
        _took, out = run([str(program), "--version"], env)
        from restart_desktop import __version__

        if out.split()[-1:] != [__version__]:
            print(f"FAILED: the build says {out.strip()!r}, the source {__version__}")
            return 1
        print(f"ok  version {__version__}")
        took, out = run([str(program), "--data-dir", str(data), "doctor"], env)
        print(f"ok  doctor ({took:.1f} s):")
        print("    " + "\n    ".join(out.strip().splitlines()))
        frozen_starts = [
            run([str(window), "--data-dir", str(data), "--demo", "--quit-after-shown"], env)[0]
            for _ in range(3)
        ]
        source_starts = [
            run(
                [
                    sys.executable,
                    "-m",
                    "restart_desktop",
                    "--data-dir",
                    str(data),
                    "--demo",
                    "--quit-after-shown",
                ],
                dict(env, PYTHONPATH=str(REPO)),
            )[0]
            for _ in range(3)
        ]
    print(
        f"ok  window shown and closed; cold start (best of 3): build "
        f"{min(frozen_starts):.2f} s, from source {min(source_starts):.2f} s"
    )
    print(f"    build size: {folder_size(build) / 2**20:.0f} MiB in {build}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
