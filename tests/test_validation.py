"""Reading and validation: every kind of bad input is reported with table, row and column."""

from __future__ import annotations

import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, teachers, write_csvs, write_xlsx
from junheng import InputError


def problems_of(path):
    with pytest.raises(InputError) as info:
        junheng.load(path)
    return info.value.problems


def find(problems, table, row, column_part):
    hits = [p for p in problems if p.table == table and p.row == row and p.column
            and column_part in p.column]
    assert hits, f"no problem at {table} row {row} {column_part}: {[str(p) for p in problems]}"
    return hits[0]


def good():
    return {
        "schools": [school_row("A"), school_row("B", "nine_year")],
        "stages": [stage_row("A", "primary", 100), stage_row("B", "primary", 100),
                   stage_row("B", "junior", 80)],
        "teachers": teachers("A", "primary", 3) + teachers("B", "primary", 2)
        + teachers("B", "junior", 2),
    }


def test_good_input_loads(xlsx):
    ds = junheng.load(xlsx(**good()))
    assert (ds.schools.height, ds.stages.height, ds.teachers.height) == (2, 3, 7)
    assert ds.warnings == []


def test_missing_required_column(xlsx):
    tables = good()
    for r in tables["stages"]:
        del r["students"]
    p = find(problems_of(xlsx(**tables)), "stages", 1, "students")
    assert "在校生数" in p.expected_zh and "missing" in p.expected_en


def test_wrong_type_negative_and_fractional_counts(xlsx):
    tables = good()
    tables["stages"][0]["students"] = "一百"      # row 2
    tables["stages"][1]["classes"] = -1           # row 3
    tables["stages"][2]["multimedia_rooms"] = 2.5  # row 4
    problems = problems_of(xlsx(**tables))
    p = find(problems, "stages", 2, "students")
    assert p.value == "一百" and "整数" in p.expected_zh and "whole number" in p.expected_en
    assert find(problems, "stages", 3, "classes").value == "-1"
    assert find(problems, "stages", 4, "multimedia_rooms").value == "2.5"


def test_negative_and_non_numeric_areas(xlsx):
    tables = good()
    tables["stages"][0]["sports_area_m2"] = -5.5
    tables["stages"][1]["equipment_value_yuan"] = "n/a"
    problems = problems_of(xlsx(**tables))
    assert find(problems, "stages", 2, "sports_area_m2").value == "-5.5"
    assert find(problems, "stages", 3, "equipment_value_yuan").value == "n/a"


def test_invalid_enum_and_boolean(xlsx):
    tables = good()
    tables["schools"][1]["school_type"] = "大学"
    tables["teachers"][0]["full_time"] = "maybe"
    tables["teachers"][1]["education"] = "phd"
    problems = problems_of(xlsx(**tables))
    p = find(problems, "schools", 3, "school_type")
    assert p.value == "大学" and "nine_year 九年一贯制学校" in p.expected_zh
    assert find(problems, "teachers", 2, "full_time").value == "maybe"
    assert find(problems, "teachers", 3, "education").value == "phd"


def test_empty_required_cell(xlsx):
    tables = good()
    tables["schools"][0]["county"] = None
    p = find(problems_of(xlsx(**tables)), "schools", 2, "county")
    assert p.value is None and "不能为空" in p.expected_zh


def test_duplicate_ids(xlsx):
    tables = good()
    tables["schools"].append(school_row("A"))  # row 4 repeats row 2
    tables["teachers"][3]["teacher_id"] = tables["teachers"][0]["teacher_id"]  # row 5 = row 2
    problems = problems_of(xlsx(**tables))
    p = find(problems, "schools", 4, "school_id")
    assert "第2行" in p.expected_zh and "row 2" in p.expected_en
    find(problems, "teachers", 5, "teacher_id")


def test_unknown_school_references(xlsx):
    tables = good()
    tables["stages"].append(stage_row("X", "primary", 10))  # row 5
    tables["teachers"] += teachers("Y", "primary", 1)          # row 9
    problems = problems_of(xlsx(**tables))
    assert find(problems, "stages", 5, "school_id").value == "X"
    assert find(problems, "teachers", 9, "school_id").value == "Y"


def test_stage_a_school_type_cannot_have_and_duplicate_stage(xlsx):
    tables = good()
    tables["stages"].append(stage_row("A", "junior", 10))    # row 5: a primary school
    tables["stages"].append(stage_row("B", "junior", 10))    # row 6: B junior again
    problems = problems_of(xlsx(**tables))
    p = find(problems, "stages", 5, "stage")
    assert "小学不能有初中学段" in p.expected_zh
    assert "第4行" in find(problems, "stages", 6, "stage").expected_zh


