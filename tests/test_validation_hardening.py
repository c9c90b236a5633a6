"""Hardening of the input (issue 12): an unfilled workbook, repeated headers, inexact and
absurd numbers, unit slips, units in the template's headers, and text Excel would cut.

Every expected value here is written by hand from the input the test builds, never computed by
the code under test.
"""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import polars as pl
import pytest
from openpyxl.styles import Font

import junheng
from conftest import school_row, write_csvs, write_xlsx
from junheng import InputError
from test_validation import good  # the same small valid county

TEACHER_HEADERS = ["teacher_id", "school_id", "stage", "subject", "full_time", "education",
                   "backbone"]


def problems_of(path) -> list:
    with pytest.raises(InputError) as info:
        junheng.load(path)
    return info.value.problems




def at(problems, table: str, row: int | None) -> list:
    return [p for p in problems if p.table == table and p.row == row]


# --- 1. Nothing to evaluate -------------------------------------------------------------------

def test_blank_template_says_there_is_nothing_to_evaluate(tmp_path):
    path = junheng.write_template(tmp_path / "t.xlsx")
    (p,) = problems_of(path)
    assert (p.table, p.row, p.column) == ("学校", None, None)
    assert "没有可评估的学校" in p.expected_zh and "nothing to evaluate" in p.expected_en


def test_template_with_formatted_and_blank_rows_is_still_unfilled(tmp_path):
    # What a user leaves after typing into rows and deleting the contents again.
    path = junheng.write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["学校"]
    sheet["A3"].font = Font(bold=True)
    sheet["B5"] = "   "
    sheet["C9"] = ""
    book.save(path)
    (p,) = problems_of(path)
    assert (p.table, p.row) == ("学校", None) and "没有可评估的学校" in p.expected_zh


def test_header_only_csv_folder_says_there_is_nothing_to_evaluate(tmp_path):
    folder = tmp_path / "county"
    folder.mkdir()
    (folder / "schools.csv").write_text("school_id,name,county,school_type,location\n")
    (folder / "stages.csv").write_text("school_id,stage,students\n")
    (folder / "teachers.csv").write_text(",".join(TEACHER_HEADERS) + "\n")
    problems = problems_of(folder)
    assert [p.expected_en.split(":")[0] for p in at(problems, "schools.csv", None)] == [
        "nothing to evaluate"]


def test_empty_stages_and_teachers_while_schools_has_rows(tmp_path):
    tables = {"schools": [school_row("A")], "stages": [], "teachers": []}
    headers = {"stages": ["school_id", "stage", "students", "classes", "teaching_area_m2",
                          "sports_area_m2", "equipment_value_yuan", "multimedia_rooms"],
               "teachers": TEACHER_HEADERS}
    problems = problems_of(write_xlsx(tmp_path / "x.xlsx", tables, headers=headers))
    (stages,) = at(problems, "stages", None)
    (staff,) = at(problems, "teachers", None)
    assert "学段表没有任何数据行" in stages.expected_zh and "no data rows" in stages.expected_en
    assert "教师表没有任何数据行" in staff.expected_zh and "no data rows" in staff.expected_en


def test_cli_exits_2_on_the_blank_template(tmp_path):
    path = junheng.write_template(tmp_path / "t.xlsx")
    done = subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()",
                           "evaluate", str(path), "--json", str(tmp_path / "out.json")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "没有可评估的学校" in done.stdout + done.stderr
    assert not (tmp_path / "out.json").exists()


def test_blank_rows_between_data_are_skipped_and_rows_keep_their_numbers(tmp_path):
    tables = good()
    # Rows 2 and 3 of stages, a blank row 4 (formatted, no value), then B junior on row 5.
    path = write_xlsx(tmp_path / "x.xlsx", tables)
    book = openpyxl.load_workbook(path)
    sheet = book["stages"]
    sheet.insert_rows(4)
    sheet["A4"].font = Font(bold=True)
    sheet["C5"] = "abc"  # B junior's students
    book.save(path)
    (p,) = problems_of(path)
    assert (p.table, p.row, p.value) == ("stages", 5, "abc")


