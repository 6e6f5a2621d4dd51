"""Every benchmark on one seeded demo folder: one table, and the same figures as JSON.

Run with ``make bench`` (10,000 cases, about half an hour) or ``make bench-fast`` (1,000
cases, to try a change; its figures are not comparable with the baseline). It seeds one demo
folder (the seeding is itself a figure), gives each benchmark script its own copy (several
write to it), collects what each one ``report``s (tests/benchmarks/common.py) and prints
every figure beside its floor and target with PASS or MISS. The results go to
``bench-results.json``; ``make bench-compare`` sets them beside the committed baseline
(tests/benchmarks/baseline.json) so a regression is seen in the next session.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import (
    BENCH_ENV,
    REPO_ROOT,
    RESULTS_ENV,
    report,
    seed,
    target_text,
    verdict,
)

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    "foundation",
    "services",
    "notes",
    "release",
    "referrals",
    "review",
    "retention",
    "busy",
    "sync",
)
FULL_CASES = 10_000
SEEDING_SECONDS = 60.0  # at 10,000 cases (issue 27); scaled for other sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=FULL_CASES)
    parser.add_argument("--fast", action="store_true", help="1,000 cases, to try a change")
    parser.add_argument("--only", help="comma-separated benchmarks, e.g. services,notes")
    parser.add_argument(
        "--data-dir",
        help="a demo folder to measure on, seeded (and timed) "
        "first if it does not exist; kept, so a second run can reuse it",
    )
    parser.add_argument("--out", default=str(REPO_ROOT / "bench-results.json"))
    args = parser.parse_args()
    cases = 1_000 if args.fast else args.cases
    chosen = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark called {', '.join(unknown)}; there are {', '.join(BENCHMARKS)}")

    with tempfile.TemporaryDirectory(prefix="restart-bench-") as tmp:
        results = Path(tmp) / "results.jsonl"
        results.touch()
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO_ROOT))
        env[RESULTS_ENV] = str(results)
        load_before = os.getloadavg()[0]
        source = Path(args.data_dir) if args.data_dir else Path(tmp) / "seeded"
        if not source.exists():
            print(f"Seeding {cases:,} fictional people…", flush=True)
            seconds = seed(source, cases, env)
            os.environ.update({RESULTS_ENV: str(results), BENCH_ENV: "seeding"})
            report(
                f"demo seeding of {cases:,} cases",
                seconds,
                "s",
                below=SEEDING_SECONDS * cases / FULL_CASES,
            )
        for name in chosen:
            copy = Path(tmp) / name
            shutil.copytree(source, copy)
            print(f"\n== bench_{name} ==", flush=True)
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, str(HERE / f"bench_{name}.py"), "--data-dir", str(copy)],
                env=dict(env, **{BENCH_ENV: name}),
                check=False,
            )
            if done.returncode != 0:
                os.environ.update({RESULTS_ENV: str(results), BENCH_ENV: name})
                report(
                    "the benchmark ran to the end",
                    1,
                    "failed",
                    below=0,
                    note=f"exit status {done.returncode}",
                )
            print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)
            shutil.rmtree(copy, ignore_errors=True)
            # Written after each benchmark: a run cut short still leaves what it measured.
            document = _document(cases, load_before, results)
            Path(args.out).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")

    print_table(document)
    print(f"\nWritten to {args.out}; `make bench-compare` sets it beside the baseline.")
    return 0


def _document(cases: int, load_before: float, results: Path) -> dict[str, object]:
    return {
        "cases": cases,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "python": platform.python_version(),
        "commit": _commit(),
        "figures": [json.loads(line) for line in results.read_text().splitlines() if line],
    }


def _commit() -> str:
    """The commit measured (a dirty tree says so)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def print_table(document: dict[str, object]) -> None:
    figures: list[dict[str, object]] = document["figures"]  # type: ignore[assignment]
    load = document["load_average"]
    print(
        f"\nRESTART Desktop benchmarks, {document['cases']:,} cases, {document['when']}"
        f" (load average {load['before']} before, {load['after']} after)"  # type: ignore[index]
    )
    width = max([len(str(f["name"])) for f in figures] + [10])
    print(f"{'bench':11} {'measure':{width}} {'figure':>12} {'floor':>12} {'target':>24}  result")
    for figure in figures:
        unit = str(figure["unit"])
        floor = figure.get("floor")
        print(
            f"{figure['bench']!s:11} {figure['name']!s:{width}}"
            f" {_cell(figure['value'], unit):>12}"
            f" {_cell(floor, unit) if floor is not None else '':>12}"
            f" {target_text(figure):>24}  {verdict(figure)}"
        )
    misses = sum(1 for f in figures if verdict(f) == "MISS")
    passes = sum(1 for f in figures if verdict(f) == "PASS")
    print(f"{passes} PASS, {misses} MISS, {len(figures) - passes - misses} for information")


def _cell(value: object, unit: str) -> str:
    number = float(value)  # type: ignore[arg-type]
    if unit in ("x", ""):
        return f"{number:.2f}{unit}"
    digits = 0 if number >= 100 else 1 if number >= 10 else 2
    return f"{number:,.{digits}f} {unit}"


if __name__ == "__main__":
    raise SystemExit(main())
