"""What a bureau analyst found in the school-groups outputs (issue 17's review), each fixed.

The county is ``test_groups_plan``'s tiny one (820 pupils: L1 200, L2 200, L3 100 far north,
F1 100, F2 100, R1 100, T 20). Expected figures are worked out by hand here, or recounted with
the independent checker (``groups_checker``) — never read from the planner.
"""

from __future__ import annotations

import json
import math

import polars as pl
import pytest
from openpyxl import load_workbook
from rich.console import Console

from groups_checker import County
from junheng.plan import plan_groups
from junheng.report._groups import print_group_plan, solver_line
from junheng.web.groups import coverage_view
from test_groups_keep import kept_frame
from test_groups_plan import YEAR, _cli, pairs_of, tiny, written


def rows_of(ws) -> list[dict]:
    rows = list(ws.iter_rows())
    heads = [c.value for c in rows[0]]
    return [dict(zip(heads, r, strict=False)) for r in rows[1:]]


def terminal(plan, lang: str = "zh") -> str:
    console = Console(record=True, width=80, color_system=None)
    print_group_plan(plan, console, lang)
    return console.export_text()


# -- 1, 2: numbers as numbers; the pupils short, the same N everywhere ----------------------

def test_the_pupils_short_are_one_n_in_the_terminal_workbook_json_and_web(xlsx, tmp_path):
    """--coverage 0.99 within 30 km, one member a group: ⌈0.99 × 820⌉ = ⌈811.8⌉ = 812 pupils
    are needed. L3 is out of reach, F2 (nine-year) only L2 leads, L1 takes one 100-pupil
    primary school: 200 + 100 + 200 + 100 = 600 in groups, so 812 − 600 = 212 short."""
    assert math.ceil(0.99 * 820) == 812
    ds_file = written(xlsx)
    out = tmp_path / "g"
    r = _cli("plan", "groups", ds_file, "-o", str(out), "--max-members", "1", "--max-km", "30",
             "--coverage", "0.99")
    assert r.returncode == 0, r.stderr
    assert "覆盖目标 99.0%：未达到，还差 212 名学生" in r.stdout
    assert all(len(line) <= 80 for line in r.stdout.splitlines())
    data = json.loads((out / "groups-plan.json").read_text())
    assert "覆盖目标 99%：未达到，还差 212 名学生" in (out / "集团分布图.html").read_text()
    covered = County(tiny(xlsx)).coverage((g["leader_id"], g["member_id"])
                                          for g in data["groups"])
    assert covered["pupils_in_groups"] == 600  # recounted from the tables
    assert data["coverage"][0]["pupils_short"] == 212
    book = load_workbook(out / "集团化办学方案.xlsx")
    cov = rows_of(book["覆盖情况"])[0]
    assert cov["距目标还差学生"].value == 212
    share, target = cov["学生覆盖率"], cov["覆盖目标"]
    assert share.value == 600 / 820 and share.number_format == "0.0%"
    assert target.value == 0.99 and target.number_format == "0.0%"
    # the web page says the same N, from the same function
    lines = {zh: v for zh, _, v in coverage_view(data, 1e-9)[0]["lines"]}
    assert lines["覆盖目标"] == "99.0%：未达到，还差 212 名学生 not met: 212 pupils short"
    en = _cli("plan", "groups", ds_file, "--max-members", "1", "--max-km", "30",
              "--coverage", "0.99", "--lang", "en")
    assert "coverage target 99.0%: not met, 212 pupils short" in en.stdout
    # a reached target is 0 short; the counts of the solver sheet are whole numbers
    solver = rows_of(book["求解"])
    members = next(r for r in solver if r["目标"].value == "入集团的成员学校最多")
    assert members["值"].value == 2 and members["值"].number_format == "#,##0"
    coverage = next(r for r in solver if r["目标"].value.startswith("覆盖目标"))
    assert coverage["值"].value == 212  # the same N, not the solver's slack
    assert [lv["value"] for lv in data["solver"]["测试县"] if lv["objective"] == "coverage"] \
        == [212]


def test_a_reached_target_is_zero_short(xlsx):
    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, max_members=2, max_km=30,
                       coverage=0.8)
    # 720 of 820 in groups (test_groups_plan's by-hand count) ≥ ⌈0.8 × 820⌉ = 656
    assert plan.coverage["pupils_short"].to_list() == [0]
    assert plan.coverage["target_met"].to_list() == [True]


