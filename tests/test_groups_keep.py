"""Extending today's groups (``plan groups --keep``), the towns reached, and the plan's own
集团 sheet read back.

The county is ``test_groups_plan``'s tiny one; expected plans come from the independent checker
(``groups_checker.kept_violations``) and from brute force over every assignment the kept
groups leave open, written here — never from the planner's model.
"""

from __future__ import annotations

import itertools
import json
import re

import polars as pl
import pytest
from openpyxl import load_workbook

from groups_checker import County, kept_violations
from junheng.errors import InfeasiblePlan
from junheng.io import read_groups
from junheng.plan import plan_groups
from junheng.report._groups import _coverage_line
from test_groups_plan import YEAR, _cli, assert_same, pairs_of, tiny

TOWNS = {"L1": "城关街道", "R1": "城关街道", "L2": "石坝镇", "F1": "石坝镇", "T": "石坝镇",
         "F2": "青龙乡", "L3": "白马镇"}


def kept_frame(groups: dict[str, tuple[str, list[str]]], kind: str | None = None
               ) -> pl.DataFrame:
    """``Dataset.groups``' form: {group id: (leader, members)}."""
    rows = [(gid, s, role, kind, None) for gid, (lead, members) in groups.items()
            for s, role in [(lead, "leader"), *((m, "member") for m in members)]]
    return pl.DataFrame(rows, schema={c: pl.String for c in (
        "group_id", "school_id", "role", "group_type", "group_name")}, orient="row")


def brute_force_kept(county: County, allowed: list[tuple[str, str]],
                     kept: dict[str, list[str]], max_members: int,
                     coverage: float | None = None) -> tuple:
    """The lexicographic best (pupils short, −member pairs, −Σ net) over every assignment of
    each school outside the kept groups to an allowed leader or none; a kept leader takes at
    most max_members − its kept members, and only while it may still lead."""
    roles = county.roles()
    in_kept = {s for lead, ms in kept.items() for s in (lead, *ms)}
    room = {lead: (max(0, max_members - len(ms)) if roles[lead] == "leader" else 0)
            for lead, ms in kept.items()}
    fixed = [(lead, m) for lead, ms in kept.items() for m in ms]
    open_pairs = [(lead, m) for lead, m in allowed if m not in in_kept
                  and (lead not in in_kept or room.get(lead, 0) > 0)]
    rule = county.teaching_points(roles, open_pairs, max_members, kept)
    members = sorted({m for _, m in open_pairs})
    options = [[None] + [lead for lead, mm in open_pairs if mm == m] for m in members]
    best = None
    for choice in itertools.product(*options):
        new = [(lead, m) for lead, m in zip(choice, members, strict=True) if lead]
        counts = {lead: sum(1 for p in new if p[0] == lead) for lead, _ in new}
        if any(n > room.get(lead, max_members) for lead, n in counts.items()):
            continue
        everything = fixed + new
        if county.strays(everything, *rule):
            continue  # a teaching point away from its central school (the checker's [j])
        c = county.coverage(everything)
        pupils_in = c["pupils_in_groups"] + sum(  # a kept leader without members counts too
            county.pupils[lead] for lead, ms in kept.items() if not ms)
        short = 0.0 if coverage is None else max(0.0, coverage * c["pupils"] - pupils_in)
        key = (round(short, 6), -len(everything), -sum(county.net(*p) for p in everything))
        if best is None or key[:2] < best[:2] or (key[:2] == best[:2] and key[2] < best[2]):
            best = key
    return best


def plan_key(county: County, plan, coverage: float | None = None) -> tuple:
    pairs = pairs_of(plan)
    pupils_in = plan.coverage["pupils_in_groups"][0]
    short = 0.0 if coverage is None else max(0.0, coverage * sum(county.pupils.values())
                                             - pupils_in)
    return (round(short, 6), -len(pairs), -sum(county.net(*p) for p in pairs))


