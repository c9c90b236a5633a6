"""`make bench`: junheng against the raw read floor and plain pandas baselines.

Everything is measured side by side in one run, alternating, so the ratios hold on a noisy
machine (2 cores, shared with other work); a ratio is the median of the per-pair ratios, and
absolute times are printed only beside their ratio.

1. County workbook (300 schools, 18 600 teachers, .xlsx): load + validate + evaluate vs the raw
   fastexcel read (target ≤ 1.2×), 9 pairs; vs the same rules in plain pandas, reading with
   openpyxl and with calamine (python-calamine, the reader fastexcel is built on), whose numbers
   are checked against junheng's; the evaluation's JSON checked byte for byte against
   tests/golden/county-300.json.gz (the engine before issue 18).
2. National synthetic curve (benchmarks/national.py): 1×, 2×, 5× and 10× a province (177
   counties of 100 schools each: 20 001 → 200 010 school–stages, 1.1 → 11.1 million teachers,
   sixteen-digit teacher ids, Parquet): load + validate + evaluate vs the raw Parquet read, each
   run in a fresh process with its peak memory, 5 pairs per scale (targets at 10×: ≤ 3× the raw
   read, ≤ 4 GB; each step of the curve within 1.2× of linear); the JSON's sha256 at each scale
   against benchmarks/national.json (written by the engine before issue 18).
   ``--before SRC`` measures an older engine in the same runs (sections 1–2), e.g.
   ``git archive 793447a | tar -x -C /tmp/base`` then ``--before /tmp/base/src``.
3. Reports for the 300-school county: the Excel workbook, the HTML report, the Word draft and
   the JSON, each timed; the workbook against a plain Polars ``write_excel`` of its three big
   tables (the write floor), and all reports against the evaluation itself.
4. The rotation planner on 30-, 60-, 100- and 150-school counties (benchmarks/rotation.py): time
   to the first feasible plan and to each level's proven optimum, moves made against the moves
   the rules require, a greedy rule on the same counties, and HiGHS against CP-SAT on the same
   model.
5. The projection of the 300-school county over 10 years with the evaluation of each year
   (benchmarks/projection.py), against one evaluation of the base year (target ≤ 10×).
6. The path to pass for the 300-school county (benchmarks/pass_plan.py): rotation first, then
   recruitment and investment at least cost — time to the proven optimum (target ≤ 60 s), the
   cost against the naive plan and against investment alone, and the plan phased over 3 years.
7. The web application on the 300-school county (benchmarks/web.py): evaluation on upload against
   load + evaluate, the dashboard page once cached (target ≤ 300 ms) against its summary alone,
   and 50 simulated users for 60 s on loopback: p50/p95 latency and errors (target 0).
8. School groups on the 300-school county (benchmarks/groups.py): the MILP's time to its proven
   optimum against load + evaluate, and its members, pupils' share, rural schools, benefit and
   km against a nearest-leader greedy on the same allowed pairs (both checked against the rules;
   the MILP asserted no worse on its own objective). Contiguous school districts are measured
   apart (benchmarks/districts.py: their balanced cases take minutes).

Inputs are generated once into build/bench/ and reused; their names carry the generator's
version and seed, or a hash of the code that makes them, so a changed generator makes new
inputs. ``--only`` runs some sections (e.g. ``--only projection``); their figures replace those
sections' in results.json and the others' are kept.

Issue 18, before and after in the same run (``run.py --only county national --before
/tmp/base/src --before-rounds 1``, the engine of 793447a as "before"; 2 cores, quiet; the
ratios are per pair):

- county workbook: 0.183 s against a raw read of 0.109 s, 1.70×; in fresh processes 1.97×
  before, 1.72× after. Target ≤ 1.2× not met. The read itself is 0.80× the raw read (the
  teacher sheet loaded in a thread as soon as the archive check passes it, and parsed in two
  halves at once; the check in 512 KiB pieces), but validating and evaluating the county costs
  ~90 ms of ~290 small queries (each 15–170 µs even on a 300-row frame), and its evaluation
  ~30 ms more in a fresh process since the other parts are judged for every county at once
  (made for provinces).
  pandas reading with calamine 0.33 s, with openpyxl 1.24 s: junheng 1.8× and 6.9× faster.
- national curve (1×, 2×, 5×, 10×): 0.45, 0.73, 1.63, 3.34 s against raw reads of 0.10, 0.16,
  0.34, 0.66 s — 4.62×, 4.57×, 4.79×, 5.09× (before: 11.3×, 14.0×, 20.4×, 36.5×; 23.9 s at
  10×); peak memory 0.52, 0.90, 1.75, 3.27 GB (before 1.39, 2.21, 5.08, 9.95 GB); steps of
  0.80×, 0.89× and 1.02× of linear; the JSON identical to the goldens at every scale. At 10×
  load + validate 2.21 s, evaluate 1.14 s. Targets at 10×: ≤ 4 GB and ≤ 1.2× of linear met;
  ≤ 3× the raw read not met.
- the floor at 10× (``_measure.py floor``, fresh processes): the raw read 0.69 s, then the
  roster's required checks as bare queries — ids distinct 0.22 s, codes 0.19, nothing to strip
  0.06, runs of school and stage 0.14, schools known and counts 0.03, rotated teachers on the
  roster 0.28 — 1.61 s in all, 2.33× the raw read. The teachers' tally for the units and
  items, one streamed pass, adds ~0.36 s: 2.85× before any other table is validated or any
  school evaluated. ≤ 3× leaves ~0.1 s for the rest.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import fastexcel

import junheng

HERE = Path(__file__).resolve().parent
BUILD = HERE.parent / "build" / "bench"
GOLDEN = HERE.parent / "tests" / "golden"
sys.path.insert(0, str(HERE))
import baseline_pandas  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def raw_xlsx(path: Path) -> None:
    reader = fastexcel.read_excel(str(path))
    for sheet in reader.sheet_names:
        reader.load_sheet(sheet).to_polars()


def ours(path: Path):
    return junheng.evaluate(junheng.load(path))


def _sample_fingerprint() -> str:
    """The sample county's generator and the workbook writer: a new county file when either
    changes."""
    import junheng.io._workbook as writer
    import junheng.model.sample as sample

    digest = hashlib.sha256(Path(sample.__file__).read_bytes())
    digest.update(Path(writer.__file__).read_bytes())
    return digest.hexdigest()[:10]


def county_workbook() -> Path:
    """The 300-school county of sections 1 and 3–7 (seed 7; rebuilt when its generator or the
    workbook writer changes)."""
    path = BUILD / f"county-300-seed7-{_sample_fingerprint()}.xlsx"
    if not path.exists():
        junheng.write_sample(path, schools=300, seed=7)
    return path


def same_as_golden(result, golden: Path) -> None:
    """The evaluation's JSON, byte for byte, against the golden kept before issue 18's work."""
    text = result.to_json() + "\n"
    text = text.replace(f'"junheng": "{junheng.__version__}"', '"junheng": "0.1.0"', 1)
    expected = gzip.decompress(golden.read_bytes()).decode()
    assert text == expected, f"the evaluation differs from {golden.relative_to(HERE.parent)}"


def _county_subprocess(src: str | None, path: Path, rounds: int) -> list[tuple[float, float]]:
    """(raw, junheng) pairs measured alternately in a fresh process, with the package found in
    ``src`` (a source tree, to measure the engine before the change) or the installed one."""
    env = dict(os.environ, PYTHONPATH=src) if src else None
    run = subprocess.run([sys.executable, str(HERE / "_measure.py"), "county", str(path),
                          str(rounds)], capture_output=True, text=True, check=True, env=env)
    return [tuple(p) for p in json.loads(run.stdout)["pairs"]]


def county(rounds: int, baseline_rounds: int, before: str | None) -> dict:
    path = county_workbook()
    result = ours(path)  # warm-up, and the numbers to check the baseline against
    same_as_golden(result, GOLDEN / "county-300.json.gz")
    raw_xlsx(path)
    teachers = junheng.load(path).teachers.height
    raw_t, ours_t = [], []
    for _ in range(rounds):  # alternate so drift affects both alike; ratios taken per pair
        raw_t.append(timed(lambda: raw_xlsx(path)))
        ours_t.append(timed(lambda: ours(path)))
    bases = {"openpyxl": [], "calamine": []}
    ours_b = []
    results = {}
    for _ in range(baseline_rounds):
        for engine, times in bases.items():
            start = time.perf_counter()
            results[engine] = baseline_pandas.evaluate(str(path), engine)
            times.append(time.perf_counter() - start)
        ours_b.append(timed(lambda: ours(path)))
    # The baseline must compute the same thing, or the comparison means nothing.
    mine = {(r["county"], r["stage"], r["indicator"]): r["cv"]
            for r in result.stages.iter_rows(named=True)}
    for base in results.values():
        for r in base.itertuples():
            assert abs(mine[(r.county, r.stage, r.indicator)] - r.cv) <= 1e-9 * max(1, r.cv), r
        assert base.attrs["schools_meeting_rule"] == int(result.schools["meets_rule"].sum())
    out = {"file": str(path.relative_to(HERE.parent)), "schools": 300,
           "school_stages": result.schools.height, "teachers": teachers, "rounds": rounds,
           "raw_fastexcel_s": statistics.median(raw_t), "junheng_s": statistics.median(ours_t),
           "ratio_to_raw_read": statistics.median(o / r for o, r in zip(ours_t, raw_t,
                                                                         strict=True))}
    for engine, times in bases.items():
        out[f"pandas_{engine}_s"] = statistics.median(times)
        out[f"speedup_vs_pandas_{engine}"] = statistics.median(
            b / o for b, o in zip(times, ours_b, strict=True))
    if before:
        # The engine before and after, each in its own fresh processes, taken in turn.
        now, then = [], []
        for _ in range(3):
            now += _county_subprocess(None, path, max(3, rounds // 3))
            then += _county_subprocess(before, path, max(3, rounds // 3))
        out["before"] = {"source": before, "pairs": len(then),
                         "junheng_s": statistics.median(o for _, o in then),
                         "ratio_to_raw_read": statistics.median(o / r for r, o in then),
                         "after_junheng_s": statistics.median(o for _, o in now),
                         "after_ratio_to_raw_read": statistics.median(o / r for r, o in now)}
    return out


def reports(rounds: int) -> dict:
    import xlsxwriter

    from junheng.report import cv_contributions, gap_table, write_excel, write_html, write_word

    path = county_workbook()
    result = ours(path)
    county_name = result.counties.get_column("county")[0]
    out = BUILD / "reports"
    out.mkdir(exist_ok=True)
    # The floor: the workbook's three big tables (school × indicator, CV detail, gaps) written
    # plainly by Polars (xlsxwriter, no formats, no charts).
    floor_tables = {"schools": result.indicators.drop("numerator"),
                    "cv": cv_contributions(result), "gaps": gap_table(result)}

    def plain_write_excel() -> None:
        with xlsxwriter.Workbook(str(out / "plain.xlsx")) as book:
            for name, table in floor_tables.items():
                table.write_excel(book, worksheet=name)

    steps = {
        "excel": lambda: write_excel(result, out / "评估结果.xlsx"),
        "plain_write_excel": plain_write_excel,
        "html": lambda: write_html(result, out / "评估报告.html"),
        "word": lambda: write_word(result, county_name, out / "自评报告.docx"),
        "json": lambda: result.write_json(out / "evaluation.json"),
        "evaluate": lambda: ours(path),
    }
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(rounds):  # interleaved, so drift affects each alike
        for key, fn in steps.items():
            times[key].append(timed(fn))
    med = {k: statistics.median(v) for k, v in times.items()}
    total = [sum(times[k][i] for k in ("excel", "html", "word", "json")) for i in range(rounds)]
    return {**{f"{k}_s": v for k, v in med.items()},
            "reports_total_s": statistics.median(total),
            "excel_ratio_to_plain_write": statistics.median(
                e / p for e, p in zip(times["excel"], times["plain_write_excel"], strict=True)),
            "reports_ratio_to_evaluate": statistics.median(
                t / e for t, e in zip(total, times["evaluate"], strict=True)),
            "html_mb": (out / "评估报告.html").stat().st_size / 1e6,
            "school_stages": result.schools.height}


def measure(what: str, path: Path, src: str | None = None) -> dict:
    env = dict(os.environ, PYTHONPATH=src) if src else None
    run = subprocess.run([sys.executable, str(HERE / "_measure.py"), what, str(path)],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(run.stdout)


def _input_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(folder.glob("*.parquet")):
        digest.update(file.name.encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def national_curve(scales: tuple[int, ...], rounds: int, before: str | None,
                   verify: bool, before_rounds: int | None = None) -> dict:
    """Load + validate + evaluate at each scale against the raw Parquet read, each run in a
    fresh process, alternately; then the JSON's hash against the golden of that input."""
    import national

    goldens = json.loads((HERE / "national.json").read_text())
    rows = []
    for scale in scales:
        folder = national.build(scale)
        runs: dict[str, list[dict]] = {"raw": [], "ours": [], "before": []}
        for i in range(rounds):
            runs["raw"].append(measure("raw", folder))
            runs["ours"].append(measure("ours", folder))
            if before and i < (before_rounds or rounds):
                runs["before"].append(measure("ours", folder, before))
        row = _curve_row(scale, runs)
        if verify:
            golden = goldens[str(scale)]
            assert _input_hash(folder) == golden["input_sha256"], (
                f"{folder.name}: not the input the golden was made from (benchmarks/national.py "
                "changed what it generates?)")
            got = measure("hash", folder)
            assert got["sha256"] == golden["evaluation_sha256"], (
                f"{scale}×: the evaluation's JSON differs from the golden")
            row["json_identical"] = True
        rows.append(row)
        print("  " + _curve_line(row), flush=True)
    base = rows[0]
    for prev, row in itertools.pairwise(rows):
        # Time per unit of data against the step before: 1.0 is exactly linear.
        row["vs_linear_step"] = (row["junheng_s"] / prev["junheng_s"]) / (
            row["scale"] / prev["scale"])
        row["vs_linear_1x"] = (row["junheng_s"] / base["junheng_s"]) / row["scale"]
    return {"rounds": rounds, "curve": rows}