def test_school_without_stage_rows_is_warned(xlsx):
    tables = good()
    tables["schools"].append(school_row("C"))  # row 4, no stage row, no teachers
    ds = junheng.load(xlsx(**tables))
    (w,) = ds.warnings
    assert (w.table, w.row, w.value) == ("schools", 4, "C")
    assert "没有任何学段行" in w.expected_zh and "not evaluated" in w.expected_en


# --- 2. A repeated header ---------------------------------------------------------------------

def test_exactly_repeated_header_in_a_workbook_is_an_error(tmp_path):
    tables = good()
    # Columns A … G, then 教师编号 again in H: fastexcel reads the second as 教师编号_1.
    headers = {"teachers": ["教师编号", "学校标识码", "任教学段", "任教学科", "专任教师", "最高学历",
                            "骨干教师级别", "教师编号"]}
    for t in tables["teachers"]:
        for zh, en in zip(headers["teachers"][:7], TEACHER_HEADERS, strict=True):
            t[zh] = t.pop(en)
    (p,) = problems_of(write_xlsx(tmp_path / "x.xlsx", tables, headers=headers))
    assert (p.table, p.row, p.value) == ("teachers", 1, "教师编号")
    assert "A列" in p.column and "H列" in p.column
    assert "A列和H列都是「教师编号」" in p.expected_zh
    assert "columns A and H are both '教师编号'" in p.expected_en


def test_exactly_repeated_header_in_a_csv_is_an_error(tmp_path):
    folder = write_csvs(tmp_path / "county", good())
    lines = (folder / "stages.csv").read_text(encoding="utf-8").splitlines()
    # students (column C) repeated as a ninth column I: polars reads it as students_duplicated_0.
    lines = [line + "," + line.split(",")[2] for line in lines]
    (folder / "stages.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (p,) = problems_of(folder)
    assert (p.table, p.row, p.value) == ("stages.csv", 1, "students")
    assert "C列和I列都是「students」" in p.expected_zh


def test_two_spellings_of_one_column_name_both_letters(tmp_path):
    tables = good()
    for t in tables["teachers"]:
        t["教师编号"] = t["teacher_id"]  # the eighth column, H
    (p,) = problems_of(write_xlsx(tmp_path / "x.xlsx", tables))
    assert (p.table, p.row) == ("teachers", 1)
    assert "H列" in p.column and "与A列「teacher_id」重复" in p.expected_zh


def test_repeated_unrecognised_header_is_a_warning(tmp_path):
    tables = good()
    headers = {"schools": ["school_id", "name", "county", "school_type", "location", "备注",
                           "备注"]}
    ds = junheng.load(write_xlsx(tmp_path / "x.xlsx", tables, headers=headers))
    assert [(w.table, w.row, w.column) for w in ds.warnings] == [
        ("schools", 1, "备注"), ("schools", 1, "备注（F列、G列 columns F, G）")]
    assert "F列和G列都是「备注」" in ds.warnings[1].expected_zh


def test_a_users_own_numbered_header_is_not_taken_for_a_repeat(tmp_path):
    tables = good()
    for r in tables["stages"]:
        r["students_2023"] = 1  # last year's pupils: an extra column, not a repeat
    ds = junheng.load(write_xlsx(tmp_path / "x.xlsx", tables))
    assert [(w.column, w.expected_en) for w in ds.warnings] == [
        ("students_2023", "unrecognised column, kept and ignored")]


# --- 3. Exact integers, finite numbers, declared bounds ----------------------------------------

def test_pupils_beyond_2_53_are_rejected_not_rounded(xlsx):
    tables = good()
    tables["stages"][0]["students"] = "9007199254740993"  # 2^53 + 1 as text, row 2
    (p,) = problems_of(xlsx(**tables))
    assert (p.table, p.row, p.value) == ("stages", 2, "9007199254740993")
    assert "整数" in p.expected_zh and "1,000,000" in p.expected_en


def test_integers_beyond_2_53_in_parquet_are_rejected(tmp_path):
    ds = junheng.generate_sample(schools=4, seed=3)
    junheng.io.write_folder(tmp_path / "pq", ds, "parquet")
    stages = pl.read_parquet(tmp_path / "pq" / "stages.parquet")
    stages = stages.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(2**53 + 1)
                                 .otherwise(pl.col("students")).alias("students"))
    stages.write_parquet(tmp_path / "pq" / "stages.parquet")
    (p,) = problems_of(tmp_path / "pq")
    assert (p.table, p.row, p.value) == ("stages.parquet", 2, "9007199254740993")


