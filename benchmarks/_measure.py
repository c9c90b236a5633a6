"""Measure one run in a fresh process: `_measure.py ours|raw|floor|hash PATH` prints JSON.

ours: junheng.load + junheng.evaluate (load, validate, evaluate), with phase times.
raw:  the floor — the bare read of the same files (Polars for CSV/Parquet, fastexcel for xlsx).
county: ``ROUNDS`` pairs (raw fastexcel read, load + evaluate) of one workbook, alternately, in
      this one process after a warm-up (``_measure.py county PATH ROUNDS``).
floor: the raw read, then the checks the data contract requires of the roster, each as the
      fastest bare Polars query measured (no problem built, nothing else validated or
      evaluated): what no engine can skip. The national target (≤ 3× the raw read) is judged
      against it in the closing notes of issue 18.
hash: the sha256 of the evaluation's JSON (``Evaluation.to_json()``, what ``junheng evaluate
      --json`` writes), to compare with the goldens of benchmarks/national.json.
Peak memory is this process's high-water resident set (VmHWM). Not ru_maxrss: Linux carries that
over from the parent across fork and exec, so a child would report the parent's peak.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

# Far above the national synthetic input (11 million teachers × 17 columns): the bench measures
# the work, not the guard (the command line's --max-cells).
MAX_CELLS = 100_000_000


def raw_read(path: Path) -> int:
    import polars as pl

    if path.is_dir():
        rows = 0
        for file in sorted(path.iterdir()):
            if file.suffix == ".parquet":
                rows += pl.read_parquet(file).height
            elif file.suffix == ".csv":
                rows += pl.read_csv(file, infer_schema=False).height
        return rows
    import fastexcel

    reader = fastexcel.read_excel(str(path))
    return sum(reader.load_sheet(s).to_polars().height for s in reader.sheet_names)


def county_pairs(path: Path, rounds: int) -> list[tuple[float, float]]:
    import junheng

    def ours() -> None:
        junheng.evaluate(junheng.load(path))

    ours()
    raw_read(path)
    pairs = []
    for _ in range(rounds):
        start = time.perf_counter()
        raw_read(path)
        middle = time.perf_counter()
        ours()
        pairs.append((middle - start, time.perf_counter() - middle))
    return pairs


def roster_checks(path: Path) -> dict[str, float]:
    """The roster's required checks on a folder of Parquet tables, timed one by one after the
    raw read (which is timed too): each teacher id distinct, each coded column's values among
    its codes, no text to strip, each teacher's school a known school (per run of a school's
    teachers of one stage, as a roster lists them), each rotated teacher on the roster, and the
    teachers counted per school and stage. Each is the fastest way measured for issue 18."""
    import polars as pl

    from junheng.model.runs import run_table
    from junheng.model.schema import ENUMS, TABLES

    times: dict[str, float] = {}

    def timed(name: str, fn) -> object:
        start = time.perf_counter()
        out = fn()
        times[name] = time.perf_counter() - start
        return out

    tables = timed("raw_read_s", lambda: {f.stem: pl.read_parquet(f)
                                          for f in sorted(path.glob("*.parquet"))})
    teachers, schools = tables["teachers"], tables["schools"]
    rotations = tables["rotations"]
    coded = [c for c in TABLES["teachers"].columns if c.kind == "enum" and c.name in teachers]
    ids = teachers.get_column("teacher_id")
    timed("ids_distinct_s", lambda: ids.hash().to_frame().select(pl.first().n_unique()).item()
          == ids.len())
    timed("codes_s", lambda: [set(v) <= set(ENUMS[c.enum].codes) | {None} for c, v in zip(
        coded, teachers.select(pl.col(c.name).unique().implode() for c in coded).row(0),
        strict=True)])
    text = pl.col("teacher_id")
    timed("stripped_s", lambda: teachers.lazy().select(
        (text.str.strip_chars().str.len_bytes() == text.str.len_bytes()).all()).collect(
        engine="streaming").item())
    runs = timed("runs_s", lambda: run_table(teachers, ["school_id", "stage"]))
    timed("schools_known_s", lambda: runs.join(schools.select("school_id"), on="school_id",
                                               how="anti").height == 0)
    timed("counts_s", lambda: runs.group_by("school_id", "stage").agg(pl.col("_len").sum()))
    timed("rotated_known_s", lambda: ids.to_frame().join(
        rotations.select(pl.col("teacher_id").unique()), on="teacher_id", how="semi").height)
    return times


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    what, path = sys.argv[1], Path(sys.argv[2])
    import junheng  # imported before timing: the import is not part of the work
    from junheng.io import ReadLimits

    limits = ReadLimits(max_cells=MAX_CELLS)
    if what == "county":
        print(json.dumps({"pairs": county_pairs(path, int(sys.argv[3]))}))
        return
    start = time.perf_counter()
    out: dict[str, float | int | str] = {"what": what}
    if what == "raw":
        out["rows"] = raw_read(path)
    elif what == "floor":
        out |= roster_checks(path)
    else:
        dataset = junheng.load(path, limits=limits)
        out["load_s"] = time.perf_counter() - start
        result = junheng.evaluate(dataset)
        out["evaluate_s"] = time.perf_counter() - start - out["load_s"]
        out["school_stages"] = result.schools.height
        out["teachers"] = dataset.teachers.height
        if what == "hash":
            text = result.to_json() + "\n"
            out["json_bytes"] = len(text.encode())
            out["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    out["seconds"] = time.perf_counter() - start
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
