"""A small solver-neutral MILP (variables, sparse rows, objectives) and its lexicographic solve
with HiGHS.

The planners build a ``Milp`` from their input tables; ``solve_lexicographic`` optimises each
objective in turn, then holds it at its optimum (or at the best value found when the time limit
stops the search) while the next is optimised.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Milp:
    """Columns with bounds and integrality; rows ``lower ≤ Σ a·x ≤ upper``; named objectives
    (each minimised)."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    row_index: list[list[int]] = field(default_factory=list)
    row_value: list[list[float]] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)

    def var(self, name: str, lower: float = 0.0, upper: float = np.inf,
            integer: bool = False) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        self.names.append(name)
        return len(self.lower) - 1

    def row(self, name: str, terms: dict[int, float], lower: float = -np.inf,
            upper: float = np.inf) -> None:
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        self.row_index.append(list(terms))
        self.row_value.append(list(terms.values()))
        self.row_names.append(name)

    @property
    def n_vars(self) -> int:
        return len(self.lower)


@dataclass
class LevelResult:
    name: str
    status: str  # optimal, time_limit, infeasible
    value: float | None
    bound: float | None
    gap: float | None  # relative, as HiGHS reports it (0 when proven optimal)
    seconds: float


def solve_lexicographic(model: Milp, objectives: list[tuple[str, dict[int, float]]],
                        time_limit: float = 30.0, seed: int = 0
                        ) -> tuple[list[float] | None, list[LevelResult]]:
    """Minimise each objective in turn with HiGHS, holding the earlier ones at their values.

    Returns the final solution (None if the model is infeasible) and one ``LevelResult`` per
    objective. Each level starts from the previous level's solution, which stays feasible.
    """
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("threads", 1)  # deterministic for a given seed
    h.setOptionValue("mip_rel_gap", 1e-6)
    lp = highspy.HighsLp()
    n = model.n_vars
    lp.num_col_ = n
    lp.num_row_ = len(model.row_lower)
    lp.col_cost_ = np.zeros(n)
    lp.col_lower_ = np.array(model.lower, dtype=float)
    lp.col_upper_ = np.array(model.upper, dtype=float)
    lp.row_lower_ = np.array(model.row_lower, dtype=float)
    lp.row_upper_ = np.array(model.row_upper, dtype=float)
    starts = np.cumsum([0] + [len(ix) for ix in model.row_index])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = np.array([i for ix in model.row_index for i in ix], dtype=np.int32)
    lp.a_matrix_.value_ = np.array([v for vs in model.row_value for v in vs], dtype=float)
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                       for i in model.integer]
    h.passModel(lp)
    results: list[LevelResult] = []
    solution: list[float] | None = None
    deadline = time.perf_counter() + time_limit
    for level, (name, costs) in enumerate(objectives):
        remaining = max(0.5, (deadline - time.perf_counter()) / (len(objectives) - level))
        h.setOptionValue("time_limit", float(remaining))
        cost = np.zeros(n)
        for i, c in costs.items():
            cost[i] = c
        h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        if solution is not None:
            start = highspy.HighsSolution()
            start.col_value = list(solution)
            start.value_valid = True
            h.setSolution(start)
        started = time.perf_counter()
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        seconds = time.perf_counter() - started
        if status == highspy.HighsModelStatus.kInfeasible:
            results.append(LevelResult(name, "infeasible", None, None, None, seconds))
            return None, results
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if not has_solution:
            results.append(LevelResult(name, "no_solution", None, None, None, seconds))
            return solution, results
        solution = list(h.getSolution().col_value)
        value = float(info.objective_function_value)
        bound = float(info.mip_dual_bound)
        optimal = status == highspy.HighsModelStatus.kOptimal
        results.append(LevelResult(name, "optimal" if optimal else "time_limit", value, bound,
                                   float(info.mip_gap) if not optimal else 0.0, seconds))
        # Hold this objective at the value reached while the next ones are optimised.
        idx = np.array(list(costs), dtype=np.int32)
        vals = np.array(list(costs.values()), dtype=float)
        slack = 1e-6 * max(1.0, abs(value))
        if len(idx):
            h.addRow(-np.inf, value + slack, len(idx), idx, vals)
    return solution, results