# -- kept groups: present, extended within the rules, and still optimal ---------------------

@pytest.mark.parametrize("max_members,coverage", [(2, None), (1, None), (3, None), (2, 0.95)])
def test_kept_groups_are_kept_and_the_rest_equals_brute_force(xlsx, max_members, coverage):
    ds = tiny(xlsx)
    county = County(ds)
    kept = {"L1": ["F1"]}
    plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=max_members, max_km=30,
                       coverage=coverage, keep=kept_frame({"G7": ("L1", ["F1"])}, "close"))
    pairs = pairs_of(plan)
    assert kept_violations(county, pairs, kept, max_members=max_members, max_km=30) == []
    best = brute_force_kept(county, county.allowed(county.roles(), 30), kept, max_members,
                            coverage)
    assert_same(plan_key(county, plan, coverage), best)
    assert plan.proven
    # the kept group keeps its id and type; what was added says so
    rows = plan.groups.filter(pl.col("leader_id") == "L1")
    assert set(rows["group_id"]) == {"G7"} and set(rows["group_type"]) == {"close"}
    status = dict(zip(rows["member_id"], rows["status"], strict=True))
    assert status["F1"] == "kept" and all(v == "new" for m, v in status.items() if m != "F1")
    assert set(rows["group_status"]) == {"kept"}
    # the coverage counts kept and new groups: (kept, new) by hand from the pairs
    row = plan.coverage.row(0, named=True)
    leaders = {lead for lead, _ in pairs}
    assert (row["groups"], row["groups_kept"], row["groups_new"]) == (
        len(leaders), 1, len(leaders - {"L1"}))


def test_a_kept_group_larger_than_max_members_stays_as_it_is(xlsx):
    ds = tiny(xlsx)
    county = County(ds)
    kept = {"L2": ["F1", "R1", "T"]}
    plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=2, max_km=30,
                       keep=kept_frame({"G1": ("L2", kept["L2"])}))
    assert kept_violations(county, pairs_of(plan), kept, max_members=2, max_km=30) == []
    assert sorted(m for lead, m in pairs_of(plan) if lead == "L2") == ["F1", "R1", "T"]
    # F2 (nine-year) has no other leader within reach, and L2's kept group is full
    assert plan.unmatched["school_id"].to_list() == ["F2"]
    assert plan.unmatched["why_en"].to_list() == ["every leader within reach is full "
                                                  "(max_members)"]
    assert any("kept group G1 has 3 member schools, more than the 2" in en
               for _, en in plan.warnings)
    # the kept group's type, left empty in the table, is the profile's default (领办型)
    assert set(plan.groups["group_type"]) == {"led"}


def test_kept_pairs_breaking_todays_rules_are_flagged_not_dropped(xlsx):
    ds = tiny(xlsx)
    plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=2, max_km=30,
                       must_not_pair=["T:R1"],
                       keep=kept_frame({"far": ("L3", ["F1"]), "stage": ("L1", ["F2"]),
                                        "weak": ("R1", ["T"])}))
    flags = dict(zip(plan.groups["member_id"], plan.groups["flags_en"], strict=True))
    km = County(ds).km("L3", "F1")
    assert km > 100
    assert flags["F1"] == f"{km:.1f} km away, beyond the 30 km limit"
    assert flags["F2"] == "the leader does not teach every stage this school teaches"
    # R1 is rural: the rules let it lead no more, and its group's row says so too
    assert flags["T"] == ("listed as a must-not pair; the leader may not lead under today's "
                          "rules (its location is not one that leads)")
    words = [en for _, en in plan.warnings]
    assert "3 kept pair(s) break today's rules (see the Notes column of the Group plan sheet)" \
        in words
    # R1 (rural) may not lead under the rules: its group is kept, and takes nobody
    assert any("its leader 学校R1 may not lead under today's rules" in w for w in words)
    assert [m for lead, m in pairs_of(plan) if lead == "R1"] == ["T"]
    # every kept pair is in the plan; the flagged ones in the Chinese words too
    assert {("L3", "F1"), ("L1", "F2"), ("R1", "T")} <= set(pairs_of(plan))
    zh = dict(zip(plan.groups["member_id"], plan.groups["flags_zh"], strict=True))
    assert zh["F2"] == "牵头学校没有本校的全部学段"


