"""A small solver-neutral MILP, its lexicographic solve with HiGHS, and the diagnosis of an
infeasible one — shared by every planner.

A planner builds a ``Milp``: columns, and rows named ``family[key]`` (``share[S001]``,
``cap[S002]``); the family names the rule a row stands for. ``solve_lexicographic`` optimises
each objective in turn and holds it at the value reached while the next is optimised; a start
(a feasible plan found by a planner's own heuristic) is handed to the solver first, so a time
limit ends with a plan rather than none. ``diagnose`` drops one family of rows at a time (and
then single rows of a binding family) to name what makes a request infeasible.

Time limits: each objective level gets a fixed share of the limit plus what earlier levels left
unused, within the whole limit (the solver may overrun a level by the time it takes to notice).
A level that proves its optimum gives the same answer on every run (one thread, a fixed
seed, rows in a fixed order); a level stopped by the clock may stop elsewhere on a faster or
slower machine, and its result says so (``status == "time_limit"``).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Milp:
    """Columns with bounds and integrality; rows ``lower ≤ Σ a·x ≤ upper``, each named
    ``family[key]``. Objectives are given to the solve, each minimised."""

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

    def without(self, drop: Callable[[str], bool]) -> Milp:
        """A copy without the rows whose name ``drop`` selects (the columns are shared)."""
        keep = [i for i, name in enumerate(self.row_names) if not drop(name)]
        return Milp(self.lower, self.upper, self.integer, self.names,
                    [self.row_lower[i] for i in keep], [self.row_upper[i] for i in keep],
                    [self.row_index[i] for i in keep], [self.row_value[i] for i in keep],
                    [self.row_names[i] for i in keep])

    def violations(self, values: Sequence[float], tolerance: float = 1e-6) -> list[str]:
        """Names of the rows and columns that ``values`` breaks (empty: a feasible point)."""
        x = np.asarray(values, dtype=float)
        out = []
        if len(x):
            lower, upper = np.asarray(self.lower), np.asarray(self.upper)
            integer = np.asarray(self.integer, dtype=bool)
            bad = (x < lower - tolerance) | (x > upper + tolerance) | (
                integer & (np.abs(x - np.round(x)) > tolerance))
            out += [self.names[j] for j in np.flatnonzero(bad)]
        if not self.row_names:
            return out
        lengths = np.array([len(ix) for ix in self.row_index])
        index = np.fromiter((i for ix in self.row_index for i in ix), dtype=np.int64,
                            count=int(lengths.sum()))
        coef = np.fromiter((v for vs in self.row_value for v in vs), dtype=float,
                           count=len(index))
        rows = np.repeat(np.arange(len(lengths)), lengths)
        total = np.bincount(rows, weights=coef * x[index] if len(index) else None,
                            minlength=len(lengths))
        scale = tolerance * np.maximum(1.0, np.abs(total))
        bad = (total < np.asarray(self.row_lower) - scale) | (
            total > np.asarray(self.row_upper) + scale)
        return out + [self.row_names[i] for i in np.flatnonzero(bad)]


def family(row_name: str) -> str:
    """The rule a row stands for: ``share[S001]`` → ``share``."""
    return row_name.split("[", 1)[0]


@dataclass
class LevelResult:
    """One objective level of a lexicographic solve."""

    name: str
    status: str  # optimal · time_limit (stopped with a plan) · no_solution · infeasible
    value: float | None
    bound: float | None
    gap: float | None  # relative, as HiGHS reports it (0 when proven optimal)
    seconds: float


@dataclass
class Solve:
    """The outcome: the solution (None when there is none) and each level's result."""

    solution: list[float] | None
    levels: list[LevelResult]

    @property
    def infeasible(self) -> bool:
        return bool(self.levels) and self.levels[0].status == "infeasible"

    @property
    def proven(self) -> bool:
        """Every level reached its proven optimum (the run is then reproducible)."""
        return bool(self.levels) and all(lv.status == "optimal" for lv in self.levels)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 while HiGHS starts: its constructor prints a banner from C++,
    before any option can switch the output off."""
    try:
        fd = os.dup(1)
    except OSError:  # no stdout at all
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            try:
                yield
            finally:
                os.dup2(fd, 1)
    finally:
        os.close(fd)


def _highs(model: Milp, seed: int):  # -> highspy.Highs
    import highspy

    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("random_seed", int(seed))
    h.setOptionValue("threads", 1)  # one thread: the same search for the same seed
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
    return h


def solve_lexicographic(model: Milp, objectives: list[tuple[str, dict[int, float]]],
                        time_limit: float = 30.0, seed: int = 0,
                        start: Sequence[float] | None = None,
                        shares: Sequence[float] | None = None,
                        progress: Callable[[str], None] | None = None,
                        integral: Collection[str] = ()) -> Solve:
    """Minimise each objective in turn with HiGHS, holding the earlier ones at their values.

    ``start``: a feasible point handed to the solver before the first level. ``shares``: each
    level's share of ``time_limit`` (equal by default); time a level leaves unused passes on.
    ``integral``: the objectives whose values are whole numbers, held exactly (the others
    within 10⁻⁶, relative). Each level starts from the previous level's solution, which stays
    feasible, so once any level has a plan the solve ends with one.

    A solution is used only after it is checked against every row and its objective value
    recomputed from it: when HiGHS's presolve reports a value its solution does not have (seen
    with HiGHS 1.16), the level is solved again without presolve; failing that, the previous
    level's plan is kept and the level marked ``numerical``.
    """
    import highspy

    n = model.n_vars
    if n == 0:  # nothing to decide (HiGHS calls such a model "empty" and checks no row)
        if model.violations([]):
            return Solve(None, [LevelResult(objectives[0][0] if objectives else "feasible",
                                            "infeasible", None, None, None, 0.0)])
        return Solve([], [LevelResult(name, "optimal", 0.0, 0.0, 0.0, 0.0)
                          for name, _ in objectives])
    h = _highs(model, seed)
    held = model.without(lambda _: False)  # the rows plus each objective as it is held
    shares = list(shares) if shares is not None else [1.0] * len(objectives)
    total_share = sum(shares)
    results: list[LevelResult] = []
    solution: list[float] | None = list(start) if start is not None else None
    carried = 0.0
    deadline = time.perf_counter() + time_limit
    for level, ((name, costs), share) in enumerate(zip(objectives, shares, strict=True)):
        if progress is not None:
            progress(name)
        # the level's share, what earlier levels left, but never past the whole limit
        budget = min(time_limit * share / total_share + carried,
                     deadline - time.perf_counter())
        cost = np.zeros(n)
        for i, c in costs.items():
            cost[i] = c
        h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        started = time.perf_counter()
        found = None
        for presolve in ("choose", "off"):
            h.setOptionValue("presolve", presolve)
            h.setOptionValue("time_limit", float(max(0.5, budget - (time.perf_counter()
                                                                      - started))))
            if solution is not None:
                given = highspy.HighsSolution()
                given.col_value = list(solution)
                given.value_valid = True
                h.setSolution(given)
            h.run()
            status, info = h.getModelStatus(), h.getInfo()
            if info.primal_solution_status == 2:  # kSolutionStatusFeasible
                candidate = list(h.getSolution().col_value)
                own = sum(c * candidate[i] for i, c in costs.items())
                reported = float(info.objective_function_value)
                if abs(own - reported) <= 1e-6 * max(1.0, abs(own)) and \
                        not held.violations(candidate):
                    found = candidate
                    break
            elif status == highspy.HighsModelStatus.kInfeasible and level == 0:
                break  # proven, before any plan: the request is infeasible
            elif status != highspy.HighsModelStatus.kInfeasible:
                break  # out of time: nothing to retry
        h.setOptionValue("presolve", "choose")
        seconds = time.perf_counter() - started
        carried = max(0.0, budget - seconds)
        bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
        if found is None:
            if solution is None:
                infeasible = status == highspy.HighsModelStatus.kInfeasible
                results.append(LevelResult(name, "infeasible" if infeasible else "no_solution",
                                           None, bound, None, seconds))
                return Solve(None, results)
            # Keep the plan we have: the clock stopped before the solver confirmed it, or
            # the solver's answer did not check out.
            value = sum(c * solution[i] for i, c in costs.items())
            timed_out = status not in (highspy.HighsModelStatus.kOptimal,
                                       highspy.HighsModelStatus.kInfeasible)
            results.append(LevelResult(name, "time_limit" if timed_out else "numerical",
                                       value, bound, None, seconds))
            return Solve(solution, results)
        solution = found
        value = sum(c * solution[i] for i, c in costs.items())
        optimal = status == highspy.HighsModelStatus.kOptimal
        results.append(LevelResult(name, "optimal" if optimal else "time_limit", value, bound,
                                   0.0 if optimal else float(info.mip_gap), seconds))
        # Hold this objective at the value reached while the next ones are optimised.
        if costs and level + 1 < len(objectives):
            upper = float(round(value)) if name in integral else \
                value + 1e-6 * max(1.0, abs(value))
            idx = np.array(list(costs), dtype=np.int32)
            vals = np.array(list(costs.values()), dtype=float)
            h.addRow(-np.inf, upper, len(idx), idx, vals)
            held.row(f"hold[{name}]", dict(costs), upper=upper)
    return Solve(solution, results)


def feasible(model: Milp, time_limit: float = 10.0) -> bool | None:
    """Whether ``model`` has any solution: True, False, or None when the limit ran out."""
    solve = solve_lexicographic(model, [("feasible", {})], time_limit)
    if solve.solution is not None:
        return True
    return False if solve.infeasible else None


@dataclass
class Diagnosis:
    """What makes a model infeasible: the families whose rows, dropped, restore feasibility;
    within each, the single rows (``family[key]``) that do so alone, or — when none does — a
    smallest set that does together."""

    families: list[str]
    rows: dict[str, list[str]]  # family -> rows any one of which, dropped alone, is enough
    together: dict[str, list[str]]  # family -> rows that must be dropped together
    undecided: list[str]  # families the time limit left undecided


def diagnose(model: Milp, families: Sequence[str], time_limit: float = 10.0,
             max_rows: int = 40) -> Diagnosis:
    """Drop each family of rows in turn (in the order given). For a family that restores
    feasibility and has at most ``max_rows`` rows, find the single rows whose removal alone
    does (they name the school); when no single row does, shrink the family to a set that
    still does and from which no row can be spared (a deletion filter: one solve per row)."""
    binding, rows, together, undecided = [], {}, {}, []
    for name in families:
        members = [r for r in model.row_names if family(r) == name]
        if not members:
            continue
        ok = feasible(model.without(lambda r, n=name: family(r) == n), time_limit)
        if ok is None:
            undecided.append(name)
        if not ok:
            continue
        binding.append(name)
        if len(members) > max_rows:
            continue
        rows[name] = [r for r in members
                      if feasible(model.without(lambda x, r=r: x == r), time_limit)]
        if not rows[name]:
            needed = list(members)
            for r in members:
                trial = [x for x in needed if x != r]
                if feasible(model.without(lambda x, keep=set(trial): x in keep), time_limit):
                    needed = trial
            together[name] = needed
    return Diagnosis(binding, rows, together, undecided)