# -- 3: a kept group whose leader may no longer lead -----------------------------------------

def test_a_kept_leader_that_may_not_lead_is_flagged_counted_and_in_the_warnings_sheet(
        xlsx, tmp_path):
    """R1 is rural: it may not lead today. Its kept pair R1–F1 breaks no other rule (both
    primary, about 4.5 km apart, no max_km), so the leader is the only flag — and it counts."""
    from junheng.report import PLAN_REPORTS

    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10,
                       keep=kept_frame({"JT02": ("R1", ["F1"])}))
    row = plan.groups.filter(pl.col("member_id") == "F1").row(0, named=True)
    assert row["flags_zh"] == "牵头学校按现行规则不能牵头（不在可牵头的城乡分类中）"
    words = [zh for zh, _ in plan.warnings]
    assert "保留的集团中有 1 对学校不符合现行规则（见“集团方案”表的“提示”列）" in words
    PLAN_REPORTS["groups"][0](plan, tmp_path, "zh", False)
    book = load_workbook(tmp_path / "集团化办学方案.xlsx")
    notes = [r["提示"].value for r in rows_of(book["提示"])]
    assert notes == words and len(notes) >= 2
    plan_rows = rows_of(book["集团方案"])
    assert [r["提示（保留的集团不符合现行规则之处）"].value for r in plan_rows
            if r["成员学校"].value == "学校F1"] == [row["flags_zh"]]


# -- 6: --leaders on a school that fails or is rural -----------------------------------------

def test_a_marked_leader_that_fails_or_is_rural_is_warned_in_both_languages(xlsx):
    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, leader_schools=["F1", "R1"])
    en = [w for _, w in plan.warnings if "--leaders" in w]
    zh = [w for w, _ in plan.warnings if "--leaders" in w]
    assert en == ["学校F1 (F1), marked a leader with --leaders, fails the per-school rule and "
                  "is a rural school: it leads as marked; please check",
                  "学校R1 (R1), marked a leader with --leaders, is a rural school: it leads as "
                  "marked; please check"]
    assert zh[1] == "--leaders 指定的牵头学校 学校R1（R1）是乡村学校：仍按指定牵头，请确认"
    plain = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, leader_schools=["L1"])
    assert not [w for _, w in plain.warnings if "--leaders" in w]


# -- 8: the school roles sheet ---------------------------------------------------------------

def test_the_roles_sheet_names_ids_groups_and_a_leader_leading_nothing(xlsx, tmp_path):
    """Within 30 km L3 (111 km north) reaches nobody: it may lead but leads nothing."""
    from junheng.report import PLAN_REPORTS

    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, max_members=2, max_km=30)
    PLAN_REPORTS["groups"][0](plan, tmp_path, "zh", False)
    roles = {r["学校标识码"].value: r for r in rows_of(load_workbook(
        tmp_path / "集团化办学方案.xlsx")["学校角色"])}
    assert roles["L3"]["角色"].value == "可牵头（本方案未牵头）"
    assert roles["L3"]["集团编号"].value == "—"
    assert roles["L1"]["角色"].value == "牵头学校"
    group_of = {m: g for g, m in zip(plan.groups["group_id"], plan.groups["member_id"],
                                     strict=True)}
    for lead, m in pairs_of(plan):
        assert roles[m]["集团编号"].value == group_of[m] == roles[lead]["集团编号"].value


# -- 9: the solver's lines -------------------------------------------------------------------

def test_the_solver_lines_name_the_county_apart_and_the_gap_only_when_not_proven(xlsx):
    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, max_km=30, coverage=0.5)
    text = terminal(plan)
    assert "测试县 · 覆盖目标（未覆盖学生最少）：已证明最优" in text
    assert "测试县 · 入集团的成员学校最多：已证明最优" in text
    assert "差距" not in text
    assert solver_line("县", "members", "time_limit", 0.05, "zh") == \
        "县 · 入集团的成员学校最多：时限到，未证明最优，最优性差距 5.00%"


# -- 11, 12: an empty kept table; the legend only when a member was added ----------------

