"""The phasing of the path-to-pass plan over ``years`` (issue 15) against brute force.

``phase_bundles`` is checked on tiny hand-made bundle sets (and a seeded sweep of random ones)
against an enumeration of every assignment of bundles to years, with exact integer / Fraction
arithmetic: the returned assignment must be feasible by this file's own check of the caps and
reach the lexicographic minimum of (1) Σ benefit·(t − 1) and (2) Σ cost·(t − 1). Nothing of
the planner is called to get an expected value.

End to end, ``plan_pass(..., years=N)`` on ``pass_checker``'s ``over_budget`` county (actions
at two schools) is checked the same way, the costs priced by ``pass_checker.cost`` and each
school's benefit and each year's school–stages meeting the rule recomputed by
``pass_checker.recompute`` (which imports nothing of the planner or the evaluation).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping
from fractions import Fraction

import polars as pl
import pytest

import junheng
from conftest import write_xlsx
from junheng.plan.investment import Prices
from junheng.plan.investment.phasing import phase_bundles
from junheng.plan.investment.planner import plan_pass
from pass_checker import CASES, cost, exact, recompute

COUNTY = "甲"
Number = int | Fraction


# --- the brute force ----------------------------------------------------------------------------

def feasible(years_of: Mapping[str, int], costs: Mapping[str, Number], years: int,
             budget: Number | None) -> bool:
    """Every bundle in one year 1..N; for each t < N, the spending of years ≤ t is at most
    t·B/N (B: the budget, or the total cost without one) — compared exactly: Σ·N ≤ t·B."""
    if set(years_of) != set(costs) or any(not 1 <= t <= years for t in years_of.values()):
        return False
    b = sum(costs.values()) if budget is None else budget
    return all(sum(c for k, c in costs.items() if years_of[k] <= t) * years <= t * b
               for t in range(1, years))


def objectives(years_of: Mapping[str, int], costs: Mapping[str, Number],
               benefit: Mapping[str, int]) -> tuple[Number, Number]:
    """(Σ benefit_b·(t_b − 1), Σ cost_b·(t_b − 1))."""
    return (sum(benefit.get(k, 0) * (t - 1) for k, t in years_of.items()),
            sum(costs[k] * (t - 1) for k, t in years_of.items()))


def brute_force(costs: Mapping[str, Number], benefit: Mapping[str, int], years: int,
                budget: Number | None = None) -> tuple[tuple[Number, Number], list[dict]]:
    """The lexicographic minimum over every assignment (itertools.product) and the assignments
    reaching it."""
    names = sorted(costs)
    best: tuple[Number, Number] | None = None
    winners: list[dict] = []
    for combo in itertools.product(range(1, years + 1), repeat=len(names)):
        years_of = dict(zip(names, combo, strict=True))
        if not feasible(years_of, costs, years, budget):
            continue
        value = objectives(years_of, costs, benefit)
        if best is None or value < best:
            best, winners = value, [years_of]
        elif value == best:
            winners.append(years_of)
    assert best is not None, "the last year has no cap: some assignment is always feasible"
    return best, winners


def phased(costs: Mapping[str, Number], benefit: Mapping[str, int], years: int,
           budget: Number | None = None) -> dict[str, int]:
    """``phase_bundles`` on one county's bundles, keyed back by school id."""
    got, _ = phase_bundles({(COUNTY, k): float(c) for k, c in costs.items()},
                           {(COUNTY, k): n for k, n in benefit.items()}, years,
                           None if budget is None else float(budget))
    assert {c for c, _ in got} <= {COUNTY}
    return {s: t for (_, s), t in got.items()}


# --- phase_bundles against the brute force ------------------------------------------------------

