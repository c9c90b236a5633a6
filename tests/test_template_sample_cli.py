"""The template, the sample county, the standards loader and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest

import junheng
from conftest import school_row, stage_row, teachers, write_xlsx
from junheng.model.schema import ENUMS, TABLES
from junheng.standards import StandardError


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


# --- Template ---------------------------------------------------------------------------------

def test_template_has_chinese_headers_codes_and_dropdowns(tmp_path):
    path = junheng.write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["填表说明", "学校", "学段", "教师", "县级指标", "交流轮岗记录", "专用教室",
                              "年级学生", "出生人口", "集团"]
    sheet = book["教师"]
    headers = [c.value for c in sheet[1]]
    codes = [c.value for c in sheet[2]]
    assert headers == [c.header for c in TABLES["teachers"].columns]
    assert codes == [c.name for c in TABLES["teachers"].columns]
    lists = {str(dv.sqref).split(":")[0]: dv.formula1
             for dv in sheet.data_validations.dataValidation if dv.type == "list"}
    education_cell = openpyxl.utils.get_column_letter(codes.index("education") + 1) + "3"
    assert all(label in lists[education_cell] for label in ENUMS["education"].labels.values())
    # An empty template has nothing to evaluate: one problem, at the schools sheet.
    with pytest.raises(junheng.InputError) as info:
        junheng.load(path)
    (p,) = info.value.problems
    assert p.table == "学校" and "没有可评估的学校" in p.expected_zh


def test_filled_template_reads_back_without_change(tmp_path):
    ds = junheng.generate_sample(schools=25, seed=11)
    path = junheng.write_workbook(tmp_path / "filled.xlsx", ds)
    back = junheng.load(path)
    assert set(back.tables()) == set(ds.tables())
    for name, expected in ds.tables().items():
        got = getattr(back, name).select(expected.columns)
        assert got.equals(expected), name


def test_user_filled_template_with_openpyxl_reads_with_row_numbers(tmp_path):
    path = junheng.write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["学校"]
    sheet.append(["0042", "一小", "测试县", "小学", "城区"])
    book["学段"].append(["0042", "小学", "abc", 3, 500, 900, 200000, 3])
    book["教师"].append(["T1", "0042", "小学", "语文", "是", "本科", "无"])
    book.save(path)
    with pytest.raises(junheng.InputError) as info:
        junheng.load(path)
    (p,) = info.value.problems
    assert (p.table, p.row, p.value) == ("学段", 3, "abc")  # row 3: below the code row


# --- Sample -----------------------------------------------------------------------------------

def test_sample_is_reproducible_and_realistic():
    a = junheng.generate_sample(schools=60, seed=7)
    b = junheng.generate_sample(schools=60, seed=7)
    assert a.teachers.equals(b.teachers) and a.stages.equals(b.stages)
    assert not a.stages.equals(junheng.generate_sample(schools=60, seed=8).stages)
    types = set(a.schools.get_column("school_type"))
    assert {"primary", "junior", "nine_year", "complete_secondary", "teaching_point"} <= types
    urban = a.stages.join(a.schools, on="school_id").filter(
        (pl.col("location") == "urban") & (pl.col("school_type") == "primary"))
    assert urban.get_column("students").min() >= 1500
    assert urban.get_column("students").max() <= 3000
    tps = a.schools.filter(pl.col("school_type") == "teaching_point")
    assert tps.get_column("parent_school_id").null_count() == 0
    result = junheng.evaluate(a)
    meets = result.schools.get_column("meets_rule")
    assert 0 < meets.sum() < meets.len()  # some schools fail, most do not
    assert a.schools.height == 60


def test_sample_many_counties():
    ds = junheng.generate_sample(schools=10, seed=1, counties=3)
    assert len(ds.counties) == 3 and ds.schools.height == 30
    assert ds.schools.get_column("school_id").n_unique() == 30


# --- Standards --------------------------------------------------------------------------------

def test_packaged_standard_values():
    s = junheng.load_standard("quality-2017")
    assert "quality-2017" in junheng.available_standards()
    assert [i.key for i in s.indicators] == [
        "qualified_teachers_per100", "backbone_teachers_per100", "pe_art_teachers_per100",
        "teaching_area_per_student", "sports_area_per_student", "equipment_value_per_student",
        "multimedia_rooms_per100"]
    assert {i.key: (i.thresholds["primary"], i.thresholds["junior"]) for i in s.indicators} == {
        "qualified_teachers_per100": (4.2, 5.3), "backbone_teachers_per100": (1.0, 1.0),
        "pe_art_teachers_per100": (0.9, 0.9), "teaching_area_per_student": (4.5, 5.8),
        "sports_area_per_student": (7.5, 10.2), "equipment_value_per_student": (2000, 2500),
        "multimedia_rooms_per100": (2.3, 2.4)}
    assert (s.min_indicators_met, s.floor_ratio) == (6, 0.85)
    assert s.cv_limits == {"primary": 0.50, "junior": 0.45}
    assert s.split_weights == {"primary": 1.0, "junior": 1.1}


def test_profile_errors_are_all_reported(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: quality-2017\nresources:\n  cv_limits: {primary: -1, junior: x}\n"
                   "  school_rule: {min_indicators_met: 9}\nunits: {split_weights: 3}\n",
                   encoding="utf-8")
    with pytest.raises(StandardError) as info:
        junheng.load_standard(str(bad))
    text = "\n".join(info.value.problems)
    for where in ("cv_limits.primary", "cv_limits.junior", "min_indicators_met",
                  "split_weights"):
        assert where in text


def test_circular_and_unknown_profiles(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(StandardError, match="circular"):
        junheng.load_standard(str(tmp_path / "a.yaml"))
    with pytest.raises(StandardError, match="no standard named"):
        junheng.load_standard("quality-2099")


# --- Command line -----------------------------------------------------------------------------

def test_cli_sample_evaluate_json(tmp_path):
    sample = tmp_path / "s.xlsx"
    assert cli("sample", "--schools", "20", "--seed", "3", "-o", str(sample)).returncode == 0
    out = tmp_path / "out.json"
    run = cli("evaluate", str(sample), "--json", str(out))
    assert run.returncode == 0, run.stderr
    assert "差异系数" in run.stdout and "结论" in run.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["standard"] == "quality-2017" and doc["counties"][0]["county"] == "示例县"
    english = cli("evaluate", str(sample), "--lang", "en")
    assert english.returncode == 0 and "Verdict" in english.stdout


def test_cli_folder_input_and_standard_option(tmp_path):
    folder = tmp_path / "county"
    assert cli("sample", "--schools", "12", "-o", str(folder)).returncode == 0
    assert (folder / "teachers.csv").exists()
    run = cli("evaluate", str(folder), "--standard", "quality-2017", "--json",
              str(tmp_path / "o.json"))
    assert run.returncode == 0, run.stderr


def test_cli_invalid_input_exits_2_and_writes_nothing(tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", {
        "schools": [school_row("A")],
        "stages": [{**stage_row("A", "primary", 100), "students": "many"}],
        "teachers": teachers("A", "primary", 1, education="wizard"),
    })
    out = tmp_path / "out.json"
    run = cli("evaluate", str(path), "--json", str(out))
    assert run.returncode == 2
    assert not out.exists() and list(tmp_path.iterdir()) == [path]
    assert "输入数据有 2 个问题" in run.stderr and "2 problems" in run.stderr
    assert "many" in run.stderr and "wizard" in run.stderr
    assert "Traceback" not in run.stderr


def test_cli_bad_standard_and_missing_file(tmp_path):
    run = cli("evaluate", str(tmp_path / "none.xlsx"))
    assert run.returncode == 2 and "不存在" in run.stderr
    (tmp_path / "p.yaml").write_text("extends: quality-2017\ntolerance: -1\n")
    path = junheng.write_template(tmp_path / "t.xlsx")
    run = cli("evaluate", str(path), "--standard", str(tmp_path / "p.yaml"))
    assert run.returncode == 2 and "tolerance" in run.stderr and "Traceback" not in run.stderr


def test_cli_template(tmp_path):
    run = cli("template", str(tmp_path / "t.xlsx"))
    assert run.returncode == 0 and (tmp_path / "t.xlsx").exists()
