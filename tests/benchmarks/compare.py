"""The last ``make bench`` results beside the committed baseline: what got slower, what faster.

Run with ``make bench-compare`` (or ``python tests/benchmarks/compare.py [--results FILE]
[--baseline FILE] [--tolerance 0.25]``). Every figure is lower-is-better. A figure with a
target that grew by more than the tolerance, or that passed in the baseline and misses now,
is a REGRESSION and the command exits with status 1. Timings are noisy on a shared machine:
look at the floors measured in the same run before believing a small change. When a change
is meant (a feature that must cost more, a faster machine), commit the new results as the
baseline: ``cp bench-results.json tests/benchmarks/baseline.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.common import REPO_ROOT, verdict

BASELINE = Path(__file__).resolve().parent / "baseline.json"


def _key(figure: dict[str, object]) -> tuple[str, str]:
    return str(figure["bench"]), str(figure["name"])


def compare(baseline: dict[str, object], results: dict[str, object], tolerance: float) -> int:
    """Print the differences; return how many figures regressed."""
    before = {_key(f): f for f in baseline["figures"]}  # type: ignore[attr-defined]
    after = {_key(f): f for f in results["figures"]}  # type: ignore[attr-defined]
    print(
        f"Baseline: {baseline['cases']:,} cases, {baseline['when']}; "
        f"now: {results['cases']:,} cases, {results['when']}"
    )
    if baseline["cases"] != results["cases"]:
        print("The two runs seeded different numbers of cases: the figures do not compare.")
    width = max([len(k[1]) for k in after] + [10])
    print(f"{'bench':11} {'measure':{width}} {'baseline':>12} {'now':>12} {'change':>8}  note")
    regressions = 0
    for key in list(before) + [k for k in after if k not in before]:
        old, new = before.get(key), after.get(key)
        if new is None or old is None:
            known = new or old
            assert known is not None
            shown = f"{known['value']} {known['unit']}"
            print(
                f"{key[0]:11} {key[1]:{width}} {shown if old else '':>12}"
                f" {shown if new else '':>12} {'':>8}  {'new' if old is None else 'gone'}"
            )
            continue
        was, now = float(old["value"]), float(new["value"])
        change = (now - was) / was if was else 0.0
        note = ""
        has_target = verdict(new) != ""
        if verdict(old) == "PASS" and verdict(new) == "MISS":
            note = "REGRESSION: missed its target"
        elif has_target and change > tolerance:
            note = "REGRESSION: slower"
        elif has_target and change < -tolerance:
            note = "faster"
        regressions += note.startswith("REGRESSION")
        unit = str(new["unit"])
        print(
            f"{key[0]:11} {key[1]:{width}} {was:>9.1f} {unit:<2} {now:>9.1f} {unit:<2}"
            f" {change:>+7.0%}  {note}"
        )
    print(f"{regressions} regression(s) beyond {tolerance:.0%}.")
    return regressions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(REPO_ROOT / "bench-results.json"))
    parser.add_argument("--baseline", default=str(BASELINE))
    parser.add_argument("--tolerance", type=float, default=0.25)
    args = parser.parse_args()
    for path in (args.results, args.baseline):
        if not Path(path).exists():
            print(
                f"There is no {path}: run `make bench` first (and commit its results as "
                f"the baseline).",
                file=sys.stderr,
            )
            return 2
    baseline = json.loads(Path(args.baseline).read_text(encoding="utf-8"))
    results = json.loads(Path(args.results).read_text(encoding="utf-8"))
    return 1 if compare(baseline, results, args.tolerance) else 0


if __name__ == "__main__":
    raise SystemExit(main())