# name: (costs, benefits, years, budget, the hand-worked assignment or None)
HAND: dict[str, tuple[dict[str, Number], dict[str, int], int, Number | None,
                      dict[str, int] | None]] = {
    # B = 200, cap 100 a year: A (120) exceeds a year's share and must wait; B + C = 80 fit.
    "too_big_waits": ({"A": 120, "B": 30, "C": 50}, {"A": 1, "B": 1, "C": 1}, 2, None,
                      {"A": 2, "B": 1, "C": 1}),
    # Budget 100, cap 50: only one of A (50) and B (40) fits in year 1. Spending early alone
    # would pick A (40 late instead of 50), but B brings a school to the rule: B first.
    "cheap_with_benefit_first": ({"A": 50, "B": 40}, {"A": 0, "B": 1}, 2, 100,
                                 {"A": 2, "B": 1}),
    # Cheap with benefit vs dear without, three years of 60 each (budget 180).
    "cheap_first_3_years": ({"D": 55, "E": 20, "F": 30}, {"D": 0, "E": 2, "F": 1}, 3, 180,
                            {"D": 2, "E": 1, "F": 1}),
    # A budget far over the total: every cap holds with everything in year 1.
    "budget_over_total": ({"A": 30, "B": 40, "C": 50}, {"A": 0, "B": 1, "C": 0}, 3, 1000,
                          {"A": 1, "B": 1, "C": 1}),
    # Cap exactly reached: 50 + 50 = 100 = 1·200/2 (≤, not <).
    "cap_exactly_met": ({"A": 50, "B": 50, "C": 100}, {"A": 1, "B": 1, "C": 0}, 2, 200,
                        {"A": 1, "B": 1, "C": 2}),
    # B = 100 over 3 years: caps 100/3 and 200/3. A (34 > 33⅓) cannot go first even with the
    # largest benefit. A in year 2 leaves no room before it (33 + 34 = 67 > 66⅔): B and C wait
    # for year 3, late 5·1 + 1·2 = 7 school-years; B first pushes A to year 3: 5·2 = 10.
    "fractional_cap": ({"A": 34, "B": 33, "C": 33}, {"A": 5, "B": 1, "C": 0}, 3, None,
                       {"A": 2, "B": 3, "C": 3}),
    # A budget under the total (the planner never asks this, the formulation allows it): a
    # share of 50 holds neither 60, so both wait for the last year, which has no cap.
    "budget_under_total": ({"A": 60, "B": 60}, {"A": 1, "B": 1}, 2, 100, {"A": 2, "B": 2}),
    # A free bundle with benefit goes first whatever the caps.
    "free_bundle": ({"A": 0, "B": 100, "C": 100}, {"A": 1, "B": 0, "C": 0}, 2, None, None),
    # Five bundles, three years, a budget: the brute force alone says what is best.
    "five_bundles": ({"A": 60, "B": 45, "C": 30, "D": 25, "E": 80},
                     {"A": 2, "B": 0, "C": 1, "D": 1, "E": 3}, 3, 270, None),
    "five_bundles_no_budget": ({"A": 70, "B": 10, "C": 35, "D": 25, "E": 40},
                               {"A": 3, "B": 0, "C": 1, "D": 2, "E": 1}, 3, None, None),
    # Fraction costs (the comparison stays exact).
    "fraction_costs": ({"A": Fraction(101, 2), "B": Fraction(99, 2), "C": Fraction(3, 4)},
                       {"A": 1, "B": 1, "C": 0}, 2, Fraction(201, 2), None),
}


@pytest.mark.parametrize("name", list(HAND))
def test_phase_bundles_is_the_brute_forced_lexicographic_minimum(name):
    costs, benefit, years, budget, hand = HAND[name]
    best, winners = brute_force(costs, benefit, years, budget)
    if hand is not None:  # the brute force agrees with the reasoning in the comment
        assert winners == [hand]
    got = phased(costs, benefit, years, budget)
    assert feasible(got, costs, years, budget), got
    assert objectives(got, costs, benefit) == best, (got, winners)
    if len(winners) == 1:
        assert got == winners[0]


def test_phase_bundles_on_random_tiny_sets():
    rng = random.Random(15)
    checked = 0
    for _ in range(60):
        n, years = rng.randint(2, 5), rng.randint(2, 3)
        names = "ABCDE"[:n]
        costs = {k: rng.choice([0, *range(5, 101, 5)]) for k in names}
        benefit = {k: rng.choice([0, 0, 1, 1, 2, 3]) for k in names}
        total = sum(costs.values())
        budget = rng.choice([None, None, total, total + rng.randint(1, 100),
                             rng.randint(1, max(1, total))])
        best, winners = brute_force(costs, benefit, years, budget)
        got = phased(costs, benefit, years, budget)
        assert feasible(got, costs, years, budget), (costs, benefit, years, budget, got)
        assert objectives(got, costs, benefit) == best, (costs, benefit, years, budget, got,
                                                         winners)
        checked += 1
    assert checked == 60


def test_one_year_puts_everything_in_year_1():
    costs = {"A": 500, "B": 30, "C": 70}
    benefit = {"A": 1, "B": 0, "C": 2}
    for budget in (None, 100, 10_000):
        assert phased(costs, benefit, 1, budget) == {"A": 1, "B": 1, "C": 1}
        # and the brute force with one year knows no other assignment
        assert brute_force(costs, benefit, 1, budget)[1] == [{"A": 1, "B": 1, "C": 1}]


def test_ties_go_to_the_lowest_school_id_first():
    # Three equal bundles, no benefit, 100 a year: every one-a-year order ties on (1) and (2).
    costs = {"A": 100, "B": 100, "C": 100}
    best, winners = brute_force(costs, {}, 3)
    assert best == (0, 300) and len(winners) == 6
    assert phased(costs, {}, 3) == {"A": 1, "B": 2, "C": 3}


# --- end to end through plan_pass ---------------------------------------------------------------

def _prices(case) -> Prices:
    land = {sid: float(n) for (sid, _, kind), n in case.caps.items() if kind == "sports_area_m2"}
    return Prices(unit_costs={k: float(v) for k, v in case.prices.items()}, land_m2=land)


def _meeting(result: dict, county: str) -> set[tuple[str, str]]:
    return {k for k, v in result["counties"][county]["units"].items() if v["meets_rule"]}


