"""The least-cost path to pass: one county's MILP over investment and recruitment (issue 15).

Formulation
-----------
Sets: U the county's school–stages (units), I the standard's indicators with a threshold,
L the levers priced by the bureau (``Prices``): teaching area, sports ground, equipment,
multimedia rooms (whole m², 元, rooms) and teachers — hires with a qualifying degree, PE/art
hires (who also hold one), backbone appointments of existing non-backbone full-time teachers.

Data per unit u: pupils P_u, stage s(u); per indicator i the current numerator N_ui (teachers of
the group, m², 元, rooms), the threshold T_i,s and the per-pupil base q_i (100 or 1), so the
value is v_ui = q_i · (N_ui + x_ui) / P_u. The amount needed to reach a share ρ of the threshold
is n_ui(ρ) = ⌈ρ · T_i,s · P_u / q_i − N_ui⌉ — computed in exact fractions, and whole (m², 元,
rooms and teachers are decided in whole units), so "met" in the model is met in the evaluation.

Decisions (integers ≥ 0) per unit: a_u teaching m², g_u sports m² (≤ the land the school has),
e_u equipment 元, r_u multimedia rooms, hq_u and hp_u hires (qualified, PE/art), b_u backbone
appointments (≤ the unit's non-backbone full-time teachers); a unit of a school marked for
closure gets none. Their effect on the numerators: x_qualified = hq + hp, x_pe_art = hp,
x_backbone = b, and each facility its own. Binary m_ui: indicator i of unit u is met.

    x_ui ≥ n_ui(1) · m_ui                    met when m_ui = 1 (n may be ≤ 0: already met)
    x_ui ≥ n_ui(floor)                        every indicator ≥ 85 % of its threshold
    Σ_i m_ui ≥ k                              the per-school rule (k = 6 of 7): never all seven
    Σ_u (hq_u + hp_u) ≤ posts                 per school and per county, when the bureau says
    ‖z(x)‖ ≤ L_s · v̄(x)                       each indicator's CV within its limit, per stage

with v̄ = q · Σ_u (N_u + x_u) / P and z_u = √(P_u / P) · (v_u − v̄): the enrolment-weighted CV
(STANDARDS.md §1.2) is ‖z‖ / v̄, and the constraint is a second-order cone in x. It is solved
exactly by outer approximation: solve the MILP with the cuts so far, evaluate every CV at the
solution in exact fractions (S² ≤ L² · v̄²), and for each one over its limit add the gradient cut
of the cone at that point, (ẑ / ‖ẑ‖) · z(x) ≤ L · v̄(x) — valid for every feasible x since ‖z‖ ≥
(ẑ / ‖ẑ‖) · z — until every CV is within its limit. The cuts only remove points that break the
cone, so the first solution that meets every CV is optimal for the exact problem.

Objectives, in order (``solve_lexicographic``): (1) the least total cost Σ price · amount
(hires at their yearly cost × ``hire_years``, times the county's regional multiplier); (2) the
fewest school–stages touched. With a budget too small to pass, ``within_budget`` instead
maximises the school–stages meeting the rule at a cost within the budget (the CVs cannot all
be met then) and the plan says the shortfall.

A unit whose levers cannot reach the rule at all (say a school with no land whose sports ground
is below 85 % of its threshold) cannot be planned: ``unreachable`` names it and why before any
solve, and the model plans the others.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from junheng.plan._milp import Milp, Solve, solve_lexicographic

# The numerator each lever adds to: indicator numerator key → the levers that raise it.
LEVERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("teachers", "qualified"): ("hire_qualified", "hire_pe_art"),
    ("teachers", "pe_art"): ("hire_pe_art",),
    ("teachers", "backbone"): ("appoint_backbone",),
    ("column", "teaching_area_m2"): ("teaching_area_m2",),
    ("column", "sports_area_m2"): ("sports_area_m2",),
    ("column", "equipment_value_yuan"): ("equipment_yuan",),
    ("column", "multimedia_rooms"): ("multimedia_rooms",),
}
UNIT_KINDS = ("teaching_area_m2", "sports_area_m2", "equipment_yuan", "multimedia_rooms",
              "hire_qualified", "hire_pe_art", "appoint_backbone")
HIRES = ("hire_qualified", "hire_pe_art")
MAX_CUT_ROUNDS = 60


@dataclass
class IndicatorData:
    key: str
    numerator: tuple[str, str]
    per: Fraction  # q_i
    thresholds: Mapping[str, Fraction]
    name: str = ""
    name_en: str = ""


@dataclass
class UnitData:
    county: str
    school_id: str
    stage: str
    pupils: int
    numerators: dict[str, Fraction]  # indicator key → N_ui
    land_m2: float | None = None  # sports m² that can still be added (None: no limit)
    posts: int | None = None
    closing: bool = False
    backbone_candidates: int = 0  # non-backbone full-time teachers

    @property
    def key(self) -> tuple[str, str]:
        return self.school_id, self.stage


@dataclass
class CountyProblem:
    """One county's data (built by ``input.county_problem``)."""

    county: str
    units: list[UnitData]
    indicators: list[IndicatorData]
    costs: dict[str, float]  # lever → 元 per unit, the multiplier and hire years applied
    min_met: int
    floor: Fraction
    cv_limits: Mapping[str, Fraction]
    county_posts: int | None = None
    unreachable: list[tuple[UnitData, str, str]] = field(default_factory=list)  # unit, zh, en


