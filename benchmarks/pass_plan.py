"""Path-to-pass benchmark (issue 15), standalone: `.venv/bin/python benchmarks/pass_plan.py
[COUNTY.xlsx]` (default: the 300-school county; `build/sample-county.xlsx` after `make demo`).

The 300-school county of `make bench` (build/bench/county-300.xlsx; `benchmarks/run.py` makes
it) planned with illustrative unit prices — not official prices: a bureau's own table replaces
them. Reports the time to the proven optimum (target ≤ 60 s), the cost against the naive plan
(every failing indicator raised to its threshold by its cheapest lever), and investment alone.
Not yet a section of `make bench`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import junheng
from junheng.plan.investment import Prices
from junheng.plan.investment.planner import INVESTMENT, plan_pass

COUNTY = Path(__file__).resolve().parent.parent / "build" / "bench" / "county-300.xlsx"
COSTS = {"teaching_area_m2": 3000, "sports_area_m2": 300, "equipment_yuan": 1.0,
         "multimedia_rooms": 60000, "music_rooms": 150000, "art_rooms": 150000,
         "hire_qualified": 80000, "hire_pe_art": 80000, "appoint_backbone": 20000}


def main() -> None:
    data = junheng.load(sys.argv[1] if len(sys.argv) > 1 else COUNTY)
    prices = Prices(unit_costs=COSTS)
    start = time.perf_counter()
    plan = plan_pass(data, prices=prices, time_limit=120)
    seconds = time.perf_counter() - start
    county = next(iter(plan.pass_cost_yuan))
    levels = ", ".join(f"{lv.name} {lv.status} {lv.seconds:.2f} s" for lv in plan.levels[county])
    naive = plan.naive_cost_yuan[county]
    before = plan.before.counties.row(0, named=True)
    after = plan.after.counties.row(0, named=True)
    print(f"path to pass, {before['schools_evaluated']} school–stages: {seconds:.2f} s "
          f"({levels}; target ≤ 60 s)")
    print(f"  meeting the rule {before['schools_meeting_rule']} → "
          f"{after['schools_meeting_rule']}; resources {before['resources_verdict']} → "
          f"{after['resources_verdict']} (re-evaluated)")
    print(f"  cost {plan.cost_yuan / 1e4:,.2f} 万元 | naive plan {naive / 1e4:,.2f} 万元 | "
          f"ratio {plan.cost_yuan / naive:.3f}")
    alone = plan_pass(data, prices=prices, levers=INVESTMENT, time_limit=120)
    print(f"  investment alone: {alone.cost_yuan / 1e4:,.2f} 万元, "
          f"{alone.unreachable.height} school–stages beyond it, resources "
          f"{alone.after.counties['resources_verdict'][0]}")


if __name__ == "__main__":
    main()
