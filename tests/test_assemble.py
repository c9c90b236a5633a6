"""assemble / school_part / check_part on tiny hand-made Datasets: every expected value is
written out by hand."""

from __future__ import annotations

import polars as pl
import pytest

from junheng.errors import InputError
from junheng.model.assemble import assemble, check_part, school_part
from junheng.model.dataset import Dataset


def county(rows_schools, rows_stages, rows_teachers, rooms=None, grades=None, **extra):
    return Dataset(
        pl.DataFrame(rows_schools, schema=["school_id", "name", "county"], orient="row"),
        pl.DataFrame(rows_stages, schema=["school_id", "stage", "students"], orient="row"),
        pl.DataFrame(rows_teachers, schema=["teacher_id", "school_id", "subject"], orient="row"),
        rooms=None if rooms is None else pl.DataFrame(
            rooms, schema=["school_id", "room_type", "area_m2"], orient="row"),
        grades=None if grades is None else pl.DataFrame(
            grades, schema=["school_id", "grade", "students"], orient="row"),
        **extra)


@pytest.fixture
def base():
    return county(
        [("A1", "一小", "甲县"), ("A2", "二小", "甲县"), ("A3", "一中", "甲县")],
        [("A1", "primary", 100), ("A2", "primary", 200), ("A3", "junior", 300)],
        [("t1", "A1", "math"), ("t2", "A2", "pe"), ("t3", "A2", "art"), ("t4", "A3", "math")],
        rooms=[("A1", "music", 60.0), ("A2", "art", 70.0)],
        grades=[("A2", 1, 35), ("A2", 2, 36)],
        county=pl.DataFrame({"county": ["甲县"], "layout_planned": [True]}),
        rotations=pl.DataFrame({"teacher_id": ["t2"], "from_school_id": ["A2"],
                                "to_school_id": ["A1"], "school_year": [2025]}),
        births=pl.DataFrame({"county": ["甲县"], "year": [2019], "births": [900]}),
    )


def test_a_part_replaces_that_school_rows_and_keeps_the_others(base):
    part = county([("A2", "二小（新）", "甲县")], [("A2", "primary", 210)],
                  [("t2", "A2", "pe"), ("t9", "A2", "music")],
                  rooms=[("A2", "art", 72.5), ("A2", "music", 55.0)])
    out = assemble(base, {"A2": part})
    assert out.schools.rows() == [("A1", "一小", "甲县"), ("A3", "一中", "甲县"),
                                  ("A2", "二小（新）", "甲县")]
    assert out.stages.rows() == [("A1", "primary", 100), ("A3", "junior", 300),
                                 ("A2", "primary", 210)]
    assert out.teachers.rows() == [("t1", "A1", "math"), ("t4", "A3", "math"),
                                   ("t2", "A2", "pe"), ("t9", "A2", "music")]
    assert out.rooms.rows() == [("A1", "music", 60.0), ("A2", "art", 72.5),
                                ("A2", "music", 55.0)]
    # the part has no grades: the school's grade rows are gone, no other school had any
    assert out.grades is None
    # the county-level tables are the base's, untouched
    assert out.county.rows() == [("甲县", True)]
    assert out.rotations.rows() == [("t2", "A2", "A1", 2025)]
    assert out.births.rows() == [("甲县", 2019, 900)]


def test_several_parts_follow_in_order_of_school_id(base):
    a3 = county([("A3", "一中", "甲县")], [("A3", "junior", 333)], [("t4", "A3", "math")])
    a1 = county([("A1", "一小", "甲县")], [("A1", "primary", 111)], [("t1", "A1", "math")],
                grades=[("A1", 1, 20)])
    out = assemble(base, {"A3": a3, "A1": a1})
    assert out.stages.rows() == [("A2", "primary", 200), ("A1", "primary", 111),
                                 ("A3", "junior", 333)]
    assert out.grades.rows() == [("A2", 1, 35), ("A2", 2, 36), ("A1", 1, 20)]
    assert out.rooms.rows() == [("A2", "art", 70.0)]  # A1's music room left with its part


