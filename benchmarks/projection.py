"""Projection benchmark (section 5 of `make bench`, or alone: `python benchmarks/run.py --only
projection`, or `python benchmarks/projection.py [rounds]`).

Issue 14: the projection of the 300-school county over 10 years, with the evaluation of each
year, timed against one evaluation of the base year (target ≤ 10×). Measured side by side,
alternating, on the same workbook as section 1 (build/bench/county-300.xlsx, seeded):

(a) load + evaluate the base year;
(b) load + ``project(years=10)`` + ``evaluate`` each of the 11 years (base included);
(c) load + ``project(years=10)`` + ``Projection.summary()`` (what ``junheng project`` prints:
    every year evaluated, plus its counts).

The ratios are taken per round (b / a, c / a) and their medians reported; (b) is also split
into its phases (load, project, the 11 evaluations). The sample workbook has no grades or
births table, so every school–stage is spread over its grades and the entrants repeat the base
year's grade 1.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import junheng
from junheng.projection import project

YEARS = 10
TARGET = 10.0


def base_year(path: Path) -> tuple[float, int]:
    """(a): load + evaluate; returns the time and the school–stages evaluated."""
    start = time.perf_counter()
    ev = junheng.evaluate(junheng.load(path))
    return time.perf_counter() - start, ev.schools.height


def each_year(path: Path) -> tuple[float, dict[str, float], int]:
    """(b): load + project + evaluate every year; the total, its phases, the years."""
    start = time.perf_counter()
    dataset = junheng.load(path)
    loaded = time.perf_counter()
    p = project(dataset, years=YEARS)
    projected = time.perf_counter()
    for year in p.years:
        p.evaluate(year)
    done = time.perf_counter()
    return done - start, {"load_s": loaded - start, "project_s": projected - loaded,
                          "evaluate_years_s": done - projected}, len(p.years)


def with_summary(path: Path) -> float:
    """(c): load + project + summary."""
    start = time.perf_counter()
    project(junheng.load(path), years=YEARS).summary()
    return time.perf_counter() - start


def run(path: Path, rounds: int = 7) -> dict:
    base_year(path)  # warm-up: imports, the standard's cache, the file in the page cache
    each_year(path)
    with_summary(path)
    a_t, b_t, c_t, phases = [], [], [], []
    stages = years = 0
    for _ in range(rounds):  # alternate, so drift affects each alike; ratios taken per round
        t, stages = base_year(path)
        a_t.append(t)
        t, phase, years = each_year(path)
        b_t.append(t)
        phases.append(phase)
        c_t.append(with_summary(path))
    ratio = statistics.median(b / a for a, b in zip(a_t, b_t, strict=True))
    return {
        "file": str(path), "school_stages": stages, "years_projected": YEARS,
        "years_evaluated": years, "rounds": rounds,
        "base_year_s": statistics.median(a_t),
        "projection_each_year_s": statistics.median(b_t),
        "projection_summary_s": statistics.median(c_t),
        **{f"phase_{k}": statistics.median(p[k] for p in phases) for k in phases[0]},
        "per_year_evaluation_s": statistics.median(p["evaluate_years_s"] for p in phases)
        / years,
        "ratio_each_year_to_base": ratio,
        "ratio_summary_to_base": statistics.median(
            c / a for a, c in zip(a_t, c_t, strict=True)),
        "target_ratio": TARGET,
        "met": ratio <= TARGET,
    }


def report(r: dict) -> None:
    print(f"  {r['school_stages']} school–stages, {r['years_projected']} years projected "
          f"({r['years_evaluated']} evaluated), median of {r['rounds']} alternating rounds")
    print(f"  (a) load + evaluate the base year {r['base_year_s']:.3f} s")
    print(f"  (b) load + project + evaluate each year {r['projection_each_year_s']:.3f} s "
          f"(load {r['phase_load_s']:.3f} s, project {r['phase_project_s']:.3f} s, "
          f"{r['years_evaluated']} evaluations {r['phase_evaluate_years_s']:.3f} s = "
          f"{r['per_year_evaluation_s'] * 1000:.0f} ms each)")
    print(f"  (c) load + project + summary {r['projection_summary_s']:.3f} s")
    print(f"  ratio (b)/(a) {r['ratio_each_year_to_base']:.2f}× (target ≤ {r['target_ratio']:g}×: "
          f"{'met' if r['met'] else 'not met'}); (c)/(a) {r['ratio_summary_to_base']:.2f}×")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    workbook = here.parent / "build" / "bench" / "county-300.xlsx"
    if not workbook.exists():
        workbook.parent.mkdir(parents=True, exist_ok=True)
        junheng.write_sample(workbook, schools=300, seed=7)
    report(run(workbook, int(sys.argv[1]) if len(sys.argv) > 1 else 7))
