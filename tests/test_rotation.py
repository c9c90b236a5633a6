"""The rotation planner: the optimum of tiny counties found by brute force, the rules on every
plan of random sample counties, the re-evaluation of the applied roster, infeasibility.

The test scores plans with its own arithmetic (fractions), never with the planner's model.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import polars as pl
import pytest

import junheng
from conftest import school_row, stage_row, teachers
from junheng.plan import InfeasiblePlan, plan_rotation

YEAR = 2026
THRESHOLDS = {"qualified": Fraction(42, 10), "backbone": Fraction(1), "pe_art": Fraction(9, 10)}
QUALIFIED = {"associate", "bachelor", "master", "doctor"}  # primary


def staff(school_id: str, specs: list[tuple[str, str, str, int]]) -> list[dict]:
    """(subject, education, backbone, school_since) per teacher."""
    out = []
    for subject, education, backbone, since in specs:
        out += teachers(school_id, "primary", 1, subject=subject, education=education,
                        backbone=backbone, school_since=since, gender="female",
                        birth_year=1985)
    return out


def tiny_county(xlsx, extra: tuple = ()):
    """One urban school S (200 pupils, meets the rule) and two village schools: R1 (100 pupils)
    lacks a backbone teacher and a qualified one; R2 (50 pupils) lacks a PE/art teacher."""
    schools = [school_row("S", location="urban", latitude=29.50, longitude=106.5),
               school_row("R1", location="rural", latitude=29.55, longitude=106.5),
               school_row("R2", location="rural", latitude=29.60, longitude=106.5)]
    stages = [stage_row("S", "primary", 200), stage_row("R1", "primary", 100),
              stage_row("R2", "primary", 50)]
    roster = staff("S", [
        # eligible (at S since 2015): a backbone maths teacher, a PE teacher, two others
        ("math", "bachelor", "county", 2015), ("pe", "bachelor", "none", 2015),
        ("chinese", "bachelor", "none", 2016), ("music", "bachelor", "city", 2014),
        # not eligible (since 2023)
        *[("chinese", "bachelor", "county", 2023)] * 3, *[("math", "bachelor", "none", 2023)] * 3,
        ("pe", "bachelor", "none", 2023), ("art", "associate", "none", 2023),
    ])
    roster += staff("R1", [
        ("chinese", "secondary", "none", 2010), ("math", "secondary", "none", 2012),
        ("pe", "bachelor", "none", 2022), *[("chinese", "bachelor", "none", 2021)] * 3,
    ])
    roster += staff("R2", [
        ("chinese", "bachelor", "none", 2011), ("math", "secondary", "none", 2019),
        ("chinese", "bachelor", "county", 2022),
    ])
    return junheng.load(xlsx(schools=schools, stages=stages, teachers=roster + list(extra)))


# -- the test's own scoring ---------------------------------------------------------------------

def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    (la1, lo1), (la2, lo2) = (tuple(map(math.radians, p)) for p in (a, b))
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _groups(t: dict) -> set[str]:
    out = set()
    if t["education"] in QUALIFIED:
        out.add("qualified")
    if t["backbone"] != "none":
        out.add("backbone")
    if t["subject"] in ("pe", "music", "art"):
        out.add("pe_art")
    return out


def score(dataset, where: dict[str, str]) -> tuple:
    """(−schools meeting the rule, shortfall in teachers, Σ CV², km) for the roster with
    teachers at ``where`` (teacher id → school). Facilities meet every threshold here."""
    pupils = dict(zip(dataset.stages["school_id"], dataset.stages["students"], strict=True))
    coords = {r["school_id"]: (r["latitude"], r["longitude"])
              for r in dataset.schools.iter_rows(named=True)}
    counts = {s: dict.fromkeys(THRESHOLDS, 0) for s in pupils}
    for t in dataset.teachers.iter_rows(named=True):
        for g in _groups(t):
            counts[where.get(t["teacher_id"], t["school_id"])][g] += 1
    rule = short = 0
    for s, p in pupils.items():
        met = floors = 0
        for g, thr in THRESHOLDS.items():
            met += counts[s][g] * 100 >= thr * p
            floors += counts[s][g] * 100 >= Fraction(85, 100) * thr * p
            short += max(0, math.ceil(thr * p / 100) - counts[s][g])
        rule += (met + 4 >= 6) and floors == 3
    total = sum(pupils.values())
    cv2 = Fraction(0)
    for g in THRESHOLDS:
        mean = Fraction(100 * sum(c[g] for c in counts.values()), total)
        cv2 += sum(Fraction(p, total) * (Fraction(100 * counts[s][g], p) - mean) ** 2
                   for s, p in pupils.items()) / mean ** 2
    km = sum(_km(coords[t["school_id"]], coords[where[t["teacher_id"]]])
             for t in dataset.teachers.iter_rows(named=True) if t["teacher_id"] in where)
    return (-rule, short, cv2, km)


def brute_force(dataset, share=0.10, backbone_share=0.20):
    """Every plan the rules allow, the lexicographic best score."""
    roster = list(dataset.teachers.iter_rows(named=True))
    eligible = [t for t in roster if YEAR - t["school_since"] >= 6]
    senders = [t for t in eligible if t["school_id"] == "S"]
    back = [t for t in eligible if t["school_id"] != "S"]
    before = score(dataset, {})
    subjects = {(t["school_id"], t["subject"]) for t in roster}
    need = math.ceil(share * len(senders) - 1e-9)
    # the county as the standard judges it: every teacher with the tenure, every move
    county_need = math.ceil(share * len(eligible) - 1e-9)
    best = None
    for out in itertools.product((None, "R1", "R2"), repeat=len(senders)):
        for ret in itertools.product((False, True), repeat=len(back)):
            where = {t["teacher_id"]: d for t, d in zip(senders, out, strict=True) if d}
            where |= {t["teacher_id"]: "S" for t, r in zip(back, ret, strict=True) if r}
            # exchanges in pairs, per receiving school
            if any(sum(d == r for d in out) != sum(1 for t, x in zip(back, ret, strict=True)
                                                   if x and t["school_id"] == r)
                   for r in ("R1", "R2")):
                continue
            sent = [t for t, d in zip(senders, out, strict=True) if d]
            if len(sent) < need:
                continue
            if sum(t["backbone"] != "none" for t in sent) < backbone_share * len(sent) - 1e-9:
                continue
            moved = [t for t in roster if t["teacher_id"] in where]
            if len(moved) < county_need or sum(t["backbone"] != "none" for t in moved) < \
                    backbone_share * len(moved) - 1e-9:
                continue
            after_subjects = {(where.get(t["teacher_id"], t["school_id"]), t["subject"])
                              for t in roster}
            if not subjects <= after_subjects:
                continue
            s = score(dataset, where)
            if -s[0] < -before[0]:  # the school meeting the rule (S) must keep it
                continue
            if best is None or s[:2] < best[:2] or (s[:2] == best[:2] and (
                    s[2] < best[2] or (s[2] == best[2] and s[3] < best[3]))):
                best = s
    return before, best


def plan_score(dataset, plan) -> tuple:
    return score(dataset, dict(zip(plan.moves["teacher_id"], plan.moves["to_school_id"],
                                   strict=True)))


def test_tiny_county_matches_brute_force(xlsx):
    dataset = tiny_county(xlsx)
    before, best = brute_force(dataset)
    plan = plan_rotation(dataset, year=YEAR, max_share=1.0, time_limit=20)
    got = plan_score(dataset, plan)
    assert before[0] == -1 and best[0] == -3  # both village schools can be brought to pass
    assert got[:2] == best[:2]
    assert float(got[2]) == pytest.approx(float(best[2]), rel=1e-6)
    assert got[3] == pytest.approx(best[3], rel=1e-6)
    assert all(level.status == "optimal" for level in plan.levels)


def test_tiny_county_with_a_higher_share_matches_brute_force(xlsx):
    dataset = tiny_county(xlsx)
    _, best = brute_force(dataset, share=0.5)
    plan = plan_rotation(dataset, year=YEAR, share=0.5, max_share=1.0, time_limit=20)
    got = plan_score(dataset, plan)
    assert got[:2] == best[:2]
    assert float(got[2]) == pytest.approx(float(best[2]), rel=1e-6)
    assert got[3] == pytest.approx(best[3], rel=1e-6)
    assert plan.moves.filter(pl.col("direction") == "send").height >= 2
    assert plan.moves.height >= 4  # half of the 8 teachers with the tenure, county-wide


def test_tiny_county_where_no_plan_exists_agrees_with_brute_force(xlsx):
    dataset = tiny_county(xlsx)
    _, best = brute_force(dataset, share=0.5, backbone_share=0.5)
    assert best is None  # half of the moved must be backbone: the villages have too few
    with pytest.raises(InfeasiblePlan) as caught:
        plan_rotation(dataset, year=YEAR, share=0.5, backbone_share=0.5, max_share=1.0,
                      time_limit=20)
    assert "backbone_share" in caught.value.rule or "骨干教师比例" in caught.value.messages[0][0]


def test_each_move_says_why(xlsx):
    plan = plan_rotation(tiny_county(xlsx), year=YEAR, max_share=1.0, time_limit=20)
    sent = {r["to_school_id"]: r for r in plan.moves.filter(pl.col("direction") == "send")
            .iter_rows(named=True)}
    # R1 had no backbone teacher: 0.00 → 1.00 per 100 pupils, and now meets the rule.
    r1 = [r for r in plan.moves.iter_rows(named=True)
          if r["to_school_id"] == "R1" and r["is_backbone"]]
    assert r1, sent
    assert "骨干教师 0.00 → 1.00 /百生" in r1[0]["why_zh"]
    assert "学校达标" in r1[0]["why_zh"]
    assert all(r["why_zh"].startswith("与") for r in plan.moves.iter_rows(named=True)
               if r["direction"] == "exchange")


# -- every plan obeys the rules -----------------------------------------------------------------

@pytest.mark.parametrize("seed", [3, 11])
def test_plans_of_sample_counties_obey_the_rules(tmp_path, seed):
    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=14, seed=seed)
    dataset = junheng.load(path)
    plan = plan_rotation(dataset, year=YEAR, time_limit=20, seed=seed)
    roster = {r["teacher_id"]: r for r in dataset.teachers.iter_rows(named=True)}
    location = dict(zip(dataset.schools["school_id"], dataset.schools["location"], strict=True))
    moves = list(plan.moves.iter_rows(named=True))
    assert moves
    for m in moves:  # every move eligible
        t = roster[m["teacher_id"]]
        assert t["full_time"] and t["school_since"] is not None
        assert YEAR - t["school_since"] >= 6
        assert t["role"] not in ("principal", "vice_principal")
        assert not (t["gender"] == "male" and YEAR - t["birth_year"] >= 55)
        assert not (t["gender"] == "female" and YEAR - t["birth_year"] >= 50)
        assert m["from_school_id"] == t["school_id"] and m["stage"] == t["stage"]
    assert len({m["teacher_id"] for m in moves}) == len(moves)
    # shares, by the test's own count
    for r in plan.compliance.iter_rows(named=True):
        assert r["share_met"] and r["backbone_share_met"]
        assert r["moved"] >= math.ceil(0.10 * r["eligible"] - 1e-9)
        assert r["backbone_moved"] >= 0.20 * r["moved"] - 1e-9
    senders = {m["from_school_id"] for m in moves if m["direction"] == "send"}
    assert all(location[s] in ("urban", "town") for s in senders)
    # no school that met the rule fails it
    before = {(r["school_id"], r["stage"]): r["meets_rule"]
              for r in plan.before.schools.iter_rows(named=True)}
    after = {(r["school_id"], r["stage"]): r["meets_rule"]
             for r in plan.after.schools.iter_rows(named=True)}
    assert all(after[k] for k, v in before.items() if v)
    # staffing balanced and no subject left empty
    def heads(ds):
        return ds.teachers.filter(pl.col("full_time")).group_by("school_id", "stage").len()

    def subjects(ds):
        return set(ds.teachers.filter(pl.col("full_time")).select(
            "school_id", "stage", "subject").unique().iter_rows())

    assert heads(dataset).sort("school_id", "stage").equals(
        heads(plan.dataset_after).sort("school_id", "stage"))
    assert subjects(dataset) <= subjects(plan.dataset_after)
    # the model's own after-figures are the re-evaluation's
    after_units = {(r["school_id"], r["stage"]): r for r in plan.after.units.iter_rows(named=True)}
    for p in plan.predicted.iter_rows(named=True):
        unit = after_units[(p["school_id"], p["stage"])]
        assert unit[f"teachers_{p['group']}"] == p["teachers"]
        if p["meets_rule"] is not None:
            assert after[(p["school_id"], p["stage"])] == p["meets_rule"]


def test_applied_roster_evaluates_as_the_plan_says(tmp_path):
    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=14, seed=5)
    plan = plan_rotation(junheng.load(path), year=YEAR, time_limit=20)
    out = junheng.write_workbook(tmp_path / "after.xlsx", plan.dataset_after)
    again = junheng.evaluate(junheng.load(out), year=YEAR)
    assert again.schools.sort("school_id", "stage").select("school_id", "stage", "meets_rule") \
        .equals(plan.after.schools.sort("school_id", "stage").select(
            "school_id", "stage", "meets_rule"))
    for a, b in zip(again.stages.sort("stage", "indicator").iter_rows(named=True),
                    plan.after.stages.sort("stage", "indicator").iter_rows(named=True),
                    strict=True):
        assert a["cv"] == pytest.approx(b["cv"], rel=1e-9)
    # the rotation item: the plan's moves are this year's records
    item = again.items.filter(pl.col("item") == "rotation").row(0, named=True)
    assert item["met"] is True


def test_same_seed_same_plan(tmp_path):
    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=14, seed=3)
    dataset = junheng.load(path)
    a = plan_rotation(dataset, year=YEAR, time_limit=20, seed=4)
    b = plan_rotation(dataset, year=YEAR, time_limit=20, seed=4)
    assert a.moves.equals(b.moves)


def test_infeasible_request_names_the_binding_rule(tmp_path):
    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=14, seed=3)
    with pytest.raises(InfeasiblePlan) as caught:
        plan_rotation(junheng.load(path), year=YEAR, share=0.5, max_km=1, time_limit=10)
    assert caught.value.rule == "share"
    zh, en = caught.value.messages[0]
    assert "1 km 内" in zh and "交流比例 50%" in zh
    assert "within 1 km" in en


# -- the command --------------------------------------------------------------------------------

def _cli(*args: str):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()", *args],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"})


def test_plan_command_writes_the_plan_and_the_roster_after(tmp_path):
    import json

    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=14, seed=3)
    run = _cli("plan", "rotation", str(path), "--year", str(YEAR), "-o", str(tmp_path / "plan"),
               "--apply", str(tmp_path / "after.xlsx"), "--pseudonymise", "--time-limit", "20")
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "plan" / "rotation-plan.json").read_text(encoding="utf-8"))
    ids = set(junheng.load(path).teachers["teacher_id"])
    assert data["pseudonymised"] and data["moves"]
    assert not any(m["teacher_id"] in ids for m in data["moves"])  # no real id in the list
    assert all(m["teacher_id"].startswith("T-") for m in data["moves"])
    assert not any({p["quality_person"], p["weak_person"]} & ids for p in data["principals"])
    assert (tmp_path / "plan" / "交流轮岗方案.xlsx").exists()
    assert not any(i in run.stdout for i in ids)  # the terminal names no teacher
    # the roster after evaluates as the plan said
    again = junheng.evaluate(junheng.load(tmp_path / "after.xlsx"), year=YEAR)
    county = data["counties"][again.counties["county"][0]]
    assert again.counties["schools_meeting_rule"][0] == county["schools_meeting_rule"]["after"]


def test_plan_command_infeasible_request_is_a_clear_message(tmp_path):
    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=14, seed=3)
    run = _cli("plan", "rotation", str(path), "--year", str(YEAR), "--share", "0.5",
               "--max-km", "1")
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "无法制定符合规则的方案" in run.stderr and "交流比例 50%" in run.stderr


def test_rotation_rules_come_from_the_profile_and_are_checked():
    from junheng.plan import RotationRules

    assert RotationRules.from_standard(junheng.load_standard("example-province-2017")).share \
        == 0.15
    rules = RotationRules.from_standard(junheng.load_standard(), share=0.2, max_km=None)
    assert (rules.share, rules.tenure_years, rules.max_km) == (0.2, 6, None)
    with pytest.raises(junheng.StandardError) as caught:
        RotationRules.from_standard(junheng.load_standard(), share=2, scope="x", colour=1)
    problems = caught.value.problems
    assert len(problems) == 3  # every problem at once
    assert any("rotation.share" in p for p in problems)
    assert any("rotation.scope" in p for p in problems)
    assert any("rotation.colour" in p for p in problems)


def test_principals_after_two_terms_are_paired_across_quality_and_weak_schools(xlsx):
    """S has a principal of 8 years (eligible: 2 terms × 3 years) and a vice-principal of 2
    years (not yet); R1's principal (10 years) and R2's principal (7 years) both qualify; R2's
    vice-principal (9 years) has no eligible partner. One principal of S can pair with one of
    them: the nearer village school, R1, since both fail the rule."""
    extra = []
    for school, role, since in (("S", "principal", 2018), ("S", "vice_principal", 2024),
                                ("R1", "principal", 2016), ("R2", "principal", 2019),
                                ("R2", "vice_principal", 2017)):
        extra += teachers(school, "primary", 1, role=role, school_since=since,
                          subject="chinese", education="secondary", backbone="none",
                          gender="male", birth_year=1980)
    dataset = tiny_county(xlsx, extra)
    plan = plan_rotation(dataset, year=YEAR, max_share=1.0, time_limit=20)
    pairs = plan.principals.to_dicts()
    assert len(pairs) == 1
    pair = pairs[0]
    assert (pair["role"], pair["quality_school_id"], pair["weak_school_id"]) == \
        ("principal", "S", "R1")
    assert pair["weak_fails_rule"] is True
    # principals are not in the teachers' list
    assert not set(plan.moves["teacher_id"]) & {e["teacher_id"] for e in extra}


def test_exempt_teachers_from_a_file_are_not_moved(tmp_path):
    import json

    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=14, seed=3)
    first = plan_rotation(junheng.load(path), year=YEAR, time_limit=20)
    exempt = first.moves["teacher_id"].head(3).to_list()
    (tmp_path / "exempt.csv").write_text("教师编号,原因\n" + "".join(
        f"{i},健康\n" for i in exempt), encoding="utf-8")
    run = _cli("plan", "rotation", str(path), "--year", str(YEAR), "-o", str(tmp_path / "plan"),
               "--exempt", str(tmp_path / "exempt.csv"), "--time-limit", "20")
    assert run.returncode == 0, run.stderr
    data = json.loads((tmp_path / "plan" / "rotation-plan.json").read_text(encoding="utf-8"))
    assert data["rules"]["exempt_teachers"] == exempt
    assert not {m["teacher_id"] for m in data["moves"]} & set(exempt)


def test_pseudonyms_agree_between_the_workbook_and_the_json(tmp_path):
    import json

    import openpyxl

    from junheng.report._plan import write_rotation_plan

    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=14, seed=3)
    plan = plan_rotation(junheng.load(path), year=YEAR, time_limit=20)
    assert plan.principals.height > 0
    xlsx, js = write_rotation_plan(plan, tmp_path / "plan", pseudonymised=True)
    data = json.loads(js.read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(xlsx)
    listed = [r[0] for r in book["交流名单"].iter_rows(min_row=2, values_only=True)]
    assert listed == [m["teacher_id"] for m in data["moves"]]
    pairs = [r[2] for r in book["校长交流"].iter_rows(min_row=2, values_only=True) if r[1]]
    assert pairs == [p["quality_person"] for p in data["principals"]]
    assert all(p.startswith("P-") for p in pairs)
