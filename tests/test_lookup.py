"""Membership in a list of codes by comparisons (model/lookup.py) and the teacher groups built on
it (evaluate/_roster.py ``group_expr``), against the rule written out in plain Python for every
stage and value, the odd ones (null, unknown) included."""

from __future__ import annotations

import itertools

import polars as pl
import pytest

from junheng.evaluate._roster import group_expr
from junheng.model.lookup import one_of

VALUES = ["a", "b", "c", "d", "", "zz", None]


@pytest.mark.parametrize("codes", [[], ["a"], ["a", "b"], ["b", "a", "b"], list("abcdefghij")])
def test_one_of_is_membership_with_nulls_kept(codes):
    got = pl.DataFrame({"v": VALUES}).select(one_of(pl.col("v"), codes)).to_series().to_list()
    assert got == [None if v is None else v in codes for v in VALUES]


SPECS = [
    {"x": {"primary": ["a", "b"], "junior": ["a", "b"]}},  # the same codes for both stages
    {"x": {"primary": ["a", "b", "c"], "junior": ["b", "c"]}},  # primary accepts one more
    {"x": {"primary": ["a"], "junior": ["b", "d"]}},  # nothing in common
    {"x": {"primary": [], "junior": ["c"]}},
    {"x": {"primary": ["a", "c"], "junior": ["c", "d"]},
     "y": {"primary": ["b"], "junior": ["b", "a"]}},  # two columns: both must hold
]


def _rule(spec, row) -> bool:
    """A teacher is in the group when every listed column holds one of the codes of the
    teacher's stage; any stage but primary (null or unknown included) takes the junior codes."""
    for column, by_stage in spec.items():
        codes = by_stage["primary"] if row["stage"] == "primary" else by_stage["junior"]
        if row[column] is None or row[column] not in codes:
            return False
    return True


@pytest.mark.parametrize("spec", SPECS)
def test_group_expr_matches_the_rule_everywhere(spec):
    rows = [{"stage": s, "x": x, "y": y} for s, x, y in itertools.product(
        ["primary", "junior", None, "senior"], VALUES, ["a", "b", None])]
    frame = pl.DataFrame(rows, schema={"stage": pl.String, "x": pl.String, "y": pl.String})
    got = frame.select(group_expr(spec)).to_series().to_list()
    assert got == [_rule(spec, r) for r in rows]


@pytest.mark.parametrize("seed", range(20))
def test_member_is_set_membership_with_nulls_false(seed):
    import random

    from junheng.model.lookup import member

    rng = random.Random(seed)
    pool = [f"T{i:016d}" for i in range(30)] + [None]
    values = [rng.choice(pool) for _ in range(rng.randint(0, 200))]
    among = [rng.choice(pool) for _ in range(rng.randint(0, 20))]
    got = member(pl.Series("teacher_id", values, dtype=pl.String),
                 pl.Series(among, dtype=pl.String))
    assert got.name == "teacher_id"
    assert got.to_list() == [v is not None and v in among for v in values]


def _rotated_by_hand(teachers: list[str | None], records: list[tuple[str | None, int]],
                     year: int) -> list[bool]:
    ids = {t for t, y in records if y == year and t is not None}
    return [t is not None and t in ids for t in teachers]


@pytest.mark.parametrize("seed", range(10))
def test_rotated_rows_kept_by_validation_and_found_again_when_stale(seed):
    """``Dataset.rotated_rows`` as the validation keeps it, and as found again after a table
    is replaced, gives the rotated teachers of each year the rule's way (set membership)."""
    import dataclasses
    import random

    from junheng.evaluate._roster import rotated
    from junheng.model.dataset import Dataset

    rng = random.Random(seed)
    pool = [f"T{i:03d}" for i in range(40)] + [None]
    teachers = [rng.choice(pool) for _ in range(rng.randint(1, 120))]
    records = [(rng.choice(pool), rng.choice([2023, 2024])) for _ in range(rng.randint(1, 30))]

    def dataset(roster: list[str | None]) -> Dataset:
        return Dataset(pl.DataFrame(), pl.DataFrame(),
                       pl.DataFrame({"teacher_id": roster}, schema={"teacher_id": pl.String}),
                       rotations=pl.DataFrame(
                           {"teacher_id": [t for t, _ in records],
                            "school_year": [y for _, y in records]},
                           schema={"teacher_id": pl.String, "school_year": pl.Int64}))

    ds = dataset(teachers)
    for year in (2023, 2024, 2025):
        assert rotated(ds, year).to_list() == _rotated_by_hand(teachers, records, year)
    # Every record of one year (no lookup then: every teacher named rotated that year).
    one_year = [(t, 2024) for t, _ in records]
    ds_one = dataset(teachers)
    ds_one.rotations = ds_one.rotations.with_columns(pl.lit(2024, dtype=pl.Int64)
                                                     .alias("school_year"))
    for year in (2023, 2024):
        assert rotated(ds_one, year).to_list() == _rotated_by_hand(teachers, one_year, year)
    # Another roster in place of the first: the kept rows are not used for it.
    other = [rng.choice(pool) for _ in range(rng.randint(1, 120))]
    ds.teachers = dataset(other).teachers
    assert rotated(ds, 2024).to_list() == _rotated_by_hand(other, records, 2024)
    # A replaced dataset starts without them.
    fresh = dataclasses.replace(ds, teachers=dataset(teachers).teachers)
    assert rotated(fresh, 2023).to_list() == _rotated_by_hand(teachers, records, 2023)


def test_validation_keeps_the_rotated_rows_of_its_own_roster(tmp_path):
    """The rows the validation found (with its own row numbers and stages still unresolved) are
    the loaded roster's: each is a teacher some rotation record names, and every such teacher
    is among them."""
    import junheng

    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=12, seed=3)
    ds = junheng.load(path)
    assert ds._rotated is not None and ds._rotated[0] is ds.teachers  # kept, not found again
    kept = ds.rotated_rows().sort("_i")
    rows = kept.get_column("_i").to_list()
    named = set(ds.rotations.get_column("teacher_id").drop_nulls().to_list())
    ids = ds.teachers.get_column("teacher_id").to_list()
    assert rows == [i for i, t in enumerate(ids) if t in named]
    assert kept.get_column("teacher_id").to_list() == [ids[i] for i in rows]
    assert rows  # the sample rotates some teachers
