"""Rotation within school groups (``junheng plan rotation --scope group``, 集团内交流, issue 17).

Hand-made counties with two groups — one whose type rotates teachers, one alliance (联盟型)
that does not — and a school in no group. Expected plans come from the test's own enumeration
(``test_rotation.brute_force`` over the group's leader–member pairs) or from the independent
checker (``rotation_checker``, given the groups table and the types as plain data written
here), never from the planner's model. The groups reach the planner as the county workbook's
own 集团 sheet, or as a CSV / xlsx written by hand for ``--groups``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys

import polars as pl
import pytest
from rich.cells import cell_len

import junheng
from conftest import school_row, stage_row, teachers, write_xlsx
from held_out import make_county
from junheng.errors import InfeasiblePlan, InputError
from junheng.plan import plan_rotation
from rotation_checker import group_most, violations
from test_rotation import assert_optimal, brute_force, staff

YEAR = 2026
# The national profile's group types, as the rules say them: (teachers rotate, form recorded).
TYPES = {"close": (True, "group_exchange"), "led": (True, "group_exchange"),
         "merged": (True, "group_exchange"), "alliance": (False, None),
         "district": (True, "district_exchange")}
GROUP_ARCS = [("S", "R1"), ("S", "R2")]


def groups_rows(g1_type: str = "领办型") -> list[dict]:
    """G1 (S leads R1 and R2; the type given), G2 (an alliance: A leads B); X in no group."""
    return [
        {"集团编号": "G1", "学校标识码": "S", "角色": "牵头学校", "集团类型": g1_type,
         "集团名称": "城关小学教育集团"},
        {"集团编号": "G1", "学校标识码": "R1", "角色": "成员学校"},
        {"集团编号": "G1", "学校标识码": "R2", "角色": "成员学校"},
        {"集团编号": "G2", "学校标识码": "A", "角色": "牵头学校", "集团类型": "联盟型",
         "集团名称": "城南教育联盟"},
        {"集团编号": "G2", "学校标识码": "B", "角色": "成员学校"},
    ]


def county_tables(groups: list[dict] | None = None) -> dict[str, list[dict]]:
    """test_rotation's tiny county (urban S; villages R1 lacking a backbone and a qualified
    teacher, R2 lacking a PE/art teacher) beside A (urban, meets the rule), B and X (villages
    failing it), each of A, B, X with teachers of the tenure: under scope school A would send
    to B or X; within groups only S exchanges, with R1 and R2.

    County item 11: 12 teachers with 6 years at their school (S 4, R1 2, R2 2, A 2, B 1, X 1),
    so ⌈10 % × 12⌉ = 2 moves — one exchange; G1's share ⌈10 % × S's 4 eligible⌉ = 1.
    """
    schools = [school_row("S", location="urban", latitude=29.50, longitude=106.5),
               school_row("R1", location="rural", latitude=29.55, longitude=106.5),
               school_row("R2", location="rural", latitude=29.60, longitude=106.5),
               school_row("A", location="urban", latitude=29.40, longitude=106.5),
               school_row("B", location="rural", latitude=29.45, longitude=106.5),
               school_row("X", location="rural", latitude=29.65, longitude=106.5)]
    stages = [stage_row("S", "primary", 200), stage_row("R1", "primary", 100),
              stage_row("R2", "primary", 50), stage_row("A", "primary", 200),
              stage_row("B", "primary", 80), stage_row("X", "primary", 60)]
    roster = staff("S", [
        ("math", "bachelor", "county", 2015), ("pe", "bachelor", "none", 2015),
        ("chinese", "bachelor", "none", 2016), ("music", "bachelor", "city", 2014),
        *[("chinese", "bachelor", "county", 2023)] * 3, *[("math", "bachelor", "none", 2023)] * 3,
        ("pe", "bachelor", "none", 2023), ("art", "associate", "none", 2023)])
    roster += staff("R1", [
        ("chinese", "secondary", "none", 2010), ("math", "secondary", "none", 2012),
        ("pe", "bachelor", "none", 2022), *[("chinese", "bachelor", "none", 2021)] * 3])
    roster += staff("R2", [
        ("chinese", "bachelor", "none", 2011), ("math", "secondary", "none", 2019),
        ("chinese", "bachelor", "county", 2022)])
    # A meets the rule (9 qualified, 2 backbone, 2 PE for 200 pupils) and has 2 of the tenure,
    # one of them backbone (a share A could meet by location)
    roster += staff("A", [*[("chinese", "bachelor", "county", 2023)] * 2,
                          *[("pe", "bachelor", "none", 2023)] * 2,
                          *[("chinese", "bachelor", "none", 2023)] * 5,
                          ("chinese", "bachelor", "county", 2015),
                          ("chinese", "bachelor", "none", 2015)])
    roster += staff("B", [("chinese", "secondary", "none", 2012),
                          *[("math", "secondary", "none", 2022)] * 3])
    roster += staff("X", [("chinese", "secondary", "none", 2013),
                          *[("math", "secondary", "none", 2022)] * 2])
    tables = {"schools": schools, "stages": stages, "teachers": roster}
    if groups is not None:
        tables["集团"] = groups
    return tables


def county(tmp_path, g1_type: str = "领办型", groups: bool = True) -> junheng.Dataset:
    tables = county_tables(groups_rows(g1_type) if groups else None)
    return junheng.load(write_xlsx(tmp_path / f"county-{g1_type}-{groups}.xlsx", tables))


def check(dataset: junheng.Dataset, plan, **settings) -> list[str]:
    """The checker's violations of ``plan`` within the dataset's own groups."""
    return violations(dataset, plan.moves, YEAR, school_groups=dataset.groups,
                      group_types=TYPES, **settings)


# -- the plan ------------------------------------------------------------------------------------

def test_within_groups_the_optimum_is_the_brute_force_one_over_the_groups_pairs(tmp_path):
    dataset = county(tmp_path)
    before, best, _ = brute_force(dataset, GROUP_ARCS, {"S"})
    plan = plan_rotation(dataset, year=YEAR, scope="group", time_limit=20)
    assert before[0] == -2 and best[0] == -4  # S and A meet the rule; R1 and R2 can be added
    assert_optimal(dataset, plan, best)
    assert check(dataset, plan) == []
    touched = set(plan.moves["from_school_id"]) | set(plan.moves["to_school_id"])
    assert touched <= {"S", "R1", "R2"} and "S" in touched
    assert set(plan.moves["school_group"]) == {"G1"}
    assert set(plan.moves["form"]) == {"group_exchange"}
    assert set(plan.moves["arc"]) == {"group"}
    # the group's share, named by the group: S sends ≥ ⌈0.1 × 4⌉ = 1
    row = plan.compliance.filter(pl.col("target") == "group").row(0, named=True)
    sent = plan.moves.filter((pl.col("direction") == "send") & (pl.col("from_school_id") == "S"))
    assert (row["school_group"], row["group_name"], row["school_id"]) == \
        ("G1", "城关小学教育集团", "S")
    assert (row["eligible"], row["required"], row["moved"]) == (4, 1, sent.height)
    assert row["share_met"] and row["backbone_share_met"]
    assert plan.compliance.filter(pl.col("target") == "school").height == 0
    roles = {r["school_id"]: (r["role"], r["because"], r["school_group"])
             for r in plan.roles.iter_rows(named=True)}
    assert roles == {"S": ("send", "group_leader", "G1"), "R1": ("receive", "group_member", "G1"),
                     "R2": ("receive", "group_member", "G1"),
                     "A": ("none", "group_closed", "G2"), "B": ("none", "group_closed", "G2"),
                     "X": ("none", "no_group", None)}
    (warning,) = [w for w in plan.warnings if "--scope group" in w[0]]
    assert "1 所学校不在任何集团中" in warning[0] and "2 所学校所在集团不开展交流（联盟型）" in warning[0]
    assert "1 school is in no group" in warning[1] and "(alliance)" in warning[1]
    assert "2 schools are in groups that do not rotate" in warning[1]


def test_outside_groups_the_same_county_plans_otherwise(tmp_path):
    """The contrast: by location (scope school) A sends too — to B or X, which no group
    allows."""
    plan = plan_rotation(county(tmp_path), year=YEAR, time_limit=20)
    assert "A" in set(plan.moves["from_school_id"])
    assert plan.moves["school_group"].null_count() == plan.moves.height
    assert set(plan.moves["form"]) == {"regular_exchange"}


def test_marks_by_location_give_way_to_the_groups_and_say_so(tmp_path):
    plan = plan_rotation(county(tmp_path), year=YEAR, scope="group", quality_schools=["X"],
                         time_limit=20)
    roles = dict(zip(plan.roles["school_id"], plan.roles["role"], strict=True))
    assert roles["X"] == "none" and "X" not in set(plan.moves["from_school_id"])
    assert any("--quality-schools" in zh and "play no part" in en for zh, en in plan.warnings)


def test_a_district_records_district_exchange_in_the_plan_and_the_roster_after(tmp_path):
    dataset = county(tmp_path, g1_type="学区")
    plan = plan_rotation(dataset, year=YEAR, scope="group", time_limit=20)
    assert plan.moves.height > 0 and set(plan.moves["form"]) == {"district_exchange"}
    records = plan.dataset_after.rotations.filter(pl.col("school_year") == YEAR)
    assert sorted(records["teacher_id"]) == sorted(plan.moves["teacher_id"])
    assert set(records["form"]) == {"district_exchange"}
    assert check(dataset, plan) == []
    groups = plan.school_groups.sort("school_group").to_dicts()
    assert [(g["school_group"], g["group_type"], g["rotation"], g["form"], g["members"],
             g["moved"]) for g in groups] == [
        ("G1", "district", True, "district_exchange", 2, plan.moves.height),
        ("G2", "alliance", False, None, 1, 0)]


def test_the_principals_pair_within_a_group_only(tmp_path):
    """S's principal and X's (two terms each) would pair by location; X is in no group."""
    tables = county_tables(groups_rows())
    for school, since in (("S", 2018), ("X", 2016)):
        tables["teachers"] += teachers(school, "primary", 1, role="principal",
                                       school_since=since, subject="chinese",
                                       education="bachelor", backbone="none", gender="male",
                                       birth_year=1975)
    dataset = junheng.load(write_xlsx(tmp_path / "heads.xlsx", tables))
    by_location = plan_rotation(dataset, year=YEAR, time_limit=10)
    assert by_location.principals[["quality_school_id", "weak_school_id"]].rows() == [("S", "X")]
    within = plan_rotation(dataset, year=YEAR, scope="group", time_limit=10)
    assert within.principals.height == 0


def test_a_group_that_cannot_meet_its_share_is_reported_short(tmp_path):
    """G1: S (urban, 200 pupils) meets the rule with 6 of 7 indicators — its teaching area is
    under the threshold — and exactly the 9 qualified teachers it needs; both of its eligible
    teachers are qualified, and R's are not. Any exchange leaves S with 8, so S fails the rule;
    yet the group's share asks ⌈10 % × 2⌉ = 1. The county's item 11 is met by a record made
    earlier in the year (X → B, a backbone teacher: 1 of ⌈10 % × 5⌉ = 1), so only the group's
    share asks for an exchange. Every plan the rules could allow — none, or one exchange (R
    may let one teacher go: ⌈20 % × 5⌉) — is judged by the checker first: the group can make
    none, and the plan says so instead of failing."""
    schools = [school_row("S", location="urban", latitude=29.50, longitude=106.5),
               school_row("R", location="rural", latitude=29.55, longitude=106.5),
               school_row("X", location="rural", latitude=29.60, longitude=106.5),
               school_row("B", location="rural", latitude=29.62, longitude=106.5)]
    stages = [stage_row("S", "primary", 200, teaching_area_m2=880),  # 4.4 < 4.5 m² a pupil
              stage_row("R", "primary", 100), stage_row("X", "primary", 60),
              stage_row("B", "primary", 60)]
    roster = staff("S", [("chinese", "bachelor", "county", 2015),
                         ("chinese", "bachelor", "none", 2015),
                         *[("chinese", "bachelor", "county", 2023)] * 3,
                         *[("pe", "bachelor", "none", 2023)] * 2,
                         *[("math", "bachelor", "none", 2023)] * 2])
    roster += staff("R", [*[("chinese", "secondary", "none", 2012)] * 2,
                          *[("math", "secondary", "none", 2022)] * 3])
    roster += staff("X", [("chinese", "secondary", "none", 2022)] * 2)
    moved = staff("B", [("chinese", "bachelor", "county", 2012)])
    roster += moved + staff("B", [("chinese", "secondary", "none", 2022)] * 2)
    rotations = [{"teacher_id": moved[0]["teacher_id"], "from_school_id": "X",
                  "to_school_id": "B", "school_year": YEAR, "form": "支教"}]
    groups = [{"集团编号": "G1", "学校标识码": "S", "角色": "牵头学校", "集团名称": "城关教育集团"},
              {"集团编号": "G1", "学校标识码": "R", "角色": "成员学校"}]
    dataset = junheng.load(write_xlsx(tmp_path / "bind.xlsx", {
        "schools": schools, "stages": stages, "teachers": roster, "rotations": rotations,
        "集团": groups}))
    eligible = {s: [t["teacher_id"] for t in roster if t["school_id"] == s
                    and YEAR - t["school_since"] >= 6] for s in ("S", "R")}
    assert len(eligible["S"]) == 2 and len(eligible["R"]) == 2
    plans = [[]] + [[(s, "S", "R", "send"), (r, "R", "S", "return")]
                    for s in eligible["S"] for r in eligible["R"]]
    for moves in plans:
        frame = pl.DataFrame(
            [{"county": "测试县", "exchange": 1, "direction": d, "teacher_id": t,
              "stage": "primary", "subject": next(x["subject"] for x in roster
                                                  if x["teacher_id"] == t),
              "backbone": next(x["backbone"] for x in roster if x["teacher_id"] == t),
              "is_backbone": next(x["backbone"] for x in roster if x["teacher_id"] == t)
              != "none", "from_school_id": a, "to_school_id": b, "km": None,
              "form": "group_exchange", "school_group": "G1"} for t, a, b, d in moves],
            schema={"county": pl.String, "exchange": pl.Int64, "direction": pl.String,
                    "teacher_id": pl.String, "stage": pl.String, "subject": pl.String,
                    "backbone": pl.String, "is_backbone": pl.Boolean,
                    "from_school_id": pl.String, "to_school_id": pl.String, "km": pl.Float64,
                    "form": pl.String, "school_group": pl.String})
        found = violations(dataset, frame, YEAR, school_groups=dataset.groups,
                           group_types=TYPES)
        rule = "[g]" if not moves else "[e]"
        assert any(v.startswith(rule) for v in found), (moves, found)
        assert not any(v.startswith("[h]") for v in found), found
    # No exchange keeps every other rule, so the group's most is 0: a plan, the group short.
    plan = plan_rotation(dataset, year=YEAR, scope="group", time_limit=20)
    assert plan.moves.height == 0
    (row,) = plan.group_shortfall.to_dicts()
    assert (row["school_group"], row["group_name"], row["leader_id"]) == \
        ("G1", "城关教育集团", "S")
    assert (row["required"], row["moved"], row["short"]) == (1, 0, 1)
    # counted, S could make ⌈20 % × 5⌉ = 1 exchange with R (R's cap): the other rules bind
    assert row["most_counted"] == 1 and row["because"] == "other_rules"
    assert "已达标学校须保持达标" in row["why_zh"] and "met schools stay met" in row["why_en"]
    assert check(dataset, plan, group_shortfall=plan.group_shortfall) == []
    assert any(v.startswith("[g]") and "not reported short" in v for v in check(dataset, plan))


def lone_point_tables(with_g2: bool = True) -> dict[str, list[dict]]:
    """The analyst's case in small (issue 17): G1 is an urban school L leading one teaching
    point T, as a groups plan draws a lone point; G2 a town school M leading a village R.

    Every teacher teaches Chinese with a bachelor's degree, so an exchange changes no count but
    the backbone; no school has a PE teacher, so every school fails the rule and none is
    protected. Eligible (11 years at the school): L 20 (one a county backbone), T 1 of its 6
    (5 arrived in 2023), M 10 (one backbone), R 5.

    By hand: item 11 counts 20 + 1 + 10 + 5 = 36 with the tenure, so ⌈10 % × 36⌉ = 4 moves —
    two exchanges, one of them bringing a backbone teacher (⌈20 % × 4⌉ = 1). G1's share is
    ⌈10 % × 20⌉ = 2 sent, but T has 1 eligible teacher: G1 can make 1 exchange (L's cap
    ⌈20 % × 20⌉ = 4, T's ⌈20 % × 6⌉ = 2 do not bind). G2's share is ⌈10 % × 10⌉ = 1, and
    R's cap ⌈20 % × 5⌉ = 1 lets it make 1.
    """
    schools = [school_row("L", location="urban", latitude=29.50, longitude=106.5),
               school_row("T", "teaching_point", location="rural", latitude=29.52,
                          longitude=106.5, parent_school_id="L"),
               school_row("M", location="town", latitude=29.60, longitude=106.5),
               school_row("R", location="rural", latitude=29.62, longitude=106.5)]
    stages = [stage_row("L", "primary", 300), stage_row("T", "primary", 20),
              stage_row("M", "primary", 200), stage_row("R", "primary", 100)]
    old, new, lead = (("chinese", "bachelor", "none", 2015), ("chinese", "bachelor", "none", 2023),
                      ("chinese", "bachelor", "county", 2015))
    roster = (staff("L", [lead, *[old] * 19]) + staff("T", [old, *[new] * 5])
              + staff("M", [lead, *[old] * 9]) + staff("R", [old] * 5))
    groups = [{"集团编号": "G1", "学校标识码": "L", "角色": "牵头学校", "集团名称": "城关一小集团"},
              {"集团编号": "G1", "学校标识码": "T", "角色": "成员学校"}]
    if with_g2:
        groups += [{"集团编号": "G2", "学校标识码": "M", "角色": "牵头学校"},
                   {"集团编号": "G2", "学校标识码": "R", "角色": "成员学校"}]
    return {"schools": schools, "stages": stages, "teachers": roster, "集团": groups}


def test_a_group_its_members_cannot_serve_makes_what_it_can_and_the_plan_stands(tmp_path):
    dataset = junheng.load(write_xlsx(tmp_path / "lone.xlsx", lone_point_tables()))
    counted = group_most(dataset, YEAR, dataset.groups, TYPES)
    assert counted == {  # the checker's count agrees with the docstring's, by hand
        "G1": {"required": 2, "leader": 20, "on_stages": 20, "members": 1, "reach": 1,
               "most": 1},
        "G2": {"required": 1, "leader": 10, "on_stages": 10, "members": 5, "reach": 5,
               "most": 1}}
    plan = plan_rotation(dataset, year=YEAR, scope="group", time_limit=20)
    assert check(dataset, plan, group_shortfall=plan.group_shortfall) == []
    sent = plan.moves.filter(pl.col("direction") == "send")
    by_group = dict(sent.group_by("school_group").len().iter_rows())
    # G1 makes its most (1), G2 its share (1); item 11's 4 moves need no more
    assert by_group == {"G1": 1, "G2": 1} and plan.moves.height == 4
    (row,) = plan.group_shortfall.to_dicts()
    assert (row["school_group"], row["group_name"], row["leader"]) == \
        ("G1", "城关一小集团", "学校L")
    assert (row["required"], row["moved"], row["short"], row["most_counted"]) == (2, 1, 1, 1)
    assert row["because"] == "member_teachers"
    assert row["why_zh"] == "成员学校中能与牵头学校同学段对调的符合交流条件教师只有 1 名"
    assert row["why_en"] == "the members have 1 eligible teacher of the leader's stages to exchange"
    shares = {r["school_group"]: (r["required"], r["moved"], r["share_met"])
              for r in plan.compliance.filter(pl.col("target") == "group").iter_rows(named=True)}
    assert shares == {"G1": (2, 1, False), "G2": (1, 1, True)}
    assert next(lv.name for lv in plan.levels["测试县"]) == "groups"
    # a report that claims too little, or none at all, is caught
    assert any("not reported short" in v for v in check(dataset, plan))
    wrong = plan.group_shortfall.with_columns(pl.lit(0).alias("moved"))
    assert any("reported required/moved/short" in v
               for v in check(dataset, plan, group_shortfall=wrong))


def test_item_11_beyond_what_the_groups_can_make_names_them_and_suggests_scope_school(
        tmp_path):
    """Without G2 only G1 can exchange: at most 1 exchange, 2 moves, where item 11 needs 4."""
    dataset = junheng.load(write_xlsx(tmp_path / "one.xlsx", lone_point_tables(with_g2=False)))
    assert group_most(dataset, YEAR, dataset.groups, TYPES)["G1"]["most"] == 1
    with pytest.raises(InfeasiblePlan) as caught:
        plan_rotation(dataset, year=YEAR, scope="group", time_limit=10)
    assert caught.value.rule == "county_share"
    zh, en = caught.value.messages[0]
    assert "第11项须交流至少 4 名教师" in zh and "最多只能交流 2 名" in zh
    assert "「城关一小集团」最多 1 对" in zh and "--scope school" in zh
    assert "at least 4 teachers rotated" in en and "at most 2" in en
    assert "城关一小集团 at most 1 exchange)" in en and "--scope school" in en


def test_a_share_below_the_standard_and_groups_without_the_scope_are_said(tmp_path):
    dataset = junheng.load(write_xlsx(tmp_path / "lone.xlsx", lone_point_tables()))
    plan = plan_rotation(dataset, year=YEAR, scope="group", share=0.02, time_limit=10)
    said = [w for w in plan.warnings if "--share" in w[0]]
    assert said == [("交流比例 2%（--share）低于标准第11项的 10%：按规则取较高者，本方案按 10% 计",
                     "the share 2% (--share) is below item 11's 10%: the larger counts, so "
                     "this plan uses 10%")]
    assert plan.group_shortfall["required"].to_list() == [2]  # still ⌈10 % × 20⌉
    groups = tmp_path / "集团.csv"
    with open(groups, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["集团编号", "学校标识码", "角色"])
        w.writeheader()
        w.writerows([{"集团编号": "G1", "学校标识码": "S", "角色": "牵头学校"},
                     {"集团编号": "G1", "学校标识码": "R1", "角色": "成员学校"}])
    plan = plan_rotation(county(tmp_path, groups=False), year=YEAR, groups=str(groups),
                         time_limit=10)
    (said,) = [w for w in plan.warnings if "--groups" in w[0]]
    assert "只在 --scope group 时使用" in said[0] and "--scope school" in said[0]
    assert "plays no part without --scope group" in said[1]
    assert plan.moves["school_group"].null_count() == plan.moves.height


def test_an_empty_groups_sheet_is_said_to_have_no_groups(tmp_path):
    from openpyxl import load_workbook

    path = write_xlsx(tmp_path / "county.xlsx", county_tables())
    book = load_workbook(path)
    book.create_sheet("集团").append(["集团编号", "学校标识码", "角色", "集团类型", "集团名称"])
    book.save(path)
    with pytest.raises(InputError) as caught:
        plan_rotation(junheng.load(path), year=YEAR, scope="group")
    (problem,) = caught.value.problems
    assert "「集团」工作表中没有任何集团" in problem.expected_zh
    assert "加入「集团」工作表" not in problem.expected_zh
    assert "sheet has no groups" in problem.expected_en


def test_groups_whose_type_rotates_no_teacher_make_a_county_without_exchanges_a_message(
        tmp_path):
    """Both groups alliances: no two schools may exchange, and item 11 needs two moves."""
    rows = groups_rows("联盟型")
    dataset = junheng.load(write_xlsx(tmp_path / "closed.xlsx", county_tables(rows)))
    with pytest.raises(InfeasiblePlan) as caught:
        plan_rotation(dataset, year=YEAR, scope="group", time_limit=10)
    zh, en = caught.value.messages[0]
    assert "须交流至少 2 名教师" in zh and "--scope group" in zh and "联盟型不交流" in zh
    assert "an alliance does not" in en


def test_without_groups_the_scope_is_a_located_error(tmp_path):
    with pytest.raises(InputError) as caught:
        plan_rotation(county(tmp_path, groups=False), year=YEAR, scope="group")
    (problem,) = caught.value.problems
    assert problem.table == "集团 groups" and problem.column == "--scope"
    assert "加入「集团」工作表" in problem.expected_zh and "--groups" in problem.expected_en


# -- held-out counties, judged by the checker ------------------------------------------------------

def held_out_with_groups(tmp_path, seed: int) -> junheng.Dataset:
    """A held-out county (``held_out.make_county``) with groups drawn here: every rural school
    joins the nearest urban or town school that teaches one of its stages; the first urban
    school's group is an alliance, the others are of the profile's default type (empty)."""
    tables = make_county(seed)
    stages: dict[str, set[str]] = {}
    for r in tables["stages"]:
        stages.setdefault(r["school_id"], set()).add(r["stage"])
    leaders = [s for s in tables["schools"] if s["location"] != "rural"]
    rows = [{"group_id": f"G{i}", "school_id": s["school_id"], "role": "leader",
             "group_type": "alliance" if i == 0 else None, "group_name": f"{s['name']}集团"}
            for i, s in enumerate(leaders)]
    for s in tables["schools"]:
        if s["location"] == "rural":
            near = min((i for i, lead in enumerate(leaders)
                        if stages[lead["school_id"]] & stages[s["school_id"]]),
                       key=lambda i: (leaders[i]["latitude"] - s["latitude"]) ** 2
                       + (leaders[i]["longitude"] - s["longitude"]) ** 2)
            rows.append({"group_id": f"G{near}", "school_id": s["school_id"], "role": "member"})
    tables["groups"] = rows
    return junheng.load(write_xlsx(tmp_path / f"held-{seed}.xlsx", tables))


@pytest.mark.parametrize("seed", [2, 5, 6])
def test_held_out_counties_within_groups_keep_every_rule(tmp_path, seed):
    dataset = held_out_with_groups(tmp_path, seed)
    plan = plan_rotation(dataset, year=YEAR, scope="group", time_limit=20)
    assert plan.moves.height > 0
    assert check(dataset, plan) == []
    # every rotating group with members has its row, and each is met
    groups = plan.compliance.filter(pl.col("target") == "group")
    assert groups.height == plan.school_groups.filter(
        pl.col("rotation") & (pl.col("members") > 0)).height
    assert groups["share_met"].all() and groups["backbone_share_met"].all()


def test_the_checker_catches_moves_outside_groups(tmp_path):
    """The checker's rule k fails where it must: a move across groups, inside an alliance,
    between two members, the wrong way round, and with the wrong form."""
    dataset = county(tmp_path)
    plan = plan_rotation(county(tmp_path, groups=False), year=YEAR, time_limit=20)
    found = violations(dataset, plan.moves, YEAR, school_groups=dataset.groups,
                       group_types=TYPES)
    assert any(v.startswith("[k]") and "not inside one school group" in v for v in found)
    row = plan.moves.row(0, named=True)

    def one(**change) -> list[str]:
        frame = pl.DataFrame([{**row, **change}], schema=plan.moves.schema)
        return [v for v in violations(dataset, frame, YEAR, school_groups=dataset.groups,
                                      group_types=TYPES) if v.startswith("[k]")]

    assert any("type alliance" in v for v in one(from_school_id="A", to_school_id="B",
                                                 school_group="G2", form="group_exchange"))
    assert any("two members" in v for v in one(from_school_id="R1", to_school_id="R2",
                                               school_group="G1", form="group_exchange"))
    assert any("direction 'send'" in v for v in one(from_school_id="R1", to_school_id="S",
                                                    school_group="G1", form="group_exchange"))
    assert any("records 'group_exchange'" in v for v in one(
        from_school_id="S", to_school_id="R1", school_group="G1", form="regular_exchange",
        direction="send"))
    assert any("school_group 'G2'" in v for v in one(
        from_school_id="S", to_school_id="R1", school_group="G2", form="group_exchange",
        direction="send"))
    assert one(from_school_id="S", to_school_id="R1", school_group="G1",
               form="group_exchange", direction="send") == []


# -- the command -----------------------------------------------------------------------------------

def _cli(*args: str, columns: int = 80):
    return subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()", *args],
                          capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": str(columns)})


def test_the_command_without_groups_exits_2_and_writes_nothing(tmp_path):
    path = write_xlsx(tmp_path / "county.xlsx", county_tables())
    out, after = tmp_path / "plan", tmp_path / "after.xlsx"
    run = _cli("plan", "rotation", str(path), "--year", str(YEAR), "--scope", "group", "-o",
               str(out), "--apply", str(after))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    text = run.stderr.replace("\n", "")
    assert "集团" in text and "--scope" in text and "group" in text
    assert "--groups" in text and "工作表" in text
    assert not out.exists() and not after.exists()


def test_the_command_with_a_groups_csv_records_the_form_and_fits_80_columns(tmp_path):
    path = write_xlsx(tmp_path / "county.xlsx", county_tables())
    with open(tmp_path / "集团.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["集团编号", "学校标识码", "角色", "集团类型", "集团名称"])
        w.writeheader()
        w.writerows(groups_rows())
    out, after = tmp_path / "plan", tmp_path / "after.xlsx"
    run = _cli("plan", "rotation", str(path), "--year", str(YEAR), "--scope", "group",
               "--groups", str(tmp_path / "集团.csv"), "-o", str(out), "--apply", str(after),
               "--time-limit", "20")
    assert run.returncode == 0, run.stderr
    assert all(cell_len(line) <= 80 for line in run.stdout.splitlines())
    assert "集团（学区）内交流：1 / 1 个集团达到两项比例" in run.stdout
    assert "集团：城关小学教育集团" in run.stdout and "1 个集团的类型不开展交流（联盟型）" in run.stdout
    data = json.loads((out / "rotation-plan.json").read_text(encoding="utf-8"))
    assert data["moves"] and {m["school_group"] for m in data["moves"]} == {"G1"}
    assert {m["form"] for m in data["moves"]} == {"group_exchange"}
    assert [(g["school_group"], g["rotation"]) for g in data["school_groups"]] == \
        [("G1", True), ("G2", False)]
    records = junheng.load(after).rotations
    assert set(records.filter(pl.col("school_year") == YEAR)["form"]) == {"group_exchange"}
    from openpyxl import load_workbook

    book = load_workbook(out / "交流轮岗方案.xlsx")
    assert "集团" in book.sheetnames
    head, *rows = book["交流名单"].iter_rows(values_only=True)
    assert head[8] == "集团（学区）" and {r[8] for r in rows} == {"城关小学教育集团"}
    assert {r[10] for r in rows} == {"集团内交流"}
    english = _cli("plan", "rotation", str(path), "--year", str(YEAR), "--scope", "group",
                   "--groups", str(tmp_path / "集团.csv"), "--lang", "en", "--time-limit", "20")
    assert english.returncode == 0, english.stderr
    assert all(cell_len(line) <= 80 for line in english.stdout.splitlines())
    assert "Within school groups: 1 of 1 groups meet both shares" in english.stdout
    assert "Group:" in english.stdout and "城关小学教育集团" in english.stdout


def test_the_command_with_a_groups_workbook_written_by_openpyxl(tmp_path):
    from openpyxl import Workbook

    path = write_xlsx(tmp_path / "county.xlsx", county_tables())
    book = Workbook()
    ws = book.active
    ws.title = "集团"
    ws.append(["集团编号", "学校标识码", "角色", "集团类型", "集团名称"])
    for r in groups_rows("紧密型"):
        ws.append([r.get(c) for c in ("集团编号", "学校标识码", "角色", "集团类型", "集团名称")])
    book.save(tmp_path / "groups.xlsx")
    out = tmp_path / "plan"
    run = _cli("plan", "rotation", str(path), "--year", str(YEAR), "--scope", "group",
               "--groups", str(tmp_path / "groups.xlsx"), "-o", str(out), "--time-limit", "20")
    assert run.returncode == 0, run.stderr
    data = json.loads((out / "rotation-plan.json").read_text(encoding="utf-8"))
    assert data["school_groups"][0]["group_type"] == "close"
    assert {m["school_group"] for m in data["moves"]} == {"G1"}


def test_the_command_reports_a_group_short_in_the_terminal_workbook_and_json(tmp_path):
    """The analyst's command on the lone teaching point (``lone_point_tables``): a plan, and
    G1's shortfall said in each output; the groups sheet names what it counts."""
    tables = lone_point_tables()
    groups = tables.pop("集团")
    path = write_xlsx(tmp_path / "county.xlsx", tables)
    with open(tmp_path / "集团.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["集团编号", "学校标识码", "角色", "集团名称"])
        w.writeheader()
        w.writerows(groups)
    out = tmp_path / "plan"
    run = _cli("plan", "rotation", str(path), "--year", str(YEAR), "--scope", "group",
               "--groups", str(tmp_path / "集团.csv"), "-o", str(out), "--time-limit", "20")
    assert run.returncode == 0, run.stderr
    assert all(cell_len(line) <= 80 for line in run.stdout.splitlines())
    lines = run.stdout.splitlines()
    at = lines.index("集团「城关一小集团」（牵头学校 学校L）：应派出 2 名，只能派出 1 名，因为")
    assert lines[at + 1] == "  · 成员学校中能与牵头学校同学段对调的符合交流条件教师只有 1 名"
    assert "派出/应派出" in run.stdout and "1/2 ✗" in run.stdout
    data = json.loads((out / "rotation-plan.json").read_text(encoding="utf-8"))
    assert [(r["school_group"], r["required"], r["moved"], r["short"], r["because"])
            for r in data["group_shortfall"]] == [("G1", 2, 1, 1, "member_teachers")]
    from openpyxl import load_workbook

    head, *rows = load_workbook(out / "交流轮岗方案.xlsx")["集团"].iter_rows(values_only=True)
    assert head[:13] == ("县区", "集团编号", "集团名称", "类型", "类型允许交流", "交流形式",
                         "牵头学校", "成员学校数", "牵头学校应派出", "牵头学校已派出", "派出缺口",
                         "交流人数（派出＋换回）", "未达到比例的原因")
    by_id = {r[1]: r for r in rows if r[1] in ("G1", "G2")}
    # G2 has no name: its id is not repeated as one; G1 sent 1 of 2, moved 2 (1 out, 1 back)
    assert by_id["G2"][2] in ("", None) and by_id["G1"][2] == "城关一小集团"
    assert by_id["G1"][8:12] == (2, 1, 1, 2) and by_id["G2"][8:12] == (1, 1, None, 2)
    assert by_id["G1"][12] == "成员学校中能与牵头学校同学段对调的符合交流条件教师只有 1 名"
    english = _cli("plan", "rotation", str(path), "--year", str(YEAR), "--scope", "group",
                   "--groups", str(tmp_path / "集团.csv"), "--lang", "en", "--time-limit", "20")
    assert english.returncode == 0, english.stderr
    assert all(cell_len(line) <= 80 for line in english.stdout.splitlines())
    assert "城关一小集团 (led by 学校L): must send 2, can send 1, because" in english.stdout
    assert "  · the members have 1 eligible teacher of the leader's stages to exchange" \
        in english.stdout
    # "1 teachers per 100 pupils" is a unit; a count of one teacher is singular
    assert re.search(r"(?<![\d.])1 teachers(?! per)", english.stdout) is None
