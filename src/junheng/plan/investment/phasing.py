"""The order of a plan's actions over ``years``: which school's actions are done in which year,
within each year's share of the budget (issue 15).

Formulation
-----------
A bundle b is one school's actions together (a school is worked on in one year): cost c_b and
benefit w_b, the school–stages of the school that meet the per-school rule after its actions
and not before. Binary y_bt: bundle b is done in year t = 1..N.

    Σ_t y_bt = 1                                   every action is done once
    Σ_b c_b · Σ_{τ≤t} y_bτ ≤ t · B / N   (t < N)    spending by the end of year t within the
                                                   years' shares of the budget B (unspent
                                                   money carries over)

B is the county's budget, or the plan's cost when there is none (spending spread evenly); the
last year has no cap of its own beyond B, so every plan can be phased. Objectives, in order:
(1) the fewest school–stage-years still below the rule, Σ_b w_b · Σ_t (t − 1) · y_bt — the
schools that come to the rule cheaply first; (2) money spent as early as its share allows,
Σ_b c_b · Σ_t (t − 1) · y_bt (the CVs improve sooner); (3) ties: Σ_b (n − i_b) · Σ_t (t − 1) ·
y_bt with i_b the bundle's rank by school id, so a lower id goes earlier.

A hire's cost (its ``hire_years`` teacher-years together) is booked in the year of hiring.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from junheng.plan._milp import LevelResult, Milp, solve_lexicographic

Bundle = tuple[str, str]  # (county, school_id)


def phase_bundles(costs: Mapping[Bundle, float], benefit: Mapping[Bundle, int], years: int,
                  budget_yuan: float | None = None, time_limit: float = 10.0,
                  seed: int = 0) -> tuple[dict[Bundle, int], list[LevelResult]]:
    """The year (1..``years``) of each bundle of one county, and the solve's levels.

    >>> phase_bundles({("甲", "A"): 50.0, ("甲", "B"): 60.0}, {("甲", "A"): 1, ("甲", "B"): 0},
    ...               years=2)[0]
    {('甲', 'A'): 1, ('甲', 'B'): 2}
    """
    bundles = sorted(costs)
    if years <= 1 or not bundles:
        return {b: 1 for b in bundles}, []
    total = sum(costs.values())
    cap = (budget_yuan if budget_yuan is not None else total) / years
    milp = Milp()
    y = {(b, t): milp.var(f"y[{b[1]},{t}]", upper=1, integer=True)
         for b in bundles for t in range(1, years + 1)}
    for b in bundles:
        milp.row(f"once[{b[1]}]", {y[b, t]: 1.0 for t in range(1, years + 1)}, 1.0, 1.0)
    for t in range(1, years):
        terms = {y[b, tau]: costs[b] for b in bundles for tau in range(1, t + 1) if costs[b]}
        if terms:
            # a hair of slack: the cap is money, the costs are sums of float prices
            milp.row(f"budget[{t}]", terms, upper=t * cap * (1 + 1e-9) + 1e-6)
    late = {y[b, t]: float(benefit.get(b, 0) * (t - 1)) for b in bundles
            for t in range(2, years + 1) if benefit.get(b, 0)}
    spend = {y[b, t]: costs[b] * (t - 1) for b in bundles for t in range(2, years + 1)
             if costs[b]}
    # ties: a lower school id's delay weighs more, so it goes earlier (whole weights: a 1e-6
    # weight would sit inside the solver's absolute gap)
    order = {y[b, t]: float((t - 1) * (len(bundles) - i))
             for i, b in enumerate(bundles) for t in range(2, years + 1)}
    start = [0.0] * milp.n_vars
    for b, t in _greedy(bundles, costs, benefit, years, cap).items():
        start[y[b, t]] = 1.0
    solved = solve_lexicographic(milp, [("late_schools", late), ("late_spending", spend),
                                        ("order", order)],
                                 time_limit=time_limit, seed=seed, start=start,
                                 shares=[3, 2, 1], integral={"late_schools", "order"})
    solution = solved.solution
    if solution is None:  # cannot happen (the greedy start is feasible); say so if it does
        raise RuntimeError("phasing found no plan")
    return {b: next(t for t in range(1, years + 1) if solution[y[b, t]] > 0.5)
            for b in bundles}, solved.levels


def _greedy(bundles: list[Bundle], costs: Mapping[Bundle, float],
            benefit: Mapping[Bundle, int], years: int, cap: float) -> dict[Bundle, int]:
    """A feasible start: most benefit per yuan first, each into the first year it fits."""
    ranked = sorted(bundles, key=lambda b: (-benefit.get(b, 0) / max(costs[b], 1e-9), b))
    spent = [0.0] * (years + 1)  # by year
    out = {}
    for b in ranked:
        # adding b in year t raises the spending to date of every year ≥ t
        t = next(t for t in range(1, years + 1) if all(
            sum(spent[1:s + 1]) + costs[b] <= s * cap * (1 + 1e-9) + 1e-6
            for s in range(t, years)))  # the last year always fits
        spent[t] += costs[b]
        out[b] = t
    return out


def phase_actions(actions: pl.DataFrame, benefit: Mapping[Bundle, int], years: int,
                  budget_yuan: float | None = None, time_limit: float = 10.0, seed: int = 0
                  ) -> tuple[pl.DataFrame, dict[str, list[LevelResult]]]:
    """``actions`` with a ``phase`` column (1..``years``), each county phased on its own."""
    costs = {(c, s): v for c, s, v in actions.group_by("county", "school_id").agg(
        pl.col("cost_yuan").sum()).iter_rows()}
    year_of: dict[Bundle, int] = {}
    levels: dict[str, list[LevelResult]] = {}
    for county in sorted({c for c, _ in costs}):
        mine = {b: v for b, v in costs.items() if b[0] == county}
        phased, levels[county] = phase_bundles(mine, benefit, years, budget_yuan, time_limit,
                                               seed)
        year_of.update(phased)
    phase = pl.DataFrame([(c, s, t) for (c, s), t in year_of.items()],
                         schema={"county": pl.String, "school_id": pl.String,
                                 "phase": pl.Int64}, orient="row")
    return actions.join(phase, on=["county", "school_id"], how="left").with_columns(
        pl.col("phase").fill_null(1)), levels