def test_a_float_column_without_a_declared_bound_still_holds_only_exact_values(xlsx):
    tables = good()
    tables["county"] = [{"county": "测试县", "monitoring_difference_rate": "9007199254740993"}]
    (p,) = problems_of(xlsx(**tables))
    assert (p.table, p.row, p.value) == ("county", 2, "9007199254740993")
    assert "2⁵³" in p.expected_zh


@pytest.mark.parametrize(("cell", "shown"), [
    ("inf", "inf"), ("-inf", "-inf"), ("nan", "nan"), ("1e308", "1e308"), (1e308, "1e+308"),
    (1e12, "1000000000000")])
def test_non_finite_and_absurd_areas_are_rejected_once(xlsx, cell, shown):
    tables = good()
    tables["stages"][1]["sports_area_m2"] = cell  # row 3
    (p,) = problems_of(xlsx(**tables))  # one problem: no echo from the facility check
    assert (p.table, p.row, p.value) == ("stages", 3, shown)
    assert "sports_area_m2" in p.column
    assert p.expected_zh == "数值，0 到 100,000,000（m²）"


@pytest.mark.parametrize(("table", "row", "column", "ok", "bad"), [
    ("stages", 0, "students", 1_000_000, 1_000_001),
    ("stages", 0, "classes", 100_000, 100_001),
    ("stages", 0, "equipment_value_yuan", 1e11, 1.000001e11),
    ("stages", 0, "teaching_area_m2", 1e8, 100_000_001),
    ("stages", 0, "music_rooms", 100_000, 100_001),
    ("stages", 0, "books", 100_000_000, 100_000_001),
    ("schools", 0, "latitude", -90, -90.5),
    ("schools", 0, "longitude", 180, 180.5),
    ("teachers", 0, "birth_year", 2200, 2201),
    ("teachers", 0, "schools_served", 100, 101),
    ("teachers", 0, "training_hours_5y", 43_920, 43_921),
])
def test_declared_bounds_are_inclusive(xlsx, table, row, column, ok, bad):
    tables = good()
    tables[table][row][column] = ok
    junheng.load(xlsx(**tables))
    tables[table][row][column] = bad
    (p,) = problems_of(xlsx(**tables))
    assert (p.table, p.row) == (table, 2) and column in p.column


# --- 4. Plausibility: a unit slip warns -------------------------------------------------------

def test_equipment_in_wan_yuan_warns_for_every_school_of_the_sample(tmp_path):
    path = junheng.write_sample(tmp_path / "county.xlsx", schools=12, seed=1)
    book = openpyxl.load_workbook(path)
    expected = set()
    for name in ("学段", "学校"):
        sheet = book[name]
        headers = [c.value for c in sheet[1]]
        money = headers.index("教学仪器设备值（元）") + 1
        pupils = headers.index("在校生数（人）") + 1 if name == "学段" else None
        for row in range(3, sheet.max_row + 1):
            cell = sheet.cell(row, money)
            if cell.value is None:
                continue
            cell.value = cell.value / 10000  # the same figures, in 万元
            # Every real figure of the sample is ≥ 1000 元 per pupil, so ÷ 10 000 is < 100.
            if pupils and sheet.cell(row, pupils).value:
                expected.add((name, row))
    book.save(path)
    assert len(expected) >= 12
    ds = junheng.load(path)
    warned = {(w.table, w.row) for w in ds.warnings if "是否按万元填写" in w.expected_zh}
    assert warned == expected
    w = next(w for w in ds.warnings if (w.table, w.row) == ("学段", 3))
    assert "equipment_value_yuan" in w.column
    assert w.expected_zh.startswith("生均 ") and "元，远低于任何实际学校" in w.expected_zh
    assert "entered in 万元" in w.expected_en and "the unit is yuan" in w.expected_en


