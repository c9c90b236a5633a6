"""``junheng.projection``: a hand-made two-school county advanced by hand, teachers leaving under the
2025 retirement schedule, and a projected year evaluating exactly like the same county written
by hand.

The county (base school year 2025, no births table, so entrants repeat grade 1 × 1.0):

- P, primary: 30 pupils in each of grades 1–6, one class each.
- J, junior: 40 pupils in each of grades 7–9, one class each.

Advanced by hand (survival 1, P's graduates all go to J, the only junior school):

- 2026: P grades 1–6 = 30 each → 180 pupils, 6 classes (each cohort keeps its one class; the
  new grade 1 needs ⌈30/45⌉ = 1). J: grade 7 = P's 2025 grade 6 = 30, grades 8–9 = 40, 40 →
  110 pupils, 3 classes (⌈30/50⌉ = 1 for the new grade 7).
- 2027: P again 180 and 6; J 30 + 30 + 40 = 100, 3 classes.

Teachers with a birth year and gender (birth month unknown: July, the rules' assumption):

- a man born 1965: would have retired at 60 in 2025-07; from 2025-01 the age rises one month
  per four months of original date: ⌊(2025-07 − 2025-01) / 4⌋ + 1 = ⌊6/4⌋ + 1 = 2 months →
  60 y 2 m, 2025-09. On the roster in 2025 (the input), gone by 1 September 2026.
- a woman born 1971 (original age 55, the teachers' default): original 2026-07, ⌊18/4⌋ + 1 = 5
  months → 2026-12. On the staff counted on 1 September 2026, gone by 1 September 2027.
"""

from __future__ import annotations

import polars as pl
import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, teachers, write_xlsx
from junheng.projection import project

GRADES = ([{"school_id": "P", "grade": g, "students": 30, "classes": 1} for g in range(1, 7)]
          + [{"school_id": "J", "grade": g, "students": 40, "classes": 1} for g in (7, 8, 9)])


def _staff() -> list[dict]:
    staff = passing_teachers("P", "primary", 180) + passing_teachers("J", "junior", 120)
    staff += teachers("P", "primary", 1, subject="pe", gender="male", birth_year=1965)
    staff += teachers("J", "junior", 1, subject="music", gender="female", birth_year=1971)
    return staff


def _tables(stages: list[dict], staff: list[dict], grades: list[dict] | None = None) -> dict:
    tables = {"schools": [school_row("P"), school_row("J", "junior")], "stages": stages,
              "teachers": staff}
    if grades is not None:
        tables["grades"] = grades
    return tables


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    folder = tmp_path_factory.mktemp("projection")
    stages = [stage_row("P", "primary", 180, classes=6, largest_class=30),
              stage_row("J", "junior", 120, classes=3, largest_class=40)]
    staff = _staff()
    path = write_xlsx(folder / "county.xlsx", _tables(stages, staff, GRADES))
    return folder, stages, staff, project(junheng.load(path), years=2, year=2025)


def test_pupils_advance_by_hand(county):
    *_, p = county
    got = {(r["year"], r["school_id"]): (r["students"], r["classes"])
           for r in p.stages.iter_rows(named=True)}
    assert got == {(2025, "P"): (180, 6), (2025, "J"): (120, 3),
                   (2026, "P"): (180, 6), (2026, "J"): (110, 3),
                   (2027, "P"): (180, 6), (2027, "J"): (100, 3)}
    assert p.spread is False  # the grades table was given


def test_teachers_leave_at_their_statutory_month(county):
    _, _, staff, p = county
    man = next(t["teacher_id"] for t in staff if t.get("birth_year") == 1965)
    woman = next(t["teacher_id"] for t in staff if t.get("birth_year") == 1971)
    leaving = {r["teacher_id"]: (r["retirement_year"], r["retirement_month"])
               for r in p.leaving.iter_rows(named=True)}
    assert leaving == {man: (2025, 9), woman: (2026, 12)}
    on = {y: set(p.dataset(y).teachers.get_column("teacher_id")) for y in p.years}
    assert man in on[2025] and woman in on[2025]  # the base year is the input itself
    assert man not in on[2026] and woman in on[2026]
    assert man not in on[2027] and woman not in on[2027]
    assert len(on[2025]) - len(on[2027]) == 2


