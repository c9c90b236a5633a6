"""Government guarantee, education quality, social recognition, vetoes and the county verdict.

Every expected value is worked by hand at and around its limit (STANDARDS.md §1.3–1.5).
"""

from __future__ import annotations

import json

import polars as pl
import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, teachers
from junheng.model.schema import COUNTY_COLUMNS

COUNTY = "测试县"
VETOES = ["veto_exam_admission", "veto_school_selection", "veto_key_schools",
          "veto_unfilled_posts", "veto_major_incident", "veto_falsified_data"]


def declared_all_met(**override) -> dict:
    """A county row declaring every figure, each meeting its threshold, and no veto."""
    row = {"county": COUNTY, "layout_planned": "是", "unified_standards": "是",
           "small_school_funding": "是", "special_education_funds_per_pupil": 6000,
           "teacher_avg_pay": 100000, "civil_servant_avg_pay": 100000, "posts_allocated": "是",
           "zoned_admission_primary": 1, "zoned_admission_junior": "95%",
           "quota_allocation_share": 0.5, "quota_tilted_rural": "是", "left_behind_care": "是",
           "migrant_children_public_share": 0.85, "junior_retention_rate": 0.95,
           "disabled_enrolment_rate": 0.95, "charters_digital": "是",
           "training_budget_share_min": 0.05, "ict_use": "是", "moral_education": "是",
           "curriculum": "是", "homework_reasonable": "是", "monitoring_level_iii": "是",
           "monitoring_difference_rate": 0.149, "recognition_score": 0.85,
           **{v: "否" for v in VETOES}}
    row.update(override)
    return row


def run(xlsx, schools, stages, staff, year=2025, standard="quality-2017", **optional):
    path = xlsx(schools=schools, stages=stages, teachers=staff, **optional)
    return junheng.evaluate(junheng.load(path), standard, year=year)


def item(ev, key):
    return ev.items.filter((pl.col("item") == key) & (pl.col("county") == COUNTY)).row(
        0, named=True)


def breaches(ev, key):
    return ev.breaches.filter(pl.col("item") == key).to_dicts()


def one_teacher(school_id="A", stage="primary", **attrs):
    return teachers(school_id, stage, 1, **attrs)


# --- Item 4: school size ----------------------------------------------------------------------

@pytest.mark.parametrize(("school_type", "pupils", "met"), [
    ("primary", (2000,), True), ("primary", (2001,), False),
    ("nine_year", (1200, 1300), True), ("nine_year", (1200, 1301), False),
])
def test_school_size_at_its_limit(xlsx, school_type, pupils, met):
    stages = [stage_row("A", s, p) for s, p in zip(("primary", "junior"), pupils, strict=False)]
    ev = run(xlsx, [school_row("A", school_type)], stages, one_teacher())
    assert item(ev, "school_size")["met"] is met
    assert item(ev, "school_size")["source"] == "computed"
    found = breaches(ev, "school_size")
    if met:
        assert found == []
    else:
        limit = 2000 if school_type == "primary" else 2500
        assert [(b["school_id"], b["value"], b["limit"]) for b in found] == [
            ("A", sum(pupils), limit)]


# --- Item 5: class size -----------------------------------------------------------------------

@pytest.mark.parametrize(("stage", "largest", "met"), [
    ("primary", 45, True), ("primary", 46, False), ("junior", 50, True), ("junior", 51, False)])
def test_class_size_at_its_limit(xlsx, stage, largest, met):
    school_type = "primary" if stage == "primary" else "junior"
    ev = run(xlsx, [school_row("A", school_type)],
             [stage_row("A", stage, 400, classes=10, largest_class=largest)], one_teacher(
                 stage=stage))
    assert item(ev, "class_size")["met"] is met


