"""The projection's optional input tables (issue 14): 年级学生 (pupils by grade) and 出生人口
(births by year), read, typed and checked like every other table."""

from __future__ import annotations

import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, write_xlsx


def _county(tmp_path, grades=None, births=None):
    tables = {"schools": [school_row("P"), school_row("J", "junior")],
              "stages": [stage_row("P", "primary", 120), stage_row("J", "junior", 90)],
              "teachers": passing_teachers("P", "primary", 120)
              + passing_teachers("J", "junior", 90)}
    if grades is not None:
        tables["grades"] = grades
    if births is not None:
        tables["births"] = births
    return write_xlsx(tmp_path / "county.xlsx", tables)


def test_grades_and_births_load_typed(tmp_path):
    grades = [{"school_id": "P", "grade": g, "students": 20, "classes": 1} for g in range(1, 7)]
    grades += [{"school_id": "J", "grade": g, "students": 30} for g in (7, 8, 9)]
    births = [{"county": "测试县", "year": y, "births": 25 - (y - 2015)} for y in range(2015, 2021)]
    data = junheng.load(_county(tmp_path, grades, births))
    assert data.grades.height == 9 and data.births.height == 6
    assert data.grades.filter(data.grades["school_id"] == "P")["students"].sum() == 120
    assert dict(zip(data.births["year"], data.births["births"], strict=True))[2020] == 20
    assert data.grades["classes"].null_count() == 3  # the junior rows gave none


def test_grade_rows_are_checked_against_the_schools_and_their_stages(tmp_path):
    grades = [{"school_id": "P", "grade": 8, "students": 20},  # P has no junior stage
              {"school_id": "X", "grade": 1, "students": 20},  # no such school
              {"school_id": "J", "grade": 7, "students": 30},
              {"school_id": "J", "grade": 7, "students": 31},  # twice
              {"school_id": "J", "grade": 10, "students": 30}]  # no grade 10
    births = [{"county": "别县", "year": 2019, "births": 10},
              {"county": "测试县", "year": 2019, "births": 10},
              {"county": "测试县", "year": 2019, "births": 11}]
    with pytest.raises(junheng.InputError) as info:
        junheng.load(_county(tmp_path, grades, births))
    found = {(p.table, p.row, p.value) for p in info.value.problems}
    assert ("grades", 2, "8") in found
    assert ("grades", 3, "X") in found
    assert ("grades", 5, "7") in found  # row 5: the second grade 7 of J
    assert any(p.table == "grades" and p.row == 6 for p in info.value.problems)
    assert ("births", 2, "别县") in found
    assert ("births", 4, "2019") in found
    messages = " ".join(p.expected_en for p in info.value.problems)
    assert "no junior stage" in messages and "already on row 4" in messages
