"""Solve a rotation model's integer levels with OR-Tools CP-SAT: `_cpsat.py MODEL.json`.

Run in its own process by benchmarks/rotation.py (OR-Tools and highspy clash in one process).
Every column is integral in the model (moves, counts, shortfalls), so each is an integer here;
a row with fractional coefficients (the backbone shares' 0.8 / −0.2) is scaled by the smallest
integer that makes it integral — checked, not assumed.
"""

from __future__ import annotations

import json
import math
import sys

from ortools.sat.python import cp_model


def _scale(values: list[float]) -> int:
    for scale in range(1, 1001):
        if all(abs(v * scale - round(v * scale)) <= 1e-6 for v in values):
            return scale
    raise SystemExit("a row is not integral after scaling by up to 1000")


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    cp = cp_model.CpModel()
    xs = [cp.NewIntVar(math.ceil(lo - 1e-9), math.floor(up + 1e-9), f"v{i}")
          for i, (lo, up) in enumerate(zip(spec["lower"], spec["upper"], strict=True))]
    for lo, up, index, values, _ in spec["rows"]:
        scale = _scale(values)
        expr = sum(round(v * scale) * xs[j] for v, j in zip(values, index, strict=True))
        if lo is not None and lo > -math.inf:
            cp.Add(expr >= math.ceil(lo * scale - 1e-6))
        if up is not None and up < math.inf:
            cp.Add(expr <= math.floor(up * scale + 1e-6))
    out = []
    for name, costs in spec["objectives"]:
        objective = sum(round(c) * xs[int(i)] for i, c in costs.items())
        cp.Minimize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = spec["time_limit"] / len(spec["objectives"])
        solver.parameters.num_workers = 2
        status = solver.Solve(cp)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out.append({"objective": name, "status": solver.StatusName(status), "value": None,
                        "bound": None})
            break
        value = solver.ObjectiveValue()
        out.append({"objective": name, "status": solver.StatusName(status).lower(),
                    "value": value, "bound": solver.BestObjectiveBound(),
                    "seconds": solver.WallTime()})
        cp.Add(objective <= round(value))
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
