"""Trends across school years: for each school year the county's newest snapshot of that year,
evaluated (cached) as the county page evaluates it — the verdict, the school–stages meeting
the rule, the pupils by stage and each CV against its limit, as tables and SVG charts."""

from __future__ import annotations

from typing import Any

import polars as pl
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from junheng.errors import InputError
from junheng.model.schema import STAGES
from junheng.report.catalogue import t
from junheng.store import Snapshot
from junheng.web.context import web
from junheng.web.trends import Series, cv_trends, line_chart, trend_table

router = APIRouter()


def _charts(years: list[int], table: pl.DataFrame, cvs: pl.DataFrame,
            names: dict[str, str]) -> dict[str, Any]:
    """The page's charts: school–stages meeting the rule, pupils by stage, one per CV."""
    meeting = line_chart(years, [Series("达标 meeting the rule", table["meeting"].to_list(), "s0"),
                                 Series("参评 evaluated", table["evaluated"].to_list(), "s1")],
                         "学校（学段）达标数 school–stages meeting the rule")
    stages = [s for s in STAGES if any(table[f"pupils_{s}"].to_list())]
    pupils = line_chart(years, [Series(f"{t(s, 'zh')} {s}", table[f"pupils_{s}"].to_list(),
                                       f"s{i + 2}") for i, s in enumerate(stages)],
                        "在校生数 pupils by stage")
    by_stage = []
    for stage in [s for s in STAGES if s in set(cvs["stage"].to_list())]:
        charts = []
        rows = cvs.filter(pl.col("stage") == stage)
        for (indicator,), part in rows.partition_by("indicator", as_dict=True,
                                                     maintain_order=True).items():
            by_year = {r["school_year"]: r for r in part.iter_rows(named=True)}
            values = [by_year[y]["cv"] if y in by_year else None for y in years]
            met = [by_year[y]["cv_met"] if y in by_year else None for y in years]
            limit = part["cv_limit"][-1]
            name = names.get(indicator, indicator)
            charts.append({"name": name, "limit": limit, "svg": line_chart(
                years, [Series("差异系数 CV", values, "s0")], f"{t(stage, 'zh')} · {name} 差异系数 CV",
                limit=limit, fmt="{:.2f}", width=300, height=170, ok=met, integer=False)})
        by_stage.append({"stage": t(stage, "zh"), "code": stage, "charts": charts})
    return {"meeting": meeting, "pupils": pupils, "pupil_stages": stages, "cvs": by_stage}


def _cv_rows(years: list[int], cvs: pl.DataFrame, names: dict[str, str]) -> list[dict]:
    """The CV table: one row per stage and indicator, one cell per school year (None: none)."""
    rows = []
    for (stage, indicator), part in cvs.partition_by("stage", "indicator", as_dict=True,
                                                     maintain_order=True).items():
        cells = {c["school_year"]: c for c in part.iter_rows(named=True)}
        rows.append({"stage": t(stage, "zh"), "indicator": names.get(indicator, indicator),
                     "limit": part["cv_limit"][-1],
                     "limits_differ": part["cv_limit"].n_unique() > 1,
                     "cells": [cells.get(y) for y in years]})
    return rows


@router.get("/counties/{county_id}/years", response_class=HTMLResponse)
def years_page(request: Request, county_id: int) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        known = sorted(s.scalars(select(Snapshot.school_year).where(
            Snapshot.county_id == county_id).distinct()))
        snapshots = [w.latest(s, county_id, year) for year in known]
    evaluated, used, invalid = [], [], []
    for snap in snapshots:
        try:
            evaluated.append((snap.school_year, w.evaluated(snap)))
            used.append(snap)
        except InputError:  # kept, but no longer readable (e.g. a newer contract)
            invalid.append(snap)
    view = None
    if evaluated:
        table, cvs = trend_table(evaluated), cv_trends(evaluated)
        years = table["school_year"].to_list()
        names = {i.key: i.name for i in evaluated[-1][1].standard.indicators}
        rows = [{**r, "verdict_zh": t(r["verdict"], "zh"), "snapshot": snap}
                for r, snap in zip(table.iter_rows(named=True), used, strict=True)]
        view = {"years": years, "rows": rows, "charts": _charts(years, table, cvs, names),
                "cv_rows": _cv_rows(years, cvs, names),
                "stages": [(s, t(s, "zh")) for s in STAGES]}
    return w.page(request, "years.html", user=user, csrf=csrf, county=county, view=view,
                  invalid=invalid)