def test_a_projected_year_evaluates_like_the_county_written_by_hand(county):
    folder, stages, staff, p = county
    by_hand = [{**stages[0], "students": 180, "classes": 6, "largest_class": None},
               {**stages[1], "students": 100, "classes": 3, "largest_class": None}]
    kept = [t for t in staff if t.get("birth_year") not in (1965, 1971)]
    path = write_xlsx(folder / "by-hand-2027.xlsx", _tables(by_hand, kept))
    expected = junheng.evaluate(junheng.load(path), year=2027).to_dict()["counties"]
    got = p.evaluate(2027).to_dict()["counties"]
    # Everything equal but the note that says the figures are projected.
    notes = [c.pop("notes") for c in got]
    assert got == [{k: v for k, v in c.items() if k != "notes"} for c in expected]
    assert [n["zh"][:6] for n in notes[0]] == ["本结果为预测"] + [
        n["zh"][:6] for n in expected[0]["notes"]]
    assert p.evaluate(2025).to_dict() == junheng.evaluate(p.base, year=2025).to_dict()


def test_without_grades_the_stage_pupils_are_spread_and_it_says_so(tmp_path):
    stages = [stage_row("P", "primary", 100), stage_row("J", "junior", 90)]
    path = write_xlsx(tmp_path / "c.xlsx", _tables(stages, _staff()))
    p = project(junheng.load(path), years=1, year=2025)
    assert p.spread is True
    base = p.pupils.filter((pl.col("year") == 2025) & (pl.col("school_id") == "P"))
    # 100 over 6 grades, largest remainder: 17, 17, 17, 17, 16, 16
    assert base.sort("grade").get_column("students").to_list() == [17, 17, 17, 17, 16, 16]
    with pytest.raises(ValueError, match="outside the projection"):
        p.dataset(2030)


def test_the_command_prints_the_years_and_writes_the_json(county, tmp_path):
    import json
    import subprocess
    import sys

    folder, *_ = county
    out = tmp_path / "projection.json"
    done = subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()",
                           "project", str(folder / "county.xlsx"), "--years", "2", "--year",
                           "2025", "--json", str(out)], capture_output=True, text=True,
                          env={**__import__("os").environ, "COLUMNS": "80"}, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    row = next(line for line in lines if "初中在校生" in line)
    assert [c.strip() for c in row.strip("│ ").split("│")][1:] == ["120", "110", "100"]
    years = json.loads(out.read_text(encoding="utf-8"))["years"]
    teachers = {y["year"]: y["teachers"] for y in years}
    # the 1965 man leaves before 2026, the 1971 woman before 2027 (module docstring)
    assert teachers[2025] - teachers[2026] == 1 and teachers[2026] - teachers[2027] == 1
    bad = subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()",
                          "project", str(tmp_path / "missing.xlsx")], capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_input_the_projection_cannot_use_is_a_located_problem_and_exit_2(tmp_path):
    import subprocess
    import sys

    stages = [stage_row("P", "primary", 120), stage_row("J", "junior", 90)]
    # P's grade rows add up to 20, the stages table says 120: the projection would start from
    # another county than the evaluation.
    partial = write_xlsx(tmp_path / "partial.xlsx", _tables(
        stages, _staff(), [{"school_id": "P", "grade": 1, "students": 20}]))
    with pytest.raises(junheng.InputError) as info:
        project(junheng.load(partial), years=2, year=2025)
    (problem,) = info.value.problems
    assert problem.table == "年级学生 grades" and problem.value == "20"
    assert "120" in problem.expected_zh and "120" in problem.expected_en
    # Births for 2018 only: the entrants of 2026 and 2027 need 2020 and 2021.
    tables = _tables(stages, _staff())
    tables["births"] = [{"county": "测试县", "year": 2018, "births": 30}]
    births = write_xlsx(tmp_path / "births.xlsx", tables)
    done = subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()",
                           "project", str(births), "--years", "2", "--year", "2025"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "出生人口 births" in done.stderr and "2020" in done.stderr and "2021" in done.stderr
    # J without grade rows is spread; P's rows add up: no problem, and it says so
    mixed = write_xlsx(tmp_path / "mixed.xlsx", _tables(stages, _staff(), [
        {"school_id": "P", "grade": g, "students": 20} for g in range(1, 7)]))
    p = project(junheng.load(mixed), years=1, year=2025)
    assert p.spread is True
    j = p.pupils.filter((pl.col("year") == 2025) & (pl.col("school_id") == "J"))
    assert j.sort("grade").get_column("students").to_list() == [30, 30, 30]