def test_a_school_of_a_kept_group_is_nowhere_else(xlsx):
    ds = tiny(xlsx)
    with pytest.raises(InfeasiblePlan) as e:
        plan_groups(ds, year=YEAR, time_limit=10, must_pair=["L2:F1"],
                    keep=kept_frame({"G1": ("L1", ["F1"])}))
    assert "学校F1 (F1) is in the kept group G1" in e.value.messages[0][1]
    # a must-pair that is a kept pair is simply made
    plan = plan_groups(ds, year=YEAR, time_limit=10, must_pair=["L1:F1"],
                       keep=kept_frame({"G1": ("L1", ["F1"])}))
    assert ("L1", "F1") in pairs_of(plan)


# -- towns reached, the coverage line --------------------------------------------------------

def test_towns_reached_by_hand(xlsx):
    """max_members 2 within 30 km: every school but L3 is in a group (test_groups_plan), so
    three of the four townships are reached; without the column, none is counted."""
    def with_towns(**tables):
        for s in tables["schools"]:
            s["乡镇（街道）"] = TOWNS[s["school_id"]]
        return xlsx(**tables)

    plan = plan_groups(tiny(with_towns), year=YEAR, time_limit=10, max_members=2, max_km=30)
    inside = {s for p in pairs_of(plan) for s in p}
    assert inside == set(TOWNS) - {"L3"}
    row = plan.coverage.row(0, named=True)
    assert (row["towns_in_groups"], row["towns"]) == (3, 4)
    plain = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, max_members=2, max_km=30)
    assert plain.coverage.select("towns_in_groups", "towns").row(0) == (None, None)


def test_the_coverage_line_groups_thousands():
    row = {"county": "示例县", "groups": 1234, "groups_kept": 3, "groups_new": 1231,
           "schools_in_groups": 1500, "schools": 2000, "pupils_in_groups": 1234567,
           "pupils": 2345678, "pupils_share": 1234567 / 2345678, "rural_in_groups": 1000,
           "rural": 1200, "failing_in_groups": 10, "failing": 12, "towns_in_groups": 7,
           "towns": 9}
    zh = _coverage_line(row, True)
    assert "1,234 个集团（已有 3，新增 1,231）" in zh and "学生 1,234,567 / 2,345,678 人（52.6%）" in zh
    assert "乡镇（街道）7 / 9 个" in zh
    en = _coverage_line(row, False)
    assert "1,234 groups (3 kept, 1,231 new)" in en and "pupils 1,234,567 of 2,345,678" in en


# -- the command: the plan's 集团 sheet read back with --keep ---------------------------------

def workbook_with_groups(xlsx, groups: list[dict] | None = None) -> str:
    """The tiny county written by hand, with a 集团 sheet when ``groups`` is given."""
    paths = []

    def make(**tables):
        for s in tables["schools"]:
            s["乡镇（街道）"] = TOWNS[s["school_id"]]
        if groups is not None:
            tables["集团"] = groups
        paths.append(xlsx(**tables))
        return paths[-1]

    tiny(make)
    return str(paths[0])