def test_equipment_warning_names_the_value_per_pupil(xlsx):
    tables = good()
    tables["stages"][0]["equipment_value_yuan"] = 4960  # 100 pupils: 49.6 per pupil, row 2
    ds = junheng.load(xlsx(**tables))
    (w,) = ds.warnings
    assert (w.table, w.row, w.value) == ("stages", 2, "4960")
    assert w.expected_zh == ("生均 49.6 元，远低于任何实际学校（低于 100 元）；是否按万元填写？"
                             "应以元为单位")
    assert w.expected_en.startswith("49.6 yuan per pupil, far below any real school")


def test_areas_in_hectares_warn_on_the_school_total_they_are_split_from(xlsx):
    tables = good()
    # B is nine-year: its stage rows leave the areas to the school row (row 3), 180 pupils.
    for r in tables["stages"][1:]:
        r["teaching_area_m2"] = None
        r["sports_area_m2"] = None
    tables["schools"][1]["teaching_area_m2"] = 0.09    # 900 m² in hectares: 0.0005 per pupil
    tables["schools"][1]["sports_area_m2"] = 1800      # 10 m² per pupil: real
    ds = junheng.load(xlsx(**tables))
    (w,) = ds.warnings
    assert (w.table, w.row, w.value) == ("schools", 3, "0.09")
    assert "teaching_area_m2" in w.column
    assert w.expected_zh.startswith("生均 0.0005 m²，远低于任何实际学校（低于 0.5 m²）")
    assert "hectares" in w.expected_en


def test_sports_area_just_above_the_limit_and_zero_are_not_warned(xlsx):
    tables = good()
    tables["stages"][0]["sports_area_m2"] = 50  # 0.5 per pupil: at the limit, not below
    tables["stages"][1]["sports_area_m2"] = 0   # no ground: a fact, not a unit slip
    tables["stages"][2]["sports_area_m2"] = 39.9  # 80 pupils: 0.49875, warned (row 4)
    ds = junheng.load(xlsx(**tables))
    assert [(w.table, w.row) for w in ds.warnings] == [("stages", 4)]


def test_more_teachers_than_pupils_warns(xlsx):
    tables = good()
    tables["stages"][0]["students"] = 2  # A has 3 teachers, row 2
    tables["stages"][0]["classes"] = 1
    ds = junheng.load(xlsx(**tables))
    (w,) = [w for w in ds.warnings if "teachers" in w.expected_en]
    assert (w.table, w.row, w.value) == ("stages", 2, "2")
    assert "students" in w.column
    assert w.expected_zh.startswith("教师 3 名，多于在校生 2 人")
    assert w.expected_en.startswith("3 teachers but 2 pupils")


def test_the_sample_county_is_plausible(tmp_path):
    for seed in (1, 7):
        ds = junheng.generate_sample(schools=60, seed=seed)
        path = junheng.write_workbook(tmp_path / f"s{seed}.xlsx", ds)
        assert junheng.load(path).warnings == []


# --- 5. Units in the template's headers -------------------------------------------------------

