"""Write the evaluation goldens of tests/test_golden.py: inputs (Parquet) and their JSON (gzip).

Run once, from the code whose results are to be kept (issue 18: the engine as it was before it
was made fast), with that code first on the path::

    git archive <commit> | tar -x -C /tmp/base
    PYTHONPATH=/tmp/base/src .venv/bin/python tests/golden/build_goldens.py

Each case is an input — stored as the typed tables (Parquet) and written back at test time in
the case's format, .xlsx through the project's own writer as ``junheng sample`` does — a
standard (a profile name, or a file of tests/golden/profiles) and a school year (null: the
default, the latest in ``rotations``). The JSON is ``Evaluation.to_json()``, which is what
``junheng evaluate X --json`` writes (plus a final newline).

The cases: the demo sample (``junheng sample --schools 60 --seed 7``) against the three profiles;
the benchmark's 300-school county; every sample county the tests generate (each size, seed and
number of counties in tests/, in the format the tests read it in when they read one); and
variants of a small sample that reach the paths the samples do not (pupil-less stages and
schools, small teaching points left out or merged, unknown class sizes, room areas, training
hours, certificates and tenure, two counties with one undeclared, no optional tables, every
teacher counted).
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

import polars as pl

import junheng
from junheng.io import write_folder
from junheng.model.dataset import Dataset

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"

# (name, schools, seed, counties, format) of every sample county the tests generate.
SAMPLES = [
    ("demo", 60, 7, 1, "xlsx"),
    ("county-300", 300, 7, 1, "xlsx"),
    ("s4-2", 4, 2, 1, "xlsx"), ("s4-3", 4, 3, 1, "parquet"), ("s6-3", 6, 3, 1, "xlsx"),
    ("s8-1", 8, 1, 1, "xlsx"), ("s8-2", 8, 2, 1, "xlsx"), ("s8-2x2", 8, 2, 2, "csv"),
    ("s8-5", 8, 5, 1, "xlsx"), ("s10-1", 10, 1, 1, "xlsx"), ("s10-1x3", 10, 1, 3, "xlsx"),
    ("s12-1", 12, 1, 1, "xlsx"), ("s12-3", 12, 3, 1, "xlsx"), ("s14-3", 14, 3, 1, "xlsx"),
    ("s14-5", 14, 5, 1, "parquet"), ("s15-2", 15, 2, 1, "parquet"), ("s20-3", 20, 3, 1, "parquet"),
    ("s20-5", 20, 5, 1, "xlsx"), ("s24-5", 24, 5, 1, "xlsx"), ("s25-11", 25, 11, 1, "parquet"),
    ("s30-5", 30, 5, 1, "xlsx"), ("s40-7", 40, 7, 1, "xlsx"), ("s60-1", 60, 1, 1, "parquet"),
    ("s60-8", 60, 8, 1, "parquet"), ("s150-11", 150, 11, 1, "parquet"),
]


def _variants() -> dict[str, Dataset]:
    """Small samples bent to reach the rarer paths (each still a valid input)."""
    base = junheng.generate_sample(schools=30, seed=5)
    st, sc, te = base.stages, base.schools, base.teachers
    tp = sc.filter(pl.col("school_type") == "teaching_point").get_column("school_id").to_list()
    nine = sc.filter(pl.col("school_type") == "nine_year").get_column("school_id").to_list()
    village = sc.filter(pl.col("location") == "rural").get_column("school_id").to_list()
    row = pl.int_range(pl.len())
    units = Dataset(
        sc, st.with_columns(
            # A teaching point and a nine-year school's junior stage without pupils; a small
            # teaching point (left out at 50 by example-province-2017); unknown class sizes.
            pl.when(pl.col("school_id") == tp[0]).then(0)
            .when((pl.col("school_id") == nine[0]) & (pl.col("stage") == "junior")).then(0)
            .when(pl.col("school_id") == tp[1]).then(31)
            .otherwise(pl.col("students")).alias("students"),
            pl.when(row % 4 == 1).then(None).otherwise(pl.col("largest_class"))
            .alias("largest_class")),
        te, source="variant-units", county=base.county, rotations=base.rotations, rooms=None)
    teachers = Dataset(
        sc, st,
        te.with_columns(
            pl.when(row % 7 == 3).then(None).otherwise(pl.col("training_hours_5y"))
            .alias("training_hours_5y"),
            pl.when(row % 11 == 5).then(None).otherwise(pl.col("career_start"))
            .alias("career_start"),
            pl.when(row % 13 == 2).then(None).otherwise(pl.col("certified")).alias("certified"),
            pl.when(row % 9 == 4).then(None).otherwise(pl.col("school_since"))
            .alias("school_since"),
            # Some part-time teachers with good degrees: counted only when full_time_only is off.
            pl.when(row % 17 == 0).then(False).otherwise(pl.col("full_time")).alias("full_time")),
        source="variant-teachers", county=base.county, rotations=base.rotations,
        rooms=base.rooms.filter(~pl.col("school_id").is_in(village[:3])))
    two = junheng.generate_sample(schools=12, seed=9, counties=2)
    first = two.schools.get_column("county").min()
    counties = Dataset(two.schools, two.stages, two.teachers, source="variant-counties",
                       county=two.county.filter(pl.col("county") == first),
                       rotations=two.rotations, rooms=two.rooms)
    bare = Dataset(base.schools, base.stages, base.teachers, source="variant-bare")
    return {"v-units": units, "v-teachers": teachers, "v-counties": counties, "v-bare": bare}


# (case, input, format, standard, year): year None is the default school year.
RUNS = [
    *[(name, name, fmt, "quality-2017", None) for name, *_, fmt in SAMPLES],
    ("demo-basic", "demo", "xlsx", "basic-2012", None),
    ("demo-province", "demo", "xlsx", "example-province-2017", None),
    ("demo-merged", "demo", "xlsx", "merge-teaching-points.yaml", None),
    ("county-300-province", "county-300", "parquet", "example-province-2017", None),
    ("v-units", "v-units", "xlsx", "quality-2017", None),
    ("v-units-province", "v-units", "parquet", "example-province-2017", None),
    ("v-units-merged", "v-units", "parquet", "merge-teaching-points.yaml", None),
    ("v-units-basic", "v-units", "parquet", "basic-2012", None),
    ("v-teachers", "v-teachers", "xlsx", "quality-2017", None),
    ("v-teachers-all", "v-teachers", "csv", "all-teachers.yaml", None),
    ("v-teachers-2024", "v-teachers", "parquet", "quality-2017", 2024),
    ("v-counties", "v-counties", "xlsx", "quality-2017", None),
    ("v-bare", "v-bare", "parquet", "quality-2017", 2025),
    ("v-bare-basic", "v-bare", "csv", "basic-2012", 2025),
]


def materialise(case_input: str, fmt: str, into: Path) -> Path:
    """The stored input written as the case reads it: a workbook, or a CSV / Parquet folder."""
    folder = CASES / case_input
    tables = {f.stem: pl.read_parquet(f) for f in sorted(folder.glob("*.parquet"))}
    dataset = Dataset(**{k: v for k, v in tables.items()}, source=case_input)
    if fmt == "xlsx":
        from junheng.io import write_workbook

        return write_workbook(into / f"{case_input}.xlsx", dataset)
    return write_folder(into / f"{case_input}-{fmt}", dataset, fmt)  # type: ignore[arg-type]


def standard_arg(standard: str) -> str:
    """A profile name, or the path of one of tests/golden/profiles."""
    return str(HERE / "profiles" / standard) if standard.endswith(".yaml") else standard


def evaluation_json(path: Path, standard: str, year: int | None) -> str:
    """What ``junheng evaluate PATH --standard S --json`` writes (its read limits)."""
    from junheng.io import ReadLimits

    dataset = junheng.load(path, limits=ReadLimits(max_cells=10_000_000))
    return junheng.evaluate(dataset, standard_arg(standard), year=year).to_json() + "\n"


def main() -> None:
    import tempfile

    print(f"junheng from {Path(junheng.__file__).parent}", file=sys.stderr)
    if CASES.exists():
        shutil.rmtree(CASES)
    inputs: dict[str, Dataset] = {
        name: junheng.generate_sample(schools=n, seed=seed, counties=c)
        for name, n, seed, c, _ in SAMPLES}
    inputs.update(_variants())
    for name, dataset in inputs.items():
        folder = CASES / name
        folder.mkdir(parents=True)
        for table, frame in dataset.tables().items():
            frame.write_parquet(folder / f"{table}.parquet", compression="zstd",
                                compression_level=19)
    manifest = []
    with tempfile.TemporaryDirectory() as tmp:
        for case, case_input, fmt, standard, year in RUNS:
            path = materialise(case_input, fmt, Path(tmp))
            text = evaluation_json(path, standard, year)
            (HERE / f"{case}.json.gz").write_bytes(gzip.compress(text.encode(), mtime=0))
            manifest.append({"case": case, "input": case_input, "format": fmt,
                             "standard": standard, "year": year})
            print(f"{case}: {len(text):,} bytes", file=sys.stderr)
    (HERE / "cases.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
