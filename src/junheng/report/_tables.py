"""The tables the reports share, derived from an evaluation (never recomputing its verdicts).

The Excel workbook, the HTML report and the Word draft all read these, so the three show the
same figures.
"""

from __future__ import annotations

import polars as pl

from junheng.evaluate import Evaluation
from junheng.evaluate._evaluation import STAGE_ORDER

# Beyond this many counties the Excel and HTML reports leave the charts out: a province's
# thousands of charts would make both unusable. Each county's own report has them.
MAX_CHART_COUNTIES = 20


def gap_table(evaluation: Evaluation) -> pl.DataFrame:
    """Each failing school–stage's missed indicators, nearest to passing first.

    To pass the per-school rule (STANDARDS.md §1.1) a school–stage must bring every indicator
    below the floor (85 %) up to its threshold, and enough of the others that at most
    ``n − min_met`` stay missed; the ones left are those closest to their threshold. So:

    - ``must_fix``: this indicator is in that smallest set;
    - ``to_fix``: how many indicators the set holds (how far from passing, in indicators);
    - ``distance``: Σ (1 − ratio) over the set — the tie-break, in thresholds.

    Rows: county, school_id, name, stage, students, met_count, indicator, indicator_order, value,
    threshold, ratio, floor_met, shortfall, unit, must_fix, to_fix, distance. Empty when the
    standard has no per-school rule.

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=30, seed=3)
    >>> gaps = gap_table(junheng.evaluate(junheng.load(path)))
    >>> bool((gaps.get_column("to_fix") >= 1).all())
    True
    """
    std = evaluation.standard
    failing = evaluation.schools.filter(pl.col("meets_rule").not_()).select(
        "county", "school_id", "stage", "met_count")
    if not std.has_school_rule or failing.height == 0:
        return pl.DataFrame(schema={**{c: evaluation.indicators.schema[c] for c in (
            "county", "school_id", "name", "stage", "students")},
            "met_count": pl.Int64, "indicator": pl.String, "indicator_order": pl.Int32,
            "value": pl.Float64, "threshold": pl.Float64, "ratio": pl.Float64,
            "floor_met": pl.Boolean, "shortfall": pl.Float64, "unit": pl.String,
            "must_fix": pl.Boolean, "to_fix": pl.UInt32, "distance": pl.Float64})
    graded = sum(ind.thresholds is not None for ind in std.indicators)
    may_stay_missed = graded - (std.min_indicators_met or graded)
    unit = ["county", "school_id", "stage"]
    missed = evaluation.indicators.join(failing, on=unit).filter(pl.col("met").not_())
    # Among the misses above the floor, the ones nearest their threshold may stay missed.
    rank = (pl.col("ratio").rank("ordinal", descending=True)
            .over([*unit, "floor_met"], order_by="indicator_order"))
    missed = missed.with_columns(
        (pl.col("floor_met").not_() | (rank > may_stay_missed)).alias("must_fix"))
    totals = missed.group_by(unit).agg(
        pl.col("must_fix").sum().alias("to_fix"),
        (1 - pl.col("ratio")).filter(pl.col("must_fix")).sum().alias("distance"))
    return (missed.join(totals, on=unit)
            .select("county", "school_id", "name", "stage", "students", "met_count", "indicator",
                    "indicator_order", "value", "threshold", "ratio", "floor_met", "shortfall",
                    "unit", "must_fix", "to_fix", "distance")
            .sort("to_fix", "distance", "county", "school_id", "stage", "indicator_order"))


def cv_contributions(evaluation: Evaluation) -> pl.DataFrame:
    """Each school's share of the weighted variance behind each CV (STANDARDS.md §1.2).

    With Pi pupils, P = ΣPi, X̄ the county value: school i adds ``(Pi/P)·(Xi − X̄)²`` to the
    variance S², so ``share = (Pi/P)(Xi − X̄)² / S²`` says which schools drive the CV (the shares
    of a stage and indicator sum to 1; null when S² = 0). Schools without pupils are left out,
    as in the CV.

    Rows: county, stage, indicator, indicator_order, school_id, name, students, weight (Pi/P),
    value (Xi), county_value (X̄), deviation (Xi − X̄), contribution, share — largest share
    first within each stage and indicator.
    """
    group = ["county", "stage", "indicator"]
    rows = evaluation.indicators.filter(pl.col("students") > 0)
    pupils = pl.col("students").cast(pl.Float64)
    out = rows.with_columns((pupils / pupils.sum().over(group)).alias("weight")).with_columns(
        (pl.col("weight") * pl.col("value")).sum().over(group).alias("county_value"),
    ).with_columns(
        (pl.col("value") - pl.col("county_value")).alias("deviation"),
    ).with_columns(
        (pl.col("weight") * pl.col("deviation") ** 2).alias("contribution"),
    ).with_columns(
        pl.when(pl.col("contribution").sum().over(group) > 0)
        .then(pl.col("contribution") / pl.col("contribution").sum().over(group))
        .alias("share"),
    )
    return out.select("county", "stage", "indicator", "indicator_order", "school_id", "name",
                      "students", "weight", "value", "county_value", "deviation",
                      "contribution", "share").sort(
        "county", pl.col("stage").replace_strict(STAGE_ORDER), "indicator_order", "share",
        "school_id", descending=[False, False, False, True, False], nulls_last=True)
