"""Indicator values, the inclusive threshold tests, and what each missed one lacks.

Comparisons are made on the unrounded products, never on rounded values:
``numerator × per_students ≥ threshold × students`` up to a relative tolerance (1e-9), so that
21 qualified teachers for 500 pupils (exactly 4.2 per 100) meet a 4.2 threshold.
"""

from __future__ import annotations

import polars as pl

from junheng.evaluate._roster import teacher_group_column
from junheng.standards import INTEGER_UNITS, Standard
from junheng.standards.compare import at_least, shortfall

UNIT_COLUMNS = ["county", "school_id", "name", "school_type", "location", "stage", "students"]


def _numerator(kind: str, ref: str) -> pl.Expr:
    return pl.col(teacher_group_column(ref) if kind == "teachers" else ref).cast(pl.Float64)


def indicator_table(units: pl.DataFrame, standard: Standard) -> pl.DataFrame:
    """One row per unit and indicator: value, threshold, met, ratio, floor met, shortfall.

    ``shortfall`` is in the indicator's natural unit (teachers, m², yuan, rooms): how much must be
    added to reach the threshold. Teachers and rooms are whole numbers (rounded up).

    The rows are one block per indicator, in the standard's order, each block the units in
    their order: the unit of row ``b × len(units) + u`` is ``units[u]`` (``school_table`` and
    the CVs rely on it).
    """
    frames = []
    for order, ind in enumerate(standard.indicators):
        if ind.thresholds is None:  # enters the CVs only (basic-2012)
            threshold = pl.lit(None, dtype=pl.Float64)
        else:
            threshold = pl.when(pl.col("stage") == "primary").then(
                pl.lit(ind.thresholds["primary"])).otherwise(pl.lit(ind.thresholds["junior"]))
        frames.append(units.select(
            *UNIT_COLUMNS,
            pl.lit(ind.key).alias("indicator"),
            pl.lit(order, dtype=pl.Int32).alias("indicator_order"),
            _numerator(*ind.numerator).alias("numerator"),
            pl.lit(ind.per_students).alias("per_students"),
            threshold.alias("threshold"),
            pl.lit(ind.unit).alias("unit"),
            pl.lit(ind.unit in INTEGER_UNITS).alias("_whole"),
        ))
    long = pl.concat(frames)
    tol = standard.tolerance
    has_pupils = pl.col("students") > 0
    lhs = pl.col("numerator") * pl.col("per_students")
    rhs = pl.col("threshold") * pl.col("students")
    floor_rhs = (standard.floor_ratio or 0.0) * rhs
    long = long.with_columns(
        pl.when(has_pupils).then(lhs / pl.col("students")).alias("value"),
        pl.when(has_pupils).then(at_least(lhs, rhs, tol)).alias("met"),
        pl.when(has_pupils).then(at_least(lhs, floor_rhs, tol)).alias("floor_met"),
    ).with_columns(
        pl.when(pl.col("threshold") > 0).then(pl.col("value") / pl.col("threshold"))
        .alias("ratio"),
        pl.when(pl.col("met").not_()).then(
            pl.when(pl.col("_whole"))
            .then(shortfall(pl.col("numerator"), rhs, tol, pl.col("per_students")))
            .otherwise(shortfall(pl.col("numerator"), rhs, tol, pl.col("per_students"),
                                 whole=False))).alias("shortfall"),
    )
    # Eager, not one lazy query: collected in memory it was slower, and streamed the ratios
    # came out a last bit apart.
    return long.drop("_whole", "per_students")


def school_table(indicators: pl.DataFrame, standard: Standard,
                 units: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per unit: indicators met, the per-school rule (null for a unit with no pupils,
    and for every unit when the standard has no per-school rule).

    With ``units`` (those ``indicators`` was made from, by ``indicator_table``), each unit's
    counts are read from the indicator blocks side by side instead of grouping the long table
    by its seven unit columns; the same rows when the units are distinct school–stages (checked).
    """
    blocks = len(standard.indicators)
    if units is not None and blocks and indicators.height == blocks * units.height and \
            not units.select(pl.struct("school_id", "stage").is_duplicated().any()).item():
        n = units.height
        met = indicators.get_column("met")
        floor_met = indicators.get_column("floor_met")
        # met_count: the met indicators (a null, for a unit with no pupils, counts none);
        # _floors: every floor met, null when one is unknown and none is missed (as .all()).
        counts = pl.select(
            pl.sum_horizontal([met.slice(b * n, n).fill_null(False).cast(pl.Int64)
                               for b in range(blocks)]).alias("met_count"),
            pl.all_horizontal([floor_met.slice(b * n, n).fill_null(True)
                               for b in range(blocks)]).alias("_floors"))
        grouped = units.select(UNIT_COLUMNS).hstack(counts)
    else:
        grouped = indicators.group_by(*UNIT_COLUMNS, maintain_order=True).agg(
            pl.col("met").sum().cast(pl.Int64).alias("met_count"),
            pl.col("floor_met").all().alias("_floors"))
    if not standard.has_school_rule:
        return grouped.select(*UNIT_COLUMNS, pl.lit(None, dtype=pl.Int64).alias("met_count"),
                              pl.lit(None, dtype=pl.Boolean).alias("meets_rule"))
    return grouped.with_columns(
        pl.when(pl.col("students") > 0).then(
            (pl.col("met_count") >= standard.min_indicators_met) & pl.col("_floors"))
        .alias("meets_rule"),
        pl.when(pl.col("students") > 0).then(pl.col("met_count")).alias("met_count"),
    ).drop("_floors")
