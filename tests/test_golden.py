"""The evaluation's JSON, byte for byte, against the goldens kept before the engine was made fast
(issue 18): the demo sample under three profiles, the benchmark's 300-school county, every sample
county the tests generate, and variants reaching the rarer paths (tests/golden/build_goldens.py
says how they were made). A speed-up may change how the figures are computed, never a byte of
what is written.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import junheng

GOLDEN = Path(__file__).resolve().parent / "golden"
_spec = importlib.util.spec_from_file_location("golden_build", GOLDEN / "build_goldens.py")
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

RUNS = json.loads((GOLDEN / "cases.json").read_text(encoding="utf-8"))
# The goldens were written by junheng 0.1.0; the version is the one line a release may change.
GOLDEN_VERSION = '"junheng": "0.1.0"'


def _golden(case: str) -> str:
    return gzip.decompress((GOLDEN / f"{case}.json.gz").read_bytes()).decode()


def _same(actual: str, expected: str, case: str) -> None:
    actual = actual.replace(f'"junheng": "{junheng.__version__}"', GOLDEN_VERSION, 1)
    if actual == expected:
        return
    got, want = actual.splitlines(), expected.splitlines()
    at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b),
              min(len(got), len(want)))
    context = "\n".join(f"  line {i + 1}: golden {want[i] if i < len(want) else '<end>'!r}\n"
                        f"  {'':>{len(str(i + 1)) + 6}}now    {got[i] if i < len(got) else '<end>'!r}"
                        for i in range(at, min(at + 3, max(len(got), len(want)))))
    pytest.fail(f"{case}: the JSON differs from the golden ({len(actual):,} bytes, golden "
                f"{len(expected):,}), first at line {at + 1}:\n{context}")


def test_the_manifest_names_every_golden_and_input():
    cases = {r["case"] for r in RUNS}
    assert cases == {p.name.removesuffix(".json.gz") for p in GOLDEN.glob("*.json.gz")}
    assert {r["input"] for r in RUNS} == {p.name for p in (GOLDEN / "cases").iterdir()}
    assert len(RUNS) == len(build.RUNS) == 39


@pytest.mark.parametrize("run", RUNS, ids=[r["case"] for r in RUNS])
def test_evaluation_json_is_byte_identical(run, tmp_path):
    path = build.materialise(run["input"], run["format"], tmp_path)
    _same(build.evaluation_json(path, run["standard"], run["year"]), _golden(run["case"]),
          run["case"])


@pytest.mark.parametrize(("name", "schools", "seed", "counties"),
                         [(n, s, seed, c) for n, s, seed, c, _ in build.SAMPLES],
                         ids=[s[0] for s in build.SAMPLES])
def test_the_sample_generator_still_makes_the_stored_inputs(name, schools, seed, counties):
    """The goldens' inputs are stored, so the guard holds whatever the generator does; this says
    when the generator's counties stop being those inputs (a column it adds is not compared)."""
    generated = junheng.generate_sample(schools=schools, seed=seed, counties=counties).tables()
    stored = {f.stem: pl.read_parquet(f) for f in (GOLDEN / "cases" / name).glob("*.parquet")}
    assert set(stored) <= set(generated)
    for table, frame in stored.items():
        assert generated[table].select(frame.columns).equals(frame, null_equal=True), (
            f"sample {name}: table {table} is no longer what the golden was made from")


def test_the_command_writes_the_golden(tmp_path):
    """``junheng evaluate demo.xlsx --json``, as a bureau runs it."""
    path = build.materialise("demo", "xlsx", tmp_path)
    out = tmp_path / "demo.json"
    run = subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()",
                          "evaluate", str(path), "--json", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    _same(out.read_text(encoding="utf-8"), _golden("demo"), "demo (command)")
