"""The problem data of the path-to-pass model, per county, from an evaluation and the prices."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import polars as pl

from junheng.evaluate import Evaluation
from junheng.model.dataset import Dataset
from junheng.plan.investment.model import (
    HIRES,
    LEVERS,
    CountyProblem,
    IndicatorData,
    UnitData,
    need,
)

# The evaluation's unit columns holding each numerator.
NUMERATOR_COLUMN = {("teachers", g): f"teachers_{g}" for g in ("qualified", "backbone", "pe_art")}


def exact(value: Any) -> Fraction:
    """A figure as the decimal the user typed (1480.5 m², not its binary neighbour)."""
    return Fraction(0) if value is None else Fraction(str(value))


def indicators(evaluation: Evaluation) -> list[IndicatorData]:
    return [IndicatorData(i.key, i.numerator, exact(i.per_students),
                          {s: exact(v) for s, v in i.thresholds.items()}, i.short, i.short_en)
            for i in evaluation.standard.indicators if i.thresholds is not None]


def county_problems(evaluation: Evaluation, dataset: Dataset, prices: Any,
                    levers: tuple[str, ...], hire_years: int = 1) -> list[CountyProblem]:
    """One ``CountyProblem`` per county: each unit's numerators, the levers the bureau priced
    (among ``levers``), its land, posts and closure, and the units no lever can bring to the
    rule (``unreachable``, with why)."""
    std = evaluation.standard
    inds = indicators(evaluation)
    candidates = _backbone_candidates(dataset, evaluation)
    out = []
    for (county,), rows in evaluation.units.group_by("county", maintain_order=True):
        costs = {}
        for lever in levers:
            unit_cost = prices.cost(lever, county)
            if unit_cost is not None:
                costs[lever] = unit_cost * (hire_years if lever in HIRES else 1)
        units = []
        for r in rows.sort("school_id", "stage").iter_rows(named=True):
            if not r["students"]:
                continue
            numerators = {}
            for ind in inds:
                column = NUMERATOR_COLUMN.get(ind.numerator, ind.numerator[1])
                numerators[ind.key] = exact(r[column])
            units.append(UnitData(
                county, r["school_id"], r["stage"], int(r["students"]), numerators,
                land_m2=prices.land_m2.get(r["school_id"]), posts=prices.posts.get(r["school_id"]),
                closing=r["school_id"] in prices.closing,
                backbone_candidates=candidates.get((r["school_id"], r["stage"]), 0)))
        problem = CountyProblem(county, units, inds, costs, std.min_indicators_met or 0,
                                exact(std.floor_ratio or 0), {
                                    s: exact(v) for s, v in (std.cv_limits or {}).items()},
                                prices.county_posts.get(county))
        problem.unreachable = [(u, *why) for u in units
                               if (why := unreachable(u, problem)) is not None]
        out.append(problem)
    return out


def room_needs(evaluation: Evaluation, dataset: Dataset) -> list[tuple[str, str, str, int]]:
    """Item 3 (STANDARDS.md §1.3): music and art rooms each ≥ ⌈classes / 12⌉ per school, rooms
    of a school listed in the ``rooms`` table counted when at least the minimum area. Returns
    (county, school_id, kind, rooms to add); the rooms do not touch the seven indicators, so
    they are fixed actions beside the model."""
    item = next((i for part in evaluation.standard.parts for i in part.items
                 if i.key == "music_art_rooms"), None)
    if item is None:
        return []
    per = int(item.params["classes_per_room"])
    minimum = item.params["min_area_m2"]
    schools = (evaluation.units.group_by("county", "school_id")
               .agg(pl.col("classes").sum(), pl.col("music_rooms").sum(),
                    pl.col("art_rooms").sum()).sort("county", "school_id"))
    listed: dict[str, dict[str, int]] = {}
    if dataset.rooms is not None:
        for r in dataset.rooms.iter_rows(named=True):
            if r["area_m2"] is not None and r["area_m2"] >= minimum[r["room_type"]]:
                have = listed.setdefault(r["school_id"], {"music": 0, "art": 0})
                have[r["room_type"]] += 1
            else:
                listed.setdefault(r["school_id"], {"music": 0, "art": 0})
    out = []
    for r in schools.iter_rows(named=True):
        need = -(-int(r["classes"] or 0) // per)
        have = listed.get(r["school_id"], {"music": r["music_rooms"] or 0,
                                           "art": r["art_rooms"] or 0})
        for kind in ("music", "art"):
            if need > have[kind]:
                out.append((r["county"], r["school_id"], f"{kind}_rooms", need - have[kind]))
    return out


def _backbone_candidates(dataset: Dataset, evaluation: Evaluation) -> dict[tuple[str, str], int]:
    """Full-time teachers not yet backbone, per school–stage (a teacher without a stage
    teaches the school's only one)."""
    only = (evaluation.units.group_by("school_id").agg(pl.col("stage").first(), pl.len())
            .filter(pl.col("len") == 1).select("school_id", _only="stage"))
    rows = (dataset.teachers.filter(pl.col("full_time") & (pl.col("backbone") == "none"))
            .join(only, on="school_id", how="left")
            .with_columns(pl.col("stage").fill_null(pl.col("_only")))
            .group_by("school_id", "stage").len())
    return {(s, g): n for s, g, n in rows.iter_rows()}


def reach(unit: UnitData, ind: IndicatorData, problem: CountyProblem, amount: int) -> bool:
    """Whether the priced levers can add ``amount`` to the indicator's numerator at ``unit``
    (each lever alone, within its land, candidates and posts)."""
    if amount <= 0:
        return True
    if unit.closing:
        return False
    for lever in LEVERS.get(ind.numerator, ()):
        if lever not in problem.costs:
            continue
        bound = None
        if lever == "sports_area_m2":
            bound = unit.land_m2
        elif lever == "appoint_backbone":
            bound = unit.backbone_candidates
        elif lever in HIRES:
            bound = unit.posts
        if bound is None or bound >= amount:
            return True
    return False


def unreachable(unit: UnitData, problem: CountyProblem) -> tuple[str, str] | None:
    """Why no plan of these levers brings ``unit`` to the per-school rule, or None."""
    below = [ind for ind in problem.indicators
             if not reach(unit, ind, problem, need(unit, ind, problem.floor))]
    if below:
        return (f"现有可用措施无法使其达到标准值的 {float(problem.floor):.0%}："
                f"{'、'.join(i.name for i in below)}",
                f"the priced levers cannot bring it to {float(problem.floor):.0%} of the "
                f"threshold: {'; '.join(i.name_en for i in below)}")
    met = sum(reach(unit, ind, problem, need(unit, ind, Fraction(1)))
              for ind in problem.indicators)
    if met < problem.min_met:
        return (f"可用措施只能使 {met} 项指标达标，少于 {problem.min_met} 项",
                f"the priced levers can meet only {met} indicators, fewer than "
                f"{problem.min_met}")
    return None
