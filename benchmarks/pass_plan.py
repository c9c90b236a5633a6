"""Path-to-pass benchmark (section 6 of `make bench`, or alone: `python benchmarks/run.py --only
pass`, or `python benchmarks/pass_plan.py [COUNTY.xlsx]`, e.g. build/sample-county.xlsx after
`make demo`).

Issue 15: the 300-school county of section 1 (build/bench/county-300.xlsx, seeded) planned with
the made-up demo prices of `junheng sample --prices` — not anyone's real prices. Reported:

(a) ``plan pass``: this year's rotation (the rotation planner, free), then recruitment and
    investment at least cost — the time to the proven optimum (target ≤ 60 s) and each level's
    status, and the county re-evaluated;
(b) the cost against the naive plan (every failing indicator of every school–stage raised to its
    threshold by its cheapest lever, item 3's rooms included): ratio;
(c) the cost against investing without recruitment and without rotation (the investment levers
    alone on the county as it is): the school–stages investment alone cannot bring to the rule
    (teachers are missing there at any price), so it cannot pass; and against recruitment and
    investment without rotation (what rotation saves);
(d) the same plan phased over 3 years: the extra time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import junheng
from junheng.plan.investment import Prices
from junheng.plan.investment.planner import INVESTMENT, plan_pass
from junheng.plan.investment.prices import EXAMPLE_PRICES
from junheng.plan.rotation import plan_rotation

COUNTY = Path(__file__).resolve().parent.parent / "build" / "bench" / "county-300.xlsx"
TARGET_S = 60.0
LIMIT_S = 120.0


def run(path: Path = COUNTY) -> dict:
    data = junheng.load(path)
    std = junheng.load_standard("quality-2017")
    prices = Prices(unit_costs=dict(EXAMPLE_PRICES))
    start = time.perf_counter()
    rotated = plan_rotation(data, std, std.rules("rotation"), time_limit=LIMIT_S)
    rotation_s = time.perf_counter() - start
    start = time.perf_counter()
    plan = plan_pass(rotated.dataset_after, std, prices, time_limit=LIMIT_S)
    pass_s = time.perf_counter() - start
    county = next(iter(plan.pass_cost_yuan))
    start = time.perf_counter()
    phased = plan_pass(rotated.dataset_after, std, prices, years=3, time_limit=LIMIT_S)
    phased_s = time.perf_counter() - start
    alone = plan_pass(data, std, prices, levers=INVESTMENT, time_limit=LIMIT_S)
    unrotated = plan_pass(data, std, prices, time_limit=LIMIT_S)
    before, after = (e.counties.row(0, named=True) for e in (plan.before, plan.after))
    raw = junheng.evaluate(data).counties.row(0, named=True)
    naive = plan.naive_cost_yuan[county]
    return {
        "file": str(path), "school_stages": before["schools_evaluated"],
        "rotation_s": rotation_s, "rotation_moves": rotated.moves.height,
        "pass_s": pass_s, "target_s": TARGET_S, "proven": plan.proven,
        "levels": [(lv.name, lv.status, lv.seconds) for lv in plan.levels[county]],
        "meeting_rule": [raw["schools_meeting_rule"], before["schools_meeting_rule"],
                         after["schools_meeting_rule"]],
        "resources": [raw["resources_verdict"], after["resources_verdict"]],
        "cost_yuan": plan.cost_yuan, "naive_cost_yuan": naive,
        "ratio_to_naive": plan.cost_yuan / naive,
        "investment_alone_yuan": alone.cost_yuan,
        "investment_alone_unreachable": alone.unreachable.height,
        "investment_alone_resources": alone.after.counties["resources_verdict"][0],
        "without_rotation_yuan": unrotated.cost_yuan,
        "without_rotation_resources": unrotated.after.counties["resources_verdict"][0],
        "ratio_to_without_rotation": plan.cost_yuan / unrotated.cost_yuan,
        "phased_3_years_s": phased_s, "phased_proven": phased.proven,
        "phased_meeting_rule_by_year": phased.by_year["schools_meeting_rule"].to_list(),
    }


def report(r: dict) -> None:
    wan = 10_000
    levels = ", ".join(f"{name} {status} {s:.2f} s" for name, status, s in r["levels"])
    print(f"  {r['school_stages']} school–stages; rotation first: {r['rotation_moves']} moves in "
          f"{r['rotation_s']:.1f} s")
    print(f"  plan pass {r['pass_s']:.2f} s to the {'proven ' if r['proven'] else ''}optimum "
          f"(target ≤ {r['target_s']:.0f} s; {levels})")
    raw, rotated, after = r["meeting_rule"]
    print(f"  meeting the rule {raw} → {rotated} (rotation) → {after} (plan); resources "
          f"{r['resources'][0]} → {r['resources'][1]} (re-evaluated)")
    print(f"  cost {r['cost_yuan'] / wan:,.2f} 万元 | naive plan {r['naive_cost_yuan'] / wan:,.2f} "
          f"万元 | ratio {r['ratio_to_naive']:.2f}×")
    print(f"  investment alone (no recruitment, no rotation) spends "
          f"{r['investment_alone_yuan'] / wan:,.2f} 万元 and cannot pass: "
          f"{r['investment_alone_unreachable']} school–stages beyond it, resources "
          f"{r['investment_alone_resources']}")
    print(f"  recruitment + investment without rotation {r['without_rotation_yuan'] / wan:,.2f} "
          f"万元 (resources {r['without_rotation_resources']}) | with rotation first: ratio "
          f"{r['ratio_to_without_rotation']:.2f}×")
    print(f"  phased over 3 years: {r['phased_3_years_s']:.2f} s "
          f"({'proven' if r['phased_proven'] else 'time limit'}); meeting the rule by year "
          f"{r['phased_meeting_rule_by_year']}")
    print("  (made-up demo prices, not anyone's real prices)")


if __name__ == "__main__":
    report(run(Path(sys.argv[1]) if len(sys.argv) > 1 else COUNTY))