def test_template_headers_carry_their_units(tmp_path):
    book = openpyxl.load_workbook(junheng.write_template(tmp_path / "t.xlsx"))
    headers = {name: [c.value for c in book[name][1]] for name in ("学校", "学段", "专用教室",
                                                                    "县级指标", "教师")}
    assert {"教学及辅助用房面积（m²）", "体育运动场馆面积（m²）", "教学仪器设备值（元）",
            "网络多媒体教室数（间）"} <= set(headers["学校"])
    assert headers["学段"] == [
        "学校标识码", "学段", "在校生数（人）", "班级数（个）", "教学及辅助用房面积（m²）",
        "体育运动场馆面积（m²）", "教学仪器设备值（元）", "网络多媒体教室数（间）", "最大班额（人）",
        "音乐专用教室数（间）", "美术专用教室数（间）", "图书册数（册）", "计算机台数（台）"]
    assert "使用面积（m²）" in headers["专用教室"]
    assert {"教师平均工资收入（元）", "特殊教育学校生均公用经费（元）"} <= set(headers["县级指标"])
    assert "任教学校数（所）" in headers["教师"]


@pytest.mark.parametrize("header", [
    "教学仪器设备值", "教学仪器设备值（元）", "教学仪器设备值(元)", " 教学仪器设备值 （元） ",
    "equipment_value_yuan", "EQUIPMENT_VALUE_YUAN", "equipment_value_yuan（元）"])
def test_headers_with_and_without_the_unit_are_accepted(xlsx, header, tmp_path):
    tables = good()
    for r in tables["stages"]:
        r[header] = r.pop("equipment_value_yuan")
    ds = junheng.load(xlsx(**tables))
    assert ds.stages.get_column("equipment_value_yuan").to_list() == [500000, 500000, 400000]
    assert ds.warnings == []


@pytest.mark.parametrize("header", ["体育运动场馆面积（㎡）", "体育运动场馆面积（m2）",
                                    "体育运动场馆面积（平方米）"])
def test_spellings_of_square_metres_are_accepted(xlsx, header):
    tables = good()
    for r in tables["stages"]:
        r[header] = r.pop("sports_area_m2")
    assert junheng.load(xlsx(**tables)).stages.get_column("sports_area_m2").to_list() == [
        2000, 2000, 1600]


def test_a_header_in_another_unit_is_one_error(xlsx):
    tables = good()
    for r in tables["stages"]:
        r["教学仪器设备值（万元）"] = r.pop("equipment_value_yuan") / 10000
    problems = problems_of(xlsx(**tables))
    (p,) = problems  # the header, not also every cell of the column
    assert (p.table, p.row, p.value) == ("stages", 1, "教学仪器设备值（万元）")
    assert "H列" in p.column  # the eighth column
    assert "「万元」不是本列的单位「元」" in p.expected_zh
    assert "教学仪器设备值（元）" in p.expected_zh and "'万元'" in p.expected_en


def test_a_missing_column_is_named_as_the_template_heads_it(xlsx):
    tables = good()
    for r in tables["stages"]:
        del r["students"]
    (p,) = problems_of(xlsx(**tables))
    assert "在校生数（人）" in p.expected_zh


# --- 6. Text Excel would cut ------------------------------------------------------------------

def test_text_over_excels_cell_limit_is_refused_before_writing(tmp_path):
    ds = junheng.generate_sample(schools=4, seed=3)
    ds.schools = ds.schools.with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("校" * 32768))
        .otherwise(pl.col("name")).alias("name"))
    target = tmp_path / "out.xlsx"
    with pytest.raises(InputError) as info:
        junheng.write_workbook(target, ds)
    (p,) = info.value.problems
    assert (p.table, p.column) == ("学校", "学校名称 name")
    assert "第 2 条记录" in p.expected_zh and "32767" in p.expected_zh
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_text_at_excels_cell_limit_is_written_whole(tmp_path):
    ds = junheng.generate_sample(schools=4, seed=3)
    ds.schools = ds.schools.with_columns(
        pl.when(pl.int_range(pl.len()) == 1).then(pl.lit("校" * 32767))
        .otherwise(pl.col("name")).alias("name"))
    back = junheng.load(junheng.write_workbook(tmp_path / "out.xlsx", ds))
    assert back.schools.get_column("name")[1] == "校" * 32767