def test_teachers_of_a_school_with_no_stage_rows(xlsx):
    tables = good()
    tables["schools"].append(school_row("C"))
    tables["teachers"] += teachers("C", "primary", 2)  # rows 9 and 10
    problems = problems_of(xlsx(**tables))
    assert "没有任何学段行" in find(problems, "teachers", 9, "school_id").expected_zh
    find(problems, "teachers", 10, "school_id")


def test_teacher_stage_in_a_multi_stage_school(xlsx):
    tables = good()
    tables["teachers"][3]["stage"] = None  # row 5: B is nine-year, stage required
    tables["schools"].append(school_row("D", "nine_year"))
    tables["stages"].append(stage_row("D", "primary", 50))
    tables["teachers"] += teachers("D", "junior", 1)  # row 9: D has no junior stage
    problems = problems_of(xlsx(**tables))
    assert "必须填写任教学段" in find(problems, "teachers", 5, "stage").expected_zh
    assert find(problems, "teachers", 9, "stage").value == "junior"


def test_single_stage_school_teacher_stage_is_placed_with_a_warning(xlsx):
    tables = good()
    tables["teachers"][0]["stage"] = "junior"  # A is a primary school
    tables["teachers"][1]["stage"] = None
    ds = junheng.load(xlsx(**tables))
    a = ds.teachers.filter(ds.teachers["school_id"] == "A")
    assert a.get_column("stage").to_list() == ["primary"] * 3
    assert len(ds.warnings) == 1 and ds.warnings[0].row == 2


def test_facility_figures_missing_without_a_school_total(xlsx):
    tables = good()
    tables["stages"][0]["sports_area_m2"] = None          # row 2, school A gives no total
    tables["stages"][1]["teaching_area_m2"] = None        # row 3, B's junior row is filled
    tables["schools"][1]["teaching_area_m2"] = 1000
    problems = problems_of(xlsx(**tables))
    assert "未给出全校合计" in find(problems, "stages", 2, "sports_area_m2").expected_zh
    assert "全部填写" in find(problems, "stages", 3, "teaching_area_m2").expected_zh


def test_stage_rows_and_school_total_disagree_is_a_warning(xlsx):
    tables = good()
    tables["schools"][1]["teaching_area_m2"] = 1  # B's stage rows sum to far more
    ds = junheng.load(xlsx(**tables))
    assert [w.row for w in ds.warnings] == [3]
    assert "以学段行为准" in ds.warnings[0].expected_zh


def test_missing_table(tmp_path):
    tables = good()
    del tables["teachers"]
    problems = problems_of(write_xlsx(tmp_path / "x.xlsx", tables))
    assert any("teachers" in p.expected_en for p in problems)


def test_every_problem_is_reported_at_once(xlsx):
    tables = good()
    tables["schools"][0]["location"] = "城乡"
    tables["stages"][2]["students"] = -3
    tables["teachers"][4]["backbone"] = "特级"
    tables["teachers"].append({**tables["teachers"][0]})  # duplicate id
    problems = problems_of(xlsx(**tables))
    located = {(p.table, p.row, p.column.split()[-1]) for p in problems}
    assert {("schools", 2, "location"), ("stages", 4, "students"),
            ("teachers", 6, "backbone"), ("teachers", 9, "teacher_id")} <= located


def test_headers_in_chinese_any_order_enum_labels_and_bool_spellings(tmp_path):
    schools = [{"办学类型": "九年一贯制学校", "学校名称": "一校", " 学校标识码 ": "00123",
                "县区": "测试县", "城乡分类": "乡村", "备注": "x"}]
    stages = [{"学段": "小学", "学校标识码": "00123", "在校生数": 100, "班级数": 3,
               "教学及辅助用房面积": 500, "体育运动场馆面积": 900, "教学仪器设备值": 300000,
               "网络多媒体教室数": 3},
              {"学段": "junior", "school_id": "00123", "在校生数": 50, "班级数": 1,
               "教学及辅助用房面积": 500, "体育运动场馆面积": 900, "教学仪器设备值": 300000,
               "网络多媒体教室数": 3}]
    staff = []
    for i, flag in enumerate(["是", "否", "Y", "n", "TRUE", "0", "yes", "1"]):
        staff.append({"教师编号": f"{i:03d}", "学校标识码": "00123",
                      "任教学段": "初中" if i % 2 else "小学", "任教学科": "体育",
                      "专任教师": flag, "最高学历": "本科", "骨干教师级别": "县级"})
    # Mixed: stages uses one English header among the Chinese ones.
    stages[0]["school_id"] = stages[0].pop("学校标识码")
    path = write_xlsx(tmp_path / "zh.xlsx", {"学校": schools, "学段": stages, "教师": staff})
    ds = junheng.load(path)
    assert ds.schools.row(0, named=True)["school_id"] == "00123"  # leading zeros kept
    assert ds.schools.row(0, named=True)["school_type"] == "nine_year"
    assert ds.teachers.get_column("full_time").to_list() == [True, False, True, False, True,
                                                             False, True, True]
    assert ds.teachers.get_column("teacher_id").to_list()[0] == "000"
    assert [w.column for w in ds.warnings] == ["备注"]  # unknown column: one warning