def test_class_size_without_largest_class_fails_only_when_the_average_is_over(xlsx):
    # 460 pupils in 10 classes: the average is 46 > 45, so some class is over the limit.
    ev = run(xlsx, [school_row("A"), school_row("B")],
             [stage_row("A", "primary", 460, classes=10), stage_row("B", "primary", 450,
                                                                      classes=10)],
             one_teacher("A") + one_teacher("B"))
    assert item(ev, "class_size")["met"] is False
    assert [b["school_id"] for b in breaches(ev, "class_size")] == ["A"]
    # B alone (average exactly 45) cannot be judged without its largest class.
    ev = run(xlsx, [school_row("B")], [stage_row("B", "primary", 450, classes=10)],
             one_teacher("B"))
    row = item(ev, "class_size")
    assert (row["met"], row["source"], row["unknown"]) == (None, "missing", 1)
    assert ev.parts.filter(pl.col("part") == "government").row(0, named=True)["verdict"] == \
        "incomplete"


# --- Item 3: music and art rooms --------------------------------------------------------------

def rooms(school_id, music=(96,), art=(90,), older=False):
    return ([{"school_id": school_id, "room_type": "音乐", "area_m2": a,
              "older_building": "是" if older else "否"} for a in music]
            + [{"school_id": school_id, "room_type": "美术", "area_m2": a,
                "older_building": "是" if older else "否"} for a in art])


@pytest.mark.parametrize(("classes", "music", "art", "met"), [
    (12, (96,), (90,), True),        # 12 classes: one room of each, at the minimum areas
    (13, (96,), (90,), False),       # 13 classes need two of each
    (13, (96, 100), (90, 91), True),
    (12, (95.9,), (90,), False),     # a music room under 96 m² does not count
    (12, (96,), (89.9,), False),
    (12, (95, 96), (90,), True),     # a small extra room does no harm
])
def test_music_and_art_rooms_per_twelve_classes(xlsx, classes, music, art, met):
    ev = run(xlsx, [school_row("A")], [stage_row("A", "primary", 500, classes=classes)],
             one_teacher(), rooms=rooms("A", music, art))
    assert item(ev, "music_art_rooms")["met"] is met


def test_rooms_in_older_buildings_follow_the_provincial_option(xlsx):
    args = ([school_row("A")], [stage_row("A", "primary", 500, classes=12)], one_teacher())
    small = rooms("A", (73,), (67,), older=True)
    assert item(run(xlsx, *args, rooms=small), "music_art_rooms")["met"] is False
    ev = run(xlsx, *args, standard="example-province-2017", rooms=small)
    assert item(ev, "music_art_rooms")["met"] is True
    smaller = rooms("A", (72.9,), (67,), older=True)
    ev = run(xlsx, *args, standard="example-province-2017", rooms=smaller)
    assert item(ev, "music_art_rooms")["met"] is False


def test_room_counts_without_areas_fail_or_stay_unknown(xlsx):
    # 13 classes and one room each: too few, whatever their areas.
    ev = run(xlsx, [school_row("A")], [stage_row("A", "primary", 500, classes=13, music_rooms=1,
                                                 art_rooms=1)], one_teacher())
    assert item(ev, "music_art_rooms")["met"] is False
    # 12 classes and one room each: enough rooms, but their areas are unknown.
    ev = run(xlsx, [school_row("A")], [stage_row("A", "primary", 500, classes=12, music_rooms=1,
                                                 art_rooms=1)], one_teacher())
    row = item(ev, "music_art_rooms")
    assert (row["met"], row["source"]) == (None, "missing")


# --- Item 9: training hours -------------------------------------------------------------------

@pytest.mark.parametrize(("career_start", "hours", "met"), [
    (2015, 360, True), (2015, 359.5, False),   # ten years' service: 360 hours in five years
    (2020, 360, True), (2021, 288, True),       # 2021 → 2025: four years, 4 × 72 = 288
    (2021, 287, False), (2023, 144, True), (2023, 143, False),
])
def test_training_hours(xlsx, career_start, hours, met):
    ev = run(xlsx, [school_row("A")], [stage_row("A", "primary", 300)],
             one_teacher(career_start=career_start, training_hours_5y=hours))
    assert item(ev, "training_hours")["met"] is met
    if not met:
        assert [(b["school_id"], b["value"]) for b in breaches(ev, "training_hours")] == [
            ("A", 1)]


