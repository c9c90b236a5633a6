"""The path-to-pass planner (issue 15) against the independent checker and brute force of
``tests/pass_checker.py`` (written from STANDARDS.md, importing nothing of the planner or the
evaluation): every plan is re-checked rule by rule, and its cost equals the hand-computed,
brute-forced optimum of each tiny county."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest

import junheng
from conftest import write_xlsx
from junheng.plan.investment import Prices
from junheng.plan.investment.planner import plan_pass
from pass_checker import CASES, brute_force, check_plan


def _prices(case) -> Prices:
    land = {sid: float(n) for (sid, _, kind), n in case.caps.items() if kind == "sports_area_m2"}
    return Prices(unit_costs={k: float(v) for k, v in case.prices.items()}, land_m2=land)


def _plan(case, tmp_path, **kw):
    data = junheng.load(write_xlsx(tmp_path / f"{case.name}.xlsx", case.tables))
    plan = plan_pass(data, prices=_prices(case), hire_years=case.hire_years, time_limit=30,
                     **kw)
    return data, plan


@pytest.mark.parametrize("name", ["floor_cheaper", "cv_binds", "no_land"])
def test_the_plan_is_the_brute_forced_optimum_and_passes_every_rule(name, tmp_path):
    case = CASES[name]()
    data, plan = _plan(case, tmp_path)
    assert check_plan(data, plan.actions, case.prices, hire_years=case.hire_years,
                      caps=case.caps or None, expected_min_cost=case.expected_min_cost) == []
    # The brute force over the case's grid reaches the same optimum on its own.
    assert brute_force(data, case.prices, case.grid, case.hire_years,
                       caps=case.caps or None).min_cost == case.expected_min_cost
    # And the evaluation (not the model) confirms the county passes the resource part.
    assert plan.after.counties["resources_verdict"].to_list() == ["pass"]
    assert Fraction(plan.cost_yuan).limit_denominator() == case.expected_min_cost


def test_leaving_one_indicator_at_85_percent_is_used_when_cheaper(tmp_path):
    case = CASES["floor_cheaper"]()
    _, plan = _plan(case, tmp_path)
    # Two PE/art hires (160 000) rather than one hire and 450 m² of sports ground (215 000).
    assert plan.actions.group_by("school_id", "kind").agg(pl.col("amount").sum()).rows() == [
        ("S1", "hire_pe_art", 2)]
    case3 = CASES["floor_cheaper"]()
    case3.hire_years = 3  # the hires now cost three years: 1 hire + 450 m² = 375 000 wins
    _, plan3 = _plan(case3, tmp_path)
    assert plan3.cost_yuan == 375_000


def test_a_budget_too_small_plans_within_it_and_says_the_shortfall(tmp_path):
    case = CASES["over_budget"]()
    data, plan = _plan(case, tmp_path, budget_wan=case.budget / 10_000)
    county = data.schools["county"][0]
    assert Fraction(plan.pass_cost_yuan[county]).limit_denominator() == case.expected_min_cost
    assert Fraction(plan.shortfall_yuan[county]).limit_denominator() == case.expected_shortfall
    assert plan.cost_yuan <= case.budget
    assert "预算不足以达标" in plan.warnings[0][0]
    # Without a budget the least cost is the brute-forced optimum, rooms of item 3 included.
    _, full = _plan(case, tmp_path)
    assert check_plan(data, full.actions, case.prices,
                      expected_min_cost=case.expected_min_cost) == []


def test_a_school_that_no_lever_can_bring_to_the_rule_is_named(tmp_path):
    case = CASES["no_land_infeasible"]()
    _, plan = _plan(case, tmp_path)
    assert plan.unreachable.select("school_id", "stage").rows() == [("N1", "primary")]
    assert "体育" in plan.unreachable["why_zh"][0]
    assert plan.after.counties["resources_verdict"].to_list() == ["fail"]



def test_a_shortfall_beside_unreachable_schools_is_not_called_short_of_passing():
    from junheng.plan.investment.planner import _shortfall_warnings

    unreachable = pl.DataFrame({"county": ["甲县"], "school_id": ["N1"], "stage": ["primary"],
                                "why_zh": ["…"], "why_en": ["…"]})
    (zh_a, en_a), (zh_b, _) = _shortfall_warnings({"甲县": 123_400.0, "乙县": 5_000.0},
                                                  unreachable)
    # 甲县 has a school–stage no budget brings to the rule; 乙县 has none
    assert "措施能及的学校（学段）全部达标还差 12.34 万元" in zh_a and "另有 1 个" in zh_a
    assert "预算不足以达标" not in zh_a and "1 more are beyond them" in en_a
    assert zh_b.startswith("乙县：预算不足以达标，还差 0.50 万元")


def test_the_command_writes_the_plan_and_exits_0(tmp_path):
    import subprocess
    import sys

    case = CASES["over_budget"]()  # no budget given: the least cost, rooms of item 3 included
    data = write_xlsx(tmp_path / "c.xlsx", case.tables)
    prices = tmp_path / "prices.xlsx"
    write_xlsx(prices, {"单价": [{"kind": k, "unit_cost": v} for k, v in case.prices.items()]})
    done = subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()",
                           "plan", "pass", str(data), "--prices", str(prices), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert "资源配置 未达标 → 达标" in done.stdout
    out = pl.read_excel(tmp_path / "out" / "达标路径方案.xlsx", sheet_name="整改措施")
    # P1 teaching space; J1 equipment, multimedia rooms and an art room (pass_checker's case c)
    assert set(zip(out["学校标识码"], out["措施"], strict=True)) == {
        ("J1", "新增美术专用教室"), ("J1", "新增网络多媒体教室"), ("J1", "购置教学仪器设备"),
        ("P1", "新建教学及辅助用房")}
    bad = subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()",
                          "plan", "investment", str(data), "--prices",
                          str(tmp_path / "none.xlsx")], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    unpriced = subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()",
                               "plan", "investment", str(data)], capture_output=True, text=True,
                              timeout=120)
    assert unpriced.returncode == 2 and "需要单价表" in unpriced.stderr


def test_recruitment_without_a_price_table_hires_the_fewest_teachers(tmp_path):
    from junheng.plan.investment.planner import RECRUITMENT
    from pass_checker import threshold_grid

    case = CASES["floor_cheaper"]()
    data = junheng.load(write_xlsx(tmp_path / "c.xlsx", case.tables))
    plan = plan_pass(data, prices=None, levers=RECRUITMENT, time_limit=30)
    people = dict.fromkeys(RECRUITMENT, 1)  # each teacher hired or appointed counts 1
    grid = {k: v for k, v in threshold_grid(case.tables).items() if k[2] in RECRUITMENT}
    fewest = brute_force(data, people, grid).min_cost
    assert fewest is not None and not plan.priced
    assert plan.actions["amount"].sum() == plan.cost_yuan == fewest
    assert check_plan(data, plan.actions, people, expected_min_cost=fewest) == []


def test_pe_art_hires_go_to_the_subjects_the_school_has_fewest_of(tmp_path):
    from junheng.plan.investment.planner import ACTION_COLUMNS, _by_subject

    data = junheng.load(write_xlsx(tmp_path / "c.xlsx", CASES["floor_cheaper"]().tables))
    # S1 primary by hand: two PE teachers, no music, one art teacher among the full-time ones
    teachers = pl.DataFrame({"teacher_id": ["a", "b", "c", "d"], "school_id": ["S1"] * 4,
                             "stage": [None] * 4, "subject": ["pe", "pe", "art", "music"],
                             "full_time": [True, True, True, False]})
    data = __import__("dataclasses").replace(data, teachers=teachers)
    actions = pl.DataFrame([("县", "S1", "primary", "hire_pe_art", 3, 10.0, 30.0, 1, None)],
                           schema=ACTION_COLUMNS, orient="row")
    split = _by_subject(actions, data, junheng.load_standard("quality-2017"))
    # counts pe 2, music 0, art 1: music (0), then music (1, before art in the profile's
    # order), then art (1 < music 2, pe 2)
    assert sorted(split.select("subject", "amount", "cost_yuan").rows()) == [
        ("art", 1, 10.0), ("music", 2, 20.0)]
