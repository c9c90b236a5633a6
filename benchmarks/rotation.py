"""Rotation planner benchmark (section 4 of `make bench`, or alone:
`python benchmarks/rotation.py [30 60 100 150]`).

For seeded sample counties of 30, 60, 100 and 150 schools (30 s limit per county):
1. junheng's plan: time to the first feasible plan (the greedy start), each objective level's
   status, gap and time (a level's time is its time to the proven optimum when it is proven),
   the whole plan's time; the moves made against the moves the rules require;
2. a greedy rule, the way an analyst would do it by hand (the neediest village school takes the
   nearest town teacher of a kind it lacks, in exchange for one of a kind it has; then the shares
   are filled), keeping the same hard rules: school–stages meeting the rule, teacher shortfall,
   moves;
3. on the 60-school county, the same model's integer levels (rule, shortfall, moves) in HiGHS and
   in OR-Tools CP-SAT side by side — the measurement behind the choice of HiGHS.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

import junheng
from junheng.plan import plan_rotation
from junheng.plan._milp import solve_lexicographic
from junheng.plan.rotation import RotationModel, apply_moves, rotation_problem
from junheng.plan.rotation.greedy import _State, greedy_start
from junheng.plan.rotation.solution import name_teachers

HERE = Path(__file__).resolve().parent
YEAR = 2026
SIZES = (30, 60, 100, 150)


def rule(ev) -> int:
    """School–stages meeting the per-school rule."""
    return int(ev.schools["meets_rule"].sum())


def shortfall(ev) -> int:
    """Teachers missing from the teacher indicators, over every school–stage."""
    return int(ev.indicators.filter((pl.col("unit") == "teachers") & (pl.col("met").not_()))
               ["shortfall"].sum())


def county_model(dataset, standard):
    """The one county's model, as the planner builds it."""
    problem = rotation_problem(dataset, standard, year=YEAR)
    (data,) = problem.inputs.values()
    return RotationModel(data), problem.pools


def greedy_rule(model: RotationModel) -> dict[int, int] | None:
    """The hand method: while some receiving school–stage lacks teachers of a group, it takes
    the nearest sending school's eligible teacher of a group it lacks, in exchange for one of
    its own outside the groups it lacks — every hard rule kept (``_State.fits``); then the shares
    are filled as the planner's greedy start fills them."""
    d = model.data
    state = _State(model)
    arcs = sorted(model.arc_columns, key=lambda i: (d.arcs[i].km or math.inf, i))
    while True:
        needs = sorted(((sum(max(0, u.needed[g.key] - state.counts[k][g.key])
                             for g in d.groups if g.thresholds), k)
                        for k, u in d.units.items() if u.students > 0), reverse=True)
        added = False
        for need, (school, stage) in needs:
            if need == 0:
                break
            unit = d.units[(school, stage)]
            lacking = {g.key for g in d.groups if g.thresholds
                       and unit.needed[g.key] > state.counts[(school, stage)][g.key]}
            for i in arcs:
                arc = d.arcs[i]
                if (arc.receiver, arc.stage) != (school, stage):
                    continue
                out, back = model.arc_columns[i]
                give = [c for c in out if model.types[model.moves[c].type].groups & lacking]
                take = [c for c in back if not model.types[model.moves[c].type].groups & lacking]
                pair = next(((o, b) for o in give for b in take if state.fits(o, b)), None)
                if pair:
                    state.apply(*pair)
                    added = True
                    break
            if added:
                break
        if not added:
            break
    rest = greedy_start(model, state)
    return rest


def named(model: RotationModel, moved: dict[int, int], pools) -> pl.DataFrame:
    return name_teachers(model, model.point(moved), pools, 0, "regular_exchange")


def run_size(schools: int, time_limit: float) -> dict:
    dataset = junheng.generate_sample(schools=schools, seed=7)
    standard = junheng.load_standard()
    before = junheng.evaluate(dataset, standard, year=YEAR)
    model, pools = county_model(dataset, standard)
    started = time.perf_counter()
    start = greedy_start(model)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    plan = plan_rotation(dataset, standard, year=YEAR, time_limit=time_limit)
    plan_s = time.perf_counter() - started
    (levels,) = plan.levels.values()
    d = model.data
    school_sends = sum(t.required for t in d.school_targets.values())
    required = max(d.item11.required, 2 * school_sends)
    hand = greedy_rule(model)
    hand_after = None if hand is None else junheng.evaluate(
        apply_moves(dataset, named(model, hand, pools), YEAR), standard, year=YEAR)
    return {
        "schools": schools,
        "teachers": dataset.teachers.filter(pl.col("full_time")).height,
        "columns": model.milp.n_vars, "rows": len(model.milp.row_names),
        "first_feasible_s": first_s, "first_feasible_moves": 2 * sum(
            n for c, n in (start or {}).items() if model.moves[c].direction == "out"),
        "plan_s": plan_s, "moves": plan.moves.height, "required_moves": required,
        "item11_required": d.item11.required, "school_required_sends": school_sends,
        "levels": [{"objective": lv.name, "status": lv.status, "gap": lv.gap,
                    "seconds": lv.seconds} for lv in levels],
        "rule_before": rule(before), "rule_after": rule(plan.after),
        "shortfall_before": shortfall(before), "shortfall_after": shortfall(plan.after),
        "greedy_rule_after": None if hand_after is None else rule(hand_after),
        "greedy_shortfall_after": None if hand_after is None else shortfall(hand_after),
        "greedy_moves": None if hand is None else 2 * sum(
            n for c, n in hand.items() if model.moves[c].direction == "out"),
    }


