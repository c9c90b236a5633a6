"""One pass over the teachers for everything the evaluation counts in them (issue 18).

A province has millions of teacher rows with text ids; every copy, join or hash of that table
costs more than the rest of the evaluation. So no rule filters, joins or copies it: the counts
per school and stage (the indicators' teacher groups, and each teacher-level item's met, failed
and unknown) are one ``group_by`` over the columns they need, and the teachers an item names as
failing are one filter each over a boolean. The rules then work on the ~10⁵ rows per school and
stage. Sums of booleans are exact, so every figure is the one the per-rule queries gave.

Which teachers count: ``full_time`` ones when the standard says so (``counted``), as in the
indicators; the rules say the same. Rotated teachers are the teacher ids ``rotations`` records
in the school year evaluated (``rotated``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from junheng.model.dataset import Dataset
from junheng.model.lookup import mask_at, member, one_of
from junheng.model.runs import sum_by
from junheng.standards import Standard
from junheng.standards._parts import Item
from junheng.standards.compare import at_least

KEY = ("school_id", "stage")


def teacher_group_column(group: str) -> str:
    return f"teachers_{group}"


def group_expr(spec: dict[str, dict[str, list[str]]]) -> pl.Expr:
    """True for a teacher in the group: every listed column holds one of its stage's codes."""
    expr = pl.lit(True)
    for column, by_stage in spec.items():
        primary, junior = set(by_stage["primary"]), set(by_stage["junior"])
        # The codes both stages accept, then each stage's own: no when/then over a province's
        # roster, and a handful of comparisons instead of hashing every row (model/lookup.py).
        test = one_of(pl.col(column), sorted(primary & junior))
        # As before, a stage other than primary (null included) takes the junior codes.
        is_primary = pl.col("stage").eq_missing("primary")
        for where, own in ((is_primary, primary - junior), (~is_primary, junior - primary)):
            if own:
                test = test | (where & one_of(pl.col(column), sorted(own)))
        expr = expr & test
    return expr.fill_null(False)


def computed_items(standard: Standard) -> dict[str, Item]:
    """The standard's computed items by rule name (each rule appears at most once)."""
    return {item.compute: item for part in standard.parts for item in part.items
            if item.compute}


@dataclass
class Tally:
    """Per school and stage: ``teachers_<group>`` counts and each teacher item's tallies
    (``<item>_good``, ``_bad``; ``training_no_start``;
    ``rotation_stay``, ``rotation_stay_unknown``, ``rotation_known``); ``rows``: the teachers
    failing the training and certificate items (``school_id``, ``teacher_id``) and the rotated
    teachers' rows (``teacher_id``, ``stage`` and the backbone group's columns)."""

    units: pl.DataFrame
    rows: dict[str, pl.DataFrame]


def counted(standard: Standard) -> pl.Expr:
    return pl.col("full_time").fill_null(False) if standard.full_time_only else pl.lit(True)


def _met_and_failed(name: str, met: str) -> dict[str, pl.Expr]:
    """Met and failed among the counted teachers (``_take``): (met ∧ take) is null when met is,
    so sums skip it. Unknown is the rest of the counted teachers, and known their complement
    (an item's ``met`` is null exactly when its figure is): no column is summed for them."""
    return {f"{name}_good": pl.col(met) & pl.col("_take"),
            f"{name}_bad": pl.col(met).not_() & pl.col("_take")}


def training_met(item: Item, year: int, tolerance: float) -> pl.Expr:
    """``training_hours_5y`` ≥ what the teacher's service requires (null without hours)."""
    p = item.params
    service = year - pl.col("career_start")
    required = pl.when(pl.col("career_start").is_null() | (service >= p["service_years"])).then(
        pl.lit(float(p["hours_5y"]))).otherwise(
        float(p["hours_per_year"]) * service.clip(lower_bound=0))
    return at_least(pl.col("training_hours_5y"), required, tolerance)


def rotated(dataset: Dataset, year: int) -> pl.Series | None:
    """Whether each row of the roster is a teacher ``rotations`` records in school year
    ``year`` (None without the table). Only the rows named in any year are looked at
    (``Dataset.rotated_rows``, found once while validating): a province's roster is not
    hashed again.

    >>> ds = Dataset(pl.DataFrame(), pl.DataFrame(),
    ...              pl.DataFrame({"teacher_id": ["a", "b", "c", "a"]}),
    ...              rotations=pl.DataFrame({"teacher_id": ["a", "c"], "school_year": [2024, 2023]}))
    >>> rotated(ds, 2024).to_list()
    [True, False, False, True]
    """
    named = dataset.rotated_rows()
    if named is None or dataset.rotations is None:
        return None
    this_year = dataset.rotations.filter(pl.col("school_year") == year)
    if this_year.height < dataset.rotations.height:  # other years' teachers are named too
        named = named.filter(member(named.get_column("teacher_id"),
                                    this_year.get_column("teacher_id")))
    return mask_at(dataset.teachers.height, named.get_column("_i"))


def tally_teachers(dataset: Dataset, standard: Standard, year: int | None = None,
                   items: bool = True) -> Tally:
    """Count the teachers once for the units (and, with ``items``, for the teacher items;
    ``year`` is then needed by the training and rotation rules).

    Each count is a boolean column summed per school and stage. The per-teacher tests are
    computed once (``_take``, ``_training``, ``_rotated``), the flags from them, and the sums of
    plain columns are Polars' fastest aggregation.
    """
    tests = {"_take": counted(standard)}
    teachers = dataset.teachers
    flags = {teacher_group_column("all"): pl.col("_take")}
    flags |= {teacher_group_column(name): group_expr(spec) & pl.col("_take")
              for name, spec in standard.teacher_groups.items()}
    masks: dict[str, pl.Expr] = {}
    columns: dict[str, list[str]] = {}
    rules = computed_items(standard) if items else {}
    if "training_hours" in rules and year is not None:
        tests["_training"] = training_met(rules["training_hours"], year, standard.tolerance)
        flags |= _met_and_failed("training", "_training")
        flags["training_no_start"] = pl.col("career_start").is_null() & pl.col("_take")
        masks["training"] = flags["training_bad"]
    if "certified" in rules:
        flags |= _met_and_failed("certified", "certified")
        masks["certified"] = flags["certified_bad"]
    moved = rotated(dataset, year) if "rotation" in rules and year is not None else None
    if moved is not None:
        p = rules["rotation"].params
        # Made once, for the sums and the rows alike.
        teachers = teachers.with_columns(moved.alias("_rotated"))
        staying = pl.col("_take") & pl.col("_rotated").not_()
        since = pl.col("school_since")
        flags["rotation_stay"] = (year - since >= p["tenure_years"]) & staying
        flags["rotation_stay_unknown"] = since.is_null() & staying
        flags["rotation_known"] = since.is_not_null() & pl.col("_take")
        masks["rotated"] = pl.col("_rotated")
        columns["rotated"] = ["teacher_id", "stage",
                              *(standard.teacher_groups.get(p["backbone_group"]) or {})]
    # The flags are computed and summed in one streamed query (model/runs.py): a province's
    # roster is never copied, nor twenty flag columns of its length held at once.
    frame = teachers.lazy().with_columns(**tests)
    units = sum_by(frame.select(*KEY, *[e.alias(name) for name, e in flags.items()]),
                   list(KEY), list(flags)).with_columns(pl.col(list(flags)).cast(pl.Int64))
    rows = {name: frame.filter(mask.fill_null(False)).select(
        columns.get(name, ["school_id", "teacher_id"])).collect() for name, mask in masks.items()}
    return Tally(units, rows)
