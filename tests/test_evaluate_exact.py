"""The evaluation's numbers against hand-worked and fractions-computed expectations."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import polars as pl
import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, teachers


def run(xlsx, schools, stages, staff, standard="quality-2017"):
    path = xlsx(schools=schools, stages=stages, teachers=staff)
    result = junheng.evaluate(junheng.load(path), standard)
    return result, json.loads(result.to_json())


def unit(doc, school_id, stage="primary", county=0):
    for s in doc["counties"][county]["resources"]["schools"]:
        if s["school_id"] == school_id and s["stage"] == stage:
            return s
    raise KeyError(school_id)


# --- The golden CV example of STANDARDS.md §1.2 ---------------------------------------------

GOLDEN = [(45, 279), (37, 137), (89, 935), (76, 160), (55, 402)]  # (pupils, books)


def golden_cv() -> float:
    pupils = sum(p for p, _ in GOLDEN)
    mean = Fraction(sum(b for _, b in GOLDEN), pupils)
    assert mean == Fraction(1913, 302)
    variance = sum(Fraction(p, pupils) * (Fraction(b, p) - mean) ** 2 for p, b in GOLDEN)
    return math.sqrt(variance) / float(mean)


def test_golden_cv_through_the_real_evaluate_path(xlsx):
    # The books of the example become each school's teaching floor area: same arithmetic.
    schools = [school_row(f"S{i}") for i in range(5)]
    stages = [stage_row(f"S{i}", "primary", p, teaching_area_m2=b)
              for i, (p, b) in enumerate(GOLDEN)]
    staff = [t for i, (p, _) in enumerate(GOLDEN) for t in passing_teachers(f"S{i}", "primary", p)]
    _, doc = run(xlsx, schools, stages, staff)
    primary = doc["counties"][0]["resources"]["stages"]["primary"]
    cv = primary["cv"]["teaching_area_per_student"]
    assert cv == pytest.approx(golden_cv(), rel=1e-9, abs=0)
    assert round(cv, 6) == 0.515257
    assert primary["county_value"]["teaching_area_per_student"] == pytest.approx(1913 / 302,
                                                                                  rel=1e-12)
    # 0.515 > 0.50: the balance rule fails here, where the unweighted ÷n form (0.4888) would pass.
    assert primary["cv_met"]["teaching_area_per_student"] is False
    assert doc["counties"][0]["resources"]["verdict"] == "fail"


def test_weighted_cv_function_matches_the_golden_example():
    from junheng.evaluate import weighted_cv

    assert weighted_cv([b / p for p, b in GOLDEN], [p for p, _ in GOLDEN]) == pytest.approx(
        golden_cv(), rel=1e-12)


# --- Inclusive thresholds, the 85 % floor, 6 of 7 --------------------------------------------

def test_value_exactly_at_threshold_meets_it(xlsx):
    # 21 qualified teachers for 500 pupils: exactly 4.2 per 100.
    staff = teachers("A", "primary", 21, education="associate")
    for i, t in enumerate(staff):
        t["backbone"] = "county" if i < 5 else "none"
        t["subject"] = "pe" if 5 <= i < 10 else "chinese"
    # Facilities exactly at the thresholds too: 4.5 m², 7.5 m² and 2000 yuan per pupil
    # (rooms cannot be: 2.3 per 100 is 11.5 rooms for 500 pupils, so 12).
    stages = [stage_row("A", "primary", 500, sports_area_m2=3750, equipment_value_yuan=1_000_000,
                        teaching_area_m2=2250, multimedia_rooms=12)]
    _, doc = run(xlsx, [school_row("A")], stages, staff)
    ind = unit(doc, "A")["indicators"]
    assert ind["qualified_teachers_per100"]["value"] == pytest.approx(4.2, rel=1e-12)
    for key in ("qualified_teachers_per100", "backbone_teachers_per100", "pe_art_teachers_per100",
                "teaching_area_per_student", "sports_area_per_student",
                "equipment_value_per_student", "multimedia_rooms_per100"):
        assert ind[key]["met"] is True, key
        assert "shortfall" not in ind[key]
    assert unit(doc, "A")["met_count"] == 7


def test_one_teacher_short_of_threshold_misses_it_with_shortfall_one(xlsx):
    staff = teachers("A", "primary", 20, education="associate") + \
        teachers("A", "primary", 1, education="secondary")
    _, doc = run(xlsx, [school_row("A")], [stage_row("A", "primary", 500)], staff)
    q = unit(doc, "A")["indicators"]["qualified_teachers_per100"]
    assert q["met"] is False
    assert q["value"] == pytest.approx(4.0, rel=1e-12)
    assert q["shortfall"] == 1 and q["shortfall_unit"] == "teachers"


def test_junior_threshold_exactly_met(xlsx):
    # 5.3 per 100 with 1000 pupils: 53 bachelor teachers; 52 is not enough.
    for n, met in ((53, True), (52, False)):
        staff = teachers("J", "junior", n, education="bachelor") + \
            teachers("J", "junior", 1, education="associate")  # not qualified for junior
        _, doc = run(xlsx, [school_row("J", "junior")], [stage_row("J", "junior", 1000)], staff)
        assert unit(doc, "J", "junior")["indicators"]["qualified_teachers_per100"]["met"] is met


def floor_case(xlsx, area: float):
    """One primary school of 1000 pupils meeting everything but the teaching floor area."""
    staff = passing_teachers("F", "primary", 1000)
    _, doc = run(xlsx, [school_row("F")],
                 [stage_row("F", "primary", 1000, teaching_area_m2=area)], staff)
    return unit(doc, "F")


def test_missed_indicator_at_exactly_85_percent_passes_the_rule(xlsx):
    u = floor_case(xlsx, 3825)  # 0.85 × 4.5 m² × 1000 pupils
    assert u["indicators"]["teaching_area_per_student"]["met"] is False
    assert u["met_count"] == 6
    assert u["meets_rule"] is True


def test_missed_indicator_at_84_9_percent_fails_the_rule(xlsx):
    u = floor_case(xlsx, 3820.5)  # 0.849 × 4.5 × 1000
    assert u["met_count"] == 6
    assert u["meets_rule"] is False


def test_five_of_seven_fails_even_above_the_floor(xlsx):
    staff = passing_teachers("F", "primary", 1000)
    stages = [stage_row("F", "primary", 1000, teaching_area_m2=0.9 * 4.5 * 1000,
                        sports_area_m2=0.9 * 7.5 * 1000)]
    _, doc = run(xlsx, [school_row("F")], stages, staff)
    u = unit(doc, "F")
    assert u["met_count"] == 5
    assert u["meets_rule"] is False


# --- Shortfalls in natural units --------------------------------------------------------------

def test_shortfalls_in_teachers_square_metres_yuan_and_rooms(xlsx):
    # 812 pupils and 6 backbone teachers: 8.12 needed, so 3 more teachers.
    staff = passing_teachers("B", "primary", 812)
    for t in staff:
        t["backbone"] = "none"
    for t in staff[:6]:
        t["backbone"] = "city"
    stages = [stage_row("B", "primary", 812)]
    # 400 pupils: 3000 m² sports area needed (have 2660), 800 000 yuan (have 750 000),
    # 9.2 rooms (have 8).
    staff += passing_teachers("C", "primary", 400)
    stages.append(stage_row("C", "primary", 400, sports_area_m2=2660,
                            equipment_value_yuan=750_000, multimedia_rooms=8))
    _, doc = run(xlsx, [school_row("B"), school_row("C")], stages, staff)
    b = unit(doc, "B")["indicators"]["backbone_teachers_per100"]
    assert (b["met"], b["shortfall"], b["shortfall_unit"]) == (False, 3, "teachers")
    c = unit(doc, "C")["indicators"]
    assert c["sports_area_per_student"]["shortfall"] == pytest.approx(340, rel=1e-9)
    assert c["sports_area_per_student"]["shortfall_unit"] == "m2"
    assert c["equipment_value_per_student"]["shortfall"] == pytest.approx(50_000, rel=1e-9)
    assert c["multimedia_rooms_per100"]["shortfall"] == 2


def test_gap_phrases_in_the_terminal_say_what_is_missing(xlsx):
    from io import StringIO

    from rich.console import Console

    from junheng.report import print_evaluation

    staff = passing_teachers("C", "primary", 400)
    stages = [stage_row("C", "primary", 400, sports_area_m2=2660, equipment_value_yuan=760_000,
                        teaching_area_m2=0.9 * 4.5 * 400)]
    result, _ = run(xlsx, [school_row("C")], stages, staff)
    buffer = StringIO()
    print_evaluation(result, Console(file=buffer, width=200), "zh")
    text = buffer.getvalue().replace("\u00a0", " ")  # no-break spaces in gap phrases
    assert "缺体育运动场馆 340 m²" in text
    # 2000 元 × 400 − 760 000 = 40 000 元: a bureau writes it in 万元 with two decimals.
    assert "缺教学仪器设备 4.00 万元" in text
    buffer = StringIO()
    assert "原因：1 个学校（学段）未达到学校达标要求；0 项差异系数超过限值" in text
    buffer = StringIO()
    print_evaluation(result, Console(file=buffer, width=200), "en")
    english = buffer.getvalue().replace("\u00a0", " ")
    assert "short of 340 m² of sports ground area" in english
    assert "short of 40,000 yuan of teaching equipment" in english
    assert "why: 1 school–stage fails the per-school rule; 0 CVs exceed the limit" in english


# --- Multi-stage schools and the split rule ---------------------------------------------------

def test_nine_year_split_of_school_totals(xlsx):
    # STANDARDS.md §1.1: 166 primary and 210 junior pupils, 23 226 (here m²) given for the school.
    schools = [school_row("N", "nine_year", teaching_area_m2=23226)]
    stages = [stage_row("N", "primary", 166, teaching_area_m2=None),
              stage_row("N", "junior", 210, teaching_area_m2=None)]
    staff = passing_teachers("N", "primary", 166) + passing_teachers("N", "junior", 210)
    result, doc = run(xlsx, schools, stages, staff)
    area = dict(result.units.select("stage", "teaching_area_m2").iter_rows())
    primary = Fraction(23226) * Fraction(166, 397)
    junior = Fraction(23226) * Fraction(231, 397)
    assert area["primary"] == pytest.approx(float(primary), rel=1e-12)
    assert area["junior"] == pytest.approx(float(junior), rel=1e-12)
    assert round(area["primary"], 2) == 9711.63 and round(area["junior"], 2) == 13514.37
    assert unit(doc, "N", "junior")["indicators"]["teaching_area_per_student"]["value"] == \
        pytest.approx(float(junior / 210), rel=1e-12)
    assert any("拆分" in n["zh"] for n in doc["counties"][0]["notes"])


def test_teachers_follow_their_stage_in_a_nine_year_school(xlsx):
    schools = [school_row("N", "nine_year")]
    stages = [stage_row("N", "primary", 100), stage_row("N", "junior", 100)]
    staff = teachers("N", "primary", 7, backbone="county") + teachers("N", "junior", 3,
                                                                       backbone="county")
    result, _ = run(xlsx, schools, stages, staff)
    counts = dict(result.units.select("stage", "teachers_backbone").iter_rows())
    assert counts == {"primary": 7, "junior": 3}


def test_part_time_teachers_count_in_no_indicator(xlsx):
    staff = teachers("A", "primary", 4, backbone="county") + \
        teachers("A", "primary", 5, backbone="county", full_time="否")
    result, _ = run(xlsx, [school_row("A")], [stage_row("A", "primary", 100)], staff)
    assert result.units.get_column("teachers_backbone").to_list() == [4]


# --- CV edge cases and verdicts ---------------------------------------------------------------

def test_school_with_no_pupils_is_listed_and_left_out_of_the_cv(xlsx):
    schools = [school_row(s) for s in ("A", "B", "Z")]
    stages = [stage_row("A", "primary", 100, teaching_area_m2=500),
              stage_row("B", "primary", 300, teaching_area_m2=2400),
              stage_row("Z", "primary", 0, teaching_area_m2=9999)]
    staff = passing_teachers("A", "primary", 100) + passing_teachers("B", "primary", 300) + \
        teachers("Z", "primary", 1)
    _, doc = run(xlsx, schools, stages, staff)
    assert unit(doc, "Z")["meets_rule"] is None
    # By hand: X = 5 and 8, weights 1/4, 3/4: mean 29/4, variance 27/16, CV = sqrt(27)/29.
    cv = doc["counties"][0]["resources"]["stages"]["primary"]["cv"]["teaching_area_per_student"]
    assert cv == pytest.approx(math.sqrt(27) / 29, rel=1e-12)
    assert doc["counties"][0]["resources"]["stages"]["primary"]["schools"] == 3


def test_cv_undefined_when_the_county_value_is_zero(xlsx):
    schools = [school_row(s) for s in ("A", "B")]
    stages = [stage_row(s, "primary", 100, multimedia_rooms=0) for s in ("A", "B")]
    staff = passing_teachers("A", "primary", 100) + passing_teachers("B", "primary", 100)
    _, doc = run(xlsx, schools, stages, staff)
    primary = doc["counties"][0]["resources"]["stages"]["primary"]
    assert primary["cv"]["multimedia_rooms_per100"] is None
    assert primary["cv_met"]["multimedia_rooms_per100"] is False


def test_single_school_has_cv_zero_and_a_passing_county_is_incomplete(xlsx):
    _, doc = run(xlsx, [school_row("A")], [stage_row("A", "primary", 450)],
                 passing_teachers("A", "primary", 450))
    county = doc["counties"][0]
    assert all(v == 0 for v in county["resources"]["stages"]["primary"]["cv"].values())
    assert county["resources"]["verdict"] == "pass"
    assert county["verdict"] == "incomplete"  # three parts of quality-2017 not evaluated yet
    assert "junior" not in county["resources"]["stages"]  # a stage with no schools is absent


def test_counties_are_evaluated_separately(xlsx):
    schools = [school_row("A", county="甲县"), school_row("B", county="乙县"),
               school_row("C", county="乙县")]
    stages = [stage_row("A", "primary", 100, teaching_area_m2=500),
              stage_row("B", "primary", 100, teaching_area_m2=500),
              stage_row("C", "primary", 100, teaching_area_m2=1500)]
    staff = [t for s in "ABC" for t in passing_teachers(s, "primary", 100)]
    _, doc = run(xlsx, schools, stages, staff)
    cvs = {c["county"]: c["resources"]["stages"]["primary"]["cv"]["teaching_area_per_student"]
           for c in doc["counties"]}
    # 乙县: X = 5 and 15 with equal weights: mean 10, S = 5, CV = 0.5 (at the limit: met).
    assert cvs == {"甲县": 0, "乙县": pytest.approx(0.5, rel=1e-12)}
    b = next(c for c in doc["counties"] if c["county"] == "乙县")
    assert b["resources"]["stages"]["primary"]["cv_met"]["teaching_area_per_student"] is True


# --- Teaching points --------------------------------------------------------------------------

def _teaching_point_input():
    schools = [school_row("C", location="town"),
               school_row("P", "teaching_point", location="rural", parent_school_id="C")]
    stages = [stage_row("C", "primary", 400), stage_row("P", "primary", 30)]
    staff = passing_teachers("C", "primary", 400) + teachers("P", "primary", 2,
                                                             education="bachelor")
    return schools, stages, staff


def _profile(tmp_path, body: str):
    path = tmp_path / "province.yaml"
    path.write_text("extends: quality-2017\nid: test-province\n" + body, encoding="utf-8")
    return str(path)


def test_teaching_points_are_their_own_units_by_default(xlsx):
    result, _ = run(xlsx, *_teaching_point_input())
    assert sorted(result.schools.get_column("school_id").to_list()) == ["C", "P"]


def test_exclude_teaching_points_below(xlsx, tmp_path):
    profile = _profile(tmp_path, "units:\n  exclude_teaching_points_below: 50\n")
    result, doc = run(xlsx, *_teaching_point_input(), standard=profile)
    assert result.schools.get_column("school_id").to_list() == ["C"]
    assert any("少于 50 人" in n["zh"] for n in doc["counties"][0]["notes"])
    profile = _profile(tmp_path, "units:\n  exclude_teaching_points_below: 30\n")
    result, _ = run(xlsx, *_teaching_point_input(), standard=profile)
    assert result.schools.height == 2  # 30 pupils is not fewer than 30


def test_merge_teaching_points_into_parent(xlsx, tmp_path):
    profile = _profile(tmp_path, "units:\n  merge_teaching_points_into_parent: true\n")
    result, _ = run(xlsx, *_teaching_point_input(), standard=profile)
    row = result.units.row(0, named=True)
    assert result.units.height == 1
    assert row["school_id"] == "C" and row["students"] == 430
    base = len(passing_teachers("C", "primary", 400))
    assert row["teachers_all"] == base + 2
    assert row["teaching_area_m2"] == pytest.approx(10 * 400 + 10 * 30)


def test_provincial_profile_threshold_changes_the_verdict(xlsx, tmp_path):
    # 5 backbone teachers for 500 pupils meet 1.0 per 100 but not a province's 1.2.
    staff = passing_teachers("A", "primary", 500)
    for t in staff:
        t["backbone"] = "none"
    for t in staff[:5]:
        t["backbone"] = "county"
    data = ([school_row("A")], [stage_row("A", "primary", 500)], staff)
    _, doc = run(xlsx, *data)
    assert unit(doc, "A")["indicators"]["backbone_teachers_per100"]["met"] is True
    profile = _profile(tmp_path, "resources:\n  indicators:\n    backbone_teachers_per100:\n"
                                 "      thresholds: {primary: 1.2, junior: 1.2}\n")
    result, doc = run(xlsx, *data, standard=profile)
    b = unit(doc, "A")["indicators"]["backbone_teachers_per100"]
    assert (b["met"], b["threshold"], b["shortfall"]) == (False, 1.2, 1)
    assert doc["standard"] == "test-province"
    assert result.standard.chain[1] == "quality-2017"


def test_evaluation_tables_are_polars(xlsx):
    result, _ = run(xlsx, [school_row("A")], [stage_row("A", "primary", 450)],
                    passing_teachers("A", "primary", 450))
    assert isinstance(result.schools, pl.DataFrame) and isinstance(result.stages, pl.DataFrame)
    assert result.indicators.height == 7


def test_gap_phrases_stay_whole_on_an_80_column_terminal(tmp_path):
    """A failing school's gaps, one per line, never split between a number and its unit."""
    from io import StringIO

    from rich.console import Console

    from junheng.report import print_evaluation

    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=60, seed=7)
    result = junheng.evaluate(junheng.load(path))
    buffer = StringIO()
    print_evaluation(result, Console(file=buffer, width=80), "zh", part="resources")
    text = buffer.getvalue().replace("\u00a0", " ")
    assert "缺体育艺术教师 3 名（低于85%）" in text
    assert "缺高于规定学历教师 1 名（低于85%）" in text
