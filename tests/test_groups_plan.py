"""The school-group planner (集团化办学, issue 17) on hand-made counties.

Every expected value comes from the independent checker (``groups_checker.py``: indicators,
roles, distances and benefits recomputed from the tables) and from plans the test enumerates
itself — brute force over every assignment, and a min-cost flow written here — never from the
planner's model.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, teachers
from groups_checker import County, violations
from junheng.errors import InfeasiblePlan, InputError
from junheng.plan import PLANNERS, plan_groups
from junheng.plan._milp import solve_lexicographic
from junheng.plan.groups import GroupModel, group_problem

YEAR = 2026
FAR = 30.5  # a leader about 111 km north of the others


def _failing(school_id: str, stage: str, students: int, qualified: int) -> list[dict]:
    """Qualified teachers only: no backbone and no PE/art teacher, so the rule fails."""
    return teachers(school_id, stage, qualified, education="bachelor")


def tiny(xlsx, coordinates: bool = True, parent: bool = True):
    """Three leaders — L1 (urban primary, 200 pupils), L2 (town nine-year, 100 + 100), L3
    (urban primary, far north) — and four members: F1 (rural primary failing, central school of
    T), F2 (rural nine-year failing both stages), R1 (rural primary meeting the rule), T (a
    teaching point of F1, no backbone teacher; ``parent=False``: T names no central school)."""
    def at(lat: float, lon: float) -> dict:
        return {"latitude": lat, "longitude": lon} if coordinates else {}

    schools = [school_row("L1", location="urban", **at(29.50, 106.50)),
               school_row("L2", "nine_year", location="town", **at(29.55, 106.55)),
               school_row("L3", location="urban", **at(FAR, 106.50)),
               school_row("F1", location="rural", **at(29.52, 106.52)),
               school_row("F2", "nine_year", location="rural", **at(29.58, 106.56)),
               school_row("R1", location="rural", **at(29.48, 106.47)),
               school_row("T", "teaching_point", location="rural", parent_school_id="F1" if parent else None,
                          **at(29.53, 106.53))]
    stages = [stage_row("L1", "primary", 200), stage_row("L2", "primary", 100),
              stage_row("L2", "junior", 100), stage_row("L3", "primary", 100),
              stage_row("F1", "primary", 100), stage_row("F2", "primary", 50),
              stage_row("F2", "junior", 50), stage_row("R1", "primary", 100),
              stage_row("T", "primary", 20)]
    roster = (passing_teachers("L1", "primary", 200) + passing_teachers("L2", "primary", 100)
              + passing_teachers("L2", "junior", 100) + passing_teachers("L3", "primary", 100)
              + passing_teachers("L3", "primary", 100)  # twice the teachers: the strongest
              + _failing("F1", "primary", 100, 5) + _failing("F2", "primary", 50, 3)
              + _failing("F2", "junior", 50, 3) + passing_teachers("R1", "primary", 100)
              + teachers("T", "primary", 1, education="bachelor", subject="pe"))
    return junheng.load(xlsx(schools=schools, stages=stages, teachers=roster))


def brute_force(county: County, allowed: list[tuple[str, str]], max_members: int,
                coverage: float | None = None, must_pair=()) -> tuple:
    """The lexicographic best over every assignment of each member to an allowed leader or
    none that keeps each teaching point with its central school (the checker's ``[j]``):
    (pupils short of the target, −members, −Σ net)."""
    rule = county.teaching_points(county.roles(), allowed, max_members)
    members = sorted({m for _, m in allowed})
    options = [[None] + [lead for lead, mm in allowed if mm == m] for m in members]
    best = None
    for choice in itertools.product(*options):
        pairs = [(lead, m) for lead, m in zip(choice, members, strict=True) if lead]
        if max(list(itertools.chain([0], (sum(1 for p in pairs if p[0] == lead)
                                          for lead, _ in pairs)))) > max_members:
            continue
        if any(p not in pairs for p in must_pair) or county.strays(pairs, *rule):
            continue
        c = county.coverage(pairs)
        short = 0.0 if coverage is None else max(0.0, coverage * c["pupils"]
                                                 - c["pupils_in_groups"])
        key = (round(short, 6), -len(pairs), -sum(county.net(*p) for p in pairs))
        if best is None or key[:2] < best[:2] or (key[:2] == best[:2] and key[2] < best[2]):
            best = key
    return best


def pairs_of(plan) -> list[tuple[str, str]]:
    return list(zip(plan.groups["leader_id"], plan.groups["member_id"], strict=True))


def plan_key(county: County, plan, coverage: float | None = None) -> tuple:
    pairs = pairs_of(plan)
    c = county.coverage(pairs)
    short = 0.0 if coverage is None else max(0.0, coverage * c["pupils"] - c["pupils_in_groups"])
    return (round(short, 6), -len(pairs), -sum(county.net(*p) for p in pairs))


def assert_same(a: tuple, b: tuple) -> None:
    assert a[:2] == b[:2], (a, b)
    assert a[2] == pytest.approx(b[2], abs=1e-6), (a, b)


# -- the roles, as the checker reads the tables -------------------------------------------------

def test_the_roles_of_the_tiny_county_are_the_checkers(xlsx):
    ds = tiny(xlsx)
    county = County(ds)
    roles = county.roles()
    assert roles == {"L1": "leader", "L2": "leader", "L3": "leader", "F1": "member",
                     "F2": "member", "R1": "member", "T": "member"}
    plan = plan_groups(ds, year=YEAR, time_limit=10)
    assert dict(zip(plan.roles["school_id"], plan.roles["role"], strict=True)) == roles
    assert county.benefit("L1", "R1") == 0  # R1 meets every indicator: a member by location


@pytest.mark.parametrize("max_members,max_km", [(2, 30.0), (1, 30.0), (2, None), (5, None)])
def test_the_optimum_equals_brute_force(xlsx, max_members, max_km):
    ds = tiny(xlsx)
    county = County(ds)
    plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=max_members, max_km=max_km)
    assert violations(county, pairs_of(plan), max_members=max_members, max_km=max_km) == []
    best = brute_force(county, county.allowed(county.roles(), max_km), max_members)
    assert_same(plan_key(county, plan), best)
    assert plan.proven


def test_a_coverage_target_equals_brute_force_and_says_when_it_is_not_met(xlsx):
    ds = tiny(xlsx)
    county = County(ds)
    total = sum(county.pupils.values())  # 820 pupils
    assert total == 820
    for target, met in ((0.5, True), (0.99, False)):
        plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=1, max_km=30,
                           coverage=target)
        best = brute_force(county, county.allowed(county.roles(), 30), 1, coverage=target)
        assert_same(plan_key(county, plan, target), best)
        assert plan.coverage["target_met"].to_list() == [met]


def test_the_coverage_statistics_by_hand(xlsx):
    """max_members 2, within 30 km: L3 is out of reach, F2 (nine-year) only L2 can lead, so all
    four members fit only as L1 + two of {F1, R1, T} and L2 + F2 + one."""
    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, max_members=2, max_km=30)
    row = plan.coverage.row(0, named=True)
    # schools: L1, L2 and the four members; pupils 200 + 200 + 100 + 100 + 100 + 20
    assert (row["groups"], row["schools_in_groups"], row["schools"]) == (2, 6, 7)
    assert (row["pupils_in_groups"], row["pupils"]) == (720, 820)
    assert row["pupils_share"] == pytest.approx(720 / 820)
    assert (row["rural_in_groups"], row["rural"]) == (4, 4)
    assert (row["failing_in_groups"], row["failing"]) == (3, 3)  # F1, F2, T
    assert (row["urban_in_groups"], row["town_in_groups"], row["members_unmatched"]) == (1, 1, 0)
    assert ("L2", "F2") in pairs_of(plan)


def test_a_must_not_pair_is_honoured_and_the_rest_is_still_optimal(xlsx):
    ds = tiny(xlsx)
    county = County(ds)
    free = plan_groups(ds, year=YEAR, time_limit=10, max_members=2, max_km=30)
    banned = next(p for p in pairs_of(free) if p[1] != "F2")
    plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=2, max_km=30,
                       must_not_pair=[f"{banned[1]}:{banned[0]}"])  # either order
    assert banned not in pairs_of(plan)
    assert violations(county, pairs_of(plan), max_members=2, max_km=30,
                      must_not=[banned]) == []
    best = brute_force(county, county.allowed(county.roles(), 30, [banned]), 2)
    assert_same(plan_key(county, plan), best)


def test_a_must_pair_is_made_and_impossible_ones_are_named(xlsx):
    ds = tiny(xlsx)
    county = County(ds)
    plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=2, must_pair=["L3:R1"])
    assert ("L3", "R1") in pairs_of(plan)
    best = brute_force(county, county.allowed(county.roles()), 2, must_pair=[("L3", "R1")])
    assert_same(plan_key(county, plan), best)
    with pytest.raises(InfeasiblePlan) as e:  # one member, two leaders
        plan_groups(ds, year=YEAR, time_limit=10, must_pair=["L1:R1", "L3:R1"])
    assert "the must-pairs (L1:R1 or L3:R1); a school in one group only (R1)" in \
        e.value.messages[0][1]
    with pytest.raises(InfeasiblePlan) as e:  # a primary leader for a nine-year member
        plan_groups(ds, year=YEAR, time_limit=10, must_pair=["L1:F2"])
    assert "every stage" in e.value.messages[0][1]


# -- the plain case: an integral LP, and a min-cost flow --------------------------------------

def min_cost_flow(county: County, allowed: list[tuple[str, str]], capacity: int) -> tuple:
    """Successive shortest paths (Bellman–Ford) on source → member → leader → sink, each pair
    costing −(BIG + net): the most members first, then the most net benefit."""
    big = 1000.0
    members = sorted({m for _, m in allowed})
    leaders = sorted({lead for lead, _ in allowed})
    nodes = ["s", *members, *leaders, "t"]
    index = {n: i for i, n in enumerate(nodes)}
    edges: list[list] = []  # [to, cap, cost, reverse index]
    graph: list[list[int]] = [[] for _ in nodes]

    def add(a: str, b: str, cap: int, cost: float) -> None:
        u, v = index[a], index[b]
        graph[u].append(len(edges))
        edges.append([v, cap, cost, len(edges) + 1])
        graph[v].append(len(edges))
        edges.append([u, 0, -cost, len(edges) - 1])

    for m in members:
        add("s", m, 1, 0.0)
    for lead, m in allowed:
        add(m, lead, 1, -(big + county.net(lead, m)))
    for lead in leaders:
        add(lead, "t", capacity, 0.0)
    total, flow = 0.0, 0
    while True:
        dist = [np.inf] * len(nodes)
        via: list[int | None] = [None] * len(nodes)
        dist[index["s"]] = 0.0
        for _ in nodes:
            for u in range(len(nodes)):
                if dist[u] == np.inf:
                    continue
                for e in graph[u]:
                    v, cap, cost, _ = edges[e]
                    if cap > 0 and dist[u] + cost < dist[v] - 1e-12:
                        dist[v], via[v] = dist[u] + cost, e
        if dist[index["t"]] == np.inf or dist[index["t"]] >= 0:
            break
        v = index["t"]
        while v != index["s"]:
            e = via[v]
            edges[e][1] -= 1
            edges[edges[e][3]][1] += 1
            v = edges[edges[e][3]][0]
        total += dist[index["t"]]
        flow += 1
    return (0.0, -flow, total + big * flow)


def test_min_cost_flow_and_the_lp_relaxation_agree_with_the_milp(xlsx):
    ds = tiny(xlsx, parent=False)  # no teaching point to follow: a plain b-matching
    county = County(ds)
    for capacity in (1, 2, 3):
        plan = plan_groups(ds, year=YEAR, time_limit=10, max_members=capacity)
        allowed = county.allowed(county.roles())
        assert_same(plan_key(county, plan), min_cost_flow(county, allowed, capacity))
        # the same model with every column continuous: its optimum is integral
        *_, inputs, _ = group_problem(ds, year=YEAR, max_members=capacity)
        model = GroupModel(inputs["测试县"])
        model.milp.integer = [False] * model.milp.n_vars
        solve = solve_lexicographic(model.milp, model.objectives, 10)
        x = np.array([solve.solution[c] for c in model.x])
        assert np.allclose(x, np.round(x), atol=1e-7)
        assert -solve.levels[0].value == len(plan.groups)


# -- what the user sees ------------------------------------------------------------------------

def test_max_km_without_coordinates_is_a_located_error_and_none_a_warning(xlsx):
    ds = tiny(xlsx, coordinates=False)
    with pytest.raises(InputError) as e:
        plan_groups(ds, year=YEAR, time_limit=10, max_km=30)
    assert {p.value for p in e.value.problems} == {"L1", "L2", "L3", "F1", "F2", "R1", "T"}
    plan = plan_groups(ds, year=YEAR, time_limit=10)
    assert "no school has coordinates" in plan.warnings[0][1]
    assert plan.groups["km"].null_count() == plan.groups.height > 0


def test_each_member_says_what_it_lacks_and_the_leader_has(xlsx):
    plan = plan_groups(tiny(xlsx), year=YEAR, time_limit=10, max_members=2, max_km=30)
    f1 = plan.groups.filter(plan.groups["member_id"] == "F1").row(0, named=True)
    assert "骨干教师：本校为标准的 0%" in f1["lacks_zh"] and "体育艺术教师" in f1["lacks_zh"]
    assert "backbone teachers: 0% of the standard here" in f1["lacks_en"]


def _cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80", "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def written(xlsx) -> str:
    """The tiny county's workbook, written by hand (never through our own writer)."""
    paths = []
    tiny(lambda **tables: paths.append(xlsx(**tables)) or paths[-1])
    return str(paths[0])


def test_the_command_writes_the_workbook_and_json_in_80_columns(xlsx, tmp_path):
    assert "groups" in PLANNERS
    ds_file = written(xlsx)
    out = tmp_path / "groups"
    r = _cli("plan", "groups", ds_file, "-o", str(out), "--max-members", "2",
             "--max-km", "30", "--coverage", "0.8")
    assert r.returncode == 0, r.stderr
    assert all(len(line) <= 80 for line in r.stdout.splitlines())
    assert "2 个集团" in r.stdout and "覆盖目标 80.0%：已达到" in r.stdout
    data = json.loads((out / "groups-plan.json").read_text())
    assert data["coverage"][0]["pupils_in_groups"] == 720
    assert (out / "集团化办学方案.xlsx").stat().st_size > 0
    from openpyxl import load_workbook
    sheets = load_workbook(out / "集团化办学方案.xlsx").sheetnames
    assert sheets[:2] == ["集团方案", "覆盖情况"]
    r = _cli("plan", "groups", ds_file, "--lang", "en")
    assert r.returncode == 0 and "School groups plan" in r.stdout


def test_bad_settings_and_apply_exit_2_and_write_nothing(xlsx, tmp_path):
    ds_file = written(xlsx)
    out = tmp_path / "out"
    for args, words in ((["--max-members", "0"], "--max-members"),
                        (["--must-not-pair", "L1"], "A:B"),
                        (["--must-pair", "L1:NOPE"], "NOPE"),
                        (["--apply", str(tmp_path / "after.xlsx")], "--apply")):
        r = _cli("plan", "groups", ds_file, "-o", str(out), *args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert words in r.stdout + r.stderr and "Traceback" not in r.stderr
        assert not out.exists() and not (tmp_path / "after.xlsx").exists()
