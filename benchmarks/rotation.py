"""Rotation planner benchmark (part of `make bench`, or run alone).

On the 60-school sample county (≈3 700 full-time teachers):
1. junheng's plan (HiGHS, lexicographic, 30 s limit): time, each level's gap to its bound;
2. the same model's first two levels (integer-exact) in OR-Tools CP-SAT against HiGHS, side by
   side — the measurement behind choosing HiGHS;
3. a plain greedy rule (the most-needed school takes the nearest eligible teacher, in exchange
   for one of its own eligible teachers outside the needed groups), on the same county: teacher
   shortfall closed and school–stages brought to pass by each.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import polars as pl

import junheng
from junheng.plan import apply_moves, plan_rotation
from junheng.plan._milp import solve_lexicographic
from junheng.plan._rotation import _model_input
from junheng.plan._rotation_model import GROUPS, build_rotation_model
from junheng.plan._rotation_rules import RotationRules, eligible_teachers, haversine_km

HERE = Path(__file__).resolve().parent
BUILD = HERE.parent / "build" / "bench"
YEAR = 2026


def rule(ev) -> int:
    """School–stages meeting the per-school rule."""
    return int(ev.schools["meets_rule"].sum())


def shortfall(ev) -> int:
    """Teachers missing from the three teacher indicators, over every school–stage."""
    out = 0
    for r in ev.indicators.filter(pl.col("unit") == "teachers").iter_rows(named=True):
        if r["met"] is False:
            out += int(r["shortfall"])
    return out


def greedy(dataset, standard, before):
    """The most-needed receiving school–stage takes the nearest eligible teacher of a group it
    lacks, and sends back one of its own eligible teachers outside that group; then each
    sending school's share is filled with nearest exchanges."""
    rules = RotationRules.from_standard(standard)
    inp, _, roles = _model_input(dataset, standard, before, rules, YEAR)
    teachers = eligible_teachers(dataset, standard, rules, YEAR).filter(pl.col("eligible"))
    role = dict(zip(roles["school_id"], roles["role"], strict=True))
    coords = {r["school_id"]: (r["latitude"], r["longitude"]) for r in roles.iter_rows(named=True)}
    pool = {}
    for t in teachers.iter_rows(named=True):
        pool.setdefault((t["school_id"], t["stage"]), []).append(t)
    counts = {k: dict(u.counts) for k, u in inp.units.items()}
    moves, used = [], set()

    def km(a, b):
        return haversine_km(*coords[a], *coords[b]) or 0.0

    def exchange(sender_t, receiver_t):
        used.update({sender_t["teacher_id"], receiver_t["teacher_id"]})
        moves.append({"teacher_id": sender_t["teacher_id"], "from_school_id":
                      sender_t["school_id"], "to_school_id": receiver_t["school_id"]})
        moves.append({"teacher_id": receiver_t["teacher_id"], "from_school_id":
                      receiver_t["school_id"], "to_school_id": sender_t["school_id"]})
        for t, sign in ((sender_t, -1), (receiver_t, 1)):
            for g in GROUPS:
                if t[f"in_{g}"]:
                    counts[(sender_t["school_id"], t["stage"])][g] += sign
                    counts[(receiver_t["school_id"], t["stage"])][g] -= sign

    while True:
        needs = sorted(((sum(max(0, u.needed[g] - counts[k][g]) for g in GROUPS), k)
                        for k, u in inp.units.items()
                        if role.get(k[0]) == "receive" and u.students > 0), reverse=True)
        done = False
        for need, (school, stage) in needs:
            if need == 0:
                break
            lacking = [g for g in GROUPS if inp.units[(school, stage)].needed[g]
                       > counts[(school, stage)][g]]
            senders = sorted((s for s, r in role.items() if r == "send"
                              and (s, stage) in inp.units), key=lambda s: km(s, school))
            for s in senders:
                give = next((t for t in pool.get((s, stage), []) if t["teacher_id"] not in used
                             and any(t[f"in_{g}"] for g in lacking)
                             and all(counts[(s, stage)][g] - t[f"in_{g}"]
                                     >= inp.units[(s, stage)].needed[g] for g in GROUPS)), None)
                back = next((t for t in pool.get((school, stage), [])
                             if t["teacher_id"] not in used
                             and not any(t[f"in_{g}"] for g in lacking)), None)
                if give and back:
                    exchange(give, back)
                    done = True
                    break
            if done:
                break
        if not done:
            break
    # Fill the shares with the nearest exchanges.
    for s, required in inp.senders.items():
        sent = sum(1 for m in moves if m["from_school_id"] == s)
        for t in pool_iter(pool, s):
            if sent >= required:
                break
            if t["teacher_id"] in used:
                continue
            partners = sorted((r for r, x in role.items() if x == "receive"
                               and (r, t["stage"]) in inp.units), key=lambda r: km(s, r))
            for r in partners:
                back = next((u for u in pool.get((r, t["stage"]), [])
                             if u["teacher_id"] not in used), None)
                if back:
                    exchange(t, back)
                    sent += 1
                    break
    frame = pl.DataFrame(moves, schema={"teacher_id": pl.String, "from_school_id": pl.String,
                                        "to_school_id": pl.String})
    return frame


