"""The coefficient of variation (差异系数), weighted by enrolment — STANDARDS.md §1.2.

For the n school–stages of one stage in one county, with Xi the indicator value and Pi the pupils,
P = ΣPi::

    X̄  = Σ Pi·Xi / P                  (= county total / county pupils)
    S  = sqrt( Σ (Pi/P)·(Xi − X̄)² )   (population form: divide by P)
    CV = S / X̄                        (undefined when X̄ = 0)

Units with no pupils are left out. The unweighted forms (÷n or ÷(n−1)) are *not* the standard's
and flip verdicts near the limit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from junheng.standards.compare import at_most


def weighted_cv(values: Sequence[float], pupils: Sequence[float]) -> float | None:
    """The standard's CV for one indicator; ``None`` when the weighted mean is 0.

    Examples
    --------
    The golden example of STANDARDS.md §1.2 (books per pupil, five primary schools):

    >>> pupils = [45, 37, 89, 76, 55]
    >>> books = [279, 137, 935, 160, 402]
    >>> round(weighted_cv([b / p for b, p in zip(books, pupils)], pupils), 6)
    0.515257
    """
    pairs = [(x, p) for x, p in zip(values, pupils, strict=True) if p > 0]
    total = sum(p for _, p in pairs)
    if total == 0:
        return None
    mean = sum(p * x for x, p in pairs) / total
    if mean == 0:
        return None
    variance = sum(p * (x - mean) ** 2 for x, p in pairs) / total
    return math.sqrt(variance) / mean


def cv_table(indicators: pl.DataFrame, limits: dict[str, float] | None, tolerance: float,
             by: Sequence[str] = ("county", "stage"),
             composite_limits: dict[str, float] | None = None) -> pl.DataFrame:
    """Per group and indicator: weighted mean X̄ (county value), CV, limit, met.

    With ``composite_limits`` (basic-2012), each group also gets ``cv_composite``, the plain
    mean of its indicators' CVs (null when any CV is), its limit and whether it is met; a single
    CV may then exceed any value.
    """
    group = [*by, "indicator"]
    rows = indicators.filter(pl.col("students") > 0)
    pupils = pl.col("students").cast(pl.Float64)
    total = pupils.sum().over(group)
    mean = (pupils * pl.col("value")).sum().over(group) / total
    weighted = rows.with_columns(mean.alias("_mean"), total.alias("_total")).with_columns(
        (pupils * (pl.col("value") - pl.col("_mean")) ** 2 / pl.col("_total")).alias("_dev"))
    out = weighted.group_by(*group, maintain_order=True).agg(
        pl.col("indicator_order").first(),
        pl.col("_mean").first().alias("county_value"),
        pl.col("_dev").sum().alias("_variance"),
    ).with_columns(
        pl.when(pl.col("county_value") != 0)
        .then(pl.col("_variance").sqrt() / pl.col("county_value")).alias("cv"),
        (pl.lit(None, dtype=pl.Float64) if limits is None else
         pl.col("stage").replace_strict(limits, return_dtype=pl.Float64)).alias("cv_limit"),
    ).with_columns(
        _within(pl.col("cv"), pl.col("cv_limit"), tolerance).alias("cv_met"),
    )
    if composite_limits is not None:
        out = out.with_columns(
            pl.when(pl.col("cv").null_count().over(by) == 0)
            .then(pl.col("cv").mean().over(by)).alias("cv_composite"),
            pl.col("stage").replace_strict(composite_limits, return_dtype=pl.Float64)
            .alias("cv_composite_limit"),
        ).with_columns(_within(pl.col("cv_composite"), pl.col("cv_composite_limit"), tolerance)
                       .alias("cv_composite_met"))
    return out.drop("_variance").sort([*by, "indicator_order"], maintain_order=True)


def _within(cv: pl.Expr, limit: pl.Expr, tolerance: float) -> pl.Expr:
    """``cv ≤ limit`` inclusive; an undefined CV (X̄ = 0) is never within. Null with no limit."""
    return pl.when(limit.is_not_null()).then(
        cv.is_not_null() & at_most(cv, limit, tolerance).fill_null(False))
