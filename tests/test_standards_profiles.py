"""basic-2012's composite CV, provincial profiles, profile checks, `junheng standards`, and the
new input tables' validation."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from fractions import Fraction

import polars as pl
import pytest

import junheng
from conftest import school_row, stage_row, teachers
from junheng.standards import StandardError

# --- basic-2012: composite = mean of 8 CVs ----------------------------------------------------

# Three primary schools: pupils, teaching m², sports m², equipment ¥, computers, books,
# (teachers, of whom qualified, of whom with an intermediate or higher title).
BASIC = {
    "S1": (400, 1800, 3000, 800_000, 40, 12_000, (24, 20, 10)),
    "S2": (200, 1000, 1600, 420_000, 10, 5_000, (13, 10, 5)),
    "S3": (50, 300, 600, 90_000, 30, 1_000, (5, 3, 1)),
}


def fraction_cv(pairs: list[tuple[int, Fraction]]) -> float:
    """The standard's weighted CV with exact rationals up to the final square root."""
    total = sum(p for p, _ in pairs)
    mean = sum(p * x for p, x in pairs) / total
    variance = sum(Fraction(p, total) * (x - mean) ** 2 for p, x in pairs)
    return math.sqrt(variance) / float(mean)


def basic_county():
    schools = [school_row(s) for s in BASIC]
    stages, staff = [], []
    for s, (pupils, teach, sports, equip, computers, books, (n, qual, title)) in BASIC.items():
        stages.append(stage_row(s, "primary", pupils, teaching_area_m2=teach,
                                sports_area_m2=sports, equipment_value_yuan=equip,
                                computers=computers, books=books))
        # qualified ones first; the first `title` of them hold 一级 or above.
        for i, t in enumerate(teachers(s, "primary", n)):
            t["education"] = "associate" if i < qual else "secondary"
            t["title"] = "first" if i < title else "second"
            staff.append(t)
    return schools, stages, staff


def expected_basic_cvs() -> dict[str, float]:
    def cv(f):
        return fraction_cv([(v[0], Fraction(f(v)) / v[0]) for v in BASIC.values()])

    return {
        "teaching_area_per_student": cv(lambda v: v[1]),
        "sports_area_per_student": cv(lambda v: v[2]),
        "equipment_value_per_student": cv(lambda v: v[3]),
        "computers_per100": cv(lambda v: 100 * v[4]),
        "books_per_student": cv(lambda v: v[5]),
        "teachers_per_student": cv(lambda v: v[6][0]),
        "qualified_teachers_per_student": cv(lambda v: v[6][1]),
        "intermediate_title_teachers_per_student": cv(lambda v: v[6][2]),
    }


def test_basic_2012_composite_is_the_mean_of_eight_hand_computed_cvs(xlsx):
    schools, stages, staff = basic_county()
    ev = junheng.evaluate(junheng.load(xlsx(schools=schools, stages=stages, teachers=staff)),
                          "basic-2012")
    expected = expected_basic_cvs()
    doc = json.loads(ev.to_json())
    primary = doc["counties"][0]["resources"]["stages"]["primary"]
    for key, value in expected.items():
        assert primary["cv"][key] == pytest.approx(value, rel=1e-9, abs=0), key
    composite = sum(expected.values()) / 8
    assert primary["cv_composite"] == pytest.approx(composite, rel=1e-9, abs=0)
    assert primary["cv_composite_limit"] == 0.65
    # The published rule: one indicator's CV above 1 and the county still passes on the mean.
    assert expected["computers_per100"] > 1.0
    assert composite <= 0.65
    assert primary["cv_composite_met"] is True
    assert "cv_met" not in primary and "schools_meeting_rule" not in primary
    assert doc["counties"][0]["resources"]["verdict"] == "pass"
    # The 2012 method's other parts are not modelled: never "pass" on this profile.
    assert doc["counties"][0]["verdict"] == "incomplete"


def test_basic_2012_composite_above_its_limit_fails(xlsx):
    schools, stages, staff = basic_county()
    # 8 000 books and 1 200 m² of sports ground a pupil in S3: two CVs explode.
    stages[2]["books"] = 400_000
    stages[2]["sports_area_m2"] = 60_000
    ev = junheng.evaluate(junheng.load(xlsx(schools=schools, stages=stages, teachers=staff)),
                          "basic-2012")

    def cv(figures):
        return fraction_cv([(v[0], Fraction(x, v[0])) for v, x in
                            zip(BASIC.values(), figures, strict=True)])

    others = {k: v for k, v in expected_basic_cvs().items()
              if k not in ("books_per_student", "sports_area_per_student")}
    composite = (cv((12_000, 5_000, 400_000)) + cv((3000, 1600, 60_000))
                 + sum(others.values())) / 8
    assert composite > 0.65
    row = ev.stages.filter(pl.col("indicator") == "books_per_student").row(0, named=True)
    assert row["cv_composite"] == pytest.approx(composite, rel=1e-9, abs=0)
    assert row["cv_composite_met"] is False
    assert ev.counties.row(0, named=True)["verdict"] == "fail"