def test_keeping_an_empty_groups_table_says_every_group_is_drawn_anew(xlsx):
    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, keep=kept_frame({}))
    assert any("没有集团，全部重新组建" in zh and "every group is drawn anew" in en
               for zh, en in plan.warnings)


def test_the_plus_legend_only_when_a_kept_group_took_a_member(xlsx):
    ds = tiny(xlsx)
    # one member a group: the kept group L2 + F2 is full, nothing joins it
    full = plan_groups(ds, year=YEAR, time_limit=10, max_members=1,
                       keep=kept_frame({"JT01": ("L2", ["F2"])}))
    assert "新加入已有集团" not in terminal(full)
    # two a group within 30 km: L2 takes one more (F1, R1 or T — L1 can take only two)
    grown = plan_groups(ds, year=YEAR, time_limit=10, max_members=2, max_km=30,
                        keep=kept_frame({"JT01": ("L2", ["F2"])}))
    assert grown.groups.filter(pl.col("leader_id") == "L2").height == 2
    assert "＋ 新加入已有集团的成员学校" in terminal(grown)


# -- 4: a school without coordinates costs the farthest allowed pair, not nothing ------------

def test_a_school_without_coordinates_is_not_preferred_for_its_missing_distance(xlsx):
    """L leads A (about 5 km), B (no coordinates) and C (about 40 km), two a group. A and B
    are alike; C needs more than either (two qualified teachers, not three). Were B's distance
    free, B + A would win (C's extra need is worth less than its 40 km); priced as the farthest
    allowed pair (L–C), B costs what C costs and C, needing more, goes with A."""
    import junheng
    from conftest import passing_teachers, school_row, stage_row, teachers

    schools = [school_row("L", location="urban", latitude=29.5, longitude=106.5),
               school_row("A", location="rural", latitude=29.545, longitude=106.5),
               school_row("B", location="rural"),
               school_row("C", location="rural", latitude=29.86, longitude=106.5)]
    stages = [stage_row(s, "primary", 100) for s in "LABC"]
    roster = (passing_teachers("L", "primary", 100)
              + teachers("A", "primary", 3, education="bachelor")
              + teachers("B", "primary", 3, education="bachelor")
              + teachers("C", "primary", 2, education="bachelor"))
    ds = junheng.load(xlsx(schools=schools, stages=stages, teachers=roster))
    county = County(ds)
    far = county.km("L", "C")
    assert 39 < far < 41 and county.benefit("L", "A") == county.benefit("L", "B")
    extra = county.benefit("L", "C") - county.benefit("L", "A")
    assert 0 < extra < 0.01 * far  # C's need does not pay for its distance, at no cost for B
    plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=2)
    assert sorted(pairs_of(plan)) == [("L", "A"), ("L", "C")]
    net = {m: n for m, n in zip(plan.groups["member_id"], plan.groups["benefit"], strict=True)}
    assert net["C"] == county.benefit("L", "C")
    assert any("学校B" in zh and f"{far:.1f} km" in zh for zh, _ in plan.warnings)


# -- 5: teaching points go with their central school ---------------------------------------

def test_a_teaching_point_goes_with_its_central_school(xlsx):
    """In the tiny county T is F1's teaching point. Two a group within 30 km: wherever F1 is,
    T is in the same group (the brute force of test_groups_plan holds the rest)."""
    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, max_members=3, max_km=30)
    leader_of = {m: lead for lead, m in pairs_of(plan)}
    assert "F1" in leader_of and leader_of["T"] == leader_of["F1"]


def test_a_teaching_point_whose_central_school_is_in_no_group_joins_on_its_own(xlsx):
    """F1 may join neither L1 nor L2 (must-not pairs; L3 is beyond 30 km): T is free."""
    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, max_members=3, max_km=30,
                       must_not_pair=["L1:F1", "L2:F1"])
    leader_of = {m: lead for lead, m in pairs_of(plan)}
    assert "F1" not in leader_of and "T" in leader_of
    assert not [w for w, _ in plan.warnings if "教学点" in w]