# --- replacement hiring and catchment allocation (independent expected values) ---------------

def _small(tmp_path, schools: list[dict], stages: list[dict], staff: list[dict],
           grades: list[dict]) -> junheng.Dataset:
    path = write_xlsx(tmp_path / "small.xlsx", {"schools": schools, "stages": stages,
                                                "teachers": staff, "grades": grades})
    return junheng.load(path)


def test_hiring_same_replaces_each_retiree_in_the_same_post(tmp_path):
    from junheng.projection import CohortAssumptions

    staff = (teachers("P", "primary", 8, education="bachelor")
             + teachers("P", "primary", 1, subject="pe", gender="male", birth_year=1965,
                        education="master"))
    grades = [{"school_id": "P", "grade": g, "students": 30, "classes": 1} for g in range(1, 7)]
    data = _small(tmp_path, [school_row("P")], [stage_row("P", "primary", 180, classes=6)],
                  staff, grades)
    p = project(data, years=2, year=2025, assumptions=CohortAssumptions.build({"hiring": "same"}))
    # The 1965 man leaves before 1 September 2026 (module docstring): one new PE teacher with
    # his degree joins for 2026, and nobody else leaves, so 2027 hires nobody.
    assert p.hired.select("year", "teacher_id", "subject", "education", "backbone").rows() == [
        (2026, "新聘-2026-P-1", "pe", "master", "none")]
    assert [p.dataset(y).teachers.height for y in p.years] == [9, 9, 9]
    none = project(data, years=2, year=2025)
    assert none.hired.height == 0 and none.dataset(2026).teachers.height == 8


def test_hiring_by_staffing_ratio_tops_up_to_the_ratio(tmp_path):
    from junheng.projection import CohortAssumptions

    # 200 primary pupils (grades 1–5: 40, 40, 40, 40, 40; grade 6: 0) and entrants of 40 a
    # year: 2026 has 40 × 6 = 240 pupils. Staffing ratio 1:19 → ⌈240 / 19⌉ = ⌈12.63⌉ = 13
    # full-time teachers. On staff for 2026: 11 − the retiring art teacher = 10 → 3 hires:
    # first the art teacher's post, then two in the most common subject (math, 7 of 10).
    staff = (teachers("P", "primary", 7, subject="math")
             + teachers("P", "primary", 3, subject="chinese")
             + teachers("P", "primary", 1, subject="art", gender="male", birth_year=1965)
             + teachers("P", "primary", 2, full_time="否"))
    grades = [{"school_id": "P", "grade": g, "students": 40 if g < 6 else 0, "classes": 1}
              for g in range(1, 7)]
    data = _small(tmp_path, [school_row("P")], [stage_row("P", "primary", 200, classes=6)],
                  staff, grades)
    a = CohortAssumptions.build({"hiring": "ratio"})
    p = project(data, years=2, year=2025, assumptions=a)
    assert p.stages.filter(pl.col("year") == 2026)["students"].to_list() == [240]
    hired = p.hired.select("year", "subject", "full_time", "education").rows()
    assert hired[:3] == [(2026, "art", True, "secondary"), (2026, "math", True, "bachelor"),
                         (2026, "math", True, "bachelor")]
    # 2027: still 240 pupils (every grade 40) → 13 needed, 13 on staff: no more hires.
    assert len(hired) == 3
    full = {y: p.dataset(y).teachers.filter(pl.col("full_time")).height for y in p.years}
    assert full == {2025: 11, 2026: 13, 2027: 13}


