"""The national benchmark's own machinery (benchmarks/national.py and section 2 of run.py) on
hand-made ids and runs: national ids are what they claim (ten-digit school ids, sixteen-digit
teacher ids, none shared), and the curve's ratios are the per-pair medians and the steps'
distance from linear."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import polars as pl
import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


@pytest.fixture(scope="module")
def national():
    return _module("national")


def test_school_ids_become_national(national):
    ids = pl.DataFrame({"school_id": ["2360000001", "2370500099", None]})
    got = ids.select(national._school_id("school_id", 14)).get_column("school_id").to_list()
    # 2 · province 14 · county (37 − 36) × 100 + 5 = 105 · school 0099
    assert got == ["2140000001", "2141050099", None]


def test_teacher_ids_are_sixteen_digits_and_all_distinct(national):
    serials = range(1, 200_001)
    frame = pl.DataFrame({"teacher_id": [f"T{s:08d}" for s in serials]})
    got = frame.select(national._teacher_id("teacher_id", 11)).get_column("teacher_id")
    assert got.str.len_chars().unique().to_list() == [16]
    assert got.n_unique() == len(serials)
    # By hand for the first: (1 × 48 271 937 113 + 7 654 321 987 123) mod 10^14.
    assert got[0] == "11" + f"{(48_271_937_113 + 7_654_321_987_123) % 10**14:014d}"
    assert got[0] == "1107702593924236"


def test_the_curve_row_takes_medians_of_pairs():
    pytest.importorskip("pandas")  # run.py imports the pandas baseline (the bench extra)
    run = _module("run")
    raw = [{"seconds": s, "peak_rss_mb": 100.0} for s in (1.0, 2.0, 4.0)]
    ours = [{"seconds": s, "load_s": s / 2, "evaluate_s": s / 2, "peak_rss_mb": 300.0 + s,
             "school_stages": 10, "teachers": 100} for s in (3.0, 4.0, 20.0)]
    row = run._curve_row(1, {"raw": raw, "ours": ours, "before": []})
    # Pairs 3/1, 4/2, 20/4: median of (3, 2, 5) is 3, not 4 / 2.
    assert row["ratio_to_raw_read"] == 3.0
    assert row["junheng_s"] == 4.0 and row["raw_read_s"] == 2.0
    assert row["peak_rss_mb"] == 320.0
