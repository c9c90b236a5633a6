"""`make bench`: junheng against the raw read floor and a plain pandas + openpyxl baseline.

Everything is measured side by side in one run, alternating, so the ratios hold on a noisy
machine; absolute times are printed only beside their ratio.

1. County workbook (300 schools, .xlsx): load + validate + evaluate vs the raw fastexcel read
   (target ≤ 1.5×), and vs the pandas + openpyxl baseline (target ≥ 20× faster), whose numbers
   are checked against junheng's.
2. Synthetic province (≈20 000 school–stages, ≈1 000 000 teachers) as Parquet and as CSV:
   load + validate + evaluate time and peak memory, vs the raw Polars read, each in a fresh
   process.
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

Inputs are generated once into build/bench/ (seeded) and reused. ``--only`` runs some sections
(e.g. ``--only projection``); their figures replace those sections' in results.json and the
others' are kept.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import fastexcel

import junheng

HERE = Path(__file__).resolve().parent
BUILD = HERE.parent / "build" / "bench"
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


def county_workbook() -> Path:
    """The 300-school county of sections 1, 3 and 5 (generated once, seeded)."""
    path = BUILD / "county-300.xlsx"
    if not path.exists():
        junheng.write_sample(path, schools=300, seed=7)
    return path


def county(rounds: int, baseline_rounds: int) -> dict:
    path = county_workbook()
    result = ours(path)  # warm-up, and the numbers to check the baseline against
    raw_xlsx(path)
    teachers = junheng.load(path).teachers.height
    raw_t, ours_t = [], []
    for _ in range(rounds):  # alternate so drift affects both alike; ratios taken per pair
        raw_t.append(timed(lambda: raw_xlsx(path)))
        ours_t.append(timed(lambda: ours(path)))
    base_t, ours_b = [], []
    base = None
    for _ in range(baseline_rounds):
        start = time.perf_counter()
        base = baseline_pandas.evaluate(str(path))
        base_t.append(time.perf_counter() - start)
        ours_b.append(timed(lambda: ours(path)))
    # The baseline must compute the same thing, or the comparison means nothing.
    mine = {(r["county"], r["stage"], r["indicator"]): r["cv"]
            for r in result.stages.iter_rows(named=True)}
    assert base is not None
    for r in base.itertuples():
        assert abs(mine[(r.county, r.stage, r.indicator)] - r.cv) <= 1e-9 * max(1, r.cv), r
    assert base.attrs["schools_meeting_rule"] == int(result.schools["meets_rule"].sum())
    return {"file": str(path.relative_to(HERE.parent)), "schools": 300,
            "school_stages": result.schools.height, "teachers": teachers,
            "raw_fastexcel_s": statistics.median(raw_t), "junheng_s": statistics.median(ours_t),
            "pandas_openpyxl_s": statistics.median(base_t),
            "ratio_to_raw_read": statistics.median(o / r for o, r in zip(ours_t, raw_t,
                                                                          strict=True)),
            "speedup_vs_pandas": statistics.median(b / o for b, o in zip(base_t, ours_b,
                                                                         strict=True))}


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


def measure(what: str, path: Path) -> dict:
    run = subprocess.run([sys.executable, str(HERE / "_measure.py"), what, str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


def province(counties: int, schools: int, rounds: int) -> list[dict]:
    folders = {fmt: BUILD / f"province-{counties}x{schools}-{fmt}" for fmt in ("parquet", "csv")}
    if not all((folder / f"teachers.{fmt}").exists() for fmt, folder in folders.items()):
        print(f"  generating province: {counties} counties × {schools} schools …", flush=True)
        # In a child process, so this process stays small while it measures.
        code = ("import junheng, sys; d = junheng.generate_sample(schools=int(sys.argv[1]), "
                "seed=1, counties=int(sys.argv[2])); "
                "[junheng.io.write_folder(p, d, p.rsplit('-', 1)[1]) for p in sys.argv[3:]]")
        subprocess.run([sys.executable, "-c", code, str(schools), str(counties),
                        *map(str, folders.values())], check=True)
    out = []
    for fmt, folder in folders.items():
        raws, mine = [], []
        for _ in range(rounds):
            raws.append(measure("raw", folder))
            mine.append(measure("ours", folder))
        best = min(mine, key=lambda m: m["seconds"])
        raw_s = statistics.median(m["seconds"] for m in raws)
        ours_s = statistics.median(m["seconds"] for m in mine)
        out.append({"format": fmt, "school_stages": best["school_stages"],
                    "teachers": best["teachers"], "raw_read_s": raw_s, "junheng_s": ours_s,
                    "load_validate_s": statistics.median(m["load_s"] for m in mine),
                    "evaluate_s": statistics.median(m["evaluate_s"] for m in mine),
                    "ratio_to_raw_read": ours_s / raw_s,
                    "peak_rss_mb": max(m["peak_rss_mb"] for m in mine),
                    "raw_peak_rss_mb": max(m["peak_rss_mb"] for m in raws)})
    return out


SECTIONS = ("county", "province", "reports", "rotation", "projection", "pass", "web")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller province")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                        help=f"run only these sections ({', '.join(SECTIONS)}); results.json "
                             "keeps the others' figures")
    args = parser.parse_args()
    only = set(args.only or SECTIONS)
    BUILD.mkdir(parents=True, exist_ok=True)
    rounds = 3 if args.quick else 9
    results: dict = {}
    if "county" in only:
        print("1. County workbook (.xlsx), load + validate + evaluate")
        c = county(rounds, 1 if args.quick else 3)
        print(f"  {c['schools']} schools, {c['school_stages']} school–stages, {c['teachers']} "
              "teachers")
        print(f"  junheng {c['junheng_s']:.3f} s | raw fastexcel read {c['raw_fastexcel_s']:.3f} s "
              f"| ratio {c['ratio_to_raw_read']:.2f}× (target ≤ 1.5×)")
        print(f"  pandas + openpyxl baseline {c['pandas_openpyxl_s']:.2f} s | junheng is "
              f"{c['speedup_vs_pandas']:.1f}× faster (target ≥ 20×); same CVs and rule counts")
        results["county"] = c
    if "province" in only:
        print("2. Synthetic province, load + validate + evaluate (fresh process each run)")
        counties, schools = (20, 100) if args.quick else (177, 100)
        rows = province(counties, schools, 1 if args.quick else 3)
        for p in rows:
            print(f"  {p['format']:8s} {p['school_stages']} school–stages, {p['teachers']:,} "
                  f"teachers: junheng {p['junheng_s']:.2f} s (load+validate "
                  f"{p['load_validate_s']:.2f} s, evaluate {p['evaluate_s']:.2f} s) | raw read "
                  f"{p['raw_read_s']:.2f} s | ratio {p['ratio_to_raw_read']:.2f}× | peak memory "
                  f"{p['peak_rss_mb']:.0f} MB (raw read {p['raw_peak_rss_mb']:.0f} MB)")
        results["province"] = rows
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
    out = BUILD / "results.json"
    if only != set(SECTIONS) and out.exists():  # keep the sections not run this time
        results = {**json.loads(out.read_text()), **results}
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"Results: {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