def need(unit: UnitData, ind: IndicatorData, share: Fraction) -> int:
    """n_ui(ρ): whole units to add for the value to reach ρ · threshold (≤ 0: reached)."""
    target = share * ind.thresholds[unit.stage] * unit.pupils / ind.per
    return math.ceil(target - unit.numerators[ind.key])


class PassModel:
    """The MILP of the module docstring for one county; ``solve`` returns the amounts per unit
    and lever, or None when no plan meets every rule."""

    def __init__(self, problem: CountyProblem, budget: float | None = None) -> None:
        self.p = problem
        self.m = Milp()
        self.x: dict[tuple[tuple[str, str], str], int] = {}  # (unit key, lever) → column
        self.met: dict[tuple[tuple[str, str], str], int] = {}
        self.touched: dict[tuple[str, str], int] = {}
        self.meets: dict[tuple[str, str], int] = {}  # budget mode: unit meets the rule
        self.budget = budget
        self.cuts = 0
        self._build()

    # -- building -----------------------------------------------------------------------
    def _upper(self, unit: UnitData, lever: str) -> float:
        """A bound no optimal plan reaches: three times what the thresholds ask of the unit
        (the CVs never need more), so the 'touched' rows have a finite big-M."""
        scale = 0
        for ind in self.p.indicators:
            if lever in LEVERS.get(ind.numerator, ()):
                scale = max(scale, need(unit, ind, Fraction(3)))
        bound = float(max(scale, 1))
        if lever == "sports_area_m2" and unit.land_m2 is not None:
            bound = min(bound, math.floor(unit.land_m2))
        if lever == "appoint_backbone":
            bound = min(bound, unit.backbone_candidates)
        if lever in HIRES and unit.posts is not None:
            bound = min(bound, unit.posts)
        return bound

    def _build(self) -> None:
        p, m = self.p, self.m
        planned = [u for u in p.units if not any(u is r[0] for r in p.unreachable)]
        self.planned = planned
        for u in p.units:
            for lever in UNIT_KINDS:
                if lever not in p.costs or u.closing:
                    continue
                upper = self._upper(u, lever)
                if upper <= 0:
                    continue
                self.x[(u.key, lever)] = m.var(f"{lever}[{u.school_id},{u.stage}]", 0.0,
                                               upper, integer=True)
            levers = [self.x[(u.key, k)] for k in UNIT_KINDS if (u.key, k) in self.x]
            if levers:
                t = m.var(f"touched[{u.school_id},{u.stage}]", 0.0, 1.0, integer=True)
                self.touched[u.key] = t
                for j in levers:
                    m.row(f"touched[{u.school_id},{u.stage}]", {j: 1.0, t: -m.upper[j]},
                          upper=0.0)
        for u in planned:
            count: dict[int, float] = {}
            # With a budget too small to pass, a unit may stay short: its rows hold only
            # when it is counted as meeting the rule (meets_u = 1).
            meets = None
            if self.budget is not None:
                meets = m.var(f"meets[{u.school_id},{u.stage}]", 0.0, 1.0, integer=True)
                self.meets[u.key] = meets
            for ind in p.indicators:
                terms = self.addition(u, ind)
                n_met, n_floor = need(u, ind, Fraction(1)), need(u, ind, p.floor)
                if n_floor > 0 and meets is None:
                    m.row(f"floor[{u.school_id},{u.stage},{ind.key}]", terms, lower=n_floor)
                elif n_floor > 0:
                    m.row(f"floor[{u.school_id},{u.stage},{ind.key}]",
                          {**terms, meets: -float(n_floor)}, lower=0.0)
                b = m.var(f"met[{u.school_id},{u.stage},{ind.key}]", 0.0, 1.0, integer=True)
                self.met[(u.key, ind.key)] = b
                if n_met > 0:
                    m.row(f"met[{u.school_id},{u.stage},{ind.key}]",
                          {**terms, b: -float(n_met)}, lower=0.0)
                count[b] = 1.0
            if meets is None:
                m.row(f"rule[{u.school_id},{u.stage}]", count, lower=float(p.min_met))
            else:
                m.row(f"rule[{u.school_id},{u.stage}]", {**count, meets: -float(p.min_met)},
                      lower=0.0)
            hires = {self.x[(u.key, h)]: 1.0 for h in HIRES if (u.key, h) in self.x}
            if u.posts is not None and hires:
                m.row(f"posts[{u.school_id},{u.stage}]", hires, upper=float(u.posts))
        every = {j: 1.0 for (_, lever), j in self.x.items() if lever in HIRES}
        if p.county_posts is not None and every:
            m.row(f"county_posts[{p.county}]", every, upper=float(p.county_posts))
        if self.budget is not None:
            m.row(f"budget[{p.county}]", self.cost_terms(), upper=self.budget)

    def addition(self, unit: UnitData, ind: IndicatorData) -> dict[int, float]:
        """x_ui: the columns that raise indicator ``ind``'s numerator at ``unit``."""
        return {self.x[(unit.key, lever)]: 1.0 for lever in LEVERS.get(ind.numerator, ())
                if (unit.key, lever) in self.x}

    def cost_terms(self) -> dict[int, float]:
        return {j: self.p.costs[lever] for (_, lever), j in self.x.items()}

    # -- the CVs --------------------------------------------------------------------------
    def amounts(self, solution: list[float] | None) -> dict[tuple[tuple[str, str], str], int]:
        if solution is None:
            return {}
        return {k: round(solution[j]) for k, j in self.x.items() if round(solution[j])}

    def cv_breaks(self, amounts: Mapping) -> list[tuple[str, IndicatorData, list]]:
        """(stage, indicator, [(unit, numerator after)]) of every CV over its limit with
        ``amounts`` added — in exact fractions: S² ≤ L² · X̄²."""
        out = []
        for stage, limit in self.p.cv_limits.items():
            units = [u for u in self.p.units if u.stage == stage and u.pupils > 0]
            if len(units) < 2:
                continue
            for ind in self.p.indicators:
                after = [(u, u.numerators[ind.key] + sum(
                    amounts.get((u.key, lever), 0) for lever in LEVERS.get(ind.numerator, ())))
                    for u in units]
                if not _cv_within(after, ind.per, limit):
                    out.append((stage, ind, after))
        return out

    def add_cut(self, stage: str, ind: IndicatorData, after: list) -> None:
        """The gradient cut of the cone ‖z(x)‖ ≤ L · v̄(x) at the current point."""
        total_p = sum(u.pupils for u, _ in after)
        q = float(ind.per)
        mean = q * float(sum(n for _, n in after)) / total_p
        z = np.array([math.sqrt(u.pupils / total_p) * (q * float(n) / u.pupils - mean)
                      for u, n in after])
        norm = float(np.linalg.norm(z))
        if norm == 0.0:
            return
        g = z / norm
        gsum = sum(g[k] * math.sqrt(u.pupils / total_p) for k, (u, _) in enumerate(after))
        limit = float(self.p.cv_limits[stage])
        # g · z(x) − L · v̄(x) ≤ 0, with z_k = √(P_k/P)(q(N_k+x_k)/P_k − v̄), v̄ = q(ΣN+Σx)/P:
        # the coefficient of x_k is g_k √(P_k/P) q / P_k − (gsum + L) q / P.
        terms: dict[int, float] = {}
        constant = 0.0
        for k, (u, _) in enumerate(after):
            coef = (g[k] * math.sqrt(u.pupils / total_p) * q / u.pupils
                    - (gsum + limit) * q / total_p)
            constant += coef * float(u.numerators[ind.key])
            for j in self.addition(u, ind):
                terms[j] = terms.get(j, 0.0) + coef
        # A cut no lever can move (only fixed figures) makes the model infeasible: reported.
        self.m.row(f"cv[{stage},{ind.key},{self.cuts}]", terms, upper=-constant)
        self.cuts += 1

    # -- solving --------------------------------------------------------------------------
    def solve_within_budget(self, time_limit: float = 30.0,
                            seed: int = 0) -> tuple[Solve, dict]:
        """Budget mode (``budget`` given): the most school–stages meeting the rule at a cost
        within the budget, then the least cost (no CV rows: the county cannot pass)."""
        objectives = [("meeting", {b: -1.0 for b in self.meets.values()}),
                      ("cost", self.cost_terms())]
        result = solve_lexicographic(self.m, objectives, time_limit=time_limit, seed=seed,
                                     integral=("meeting",))
        return result, self.amounts(result.solution)

    def solve(self, time_limit: float = 30.0, seed: int = 0) -> tuple[Solve, dict]:
        """Cost, then schools touched; cuts added until every CV is met (module docstring)."""
        objectives = [("cost", self.cost_terms()),
                      ("schools", {t: 1.0 for t in self.touched.values()})]
        result = Solve(None, [])
        for _ in range(MAX_CUT_ROUNDS):
            result = solve_lexicographic(self.m, objectives[:1], time_limit=time_limit,
                                         seed=seed)
            if result.solution is None:
                return result, {}
            breaks = self.cv_breaks(self.amounts(result.solution))
            if not breaks:
                break
            for stage, ind, after in breaks:
                self.add_cut(stage, ind, after)
        else:
            return Solve(None, result.levels), {}
        final = solve_lexicographic(self.m, objectives, time_limit=time_limit, seed=seed,
                                    start=result.solution, integral=("schools",))
        amounts = self.amounts(final.solution)
        if final.solution is None or self.cv_breaks(amounts):
            return result, self.amounts(result.solution)
        return final, amounts


def _cv_within(after: list[tuple[UnitData, Fraction]], per: Fraction, limit: Fraction) -> bool:
    """CV ≤ limit, exactly: Σ (P_u/P)(v_u − v̄)² ≤ L² · v̄² (STANDARDS.md §1.2)."""
    total = sum(u.pupils for u, _ in after)
    mean = per * sum(Fraction(n) for _, n in after) / total
    if mean <= 0:
        return False
    s2 = sum(Fraction(u.pupils, total) * (per * Fraction(n) / u.pupils - mean) ** 2
             for u, n in after)
    return s2 <= limit * limit * mean * mean