@pytest.fixture(scope="module")
def over_budget(tmp_path_factory):
    case = CASES["over_budget"]()
    path = write_xlsx(tmp_path_factory.mktemp("phasing") / "over_budget.xlsx", case.tables)
    return case, junheng.load(path)


# (years, budget in 万元, the hand-worked phase of each school or None)
# No budget: P1 135 000, J1 307 500 (equipment, 2 multimedia rooms, an art room), total
# 442 500. Two years: a share of 221 250 holds P1 only; both schools come to the rule, so P1
# first. Three years: shares of 147 500; P1 then J1 would need 442 500 ≤ 295 000 by year 2,
# so J1 waits for year 3. 100 万元 over two years: 500 000 a year holds both. 30 万元: the plan
# within it (P1 and J1 without the art room, 292 500); a share of 150 000 holds P1 only.
E2E = [(2, None, {"P1": 1, "J1": 2}), (3, None, {"P1": 1, "J1": 3}),
       (2, 100, {"P1": 1, "J1": 1}), (2, 30, {"P1": 1, "J1": 2})]


@pytest.mark.parametrize(("years", "budget_wan", "hand"), E2E)
def test_plan_pass_phased_end_to_end(over_budget, years, budget_wan, hand):
    case, data = over_budget
    plan = plan_pass(data, prices=_prices(case), hire_years=case.hire_years, years=years,
                     budget_wan=budget_wan, time_limit=30)
    county = data.schools["county"][0]
    actions = plan.actions
    assert plan.years == years
    assert actions.height > 0

    # Every action has a phase 1..N; a school's actions share one.
    assert actions["phase"].null_count() == 0
    assert set(actions["phase"]) <= set(range(1, years + 1))
    per_school = {s: set(g["phase"]) for (s,), g in actions.group_by("school_id")}
    assert all(len(p) == 1 for p in per_school.values()), per_school
    phase_of = {s: next(iter(p)) for s, p in per_school.items()}
    assert set(phase_of) >= {"P1", "J1"}  # actions at two schools: there is something to order

    # Each row's cost is price × amount (pass_checker's pricing, not the planner's).
    rows = actions.to_dicts()
    for r in rows:
        assert exact(r["cost_yuan"]) == cost([r], case.prices, case.hire_years), r
    school_cost = {s: cost([r for r in rows if r["school_id"] == s], case.prices,
                           case.hire_years) for s in phase_of}
    spent = {t: sum((c for s, c in school_cost.items() if phase_of[s] == t), Fraction(0))
             for t in range(1, years + 1)}
    total = sum(spent.values())

    # Spending to date within the years' shares of the budget (of the plan's cost without one).
    budget = None if budget_wan is None else Fraction(budget_wan) * 10_000
    if budget is not None:
        assert total <= budget
    assert feasible(phase_of, school_cost, years, budget)

    # The phasing is the brute-forced optimum, a school's benefit being its school–stages that
    # meet the rule after the plan and not before (recomputed from the rosters).
    before = recompute(data)
    after = recompute(data, actions)
    came = _meeting(after, county) - _meeting(before, county)
    benefit = {s: sum(1 for u in came if u[0] == s) for s in phase_of}
    best, winners = brute_force(school_cost, benefit, years, budget)
    assert objectives(phase_of, school_cost, benefit) == best, winners
    assert phase_of == hand

    # by_year: one row per year, costs equal this file's sums, the last row is the plan's after.
    by_year = plan.by_year.filter(pl.col("county") == county).sort("phase")
    assert by_year["phase"].to_list() == list(range(1, years + 1))
    for r in by_year.iter_rows(named=True):
        t = r["phase"]
        assert exact(r["cost_yuan"]) == spent[t]
        assert exact(r["cumulative_yuan"]) == sum(spent[s] for s in range(1, t + 1))
    last = by_year.row(-1, named=True)
    final = plan.after.counties.filter(pl.col("county") == county).row(0, named=True)
    for column in ("schools_meeting_rule", "schools_evaluated", "resources_verdict"):
        assert last[column] == final[column], column

    # Each year's evaluation, recomputed independently with the actions done by then.
    for r in by_year.iter_rows(named=True):
        done = actions.filter(pl.col("phase") <= r["phase"])
        entry = recompute(data, done)["counties"][county]
        units = entry["units"].values()
        assert r["schools_meeting_rule"] == sum(1 for v in units if v["meets_rule"]), r
        assert r["schools_evaluated"] == sum(1 for v in units if v["meets_rule"] is not None)
        assert r["resources_verdict"] == (
            "pass" if entry["rule_pass"] and entry["cv_pass"] else "fail"), r
    # Year 1 in particular: the schools done in year 1 and no other have come to the rule.
    first = by_year.row(0, named=True)
    assert first["schools_meeting_rule"] == len(_meeting(before, county)) + sum(
        n for s, n in benefit.items() if phase_of[s] == 1)