def test_a_new_school_is_added_and_no_base_gives_the_parts_alone(base):
    new = county([("A4", "四小", "甲县")], [("A4", "primary", 40)], [("t8", "A4", "chinese")])
    out = assemble(base, {"A4": new})
    assert out.schools["school_id"].to_list() == ["A1", "A2", "A3", "A4"]
    assert out.teachers.height == 5
    alone = assemble(None, {"A4": new})
    assert alone.schools.rows() == [("A4", "四小", "甲县")]
    assert alone.county is None and alone.rotations is None and alone.births is None


def test_no_part_gives_the_base_rows_and_nothing_at_all_is_refused(base):
    out = assemble(base, {})
    assert out.stages.rows() == base.stages.rows()
    assert out.rooms.rows() == base.rooms.rows()
    with pytest.raises(ValueError):
        assemble(None, {})


def test_a_part_with_a_missing_optional_column_gets_nulls_there(base):
    part = Dataset(pl.DataFrame({"school_id": ["A1"], "name": ["一小"], "county": ["甲县"]}),
                   pl.DataFrame({"school_id": ["A1"], "stage": ["primary"]}),  # no students
                   pl.DataFrame({"teacher_id": ["t1"], "school_id": ["A1"],
                                 "subject": ["math"]}))
    out = assemble(base, {"A1": part})
    assert out.stages.rows() == [("A2", "primary", 200), ("A3", "junior", 300),
                                 ("A1", "primary", None)]


def test_school_part_holds_one_school_and_no_county_tables(base):
    part = school_part(base, "A2")
    assert part.schools.rows() == [("A2", "二小", "甲县")]
    assert part.stages.rows() == [("A2", "primary", 200)]
    assert part.teachers.rows() == [("t2", "A2", "pe"), ("t3", "A2", "art")]
    assert part.rooms.rows() == [("A2", "art", 70.0)]
    assert part.grades.rows() == [("A2", 1, 35), ("A2", 2, 36)]
    assert part.county is None and part.rotations is None and part.births is None
    a3 = school_part(base, "A3")
    assert a3.rooms is None and a3.grades is None  # no rows there: absent
    with pytest.raises(InputError) as err:
        school_part(base, "A9")
    assert err.value.problems[0].value == "A9"
    assert err.value.problems[0].table == "学校"


def test_check_part_accepts_the_right_school(base):
    assert check_part(school_part(base, "A1"), "A1", "甲县") == []


def test_check_part_locates_every_problem(base):
    two = county([("A1", "一小", "甲县"), ("A2", "二小", "乙县")],
                 [("A1", "primary", 1), ("A2", "primary", 2)],
                 [("t1", "A1", "math"), ("t2", "A2", "pe")],
                 rotations=pl.DataFrame({"teacher_id": ["t1"]}))
    found = [(p.table, p.column, p.value, p.expected_zh) for p in check_part(two, "A1", "甲县")]
    assert found == [
        ("学校", "学校标识码 school_id", "A1、A2", "应只含本校（A1）一所学校，实有 2 所"),
        ("学校", "县区 county", "乙县", "应为本县「甲县」的学校"),
        ("学段", "学校标识码 school_id", "A2", "只能填报本校（A1）的数据，不含其他学校的行"),
        ("教师", "学校标识码 school_id", "A2", "只能填报本校（A1）的数据，不含其他学校的行"),
        ("交流轮岗记录", None, "1 行 rows", "县级表由教育局填报，学校填报时请留空"),
    ]
    # every problem carries its English too
    assert all(p.expected_en for p in check_part(two, "A1", "甲县"))


def test_check_part_names_a_wrong_school_id(base):
    found = check_part(school_part(base, "A3"), "A1", "甲县")
    assert [(p.column, p.value) for p in found] == [
        ("学校标识码 school_id", "A3"), ("学校标识码 school_id", "A3"),
        ("学校标识码 school_id", "A3")]
    assert [p.table for p in found] == ["学校", "学段", "教师"]
    assert found[0].expected_en == "must be this school's id A1"