def _curve_row(scale: int, runs: dict[str, list[dict]]) -> dict:
    raw, mine = runs["raw"], runs["ours"]
    row = {"scale": scale, "school_stages": mine[0]["school_stages"],
           "teachers": mine[0]["teachers"],
           "raw_read_s": statistics.median(m["seconds"] for m in raw),
           "junheng_s": statistics.median(m["seconds"] for m in mine),
           "load_validate_s": statistics.median(m["load_s"] for m in mine),
           "evaluate_s": statistics.median(m["evaluate_s"] for m in mine),
           "ratio_to_raw_read": statistics.median(
               m["seconds"] / r["seconds"] for m, r in zip(mine, raw, strict=True)),
           "peak_rss_mb": max(m["peak_rss_mb"] for m in mine),
           "raw_peak_rss_mb": max(m["peak_rss_mb"] for m in raw)}
    if runs["before"]:
        then = runs["before"]
        row["before"] = {"junheng_s": statistics.median(m["seconds"] for m in then),
                         "load_validate_s": statistics.median(m["load_s"] for m in then),
                         "evaluate_s": statistics.median(m["evaluate_s"] for m in then),
                         "ratio_to_raw_read": statistics.median(
                             m["seconds"] / r["seconds"] for m, r in zip(then, raw,
                                                                         strict=False)),
                         "peak_rss_mb": max(m["peak_rss_mb"] for m in then), "pairs": len(then)}
    return row


