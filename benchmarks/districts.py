"""School-districts benchmark (学区, issue 17): `python benchmarks/districts.py [SCHOOLS] [SEED]`.

The seeded sample county (``junheng.generate_sample(schools=300, seed=7)``: 300 schools with
coordinates, 104 of them may anchor), cut into N = 10 and N = 30 contiguous districts, without
and with a pupil balance. For each: the whole ``plan_districts`` (evaluation, neighbour graph,
model, solve, tables), the solve alone (HiGHS, one thread) in wall-clock and CPU seconds, the
status (``optimal``: proven), Σ pupils × km, the model's size, and the districts' sizes in
schools and pupils. Wall-clock time depends on the machine's load; the process CPU time less so.
"""

from __future__ import annotations

import sys
import time

import junheng
from junheng.plan.groups.districts import DistrictModel, plan_districts

CASES = [(10, None), (30, None), (10, 0.2), (30, 0.3)]


def main(schools: int = 300, seed: int = 7) -> None:
    dataset = junheng.generate_sample(schools=schools, seed=seed)
    print(f"generate_sample(schools={schools}, seed={seed})")
    for n, balance in CASES:
        wall, cpu = time.perf_counter(), time.process_time()
        plan = plan_districts(dataset, districts=n, balance=balance, time_limit=600)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        (county, levels), = plan.levels.items()
        level = levels[0]
        model = DistrictModel(plan.inputs[county])  # only to report its size
        d = plan.districts
        print(f"\nN = {n}, balance = {balance}: {level.status} in {level.seconds:.1f} s "
              f"(whole plan {wall:.1f} s wall, {cpu:.1f} s CPU); Σ pupils·km = "
              f"{level.value:,.1f}; {model.milp.n_vars} columns, {len(model.milp.row_names)} "
              "rows")
        print(f"  schools per district: {sorted(d['schools'].to_list())}")
        print(f"  pupils per district:  {sorted(d['pupils'].to_list())} "
              f"(mean {d['pupils'].sum() / n:,.0f})")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