def test_the_plans_groups_sheet_is_kept_by_the_next_run(xlsx, tmp_path):
    county = workbook_with_groups(xlsx)
    out = tmp_path / "first"
    r = _cli("plan", "groups", county, "-o", str(out), "--max-members", "2", "--max-km", "30",
             "--type", "close")
    assert r.returncode == 0, r.stderr
    plan_book = out / "集团化办学方案.xlsx"
    book = load_workbook(plan_book)
    sheet = book["集团"]
    assert [c.value for c in sheet[1]] == ["集团编号", "学校标识码", "角色", "集团类型", "集团名称"]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=3)]
    data = json.loads((out / "groups-plan.json").read_text())
    pairs = {(g["leader_id"], g["member_id"]) for g in data["groups"]}
    # the sheet holds exactly the plan's groups: each leader once, then its members
    by_group: dict[str, list] = {}
    for gid, school, role, kind, _ in rows:
        by_group.setdefault(gid, []).append((school, role))
        assert kind == "紧密型"
    sheet_pairs = {(next(s for s, r in members if r == "牵头学校"), s)
                   for members in by_group.values() for s, r in members if r == "成员学校"}
    assert sheet_pairs == pairs and len(by_group) == data["coverage"][0]["groups"]
    assert data["towns_reached"] == 3 and data["towns_note"] is None
    assert data["group_types"]["close"]["shares"] == ["management", "teachers", "curriculum",
                                                      "research"]
    assert read_groups(plan_book)["group_type"].unique().to_list() == ["close"]
    # the next run keeps every group: nothing new to add under the same rules
    out2 = tmp_path / "second"
    r = _cli("plan", "groups", county, "-o", str(out2), "--max-members", "2", "--max-km",
             "30", "--keep", str(plan_book))
    assert r.returncode == 0, r.stderr
    assert all(len(line) <= 80 for line in r.stdout.splitlines())
    again = json.loads((out2 / "groups-plan.json").read_text())
    assert {(g["leader_id"], g["member_id"]) for g in again["groups"]} == pairs
    assert {g["status"] for g in again["groups"]} == {"kept"}
    assert again["coverage"][0]["groups_kept"] == len(by_group)
    assert again["coverage"][0]["groups_new"] == 0
    assert "已有" in r.stdout
    out3 = tmp_path / "english"
    r = _cli("plan", "groups", county, "--keep", str(plan_book), "--lang", "en", "-o",
             str(out3))
    assert r.returncode == 0 and "kept" in r.stdout and "已有" not in r.stdout
    english = read_groups(out3 / "school-groups-plan.xlsx")  # codes, not labels: read alike
    assert english.drop("group_name").equals(read_groups(plan_book).drop("group_name"))


def test_the_county_workbooks_own_groups_warn_unless_kept(xlsx, tmp_path):
    groups = [{"集团编号": "甲", "学校标识码": "L1", "角色": "牵头学校", "集团类型": "联盟型"},
              {"集团编号": "甲", "学校标识码": "F1", "角色": "成员学校"}]
    county = workbook_with_groups(xlsx, groups)
    r = _cli("plan", "groups", county, "--max-members", "2")
    assert r.returncode == 0, r.stderr
    text = "".join(r.stdout.split())  # a long path folds onto the next line
    assert "数据中已有1个集团" in text and f"--keep{county}" in text
    r = _cli("plan", "groups", county, "--max-members", "2", "--keep", county)
    assert r.returncode == 0, r.stderr
    assert "数据中已有" not in r.stdout and "联盟型" in r.stdout


def test_a_bad_keep_file_exits_2_located_and_writes_nothing(xlsx, tmp_path):
    county = workbook_with_groups(xlsx)
    bad = tmp_path / "groups.csv"
    bad.write_text("集团编号,学校标识码,角色\nG1,L1,牵头学校\nG1,NOPE,成员学校\n", encoding="utf-8")
    out = tmp_path / "out"
    r = _cli("plan", "groups", county, "-o", str(out), "--keep", str(bad))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert re.search(r"groups\.csv\s*│\s*3\s*│\s*学校标识码 school_id\s*│\s*NOPE", r.stderr), \
        r.stderr  # table, row, column, value
    assert "Traceback" not in r.stderr
    assert not out.exists()