def _curve_line(p: dict) -> str:
    line = (f"{p['scale']:>2}× {p['school_stages']:>7,} school–stages {p['teachers']:>10,} "
            f"teachers: junheng {p['junheng_s']:6.2f} s (load+validate {p['load_validate_s']:.2f}"
            f", evaluate {p['evaluate_s']:.2f}) | raw scan {p['raw_read_s']:.2f} s | ratio "
            f"{p['ratio_to_raw_read']:.2f}× | peak {p['peak_rss_mb'] / 1024:.2f} GB (raw "
            f"{p['raw_peak_rss_mb'] / 1024:.2f})")
    if "before" in p:
        b = p["before"]
        line += (f"\n      before: {b['junheng_s']:6.2f} s (load+validate "
                 f"{b['load_validate_s']:.2f}, evaluate {b['evaluate_s']:.2f}) | ratio "
                 f"{b['ratio_to_raw_read']:.2f}× | peak {b['peak_rss_mb'] / 1024:.2f} GB")
    return line


SECTIONS = ("county", "national", "reports", "rotation", "projection", "pass", "web",
            "groups")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller province")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                        help=f"run only these sections ({', '.join(SECTIONS)}); results.json "
                             "keeps the others' figures")
    parser.add_argument("--before", metavar="SRC",
                        help="also measure the engine of this source tree (sections 1–2), e.g. "
                             "`git archive COMMIT | tar -x -C /tmp/base` then --before "
                             "/tmp/base/src")
    parser.add_argument("--rounds", type=int, help="pairs per measurement (default 9 for the "
                        "county, 5 for the national curve; 3 with --quick)")
    parser.add_argument("--before-rounds", type=int, help="runs of the --before engine per "
                        "scale of the national curve (default: as many as --rounds)")
    parser.add_argument("--scales", type=int, nargs="+", help="national scales (default 1 2 5 "
                        "10; 1 2 with --quick)")
    args = parser.parse_args()
    only = set(args.only or SECTIONS)
    BUILD.mkdir(parents=True, exist_ok=True)
    rounds = args.rounds or (3 if args.quick else 9)
    results: dict = {}
    if "county" in only:
        print("1. County workbook (.xlsx), load + validate + evaluate; the JSON byte-identical "
              "to tests/golden/county-300.json.gz")
        c = county(rounds, 1 if args.quick else 5, args.before)
        print(f"  {c['schools']} schools, {c['school_stages']} school–stages, {c['teachers']} "
              f"teachers; {rounds} pairs, alternating, medians")
        print(f"  junheng {c['junheng_s']:.3f} s | raw fastexcel read {c['raw_fastexcel_s']:.3f} s "
              f"| ratio {c['ratio_to_raw_read']:.2f}× (target ≤ 1.2×)")
        if "before" in c:
            b = c["before"]
            print(f"  before (--before, fresh processes, {b['pairs']} pairs each): junheng "
                  f"{b['junheng_s']:.3f} s, ratio {b['ratio_to_raw_read']:.2f}× | after, same "
                  f"way: {b['after_junheng_s']:.3f} s, ratio {b['after_ratio_to_raw_read']:.2f}×")
        print(f"  pandas baselines: calamine {c['pandas_calamine_s']:.2f} s, openpyxl "
              f"{c['pandas_openpyxl_s']:.2f} s | junheng is {c['speedup_vs_pandas_calamine']:.1f}× "
              f"and {c['speedup_vs_pandas_openpyxl']:.1f}× faster; same CVs and rule counts")
        results["county"] = c
    if "national" in only:
        scales = tuple(args.scales or ((1, 2) if args.quick else (1, 2, 5, 10)))
        n_rounds = args.rounds or (3 if args.quick else 5)
        print(f"2. National synthetic (Parquet), load + validate + evaluate against the raw "
              f"Parquet read; {n_rounds} pairs per scale, each run a fresh process, alternating, "
              "medians; the JSON's hash against benchmarks/national.json")
        nat = national_curve(scales, n_rounds, args.before, verify=True,
                             before_rounds=args.before_rounds)
        for p in nat["curve"][1:]:
            print(f"  {p['scale']:>2}×: {p['vs_linear_step']:.2f}× of linear from the step "
                  f"before, {p['vs_linear_1x']:.2f}× from 1× (target ≤ 1.2×)")
        results["national"] = nat
    if "reports" in only:
        print("3. Reports for the 300-school county")
        r = reports(3 if args.quick else 5)
        print(f"  Excel {r['excel_s']:.2f} s | plain Polars write_excel of the same tables "
              f"{r['plain_write_excel_s']:.2f} s | ratio {r['excel_ratio_to_plain_write']:.2f}×")
        print(f"  HTML {r['html_s']:.2f} s ({r['html_mb']:.1f} MB, plotly.js inlined) | Word "
              f"{r['word_s']:.2f} s | JSON {r['json_s']:.2f} s")
        print(f"  all reports {r['reports_total_s']:.2f} s = {r['reports_ratio_to_evaluate']:.1f}× "
              f"the evaluation ({r['evaluate_s']:.2f} s; target: a few seconds)")
        results["reports"] = r
    if "rotation" in only:
        print("4. Rotation planner, 30- to 150-school counties (30 s limit per county)")
        import rotation

        plan = rotation.run((30, 60) if args.quick else rotation.SIZES)
        rotation.report(plan)
        results["rotation"] = plan
    if "projection" in only:
        print("5. Projection of the 300-school county, 10 years, each year evaluated")
        import projection

        pr = projection.run(county_workbook(), 5 if args.quick else 9)
        pr["file"] = str(Path(pr["file"]).relative_to(HERE.parent))
        projection.report(pr)
        results["projection"] = pr
    if "pass" in only:
        print("6. Path to pass, 300-school county (rotation, recruitment, investment)")
        import pass_plan

        pp = pass_plan.run(county_workbook())
        pp["file"] = str(Path(pp["file"]).relative_to(HERE.parent))
        pass_plan.report(pp)
        results["pass"] = pp
    if "web" in only:
        print("7. Web application, 300-school county (upload, dashboard, 50 users on loopback)")
        import web

        wb = web.run(county_workbook(), quick=args.quick)
        wb["file"] = str(Path(wb["file"]).relative_to(HERE.parent))
        web.report(wb)
        results["web"] = wb
    if "groups" in only:
        print("8. School groups, 300-school county: the MILP to its proven optimum against a "
              "nearest-leader greedy")
        import groups

        gr = groups.run(county_workbook(), 3 if args.quick else 5)
        gr["file"] = str(Path(gr["file"]).relative_to(HERE.parent))
        groups.report(gr)
        results["groups"] = gr
    out = BUILD / "results.json"
    if only != set(SECTIONS) and out.exists():  # keep the sections not run this time
        results = {**json.loads(out.read_text()), **results}
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Results: {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
