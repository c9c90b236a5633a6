"""Trends across school years: a county's evaluations, one per school year, as tables (Polars)
and as small server-rendered SVG charts (no script: the page's CSP allows none inline).

``trend_table`` gives one row per school year — the verdict, the school–stages meeting the
rule and evaluated (in all and by stage), the pupils by stage; ``cv_trends`` one row per school
year, stage and indicator — the CV and its limit. Both read only the evaluation's ``counties``,
``schools`` and ``stages`` tables, the same figures the county page and the reports show.

Examples
--------
>>> import polars as pl
>>> from types import SimpleNamespace
>>> ev = SimpleNamespace(
...     counties=pl.DataFrame({"county": ["甲县"], "verdict": ["fail"]}),
...     schools=pl.DataFrame({"county": ["甲县"] * 3, "stage": ["primary", "primary", "junior"],
...                           "students": [100, 50, 80], "meets_rule": [True, False, True]}),
...     stages=pl.DataFrame({"county": ["甲县"], "stage": ["primary"], "indicator": ["x"],
...                          "indicator_order": [0], "cv": [0.4], "cv_limit": [0.5],
...                          "cv_met": [True]}))
>>> row = trend_table([(2024, ev)]).row(0, named=True)
>>> row["meeting"], row["evaluated"], row["pupils_primary"], row["pupils_junior"], row["pupils"]
(2, 3, 150, 80, 230)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from markupsafe import Markup, escape

from junheng.model.schema import STAGES

TREND_SCHEMA = {"school_year": pl.Int64, "verdict": pl.String, "meeting": pl.Int64,
                "evaluated": pl.Int64,
                **{f"{k}_{s}": pl.Int64 for s in STAGES for k in ("meeting", "evaluated")},
                **{f"pupils_{s}": pl.Int64 for s in STAGES}, "pupils": pl.Int64}
CV_SCHEMA = {"school_year": pl.Int64, "stage": pl.String, "indicator": pl.String,
             "indicator_order": pl.Int64, "cv": pl.Float64, "cv_limit": pl.Float64,
             "cv_met": pl.Boolean}


def _county(evaluation: Any, county: str | None) -> str:
    names = evaluation.counties.get_column("county").to_list()
    if county is None:
        if len(names) != 1:
            raise ValueError(f"the evaluation holds {len(names)} counties: name one")
        return names[0]
    if county not in names:
        raise ValueError(f"county {county!r} is not in the evaluation")
    return county


def _years(items: Iterable[tuple[int, Any]]) -> list[tuple[int, Any]]:
    ordered = sorted(items, key=lambda item: item[0])
    years = [year for year, _ in ordered]
    if len(set(years)) != len(years):
        raise ValueError(f"one evaluation per school year: {years}")
    return ordered


def trend_table(items: Iterable[tuple[int, Any]], county: str | None = None) -> pl.DataFrame:
    """One row per school year (ascending) of ``(school_year, Evaluation)`` pairs: ``verdict``
    (pass / fail / incomplete), ``meeting`` and ``evaluated`` school–stages (a school–stage
    with no pupils is not evaluated), the same per stage (``meeting_primary``, …), and the
    pupils per stage (``pupils_primary``, …) and in all (``pupils``).

    ``county``: which county of each evaluation (default: its only one)."""
    rows = []
    for year, ev in _years(items):
        name = _county(ev, county)
        verdict = ev.counties.filter(pl.col("county") == name).get_column("verdict")[0]
        units = ev.schools.filter(pl.col("county") == name)
        row: dict[str, Any] = {"school_year": year, "verdict": verdict}
        for stage in (None, *STAGES):
            part = units if stage is None else units.filter(pl.col("stage") == stage)
            rule = part.get_column("meets_rule")
            suffix = "" if stage is None else f"_{stage}"
            row[f"meeting{suffix}"] = int(rule.sum() or 0)  # nulls (no pupils) are not counted
            row[f"evaluated{suffix}"] = int(rule.is_not_null().sum())
            row[f"pupils{suffix}" if stage else "pupils"] = int(
                part.get_column("students").sum() or 0)
        rows.append(row)
    return pl.DataFrame(rows, schema=TREND_SCHEMA, orient="row") if rows else pl.DataFrame(
        schema=TREND_SCHEMA)


def cv_trends(items: Iterable[tuple[int, Any]], county: str | None = None) -> pl.DataFrame:
    """One row per school year, stage and indicator: the CV, its limit and whether it is met
    (sorted by year, then stage in the standard's order, then the indicator's order)."""
    frames = []
    for year, ev in _years(items):
        name = _county(ev, county)
        frames.append(ev.stages.filter(pl.col("county") == name).select(
            pl.lit(year, pl.Int64).alias("school_year"), "stage", "indicator",
            pl.col("indicator_order").cast(pl.Int64), pl.col("cv").cast(pl.Float64),
            pl.col("cv_limit").cast(pl.Float64), "cv_met"))
    if not frames:
        return pl.DataFrame(schema=CV_SCHEMA)
    order = {s: i for i, s in enumerate(STAGES)}
    return pl.concat(frames).with_columns(
        pl.col("stage").replace_strict(order, default=len(order)).alias("_s")).sort(
        "school_year", "_s", "indicator_order").drop("_s")


# --- charts ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Series:
    """One line of a chart: its label, one value per year (None: no figure), its CSS class."""

    label: str
    values: Sequence[float | None]
    css: str = "s0"


def _axis_top(top: float, integer: bool) -> float:
    """A round top of a value axis drawn in four steps, at or above ``top``; with
    ``integer``, each step a whole number (counts of schools, of pupils).

    >>> _axis_top(9.9, True), _axis_top(2763, True), _axis_top(0.627, False), _axis_top(0, True)
    (12, 3000, 0.8, 4)
    """
    need = max(top, 0) / 4
    scale = 10.0 ** math.floor(math.log10(need)) if need > 0 else 1.0
    for factor in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10) if integer else (
            1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        step = factor * scale
        if step >= need and (not integer or step == int(step)):
            break
    if integer:
        step = max(1, int(step))
        return 4 * step
    return round(4 * step, 10)


def line_chart(years: Sequence[int], series: Sequence[Series], title: str, *,
               limit: float | None = None, fmt: str = "{:,.0f}", width: int = 520,
               height: int = 220, ok: Sequence[bool | None] | None = None,
               integer: bool = True) -> Markup:
    """An inline SVG line chart of ``series`` over ``years`` (value axis from 0), with an
    optional dashed ``limit`` line and each point labelled; ``ok`` marks the points of the
    first series as met (class ``ok``) or not (``bad``); ``integer``: counts (whole ticks).
    A value is labelled above its point, or below it when another series is higher there.
    Text is escaped; styles are classes (static/years.css) and SVG presentation attributes,
    never ``style=``; the chart scales to its container (``viewBox``).

    >>> svg = line_chart([2024, 2025], [Series("小学", [10, 12])], "在校生", limit=20)
    >>> svg.startswith("<svg") and svg.count("<circle") == 2 and "limit" in svg
    True
    """
    left, right, top_pad, bottom = 48, 14, 16, 30
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    values = [v for s in series for v in s.values if v is not None]
    top = _axis_top(max([*values, limit or 0, 0]) * 1.05, integer)

    def x(i: int) -> float:
        if len(years) == 1:
            return left + plot_w / 2
        return left + 8 + i * (plot_w - 16) / (len(years) - 1)

    def y(v: float) -> float:
        return top_pad + plot_h * (1 - v / top)

    out = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
           f'{height}" preserveAspectRatio="xMidYMid meet" role="img" '
           f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for k in range(5):  # the value axis: 0, ¼, ½, ¾ and the top
        v = top * k / 4
        out.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" '
                   f'y2="{y(v):.1f}"/><text class="tick" x="{left - 6}" y="{y(v) + 4:.1f}" '
                   f'text-anchor="end">{escape(fmt.format(v))}</text>')
    for i, year in enumerate(years):
        out.append(f'<text class="tick" x="{x(i):.1f}" y="{height - 10}" '
                   f'text-anchor="middle">{year}</text>')
    if limit is not None:
        out.append(f'<line class="limit" x1="{left}" x2="{width - right}" y1="{y(limit):.1f}" '
                   f'y2="{y(limit):.1f}" stroke-dasharray="5 4"><title>限值 limit '
                   f'{escape(fmt.format(limit))}</title></line>')
    label_all = len(years) <= 6
    for n, s in enumerate(series):
        points = [(x(i), y(v), v) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
            out.append(f'<polyline class="line {s.css}" fill="none" points="{path}"/>')
        for i, v in enumerate(s.values):
            if v is None:
                continue
            state = ""
            if ok is not None and n == 0 and ok[i] is not None:
                state = " ok" if ok[i] else " bad"
            out.append(f'<circle class="dot {s.css}{state}" cx="{x(i):.1f}" cy="{y(v):.1f}" '
                       f'r="4"><title>{escape(s.label)} {years[i]}: {escape(fmt.format(v))}'
                       f'</title></circle>')
            if label_all or i == len(s.values) - 1:
                others = [o.values[i] for o in series if o is not s and o.values[i] is not None]
                below = any(o > v for o in others)
                out.append(f'<text class="value {s.css}" x="{x(i):.1f}" '
                           f'y="{y(v) + 17 if below else y(v) - 8:.1f}" '
                           f'text-anchor="middle">{escape(fmt.format(v))}</text>')
    out.append("</svg>")
    return Markup("".join(out))
