"""``plan_pass``: the least-cost actions that make each county pass the resource part, applied
to the tables and re-evaluated (the evaluation, not the model, says whether the plan passes)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from junheng.errors import PlanError
from junheng.evaluate import evaluate
from junheng.model.dataset import Dataset
from junheng.plan._base import PlanResult, Progress, per_county
from junheng.plan._milp import LevelResult
from junheng.plan.investment.input import county_problems, room_needs
from junheng.plan.investment.model import UNIT_KINDS, PassModel
from junheng.plan.investment.phasing import phase_actions
from junheng.plan.investment.prices import Prices
from junheng.standards import Standard, load_standard

FACILITY_COLUMN = {"teaching_area_m2": "teaching_area_m2", "sports_area_m2": "sports_area_m2",
                   "equipment_yuan": "equipment_value_yuan", "multimedia_rooms": "multimedia_rooms"}
INVESTMENT = ("teaching_area_m2", "sports_area_m2", "equipment_yuan", "multimedia_rooms",
              "music_rooms", "art_rooms")
RECRUITMENT = ("hire_qualified", "hire_pe_art", "appoint_backbone")
ACTION_COLUMNS = {"county": pl.String, "school_id": pl.String, "stage": pl.String,
                  "kind": pl.String, "amount": pl.Int64, "unit_cost_yuan": pl.Float64,
                  "cost_yuan": pl.Float64, "phase": pl.Int64, "subject": pl.String}
BY_YEAR_COLUMNS = {"county": pl.String, "phase": pl.Int64, "cost_yuan": pl.Float64,
                   "cumulative_yuan": pl.Float64, "schools_meeting_rule": pl.Int64,
                   "schools_evaluated": pl.Int64, "resources_verdict": pl.String}


@dataclass
class PassPlan(PlanResult):
    """The plan: ``actions`` (county, school_id, stage, kind, amount, unit_cost_yuan,
    cost_yuan, phase — the year 1..``years`` it is done in —, subject — the suggested subject of
    a PE/art hire), ``by_year`` (per county and year:
    the cost, the cost to date, and the evaluation of the tables with the actions done by
    then: school–stages meeting the rule and the resource part's verdict), the cost per
    county, the units no priced lever can bring to the rule
    (``unreachable``: county, school_id, stage, why_zh, why_en) and the counties for which no
    plan meets every rule (``infeasible``)."""

    actions: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ACTION_COLUMNS))
    unreachable: pl.DataFrame | None = None
    infeasible: list[str] = field(default_factory=list)
    # Per county: the least cost to pass, the naive plan's cost (every failing indicator of
    # every school–stage raised to its threshold by its cheapest lever), and, when the budget
    # is smaller than the least cost, what is missing to pass.
    pass_cost_yuan: dict[str, float] = field(default_factory=dict)
    naive_cost_yuan: dict[str, float] = field(default_factory=dict)
    shortfall_yuan: dict[str, float] = field(default_factory=dict)
    budget_yuan: float | None = None
    years: int = 1
    # False: made without a price table (recruitment only): each teacher hired or appointed
    # counts 1, so the "cost" columns count teachers
    priced: bool = True
    levers: tuple[str, ...] = ()
    by_year: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=BY_YEAR_COLUMNS))

    @property
    def cost_yuan(self) -> float:
        return float(self.actions.get_column("cost_yuan").sum() or 0.0)

    def tables(self) -> dict[str, pl.DataFrame]:
        return {"actions": self.actions, "by_year": self.by_year,
                "unreachable": self.unreachable if self.unreachable is not None
                else pl.DataFrame()}


def plan_pass(dataset: Dataset, standard: Standard | str = "quality-2017", prices: Any = None,
              levers: tuple[str, ...] = INVESTMENT + RECRUITMENT, hire_years: int = 1,
              budget_wan: float | None = None, years: int = 1, year: int | None = None,
              time_limit: float = 30.0, seed: int = 0,
              progress: Progress | None = None) -> PassPlan:
    """The least-cost investment and recruitment that make each county pass the resource
    part (the formulation: ``junheng.plan.investment.model``), applied and re-evaluated.

    ``prices``: a ``Prices`` (unit costs, multipliers, land, posts, closures); only the
    ``levers`` it prices are used. Without one (recruitment levers only), each teacher hired
    or appointed counts 1: the plan with the fewest teachers, ``priced`` False.
    ``hire_years``: a hire costs its yearly price this many years. ``budget_wan``: each county's budget in 万元 over all ``years``; when passing
    costs more, the plan is instead the most school–stages meeting the rule within it, and
    ``shortfall_yuan`` says what is missing to pass. ``years``: the actions are phased over
    this many years, each year spending at most its even share of the budget (of the plan's
    cost without one), schools that come to the rule first (``junheng.plan.investment.phasing``).
    """
    started = time.perf_counter()
    priced = prices is not None
    if not priced:
        if set(levers) - set(RECRUITMENT) or budget_wan is not None:
            raise PlanError("prices", [(
                "投入（校舍、场地、设备）和预算需要单价表：请加 --prices（junheng template --prices "
                "生成模板）", "investment and a budget need a price table: add --prices "
                "(junheng template --prices writes its template)")])
        prices = Prices(unit_costs=dict.fromkeys(RECRUITMENT, 1.0))
        hire_years = 1
    std = standard if isinstance(standard, Standard) else load_standard(standard)
    before = evaluate(dataset, std, year=year)
    problems = {p.county: p for p in county_problems(before, dataset, prices, levers,
                                                    hire_years)}

    budget = None if budget_wan is None else budget_wan * 10_000
    pass_cost: dict[str, float] = {}
    shortfall: dict[str, float] = {}
    # Item 3's music and art rooms: fixed (they touch none of the seven indicators), priced
    # when the bureau priced them and the command uses rooms.
    first_stage = dict(before.units.sort("stage", descending=True).select(
        "school_id", "stage").iter_rows())  # primary before junior: the room's stage row
    rooms: dict[str, list[tuple]] = {}
    for county, school_id, kind, n in room_needs(before, dataset):
        unit_cost = prices.cost(kind, county) if kind in levers_rooms(levers) else None
        if unit_cost is not None:
            rooms.setdefault(county, []).append(
                (county, school_id, first_stage[school_id], kind, n, unit_cost, unit_cost * n))

    rooms_cost = {c: sum(r[-1] for r in rs) for c, rs in rooms.items()}

    def solve(county: str) -> tuple[Any, dict]:
        result, amounts = PassModel(problems[county]).solve(time_limit=time_limit, seed=seed)
        if result.solution is None:
            return result, amounts
        cost = sum(problems[county].costs[lever] * n for (_, lever), n in amounts.items())
        cost += sum(r[-1] for r in rooms.get(county, []))
        pass_cost[county] = cost
        if budget is not None and cost > budget:
            # The budget goes to the per-school rule; item 3's rooms wait.
            rooms.pop(county, None)
            shortfall[county] = cost - budget
            return PassModel(problems[county], budget=budget).solve_within_budget(
                time_limit=time_limit, seed=seed)
        return result, amounts

    solved = per_county(list(problems), solve, progress)
    rows, levels, infeasible = [], {}, []
    for county, (result, amounts) in solved.items():
        levels[county] = result.levels or [LevelResult("cost", "infeasible", None, None,
                                                       None, 0.0)]
        if result.solution is None:
            infeasible.append(county)
            continue
        costs = problems[county].costs
        for ((school_id, stage), lever), amount in sorted(amounts.items()):
            rows.append((county, school_id, stage, lever, amount, costs[lever],
                         costs[lever] * amount))
    rows += [r for county, rs in rooms.items() if county not in infeasible for r in rs]
    actions = _by_subject(pl.DataFrame([(*r, 1, None) for r in rows], schema=ACTION_COLUMNS,
                                       orient="row"), dataset, std)
    unreachable = pl.DataFrame(
        [(c, u.school_id, u.stage, zh, en) for c, p in problems.items()
         for u, zh, en in p.unreachable],
        schema={"county": pl.String, "school_id": pl.String, "stage": pl.String,
                "why_zh": pl.String, "why_en": pl.String}, orient="row")
    after_data = apply_actions(dataset, actions, before)
    after = evaluate(after_data, std, year=before.year)
    if years > 1:
        # a school's benefit: its school–stages that come to the rule with its actions
        came = (after.schools.filter("meets_rule").join(
            before.schools.filter("meets_rule"), on=["school_id", "stage"], how="anti")
            .group_by("county", "school_id").len())
        actions, phasing = phase_actions(
            actions.drop("phase"), {(c, s): n for c, s, n in came.iter_rows()}, years,
            budget, time_limit, seed)
        for county, lv in phasing.items():
            levels.setdefault(county, []).extend(lv)
    # a school's actions together
    actions = actions.select(list(ACTION_COLUMNS)).sort("county", "school_id", "stage", "kind",
                                                  "subject", nulls_last=True)
    by_year = _by_year(dataset, std, before, actions, after, years)
    warnings = [(f"{c}：没有满足全部规则的方案", f"{c}: no plan meets every rule")
                for c in infeasible]
    warnings += _shortfall_warnings(shortfall, unreachable)
    return PassPlan(rules=None, year=before.year, before=before,  # type: ignore[arg-type]
                    after=after, dataset_after=after_data, levels=levels, warnings=warnings,
                    seconds=time.perf_counter() - started, actions=actions,
                    unreachable=unreachable, infeasible=infeasible, pass_cost_yuan=pass_cost,
                    # the naive plan buys item 3's rooms too: both sides compare like with like
                    naive_cost_yuan={c: naive_cost(p) + rooms_cost.get(c, 0.0)
                                     for c, p in problems.items()},
                    shortfall_yuan=shortfall, budget_yuan=budget, years=years,
                    by_year=by_year, priced=priced, levers=tuple(levers))


def _shortfall_warnings(shortfall: dict[str, float], unreachable: pl.DataFrame
                        ) -> list[tuple[str, str]]:
    """What each county's budget is short of: passing, or — when some school–stages are
    beyond the levers, so that no budget passes — bringing all the others to the rule."""
    beyond = dict(unreachable.group_by("county").len().iter_rows()) if unreachable.height \
        else {}
    out = []
    for c, v in shortfall.items():
        wan = f"{v / 10_000:,.2f}"
        if beyond.get(c):
            out.append((
                f"{c}：预算不足，使措施能及的学校（学段）全部达标还差 {wan} 万元（另有 {beyond[c]} 个"
                "本方案的措施无法使其达标）；方案为预算内达标学校（学段）最多的做法",
                f"{c}: the budget is {wan} 万元 short of bringing every school–stage these "
                f"levers can reach to the rule ({beyond[c]} more are beyond them); the plan "
                "brings the most school–stages to the rule within it"))
        else:
            out.append((
                f"{c}：预算不足以达标，还差 {wan} 万元；方案为预算内达标学校（学段）最多的做法",
                f"{c}: the budget is {wan} 万元 short of passing; the plan brings the most "
                "school–stages to the rule within it"))
    return out


def _by_year(dataset: Dataset, std: Standard, before: Any, actions: pl.DataFrame, after: Any,
             years: int) -> pl.DataFrame:
    """Per county and year: the cost, the cost to date, and the evaluation with the actions
    done by the end of that year (the last year's is the plan's ``after``)."""
    rows = []
    for phase in range(1, years + 1):
        done = actions.filter(pl.col("phase") <= phase)
        evaluation = after if phase == years else evaluate(
            apply_actions(dataset, done, before), std, year=before.year)
        for r in evaluation.counties.iter_rows(named=True):
            mine = actions.filter(pl.col("county") == r["county"])
            rows.append((r["county"], phase,
                         float(mine.filter(pl.col("phase") == phase)["cost_yuan"].sum() or 0),
                         float(mine.filter(pl.col("phase") <= phase)["cost_yuan"].sum() or 0),
                         r["schools_meeting_rule"], r["schools_evaluated"],
                         r["resources_verdict"]))
    return pl.DataFrame(rows, schema=BY_YEAR_COLUMNS, orient="row").sort("county", "phase")


def _by_subject(actions: pl.DataFrame, dataset: Dataset, std: Standard) -> pl.DataFrame:
    """Each PE/art hire given a subject of the profile's PE/art group (体育, 音乐, 美术): the one
    the school–stage has the fewest full-time teachers of, ties in the profile's order. The
    indicator counts them alike, so this is a suggestion the bureau may change."""
    hires = actions.filter(pl.col("kind") == "hire_pe_art")
    if hires.height == 0:
        return actions
    subjects = std.teacher_groups.get("pe_art", {}).get("subject", {})
    teachers = dataset.teachers.filter(pl.col("full_time")) if std.full_time_only \
        else dataset.teachers
    rows = []
    for r in hires.iter_rows(named=True):
        mine = subjects.get(r["stage"]) or ["pe"]
        here = teachers.filter((pl.col("school_id") == r["school_id"]) & (
            pl.col("stage").is_null() | (pl.col("stage") == r["stage"])))
        count = {s: here.filter(pl.col("subject") == s).height for s in mine}
        given = dict.fromkeys(mine, 0)
        for _ in range(r["amount"]):
            pick = min(mine, key=lambda s: (count[s], mine.index(s)))
            count[pick] += 1
            given[pick] += 1
        rows += [{**r, "amount": n, "cost_yuan": r["unit_cost_yuan"] * n, "subject": s}
                 for s, n in given.items() if n]
    return pl.concat([actions.filter(pl.col("kind") != "hire_pe_art"),
                      pl.DataFrame(rows, schema=ACTION_COLUMNS)])


def naive_cost(problem: Any) -> float:
    """Every failing indicator of every school–stage raised to its threshold by its cheapest
    priced lever (what a bureau's spreadsheet adds up); inf when some gap has no lever."""
    from fractions import Fraction

    from junheng.plan.investment.model import LEVERS, need

    total = 0.0
    for u in problem.units:
        for ind in problem.indicators:
            gap = need(u, ind, Fraction(1))
            if gap <= 0:
                continue
            prices = [problem.costs[k] for k in LEVERS.get(ind.numerator, ())
                      if k in problem.costs]
            total += gap * min(prices) if prices else float("inf")
    return total


def _room_area(evaluation: Any) -> dict[str, float]:
    """Item 3's minimum room areas (a new room is built to them)."""
    for part in evaluation.standard.parts:
        for item in part.items:
            if item.key == "music_art_rooms":
                return dict(item.params["min_area_m2"])
    return {"music": 96.0, "art": 90.0}


def levers_rooms(levers: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(k for k in ("music_rooms", "art_rooms") if k in levers)


def apply_actions(dataset: Dataset, actions: pl.DataFrame, evaluation: Any) -> Dataset:
    """The tables with the actions done: facilities added to the stage's figures (a school
    whose figures were school totals split between stages gets each stage's split figure
    written out first, so the other stage keeps its share), new full-time teachers, and
    existing non-backbone full-time teachers appointed (county level; the longest-serving
    first)."""
    stages = dataset.stages
    facility = actions.filter(pl.col("kind").is_in(list(FACILITY_COLUMN)))
    for kind, column in FACILITY_COLUMN.items():
        add = facility.filter(pl.col("kind") == kind)
        if add.height == 0:
            continue
        schools = add.get_column("school_id").unique().implode()
        split = evaluation.units.filter(pl.col("school_id").is_in(schools)).select(
            "school_id", "stage", pl.col(column).alias("_split"))
        added = add.group_by("school_id", "stage").agg(pl.col("amount").sum().alias("_add"))
        dtype = stages.schema[column]
        stages = (stages.join(split, on=["school_id", "stage"], how="left")
                  .join(added, on=["school_id", "stage"], how="left")
                  .with_columns(pl.when(pl.col("_split").is_not_null())
                                .then(pl.coalesce(column, "_split") + pl.col("_add").fill_null(0))
                                .otherwise(pl.col(column)).cast(dtype).alias(column))
                  .drop("_split", "_add"))
    rooms_added = actions.filter(pl.col("kind").is_in(["music_rooms", "art_rooms"]))
    rooms = dataset.rooms
    for r in rooms_added.iter_rows(named=True):
        column = r["kind"]
        listed = rooms is not None and r["school_id"] in set(rooms.get_column("school_id"))
        if listed:  # a room row of the minimum area each
            kind = column.removesuffix("_rooms")
            area = float(_room_area(evaluation)[kind])
            new = pl.DataFrame([{"school_id": r["school_id"], "room_type": kind,
                                 "area_m2": area}] * r["amount"])
            rooms = pl.concat([rooms, new], how="diagonal_relaxed")
        else:
            stages = stages.with_columns(
                pl.when((pl.col("school_id") == r["school_id"]) & (pl.col("stage") == r["stage"]))
                .then(pl.col(column).fill_null(0) + r["amount"]).otherwise(pl.col(column))
                .cast(stages.schema[column]).alias(column))
    teachers = dataset.teachers
    new_rows = []
    for r in actions.filter(pl.col("kind").is_in(["hire_qualified", "hire_pe_art"])).iter_rows(
            named=True):
        for k in range(r["amount"]):
            new_rows.append({
                "teacher_id": f"新聘-{r['school_id']}-{r['stage']}-"
                              f"{r.get('subject') or r['kind']}-{k + 1}",
                "school_id": r["school_id"], "stage": r["stage"],
                "subject": r.get("subject") or ("pe" if r["kind"] == "hire_pe_art"
                                                else "other"),
                "full_time": True, "education": "bachelor", "backbone": "none"})
    appoint = {(r["school_id"], r["stage"]): r["amount"] for r in actions.filter(
        pl.col("kind") == "appoint_backbone").iter_rows(named=True)}
    if appoint:
        only = (evaluation.units.group_by("school_id").agg(pl.col("stage").first(), pl.len())
                .filter(pl.col("len") == 1).select("school_id", _only="stage"))
        order = ["career_start"] if "career_start" in teachers.columns else []
        ranked = (teachers.with_row_index("_row").join(only, on="school_id", how="left")
                  .with_columns(_stage=pl.coalesce("stage", "_only"))
                  .filter(pl.col("full_time") & (pl.col("backbone") == "none"))
                  .sort([*order, "teacher_id"], nulls_last=True)
                  .with_columns(_rank=pl.int_range(pl.len()).over("school_id", "_stage")))
        chosen = [row for (s, g), n in appoint.items() for row in ranked.filter(
            (pl.col("school_id") == s) & (pl.col("_stage") == g) & (pl.col("_rank") < n))
            .get_column("_row").to_list()]
        teachers = teachers.with_row_index("_row").with_columns(
            pl.when(pl.col("_row").is_in(chosen)).then(pl.lit("county"))
            .otherwise(pl.col("backbone")).alias("backbone")).drop("_row")
    if new_rows:
        teachers = pl.concat([teachers, pl.DataFrame(new_rows).cast(
            {c: teachers.schema[c] for c in new_rows[0]})], how="diagonal_relaxed")
    return replace(dataset, stages=stages, teachers=teachers, rooms=rooms, warnings=[])


__all__ = ["INVESTMENT", "RECRUITMENT", "UNIT_KINDS", "PassPlan", "apply_actions", "plan_pass"]