def test_a_teaching_point_that_cannot_follow_is_said_and_left_to_the_model(xlsx):
    """T may join neither of F1's leaders within 30 km (must-not pairs L1:T, L2:T): the plan
    says so, and F1 still finds a group."""
    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, max_members=3, max_km=30,
                       must_not_pair=["L1:T", "L2:T"])
    leader_of = {m: lead for lead, m in pairs_of(plan)}
    assert "F1" in leader_of and "T" not in leader_of
    assert any("教学点 学校T（T）无法随所属中心校 学校F1" in zh and "cannot go with" in en
               for zh, en in plan.warnings)


def test_a_central_school_that_leads_takes_its_teaching_point_brute_force(xlsx):
    """C (urban, meets the rule) leads and is the central school of P (rural teaching point);
    L leads too; M needs a leader. Brute force over every assignment, keeping P with C."""
    import itertools

    import junheng
    from conftest import passing_teachers, school_row, stage_row, teachers
    from groups_checker import violations

    schools = [school_row("L", location="urban", latitude=29.5, longitude=106.5),
               school_row("C", location="urban", latitude=29.52, longitude=106.52),
               school_row("P", "teaching_point", location="rural", parent_school_id="C",
                          latitude=29.51, longitude=106.505),
               school_row("M", location="rural", latitude=29.505, longitude=106.51)]
    stages = [stage_row("L", "primary", 200), stage_row("C", "primary", 150),
              stage_row("P", "primary", 20), stage_row("M", "primary", 80)]
    roster = (passing_teachers("L", "primary", 200) + passing_teachers("C", "primary", 150)
              + teachers("P", "primary", 1, education="bachelor")
              + teachers("M", "primary", 2, education="bachelor"))
    ds = junheng.load(xlsx(schools=schools, stages=stages, teachers=roster))
    county = County(ds)
    assert county.roles() == {"L": "leader", "C": "leader", "P": "member", "M": "member"}
    for cap in (1, 2):
        plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=cap)
        pairs = pairs_of(plan)
        assert ("C", "P") in pairs
        assert violations(county, pairs, max_members=cap) == []
        allowed = county.allowed(county.roles())
        best = None
        for choice in itertools.product(*[[None, "L", "C"]] * 2):
            cand = [(lead, m) for lead, m in zip(choice, ("M", "P"), strict=True) if lead]
            if any(sum(1 for a, _ in cand if a == lead) > cap for lead in "LC"):
                continue
            if county.strays(cand, *county.teaching_points(county.roles(), allowed, cap)):
                continue
            key = (-len(cand), -sum(county.net(*p) for p in cand))
            best = key if best is None or key < best else best
        assert best[0] == -len(pairs)
        assert sum(county.net(*p) for p in pairs) == pytest.approx(-best[1], abs=1e-9)


# -- 7: one name for a group everywhere ------------------------------------------------------

def test_the_map_and_the_web_name_groups_by_their_ids_kept_ones_too(xlsx):
    from junheng.report._groups_map import groups_map_html
    from junheng.web.groups import groups_view

    ds = tiny(xlsx)
    plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=2, max_km=30,
                       keep=kept_frame({"JT02": ("L2", ["F2"])}))
    ids = set(plan.groups["group_id"])
    assert "JT02" in ids and len(ids) == plan.groups["leader_id"].n_unique()
    page = groups_map_html(plan, ds.schools)
    for gid in ids:
        assert f'"{gid}"' in page  # the leader's label on the map
        assert f"集团 {gid}" in page  # the hover
    view = groups_view(json.loads(json.dumps(
        {"groups": plan.groups.to_dicts()}, default=str)))
    assert {g["id"] for g in view} == ids
    kept = next(g for g in view if g["id"] == "JT02")
    assert kept["status"] == ("已有", "kept")
    assert [m["added"] for m in kept["members"] if m["id"] == "F2"] == [False]


# -- 10: a choice by its Chinese word --------------------------------------------------------

def test_choices_are_taken_by_their_chinese_words(xlsx, tmp_path):
    from junheng.standards.plan_rules import GroupRules, RotationRules

    assert GroupRules().replace(group_type="紧密型").group_type == "close"
    assert RotationRules().replace(scope="全县").scope == "county"
    out = tmp_path / "g"
    r = _cli("plan", "groups", written(xlsx), "-o", str(out), "--type", "紧密型")
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads((out / "groups-plan.json").read_text())
    assert data["rules"]["group_type"] == "close"
    assert {g["group_type"] for g in data["groups"]} == {"close"}