def cpsat_vs_highs(schools: int, time_limit: float) -> dict:
    """The integer levels (rule, shortfall, moves) of the same model, CV secants left out, in
    HiGHS and in CP-SAT (its own process: OR-Tools' bundled HiGHS clashes with highspy)."""
    dataset = junheng.generate_sample(schools=schools, seed=7)
    standard = junheng.load_standard()
    model, _ = county_model(dataset, standard)
    milp = model.milp.without(lambda name: name.startswith("secant"))
    objectives = model.objectives[:3]
    started = time.perf_counter()
    highs = solve_lexicographic(milp, objectives, time_limit)
    highs_s = time.perf_counter() - started
    spec = {"lower": milp.lower, "upper": [min(u, 1e6) for u in milp.upper],
            "rows": [[milp.row_lower[i], milp.row_upper[i], milp.row_index[i],
                      milp.row_value[i], milp.row_names[i]] for i in range(len(milp.row_lower))],
            "objectives": [[name, {str(k): v for k, v in costs.items()}]
                           for name, costs in objectives], "time_limit": time_limit}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f, allow_nan=True)
    started = time.perf_counter()
    child = subprocess.run([sys.executable, str(HERE / "_cpsat.py"), f.name],
                           capture_output=True, text=True, check=True)
    cpsat_s = time.perf_counter() - started
    Path(f.name).unlink()
    return {"schools": schools, "highs_s": highs_s, "cpsat_s": cpsat_s,
            "highs": [{"objective": lv.name, "status": lv.status, "value": lv.value}
                      for lv in highs.levels], "cpsat": json.loads(child.stdout)}


def run(sizes=SIZES, time_limit: float = 30.0) -> dict:
    return {"sizes": [run_size(n, time_limit) for n in sizes],
            "solvers": cpsat_vs_highs(60, time_limit)}


def report(r: dict) -> None:
    for s in r["sizes"]:
        print(f"  {s['schools']} schools, {s['teachers']:,} full-time teachers "
              f"({s['columns']:,} columns, {s['rows']:,} rows): first feasible plan "
              f"{s['first_feasible_s']:.2f} s ({s['first_feasible_moves']} moves); plan "
              f"{s['plan_s']:.1f} s")
        print("    levels: " + ", ".join(
            f"{lv['objective']} {lv['status']} {lv['seconds']:.1f} s"
            + ("" if lv["status"] == "optimal" else " (no bound yet)"
               if lv["gap"] is None or not math.isfinite(lv["gap"]) else f" (gap {lv['gap']:.1%})")
            for lv in s["levels"]))
        print(f"    moves {s['moves']} vs {s['required_moves']} the rules require (county "
              f"item 11: {s['item11_required']}; sending schools: {s['school_required_sends']} "
              f"sent, each with its exchange)")
        print(f"    school–stages meeting the rule {s['rule_before']} → junheng "
              f"{s['rule_after']} | greedy rule {s['greedy_rule_after']}; teacher shortfall "
              f"{s['shortfall_before']} → junheng {s['shortfall_after']} | greedy "
              f"{s['greedy_shortfall_after']} ({s['greedy_moves']} greedy moves)")
    v = r["solvers"]
    highs = ", ".join(f"{lv['value']:g} {lv['status']}" for lv in v["highs"])
    cpsat = ", ".join(f"{lv['value']:g} {lv['status']}" if lv["value"] is not None
                      else lv["status"] for lv in v["cpsat"])
    print(f"  {v['schools']} schools, integer levels of the same model: HiGHS {v['highs_s']:.1f} s "
          f"({highs}) | CP-SAT {v['cpsat_s']:.1f} s ({cpsat})")


if __name__ == "__main__":
    sizes = tuple(int(a) for a in sys.argv[1:]) or SIZES
    report(run(sizes))