def test_training_without_career_start_is_held_to_360_and_noted(xlsx):
    ev = run(xlsx, [school_row("A")], [stage_row("A", "primary", 300)],
             one_teacher(training_hours_5y=300))
    assert item(ev, "training_hours")["met"] is False
    assert any("360" in n.zh for n in ev.notes)


def test_training_falls_back_to_the_declared_completion_rate(xlsx):
    args = ([school_row("A")], [stage_row("A", "primary", 300)], one_teacher())
    ev = run(xlsx, *args)
    assert (item(ev, "training_hours")["source"], item(ev, "training_hours")["met"]) == (
        "missing", None)
    ev = run(xlsx, *args, county=[{"county": COUNTY, "training_completion": "100%"}])
    assert (item(ev, "training_hours")["source"], item(ev, "training_hours")["met"]) == (
        "declared", True)
    ev = run(xlsx, *args, county=[{"county": COUNTY, "training_completion": 0.99}])
    assert item(ev, "training_hours")["met"] is False


# --- Item 11: rotation ------------------------------------------------------------------------

def rotation_county(eligible: int, rotated: int, backbone_rotated: int, newcomers: int = 0,
                    unknown: int = 0, other_year: int = 0):
    """School A (urban) with ``eligible`` teachers at the school since 2019 (six years by 2025),
    of whom ``rotated`` went to village school B in 2025; ``newcomers`` arrived in 2020."""
    staff = teachers("A", "primary", eligible, school_since=2019)
    for t in staff[:backbone_rotated]:
        t["backbone"] = "county"
    staff += teachers("A", "primary", newcomers, school_since=2020)
    staff += teachers("A", "primary", unknown)
    staff += teachers("B", "primary", 2, school_since=2025)
    moves = [{"teacher_id": t["teacher_id"], "from_school_id": "A", "to_school_id": "B",
              "school_year": "2025-2026", "form": "支教"} for t in staff[:rotated]]
    moves += [{"teacher_id": t["teacher_id"], "from_school_id": "A", "to_school_id": "B",
               "school_year": 2024, "form": "定期交流"}
              for t in staff[rotated:rotated + other_year]]
    schools = [school_row("A"), school_row("B", location="rural")]
    stages = [stage_row("A", "primary", 900), stage_row("B", "primary", 100)]
    return schools, stages, staff, moves


@pytest.mark.parametrize(("eligible", "rotated", "backbone", "met"), [
    (30, 3, 1, True),    # 3 of 30 = 10 % exactly; 1 of 3 backbone
    (30, 2, 1, False),   # 2 of 30 < 10 %
    (50, 5, 1, True),    # backbone 1 of 5 = 20 % exactly
    (50, 5, 0, False),   # no backbone teacher among the rotated
    (40, 4, 1, True),
])
def test_rotation_share_and_backbone_share(xlsx, eligible, rotated, backbone, met):
    schools, stages, staff, moves = rotation_county(eligible, rotated, backbone, newcomers=7,
                                                    other_year=3)
    ev = run(xlsx, schools, stages, staff, rotations=moves)
    row = item(ev, "rotation")
    assert row["met"] is met
    # The newcomers (five years at the school) are not eligible; 2024's moves do not count.
    assert row["value"] == pytest.approx(rotated / eligible, rel=1e-12)
    checks = ev.checks.filter(pl.col("item") == "rotation").to_dicts()
    assert checks[1]["value"] == pytest.approx(backbone / rotated, rel=1e-12)


def test_rotation_with_unknown_tenure_is_decided_only_when_it_cannot_change(xlsx):
    # 3 of 30 known eligible, one teacher without school_since: 3/31 < 10 % is possible.
    schools, stages, staff, moves = rotation_county(30, 3, 1, unknown=1)
    row = item(run(xlsx, schools, stages, staff, rotations=moves), "rotation")
    assert (row["met"], row["unknown"]) == (None, 1)
    # 2 of 30 fails whatever the unknown teacher's tenure.
    schools, stages, staff, moves = rotation_county(30, 2, 1, unknown=1)
    assert item(run(xlsx, schools, stages, staff, rotations=moves), "rotation")["met"] is False