def test_catchment_sends_each_school_s_graduates_to_its_junior_school(tmp_path):
    from junheng.projection import CohortAssumptions

    # P1 feeds J2; P2 names none (pooled by the base year's grade-7 shares: J1 60, J2 20 →
    # 3/4 and 1/4). Grade 6 in 2025: P1 40, P2 20. Grade 7 in 2026:
    #   by catchment: J1 = 3/4 · 20 = 15, J2 = 40 + 1/4 · 20 = 45;
    #   by shares:    J1 = 3/4 · 60 = 45, J2 = 1/4 · 60 = 15.
    schools = [school_row("P1", feeds_junior="J2"), school_row("P2"),
               school_row("J1", "junior"), school_row("J2", "junior")]
    stages = [stage_row("P1", "primary", 240, classes=6), stage_row("P2", "primary", 120,
                                                                     classes=6),
              stage_row("J1", "junior", 180, classes=3), stage_row("J2", "junior", 60,
                                                                    classes=3)]
    grades = ([{"school_id": "P1", "grade": g, "students": 40} for g in range(1, 7)]
              + [{"school_id": "P2", "grade": g, "students": 20} for g in range(1, 7)]
              + [{"school_id": "J1", "grade": g, "students": 60} for g in (7, 8, 9)]
              + [{"school_id": "J2", "grade": g, "students": 20} for g in (7, 8, 9)])
    staff = [t for s in ("P1", "P2") for t in teachers(s, "primary", 3)] + [
        t for s in ("J1", "J2") for t in teachers(s, "junior", 3)]
    data = _small(tmp_path, schools, stages, staff, grades)

    def grade7(allocation: str) -> dict:
        p = project(data, years=1, year=2025,
                    assumptions=CohortAssumptions.build({"allocation": allocation}))
        rows = p.pupils.filter((pl.col("year") == 2026) & (pl.col("grade") == 7))
        return dict(rows.select("school_id", "students").iter_rows())

    assert grade7("catchment") == {"J1": 15, "J2": 45}
    assert grade7("shares") == {"J1": 45, "J2": 15}


def test_catchment_without_a_catchment_column_is_a_located_problem(tmp_path):
    from junheng.errors import InputError
    from junheng.projection import CohortAssumptions

    data = _small(tmp_path, [school_row("P")], [stage_row("P", "primary", 60, classes=6)],
                  teachers("P", "primary", 3),
                  [{"school_id": "P", "grade": g, "students": 10} for g in range(1, 7)])
    with pytest.raises(InputError) as caught:
        project(data, years=1, year=2025,
                assumptions=CohortAssumptions.build({"allocation": "catchment"}))
    assert caught.value.problems[0].column == "对口初中 feeds_junior"


def test_a_catchment_school_must_teach_the_junior_stage_in_the_same_county(tmp_path):
    from junheng.errors import InputError

    schools = [school_row("P1", feeds_junior="P2"), school_row("P2"),
               school_row("J9", "junior", county="别县"), school_row("P3", feeds_junior="J9")]
    stages = [stage_row(s, "primary", 60, classes=6) for s in ("P1", "P2", "P3")] + [
        stage_row("J9", "junior", 60, classes=3)]
    staff = [t for s in ("P1", "P2", "P3") for t in teachers(s, "primary", 3)] + teachers(
        "J9", "junior", 3)
    path = write_xlsx(tmp_path / "bad.xlsx", {"schools": schools, "stages": stages,
                                              "teachers": staff})
    with pytest.raises(InputError) as caught:
        junheng.load(path)
    bad = {(p.row, p.value) for p in caught.value.problems if "feeds_junior" in p.column}
    assert bad == {(2, "P2"), (5, "J9")}


def _cli(*args: str):  # -> subprocess.CompletedProcess[str]
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "80"})


def test_evaluate_projected_is_the_projection_s_evaluation_and_says_so(county, tmp_path):
    import json

    from junheng.model.calendar import default_year

    folder, *_ = county
    data = junheng.load(folder / "county.xlsx")
    base = default_year(data)  # without rotation records: the school year under way
    out = tmp_path / "e.json"
    done = _cli("evaluate", str(folder / "county.xlsx"), "--year", str(base + 2), "--projected",
                "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert (f"评估学年：{base + 2}–{base + 3}（预测：由 {base}–{base + 1} 学年数据推算）"
            in done.stdout)
    got = json.loads(out.read_text(encoding="utf-8"))
    expected = project(data, years=2).evaluate(base + 2).to_dict()
    assert got["counties"] == json.loads(json.dumps(expected["counties"]))
    assert "本结果为预测" in got["counties"][0]["notes"][0]["zh"]
    # The data's own year, or no --year, is not a projection: a clear message, exit 2.
    for args in (["--year", str(base)], []):
        bad = _cli("evaluate", str(folder / "county.xlsx"), "--projected", *args)
        assert bad.returncode == 2 and "--projected" in bad.stderr
        assert "Traceback" not in bad.stderr