def pool_iter(pool, school):
    for (s, _), teachers in pool.items():
        if s == school:
            yield from teachers


def cpsat_vs_highs(dataset, standard, before, time_limit: float) -> dict:
    """Levels 1 and 2 of the same model (integer-exact: the CV secants are left out, the
    backbone rows scaled by 5) in CP-SAT and in HiGHS."""
    rules = RotationRules.from_standard(standard)
    inp, _, _ = _model_input(dataset, standard, before, rules, YEAR)
    model = build_rotation_model(inp)
    milp = model.milp
    keep = [i for i, name in enumerate(milp.row_names)
            if not name.startswith(("secant", "flat"))]
    objectives = model.objectives[:2]
    # HiGHS on the same rows
    from junheng.plan._milp import Milp

    reduced = Milp(milp.lower, milp.upper, milp.integer, milp.names,
                   [milp.row_lower[i] for i in keep], [milp.row_upper[i] for i in keep],
                   [milp.row_index[i] for i in keep], [milp.row_value[i] for i in keep],
                   [milp.row_names[i] for i in keep])
    started = time.perf_counter()
    _, levels = solve_lexicographic(reduced, objectives, time_limit)
    highs_s = time.perf_counter() - started
    # CP-SAT, in its own process: OR-Tools bundles its own HiGHS, whose symbols clash with
    # highspy's once both are loaded in one process.
    import json
    import subprocess
    import tempfile

    spec = {"lower": milp.lower, "upper": [min(u, 1e6) for u in milp.upper],
            "rows": [[reduced.row_lower[i], reduced.row_upper[i], reduced.row_index[i],
                      reduced.row_value[i], reduced.row_names[i]]
                     for i in range(len(reduced.row_lower))],
            "objectives": [[name, {str(k): v for k, v in costs.items()}]
                           for name, costs in objectives], "time_limit": time_limit}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f, allow_nan=True)
    started = time.perf_counter()
    child = subprocess.run([sys.executable, str(HERE / "_cpsat.py"), f.name],
                           capture_output=True, text=True, check=True)
    cp_levels = json.loads(child.stdout)
    cpsat_s = time.perf_counter() - started
    return {"highs_s": highs_s, "cpsat_s": cpsat_s,
            "highs": [{"objective": lv.name, "status": lv.status, "value": lv.value,
                       "bound": lv.bound} for lv in levels],
            "cpsat": cp_levels}


def run(time_limit: float = 30.0) -> dict:
    BUILD.mkdir(parents=True, exist_ok=True)
    path = BUILD / "county-60.xlsx"
    if not path.exists():
        junheng.write_sample(path, schools=60, seed=7)
    dataset = junheng.load(path)
    standard = junheng.load_standard()
    before = junheng.evaluate(dataset, standard, year=YEAR)
    started = time.perf_counter()
    plan = plan_rotation(dataset, standard, year=YEAR, time_limit=time_limit)
    plan_s = time.perf_counter() - started
    started = time.perf_counter()
    greedy_moves = greedy(dataset, standard, before)
    greedy_s = time.perf_counter() - started
    greedy_after = junheng.evaluate(apply_moves(dataset, greedy_moves, YEAR), standard,
                                    year=YEAR)
    solvers = cpsat_vs_highs(dataset, standard, before, time_limit)
    return {
        "schools": dataset.schools.height,
        "teachers": dataset.teachers.filter(pl.col("full_time")).height,
        "plan_s": plan_s, "moves": plan.moves.height,
        "levels": [{"objective": lv.name, "status": lv.status, "gap": lv.gap,
                    "seconds": lv.seconds} for lv in plan.levels],
        "rule_before": rule(before), "rule_after": rule(plan.after),
        "rule_after_greedy": rule(greedy_after),
        "shortfall_before": shortfall(before), "shortfall_after": shortfall(plan.after),
        "shortfall_after_greedy": shortfall(greedy_after),
        "greedy_moves": greedy_moves.height, "greedy_s": greedy_s,
        "solvers": solvers,
    }


def report(r: dict) -> None:
    print(f"  {r['schools']} schools, {r['teachers']:,} full-time teachers: plan {r['plan_s']:.1f} s "
          f"({r['moves']} moves); gaps to the bound: "
          + ", ".join(f"{lv['objective']} {lv['gap']:.2%}" if lv["gap"] is not None
                      else f"{lv['objective']} —" for lv in r["levels"]))
    print(f"  school–stages meeting the rule: before {r['rule_before']}, junheng "
          f"{r['rule_after']}, greedy {r['rule_after_greedy']}")
    print(f"  teacher shortfall (teachers): before {r['shortfall_before']}, junheng "
          f"{r['shortfall_after']}, greedy {r['shortfall_after_greedy']} "
          f"({r['greedy_moves']} greedy moves)")
    s = r["solvers"]
    highs = ", ".join(f"{lv['value']:g} {lv['status']}" for lv in s["highs"])
    cpsat = ", ".join(f"{lv['value']:g} {lv['status']}" for lv in s["cpsat"])
    print(f"  levels 1–2 of the same model: HiGHS {s['highs_s']:.1f} s ({highs}) | CP-SAT "
          f"{s['cpsat_s']:.1f} s ({cpsat})")


if __name__ == "__main__":
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
    report(run(limit))
