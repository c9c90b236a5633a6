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