def test_project_options_come_from_the_projection_section(county, tmp_path):
    import json

    folder, *_ = county
    runs = {}
    for scenario in ("low-births", "central", "high-births"):
        out = tmp_path / f"{scenario}.json"
        done = _cli("project", str(folder / "county.xlsx"), "--years", "2", "--year", "2025",
                    "--scenario", scenario, "--hiring", "same", "--json", str(out))
        assert done.returncode == 0, done.stderr
        runs[scenario] = json.loads(out.read_text(encoding="utf-8"))["years"]
    # Survival × 0.95 in the low band, × 1.05 in the high band: fewer / more junior pupils.
    junior = {s: [y["junior_students"] for y in r] for s, r in runs.items()}
    assert junior["low-births"][2] < junior["central"][2] < junior["high-births"][2]
    # --hiring same: each retiree replaced, so the staff never shrinks.
    assert len({y["teachers"] for y in runs["central"]}) == 1
    bad = _cli("project", str(folder / "county.xlsx"), "--hiring", "sometimes")
    assert bad.returncode == 2 and "--hiring" in bad.stderr and "Traceback" not in bad.stderr


def test_a_planner_plans_for_the_projected_year(county, tmp_path):
    import json

    from junheng.model.calendar import default_year

    folder, *_ = county
    base = default_year(junheng.load(folder / "county.xlsx"))
    done = _cli("plan", "rotation", str(folder / "county.xlsx"), "--year", str(base + 2),
                "--projected", "--time-limit", "5", "-o", str(tmp_path / "plan"))
    assert done.returncode == 0, done.stderr
    assert "本结果为预测" in done.stdout
    plan = json.loads((tmp_path / "plan" / "rotation-plan.json").read_text(encoding="utf-8"))
    assert plan["school_year"] == base + 2
    assert plan["warnings"][0]["zh"].startswith("本结果为预测")


def test_a_history_year_missing_schools_or_a_year_after_the_base_is_a_located_problem(tmp_path):
    from junheng.errors import InputError

    # Calibrating on a 2024 history that has only P would compare P's 2024 with P + Q + J of
    # 2025: the county would seem to double in a year.
    schools = [school_row("P"), school_row("Q"), school_row("J", "junior")]
    stages = [stage_row("P", "primary", 240), stage_row("Q", "primary", 240),
              stage_row("J", "junior", 300)]
    staff = teachers("P", "primary", 12) + teachers("Q", "primary", 12) + teachers(
        "J", "junior", 20)
    base = [{"school_id": s, "grade": g, "students": 40, "school_year": 2025}
            for s in "PQ" for g in range(1, 7)]
    base += [{"school_id": "J", "grade": g, "students": 100, "school_year": 2025}
             for g in (7, 8, 9)]
    partial = [{"school_id": "P", "grade": g, "students": 40, "school_year": 2024}
               for g in range(1, 7)]
    later = [{**r, "school_year": 2026} for r in base]
    data = _small(tmp_path, schools, stages, staff, base + partial + later)
    with pytest.raises(InputError) as caught:
        project(data, years=1, year=2025)
    problems = {(p.value, p.expected_en.split(":")[0]) for p in caught.value.problems}
    assert problems == {("2024", "this year lacks the grades of 2 of the base year's schools "
                                 "(J、Q)"),
                        ("2026", "after the base school year 2025")}


def test_project_writes_the_workbook_page_and_json_together(county, tmp_path):
    import json

    folder, *_ = county
    out = tmp_path / "projection"
    done = _cli("project", str(folder / "county.xlsx"), "--years", "2", "--year", "2025",
                "--hiring", "same", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "预测.html", "预测.json", "预测.xlsx"]
    data = json.loads((out / "预测.json").read_text(encoding="utf-8"))
    assert [y["year"] for y in data["counties"]] == [2025, 2026, 2027]
    # The assumptions said are the ones chosen: each retiree replaced.
    assert any("退休教师退一补一" in n for n in data["notes"])
    assert max(len(line) for line in done.stdout.splitlines()) <= 80