def test_csv_folder_with_bom_and_chinese_file_names(tmp_path):
    tables = good()
    folder = write_csvs(tmp_path / "county", tables, bom=True,
                        names={"schools": "学校", "stages": "学段", "teachers": "教师"})
    ds = junheng.load(folder)
    assert ds.stages.height == 3


def test_csv_errors_report_line_numbers(tmp_path):
    tables = good()
    tables["stages"][1]["students"] = "abc"
    problems = problems_of(write_csvs(tmp_path / "county", tables))
    assert find(problems, "stages.csv", 3, "students").value == "abc"


def test_gb18030_csv_is_read_with_a_warning(tmp_path):
    folder = write_csvs(tmp_path / "county", good())
    text = (folder / "schools.csv").read_text(encoding="utf-8")
    (folder / "schools.csv").write_bytes(text.encode("gb18030"))
    ds = junheng.load(folder)
    assert ds.schools.row(0, named=True)["name"] == "学校A"
    assert any("GB18030" in w.expected_en for w in ds.warnings)


def test_nonexistent_path_and_wrong_kind(tmp_path):
    assert "不存在" in problems_of(tmp_path / "nope.xlsx")[0].expected_zh
    (tmp_path / "a.txt").write_text("x")
    assert ".xlsx" in problems_of(tmp_path / "a.txt")[0].expected_zh


def test_parquet_folder(tmp_path):
    ds = junheng.generate_sample(schools=15, seed=2)
    junheng.io.write_folder(tmp_path / "pq", ds, "parquet")
    back = junheng.load(tmp_path / "pq")
    assert back.teachers.height == ds.teachers.height
    assert back.schools.equals(ds.schools)


def test_a_column_named_twice_by_its_chinese_and_its_code_is_one_problem(tmp_path):
    """学段 and stage heading two columns of one sheet: the duplicate is reported, never a
    crash (the fuzzer found the kept second header colliding with the column's own name)."""
    stages = [{**stage_row("A", "primary", 100), "学段": "primary"}]
    header = ["school_id", "学段", "stage", "students", "classes", "teaching_area_m2",
              "sports_area_m2", "equipment_value_yuan", "multimedia_rooms"]
    path = write_xlsx(tmp_path / "twice.xlsx", {
        "schools": [school_row("A")], "stages": stages,
        "teachers": passing_teachers("A", "primary", 100)}, headers={"stages": header})
    with pytest.raises(junheng.InputError) as info:
        junheng.load(path)
    assert any("重复" in p.expected_zh and "stage" in p.expected_en
               for p in info.value.problems)


def test_rotation_records_of_unknown_teachers_each_reported_in_row_order(tmp_path):
    """Every record whose teacher is not on the roster is a problem on its own row (an id
    on two records twice, a known id with different spaces or case not known), and a record
    with no id is only "required"."""
    tables = good()
    known = [t["teacher_id"] for t in tables["teachers"]]
    ids = [known[0], "GHOST1", known[1], "GHOST1", None, known[2].lower(), "GHOST2"]
    tables["rotations"] = [
        {"teacher_id": tid, "school_year": 2024, "from_school_id": "A", "to_school_id": "B"}
        for tid in ids]
    problems = problems_of(write_csvs(tmp_path / "in", tables))
    unknown = [(p.row, p.value) for p in problems if p.table == "rotations.csv"
               and p.expected_en == "no teacher with this id in the teachers table"]
    # Rows 2–8 hold the records; by hand: the ghosts and the lower-cased id are unknown.
    assert unknown == [(3, "GHOST1"), (5, "GHOST1"), (7, known[2].lower()), (8, "GHOST2")]
    assert find(problems, "rotations.csv", 6, "teacher_id").expected_en.startswith("required")


def test_a_year_out_of_range_names_its_bounds_as_years(tmp_path):
    """A birth year of 1800 expects "1900 到 2200", not "1,900 到 2,200"."""
    tables = good()
    tables["teachers"][0]["birth_year"] = 1800  # row 2
    problems = problems_of(write_csvs(tmp_path / "in", tables))
    p = find(problems, "teachers.csv", 2, "birth_year")
    assert p.expected_zh == "整数，1900 到 2200"
    assert p.expected_en == "a whole number from 1900 to 2200"