def test_basic_2012_needs_books_and_computers(xlsx):
    schools, stages, staff = basic_county()
    del stages[1]["books"]
    path = xlsx(schools=schools, stages=stages, teachers=staff)
    with pytest.raises(junheng.InputError) as caught:
        junheng.evaluate(junheng.load(path), "basic-2012")
    [problem] = caught.value.problems
    assert "books" in problem.column and problem.value == "S2 primary"


# --- Provincial profiles and profile checks ---------------------------------------------------

def test_example_province_changes_thresholds_and_options():
    std = junheng.load_standard("example-province-2017")
    assert std.chain == ("example-province-2017", "quality-2017")
    assert std.exclude_teaching_points_below == 50
    funds = next(i for i in std.part("government").items if i.key == "special_education_funds")
    assert funds.conditions[0].value == 8000
    rotation = next(i for i in std.part("government").items if i.key == "rotation")
    assert (rotation.params["share"], rotation.params["tenure_years"]) == (0.15, 6)
    # Everything not overridden is the national profile's.
    assert std.indicator("qualified_teachers_per100").thresholds == {"primary": 4.2,
                                                                      "junior": 5.3}


def test_provincial_special_education_threshold_is_applied(xlsx):
    tables = dict(schools=[school_row("A")], stages=[stage_row("A", "primary", 300)],
                  teachers=teachers("A", "primary", 1),
                  county=[{"county": "测试县", "special_education_funds_per_pupil": 7000}])
    ds = junheng.load(xlsx(**tables))
    for standard, met in (("quality-2017", True), ("example-province-2017", False)):
        ev = junheng.evaluate(ds, standard, year=2025)
        row = ev.items.filter(pl.col("item") == "special_education_funds").row(0, named=True)
        assert row["met"] is met, standard


def test_a_province_can_change_a_conditions_operator(tmp_path, xlsx):
    path = tmp_path / "province.yaml"
    path.write_text("""
extends: quality-2017
id: lenient
parts:
  quality:
    items:
      monitoring:
        checks: {monitoring_difference_rate: {below: null, at_most: 0.15}}
""", encoding="utf-8")
    std = junheng.load_standard(path)
    monitoring = next(i for i in std.part("quality").items if i.key == "monitoring")
    assert [(c.column, c.op, c.value) for c in monitoring.conditions] == [
        ("monitoring_level_iii", "is", True), ("monitoring_difference_rate", "at_most", 0.15)]
    tables = dict(schools=[school_row("A")], stages=[stage_row("A", "primary", 300)],
                  teachers=teachers("A", "primary", 1),
                  county=[{"county": "测试县", "monitoring_level_iii": "是",
                           "monitoring_difference_rate": 0.15}])
    ds = junheng.load(xlsx(**tables))
    for standard, met in (("quality-2017", False), (std, True)):  # 低于 0.15 vs 不超过 0.15
        ev = junheng.evaluate(ds, standard, year=2025)
        assert ev.items.filter(pl.col("item") == "monitoring").row(0, named=True)["met"] is met