def test_rotation_year_defaults_to_the_latest_in_the_records(xlsx):
    schools, stages, staff, moves = rotation_county(30, 3, 1)
    path = xlsx(schools=schools, stages=stages, teachers=staff, rotations=moves)
    ev = junheng.evaluate(junheng.load(path))
    assert ev.year == 2025
    assert item(ev, "rotation")["met"] is True


# --- Item 12: certificates --------------------------------------------------------------------

def test_certificates(xlsx):
    args = ([school_row("A")], [stage_row("A", "primary", 300)])
    ev = run(xlsx, *args, teachers("A", "primary", 5, certified="是"))
    assert item(ev, "certified")["met"] is True
    staff = teachers("A", "primary", 4, certified="是") + teachers("A", "primary", 1,
                                                                  certified="否")
    ev = run(xlsx, *args, staff)
    assert item(ev, "certified")["met"] is False
    assert item(ev, "certified")["value"] == pytest.approx(0.8, rel=1e-12)
    assert [(b["school_id"], b["value"]) for b in breaches(ev, "certified")] == [("A", 1)]
    # A part-time teacher without a certificate is not a full-time teacher: not counted.
    staff = teachers("A", "primary", 4, certified="是") + teachers("A", "primary", 1,
                                                                  certified="否", full_time="否")
    assert item(run(xlsx, *args, staff), "certified")["met"] is True
    staff = teachers("A", "primary", 4, certified="是") + teachers("A", "primary", 1)
    row = item(run(xlsx, *args, staff), "certified")
    assert (row["met"], row["unknown"]) == (None, 1)


# --- Declared items, vetoes, verdicts ---------------------------------------------------------

BASE = ([school_row("A")], [stage_row("A", "primary", 300)])


def test_every_declared_item_at_its_threshold_is_met(xlsx):
    ev = run(xlsx, *BASE, one_teacher(), county=[declared_all_met()])
    declared = ev.items.filter(pl.col("source") == "declared")
    assert declared.height == 19  # 9 government + 9 quality + 1 recognition
    assert declared.get_column("met").to_list() == [True] * 19
    assert ev.parts.filter(pl.col("part") == "quality").row(0, named=True)["verdict"] == "pass"
    assert ev.parts.filter(pl.col("part") == "recognition").row(0, named=True)["verdict"] == \
        "pass"


@pytest.mark.parametrize(("column", "value", "key"), [
    ("special_education_funds_per_pupil", 5999.99, "special_education_funds"),
    ("teacher_avg_pay", 99999, "teacher_pay"),
    ("zoned_admission_junior", "94.9%", "zoned_admission"),
    ("quota_tilted_rural", "否", "quota_allocation"),
    ("migrant_children_public_share", 0.849, "left_behind_migrant"),
    ("junior_retention_rate", 0.9499, "junior_retention"),
    ("monitoring_difference_rate", 0.15, "monitoring"),   # 低于 0.15: 0.15 itself fails
    ("recognition_score", 0.8499, "recognition"),
    ("homework_reasonable", "否", "homework"),
])
def test_a_declared_item_below_its_threshold_fails_its_part(xlsx, column, value, key):
    ev = run(xlsx, *BASE, one_teacher(), county=[declared_all_met(**{column: value})])
    row = item(ev, key)
    assert (row["met"], row["source"]) == (False, "declared")
    part = row["part"]
    assert ev.parts.filter(pl.col("part") == part).row(0, named=True)["verdict"] == "fail"
    assert ev.counties.row(0, named=True)["verdict"] == "fail"


