"""Measure one run in a fresh process: `_measure.py ours|raw PATH` prints JSON.

ours: junheng.load + junheng.evaluate (load, validate, evaluate), with phase times.
raw:  the floor — the bare read of the same files (Polars for CSV/Parquet, fastexcel for xlsx).
Peak memory is this process's high-water resident set (VmHWM). Not ru_maxrss: Linux carries that
over from the parent across fork and exec, so a child would report the parent's peak.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


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


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    what, path = sys.argv[1], Path(sys.argv[2])
    import junheng  # imported before timing: the import is not part of the work

    start = time.perf_counter()
    out: dict[str, float | int | str] = {"what": what}
    if what == "raw":
        out["rows"] = raw_read(path)
    else:
        dataset = junheng.load(path)
        out["load_s"] = time.perf_counter() - start
        result = junheng.evaluate(dataset)
        out["evaluate_s"] = time.perf_counter() - start - out["load_s"]
        out["school_stages"] = result.schools.height
        out["teachers"] = dataset.teachers.height
    out["seconds"] = time.perf_counter() - start
    out["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
