"""The national synthetic inputs of `make bench` section 2: k provinces as one Parquet folder.

A province is 177 sample counties of 100 schools (``junheng.generate_sample``, one seed per
province): about 20 000 school–stages and 1.1 million teachers. Scale k (1, 2, 5, 10) is the
first k provinces, so each step of the curve holds the one before it; 10 provinces are the size
of the whole country's compulsory schools (≈ 200 000 school–stages, 11 million teachers).

The ids are made national and realistic, so the raw read is not flattered by short sequential
keys: a school's ``学校标识码`` is ten digits (2, province, county, school), a teacher's id sixteen
digits (province, then the sample's serial scrambled by a bijection, so ids are neither ordered
nor runs of shared prefixes); counties are named within their province (示例03省示例017县). Schools
keep their names. The generated folders live under build/bench/, named by ``VERSION``, ``SEED``
and a hash of this file and the sample generator: either changing makes a new folder (the old
ones are left, to be deleted by hand).

``python benchmarks/national.py SCALE …`` builds (or finds) the folders and prints their paths.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
BUILD = HERE.parent / "build" / "bench"
VERSION = 2
SEED = 1
COUNTIES = 177  # counties per province: the counties of a large province
SCHOOLS = 100  # schools per county
SCALES = (1, 2, 5, 10)
# A bijection of 0 … 10^14 − 1 (the multiplier is prime to 10): distinct serials stay distinct.
_MOD = 10**14
_MUL = 48_271_937_113
_ADD = 7_654_321_987_123


def fingerprint() -> str:
    """A hash of the generators: this file and junheng's sample county."""
    import junheng.model.sample as sample

    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(Path(sample.__file__).read_bytes())
    return digest.hexdigest()[:10]


def root() -> Path:
    return BUILD / f"national-v{VERSION}-seed{SEED}-{fingerprint()}"


def _school_id(column: str, province_code: int) -> pl.Expr:
    """The sample's 2·CCCC·NNNNN (county code 36.., serial) as 2·PP·CCC·NNNN."""
    code = pl.col(column)
    county = (code.str.slice(1, 2).cast(pl.Int64) - 36) * 100 + code.str.slice(3, 2).cast(pl.Int64)
    return pl.concat_str(pl.lit(f"2{province_code:02d}"), county.cast(pl.String).str.zfill(3),
                         code.str.slice(6, 4)).alias(column)


def _teacher_id(column: str, province_code: int) -> pl.Expr:
    serial = pl.col(column).str.slice(1).cast(pl.Int64)  # < 1.3 million: no 64-bit overflow
    scrambled = (serial * _MUL + _ADD) % _MOD
    return pl.concat_str(pl.lit(f"{province_code:02d}"),
                         scrambled.cast(pl.String).str.zfill(14)).alias(column)


def province(number: int, out: Path) -> None:
    """Province ``number`` (0-based) as Parquet files in ``out``."""
    import junheng

    code = 11 + number
    name = f"示例{number + 1:02d}省"
    d = junheng.generate_sample(schools=SCHOOLS, seed=SEED * 1000 + number, counties=COUNTIES)
    county = pl.concat_str(pl.lit(name), pl.col("county")).alias("county")
    tables = {
        # Only the columns the sample had when the goldens were made (benchmarks/national.json):
        # a column added since (township) would change no figure but the input.
        "schools": d.schools.drop("township", strict=False).with_columns(
            _school_id("school_id", code), _school_id("parent_school_id", code), county),
        "stages": d.stages.with_columns(_school_id("school_id", code)),
        "teachers": d.teachers.with_columns(_teacher_id("teacher_id", code),
                                            _school_id("school_id", code)),
        "county": d.county.with_columns(county),
        "rotations": d.rotations.with_columns(_teacher_id("teacher_id", code),
                                              _school_id("from_school_id", code),
                                              _school_id("to_school_id", code)),
        "rooms": d.rooms.with_columns(_school_id("school_id", code)),
    }
    out.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        frame.write_parquet(out / f"{table}.parquet")


def build(scale: int, fmt: str = "parquet") -> Path:
    """The folder of ``scale`` provinces (built when missing), as Parquet or CSV files."""
    base = root()
    folder = base / f"{scale}x-{fmt}"
    if (folder / ".complete").exists():
        return folder
    parts = []
    for number in range(scale):
        part = base / "provinces" / f"p{number:02d}"
        if not (part / ".complete").exists():
            print(f"  generating province {number + 1} of {scale} …", flush=True)
            # A child process each: a province's generation peaks at a few GB.
            subprocess.run([sys.executable, __file__, "--province", str(number), str(part)],
                           check=True)
            (part / ".complete").touch()
        parts.append(part)
    folder.mkdir(parents=True, exist_ok=True)
    for table in ("schools", "stages", "teachers", "county", "rotations", "rooms"):
        frames = pl.concat([pl.scan_parquet(p / f"{table}.parquet") for p in parts])
        if fmt == "parquet":
            frames.sink_parquet(folder / f"{table}.parquet")
        else:
            frames.sink_csv(folder / f"{table}.csv")
    (folder / ".complete").touch()
    return folder


def main() -> None:
    if sys.argv[1] == "--province":
        province(int(sys.argv[2]), Path(sys.argv[3]))
        return
    for scale in map(int, sys.argv[1:]):
        print(build(scale))


if __name__ == "__main__":
    main()