def test_a_missing_declared_item_leaves_its_part_incomplete(xlsx):
    ev = run(xlsx, *BASE, one_teacher(), county=[declared_all_met(recognition_score=None)])
    row = item(ev, "recognition")
    assert (row["met"], row["source"]) == (None, "missing")
    assert ev.parts.filter(pl.col("part") == "recognition").row(0, named=True)["verdict"] == \
        "incomplete"
    # Without any county table every declared item is missing, none passes silently.
    ev = run(xlsx, *BASE, one_teacher())
    declared_items = ev.items.filter(pl.col("source") == "missing")
    assert declared_items.get_column("met").null_count() == declared_items.height >= 19


def complete_county(**county_override):
    """Two schools passing every part of quality-2017 in school year 2025."""
    schools = [school_row("A"), school_row("B", location="rural")]
    stages = [stage_row("A", "primary", 500, classes=12, largest_class=42),
              stage_row("B", "primary", 200, classes=5, largest_class=40)]
    staff = passing_teachers("A", "primary", 500) + passing_teachers("B", "primary", 200)
    for t in staff:
        t.update(school_since=2010, career_start=2005, training_hours_5y=400, certified="是")
    # 32 eligible teachers: 4 rotated (≥ 3.2), one of them backbone (≥ 0.8).
    assert len(staff) == 32
    moves = [{"teacher_id": t["teacher_id"], "from_school_id": "A", "to_school_id": "B",
              "school_year": 2025, "form": "支教"} for t in staff[:4]]
    assert staff[0]["backbone"] == "county"
    room_rows = rooms("A", (100,), (95,)) + rooms("B", (96,), (90,))
    return dict(schools=schools, stages=stages, teachers=staff, rotations=moves,
                rooms=room_rows, county=[declared_all_met(**county_override)])


def test_a_county_meeting_everything_passes(xlsx):
    path = xlsx(**complete_county())
    ev = junheng.evaluate(junheng.load(path), year=2025)
    county = ev.counties.row(0, named=True)
    assert ev.items.filter(pl.col("met").not_() | pl.col("met").is_null()).height == 0
    assert (county["resources_verdict"], county["government_verdict"],
            county["quality_verdict"], county["recognition_verdict"]) == ("pass",) * 4
    assert county["verdict"] == "pass"
    doc = json.loads(ev.to_json())
    entry = doc["counties"][0]
    assert entry["verdict"] == "pass"
    assert entry["vetoes_present"] == []
    assert [entry[p]["verdict"] for p in ("government", "quality", "recognition")] == [
        "pass"] * 3
    rotation = next(i for i in entry["government"]["items"] if i["key"] == "rotation")
    assert (rotation["source"], rotation["met"], rotation["value"], rotation["threshold"]) == (
        "computed", True, 4 / 32, 0.1)
    assert len(entry["government"]["items"]) == 15 and len(entry["quality"]["items"]) == 9


@pytest.mark.parametrize("veto", VETOES)
def test_each_veto_fails_the_county_and_is_named(xlsx, veto):
    path = xlsx(**complete_county(**{veto: "是"}))
    ev = junheng.evaluate(junheng.load(path), year=2025)
    county = ev.counties.row(0, named=True)
    assert county["verdict"] == "fail"
    assert county["vetoes_present"] == [veto.removeprefix("veto_")]
    doc = json.loads(ev.to_json())
    named = doc["counties"][0]["vetoes_present"]
    assert [v["key"] for v in named] == [veto.removeprefix("veto_")]
    assert named[0]["name"]  # the official Chinese wording


def test_an_undeclared_veto_keeps_the_county_from_passing(xlsx):
    path = xlsx(**complete_county(veto_falsified_data=None))
    ev = junheng.evaluate(junheng.load(path), year=2025)
    assert ev.counties.row(0, named=True)["verdict"] == "incomplete"


def test_county_table_columns_are_all_declared_in_the_profile():
    std = junheng.load_standard()
    used = {c.column for p in std.parts for i in p.items for c in i.conditions}
    used |= {str(c.value) for p in std.parts for i in p.items for c in i.conditions
             if c.op == "at_least_column"}
    used |= {v.column for v in std.vetoes}
    assert used == {name for name, _, _ in COUNTY_COLUMNS}