def test_invalid_parts_are_all_reported(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("""
extends: quality-2017
parts:
  government:
    items:
      school_size: {params: {max_students: -5}}
      class_size: {compute: class_sizes}
      layout_planned: {checks: {layout_planned: {at_least: 3}}}
      new_item: {number: 16, checks: {no_such_column: {is: true}}}
vetoes:
  extra: {column: recognition_score}
""", encoding="utf-8")
    with pytest.raises(StandardError) as caught:
        junheng.load_standard(path)
    text = "\n".join(caught.value.problems)
    for needle in ("school_size.params", "class_sizes", "checks.layout_planned",
                   "no_such_column", "vetoes.extra.column"):
        assert needle in text, needle


# --- `junheng standards` and `--part` ---------------------------------------------------------

def cli(*args: str, columns: int = 200) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": str(columns), "PATH": ""})


def test_standards_lists_and_shows_profiles():
    listed = cli("standards")
    assert listed.returncode == 0
    for name in ("quality-2017", "basic-2012", "example-province-2017"):
        assert name in listed.stdout
    shown = cli("standards", "basic-2012")
    assert shown.returncode == 0
    assert "综合差异系数" in shown.stdout and "0.65" in shown.stdout
    shown = cli("standards", "example-province-2017")
    assert "8000" in shown.stdout and "15%" in shown.stdout and "一票否决" in shown.stdout
    missing = cli("standards", "no-such-standard")
    assert missing.returncode == 2 and "no standard named" in missing.stderr


def test_evaluate_part_narrows_the_view(tmp_path):
    path = junheng.write_sample(tmp_path / "county.xlsx", schools=30, seed=5)
    full = cli("evaluate", str(path))
    narrow = cli("evaluate", str(path), "--part", "government")
    assert full.returncode == narrow.returncode == 0
    assert "小学 · 资源配置" in full.stdout and "小学 · 资源配置" not in narrow.stdout
    assert "政府保障程度" in narrow.stdout
    assert "教育质量" in narrow.stdout  # the at-a-glance table still shows all four parts
    assert "评估学年" in narrow.stdout and "2025–2026" in narrow.stdout


def test_failing_items_keep_their_figures_on_a_narrow_terminal(tmp_path):
    path = junheng.write_sample(tmp_path / "county.xlsx", schools=60, seed=7)
    shown = cli("evaluate", str(path), "--part", "government", columns=80)
    assert shown.returncode == 0
    # The whole figure and its standard, never cut to fit: 97.3%（标准 ≥ 100%）
    assert re.search(r"培训完成率：\d+(\.\d)?%（标准 ≥ 100%）", shown.stdout)
    assert re.search(r"特殊教育学校生均公用经费：[\d,]+ 元（标准 ≥ 6,000 元）", shown.stdout)
    details = shown.stdout.split("政府保障程度：未达标及缺数据的指标")[1]
    assert not any(line.rstrip().endswith("…") for line in details.splitlines())  # no cut text


# --- Validation of the new tables -------------------------------------------------------------

def test_new_tables_are_validated_with_every_problem_located(xlsx):
    tables = dict(
        schools=[school_row("A"), school_row("B", location="rural")],
        stages=[stage_row("A", "primary", 300), stage_row("B", "primary", 50)],
        teachers=teachers("A", "primary", 2),
        county=[{"county": "测试县", "recognition_score": "96", "zoned_admission_junior": "96%"},
                {"county": "别的县"}],
        rotations=[{"teacher_id": "NOPE", "from_school_id": "A", "to_school_id": "B",
                    "school_year": "2025-2027", "form": "支教"},
                   {"teacher_id": "NOPE2", "from_school_id": "A", "to_school_id": "A",
                    "school_year": "2025—2026学年", "form": "换岗"}],
        rooms=[{"school_id": "Z", "room_type": "音乐", "area_m2": 96}],
    )
    with pytest.raises(junheng.InputError) as caught:
        junheng.load(xlsx(**tables))
    found = {(p.table, p.row, p.column.split()[-1] if p.column else None, p.value)
             for p in caught.value.problems}
    assert found == {
        ("county", 2, "recognition_score", "96"),        # a share must be 0–1 or "96%"
        ("county", 3, "county", "别的县"),                 # no school in that county
        ("rotations", 2, "teacher_id", "NOPE"),
        ("rotations", 2, "school_year", "2025-2027"),    # not one school year
        ("rotations", 3, "teacher_id", "NOPE2"),
        ("rotations", 3, "to_school_id", "A"),           # the same school
        ("rotations", 3, "form", "换岗"),
        ("rooms", 2, "school_id", "Z"),
    }


def test_shares_and_school_years_are_read_in_every_spelling(xlsx):
    tables = dict(
        schools=[school_row("A"), school_row("B", location="rural")],
        stages=[stage_row("A", "primary", 300), stage_row("B", "primary", 50)],
        teachers=teachers("A", "primary", 3),
        county=[{"county": "测试县", "recognition_score": "96.5%",
                 "zoned_admission_junior": 0.95, "migrant_children_public_share": "85％"}],
    )
    staff = tables["teachers"]
    tables["rotations"] = [
        {"teacher_id": staff[0]["teacher_id"], "from_school_id": "A", "to_school_id": "B",
         "school_year": "2025-2026", "form": "支教"},
        {"teacher_id": staff[1]["teacher_id"], "from_school_id": "A", "to_school_id": "B",
         "school_year": "2024—2025学年", "form": "regular_exchange"},
        {"teacher_id": staff[2]["teacher_id"], "from_school_id": "A", "to_school_id": "B",
         "school_year": 2023, "form": "走教"}]
    ds = junheng.load(xlsx(**tables))
    county = ds.county.row(0, named=True)
    assert county["recognition_score"] == pytest.approx(0.965, rel=1e-12)
    assert county["zoned_admission_junior"] == 0.95
    assert county["migrant_children_public_share"] == pytest.approx(0.85, rel=1e-12)
    assert ds.rotations.get_column("school_year").to_list() == [2025, 2024, 2023]
    assert ds.rotations.get_column("form").to_list() == ["support_teaching", "regular_exchange",
                                                         "itinerant"]
