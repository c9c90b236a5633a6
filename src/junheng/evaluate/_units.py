"""Build the units the standard evaluates: one row per school and stage, with its counts.

This is where the profile's unit options act: facility totals split between stages by weighted
pupils, teacher groups counted, teaching points left out or merged into their central school.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from junheng.evaluate._roster import group_expr, tally_teachers
from junheng.model.dataset import Dataset
from junheng.model.schema import FACILITY_COLUMNS
from junheng.standards import Standard

UNIT_KEY = ("county", "school_id", "stage")
FACILITIES = [name for name, _, _ in FACILITY_COLUMNS]
# Stage figures the other parts use (class size, music and art rooms), carried on every unit.
ROOM_COUNTS = ["music_rooms", "art_rooms"]


@dataclass(frozen=True)
class Note:
    """Something the report must say about how the figures were obtained."""

    county: str
    zh: str
    en: str


# The group test and the column names live with the one pass over the teachers; the rotation
# planner imports the test from here.
_group_expr = group_expr


def count_teachers(dataset: Dataset, standard: Standard) -> pl.DataFrame:
    """Teachers of each school and stage in each group the standard defines (and in all)."""
    counts = tally_teachers(dataset, standard, items=False).units
    return counts.select("school_id", "stage",
                         *[c for c in counts.columns if c.startswith("teachers_")])


def extra_numerator_columns(standard: Standard) -> list[str]:
    """Stage columns an indicator sums beyond the facilities (basic-2012: books, computers)."""
    return list(dict.fromkeys(
        ind.numerator[1] for ind in standard.indicators
        if ind.numerator[0] == "column" and ind.numerator[1] not in FACILITIES))


def build_units(dataset: Dataset, standard: Standard, counts: pl.DataFrame | None = None,
                ) -> tuple[pl.DataFrame, list[Note]]:
    """Return the evaluation units and the notes on how they were made.

    ``members`` lists the schools a unit stands for: the school itself, plus the teaching points
    merged into it. ``counts``: the teachers per school and stage (``count_teachers``), when
    already counted.
    """
    notes: list[Note] = []
    schools = dataset.schools.select(
        "school_id", "name", "county", "school_type", "location", "parent_school_id",
        "latitude", "longitude", *[pl.col(c).alias(f"_total_{c}") for c in FACILITIES])
    extra = extra_numerator_columns(standard)
    summed = [*FACILITIES, *ROOM_COUNTS, *extra]
    units = dataset.stages.select(
        "school_id", "stage", "students", "classes", "largest_class", *FACILITIES, *ROOM_COUNTS,
        *extra, pl.concat_list(pl.col("school_id")).alias("members"),
    ).join(schools, on="school_id", how="left", maintain_order="left")
    units, split_notes = _split_totals(units, standard)
    notes += split_notes

    if counts is None:
        counts = count_teachers(dataset, standard)
    group_cols = [c for c in counts.columns if c.startswith("teachers_")]
    units = (units.join(counts.select("school_id", "stage", *group_cols),
                        on=["school_id", "stage"], how="left", maintain_order="left")
             .with_columns(pl.col(group_cols).fill_null(0)))

    if standard.exclude_teaching_points_below is not None:
        units, more = _exclude_small_teaching_points(units, standard.exclude_teaching_points_below)
        notes += more
    if standard.merge_teaching_points_into_parent:
        units, more = _merge_teaching_points(units, [*summed, *group_cols])
        notes += more
    return units.select(
        "county", "school_id", "name", "school_type", "location", "stage", "students", "classes",
        "largest_class", *summed, *group_cols, "members", "latitude", "longitude"), notes


def _split_totals(units: pl.DataFrame, standard: Standard) -> tuple[pl.DataFrame, list[Note]]:
    # Each stage's weight by comparison, not a lookup per row (a province has 200 000 rows).
    weight = pl.lit(None, dtype=pl.Float64)
    for stage, value in standard.split_weights.items():
        weight = pl.when(pl.col("stage") == stage).then(pl.lit(float(value))).otherwise(weight)
    weighted = weight * pl.col("students")
    total_weighted = weighted.sum().over("school_id")
    share = pl.when(total_weighted > 0).then(weighted / total_weighted).otherwise(
        weight / weight.sum().over("school_id"))
    split_flags = [(pl.col(c).is_null() & pl.col(f"_total_{c}").is_not_null()).alias(f"_split_{c}")
                   for c in FACILITIES]
    units = units.with_columns(*split_flags, share.alias("_share"))
    split = units.filter(pl.any_horizontal([f"_split_{c}" for c in FACILITIES]))
    notes: list[Note] = []
    if split.height:
        ratio = f"{standard.split_weights['primary']:g} : {standard.split_weights['junior']:g}"
        # Each school once, in order of appearance (not a frame per group: a province has
        # thousands of such schools).
        schools = split.select("county", "school_id", "name").unique(maintain_order=True)
        notes = [Note(county,
                      f"{name}（{school_id}）的设施数据按加权学生数（小学 : 初中 = {ratio}）由全校合计拆分到学段",
                      f"{name} ({school_id}): facility totals split between stages by weighted "
                      f"pupils (primary : junior = {ratio})")
                 for county, school_id, name in zip(*(s.to_list() for s in schools.get_columns()),
                                                    strict=True)]
    filled = [pl.coalesce(pl.col(c), pl.col(f"_total_{c}") * pl.col("_share")).alias(c)
              for c in FACILITIES]
    drop = [f"_split_{c}" for c in FACILITIES] + [f"_total_{c}" for c in FACILITIES] + ["_share"]
    return units.with_columns(filled).drop(drop), notes


def _exclude_small_teaching_points(units: pl.DataFrame, below: int):
    school_students = pl.col("students").sum().over("school_id")
    small = (pl.col("school_type") == "teaching_point") & (school_students < below)
    dropped = units.filter(small)
    notes = [Note(r["county"], f"教学点 {r['name']}（{r['school_id']}）在校生 {r['students']} 人，"
                  f"少于 {below} 人，按标准不参与评估",
                  f"teaching point {r['name']} ({r['school_id']}) has {r['students']} pupils, "
                  f"fewer than {below}; left out as the standard allows")
             for r in dropped.iter_rows(named=True)]
    return units.filter(~small), notes


def _merge_teaching_points(units: pl.DataFrame, summed: list[str]):
    """Add each teaching point's figures into its central school's unit of the same stage."""
    keys = units.select(pl.col("school_id").alias("parent_school_id"), "stage",
                        pl.lit(True).alias("_parent_has_stage"))
    tagged = units.join(keys, on=["parent_school_id", "stage"], how="left",
                        maintain_order="left")
    is_tp = (pl.col("school_type") == "teaching_point") & pl.col("parent_school_id").is_not_null()
    mergeable = is_tp & pl.col("_parent_has_stage").fill_null(False)
    notes = []
    for r in tagged.filter(mergeable).iter_rows(named=True):
        notes.append(Note(r["county"], f"教学点 {r['name']}（{r['school_id']}）并入中心校 "
                          f"{r['parent_school_id']} 评估",
                          f"teaching point {r['name']} ({r['school_id']}) evaluated as part of "
                          f"its central school {r['parent_school_id']}"))
    for r in tagged.filter(is_tp & ~pl.col("_parent_has_stage").fill_null(False)).iter_rows(
            named=True):
        notes.append(Note(r["county"], f"教学点 {r['name']}（{r['school_id']}）的中心校没有该学段，"
                          "单独评估", f"teaching point {r['name']} ({r['school_id']}): its "
                          "central school has no such stage; evaluated on its own"))
    tagged = tagged.with_columns(
        pl.when(mergeable).then(pl.col("parent_school_id")).otherwise(pl.col("school_id"))
        .alias("_target"))
    sums = tagged.group_by("_target", "stage", maintain_order=True).agg(
        pl.col("students", "classes").sum(),
        # A sum is unknown when any part is (null), not silently smaller.
        *[pl.when(pl.col(c).null_count() == 0).then(pl.col(c).sum()).alias(c) for c in summed],
        pl.when(pl.col("largest_class").null_count() == 0).then(pl.col("largest_class").max())
        .alias("largest_class"),
        pl.col("members").list.explode(keep_nulls=False, empty_as_null=False))
    kept = tagged.filter(~mergeable).drop("students", "classes", "largest_class", "members",
                                          *summed)
    merged = kept.join(sums, on=["_target", "stage"], how="left", maintain_order="left")
    return merged.drop("_target", "_parent_has_stage"), notes
