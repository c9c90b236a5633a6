"""Solve a rotation model's integer levels with OR-Tools CP-SAT: `_cpsat.py MODEL.json`.

Run in its own process by benchmarks/rotation.py (OR-Tools and highspy clash in one process).
Rows named ``backbone…`` are scaled by 5 (0.2 → 1) so every coefficient is an integer; the
scaling is checked, not assumed.
"""

from __future__ import annotations

import json
import math
import sys

from ortools.sat.python import cp_model


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    cp = cp_model.CpModel()
    xs = [cp.NewIntVar(int(lo), int(up), f"v{i}")
          for i, (lo, up) in enumerate(zip(spec["lower"], spec["upper"], strict=True))]
    for lo, up, index, values, name in spec["rows"]:
        scale = 5 if name.startswith("backbone") else 1
        coeffs = [round(v * scale) for v in values]
        if any(abs(c - v * scale) > 1e-6 for c, v in zip(coeffs, values, strict=True)):
            raise SystemExit(f"row {name} is not integral after scaling")
        expr = sum(c * xs[j] for c, j in zip(coeffs, index, strict=True))
        if lo is not None and lo > -math.inf:
            cp.Add(expr >= math.ceil(lo * scale - 1e-6))
        if up is not None and up < math.inf:
            cp.Add(expr <= math.floor(up * scale + 1e-6))
    out = []
    for name, costs in spec["objectives"]:
        objective = sum(round(c) * xs[int(i)] for i, c in costs.items())
        cp.Minimize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = spec["time_limit"] / 2
        solver.parameters.num_workers = 2
        status = solver.Solve(cp)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out.append({"objective": name, "status": solver.StatusName(status), "value": None,
                        "bound": None})
            break
        value = solver.ObjectiveValue()
        out.append({"objective": name, "status": solver.StatusName(status), "value": value,
                    "bound": solver.BestObjectiveBound(), "seconds": solver.WallTime()})
        cp.Add(objective <= round(value))
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
