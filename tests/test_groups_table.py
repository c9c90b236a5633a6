"""The groups table (集团), the schools' township column and the profile's group types.

Every workbook here is written by hand (xlsxwriter through ``conftest.write_xlsx``, or CSV),
never through junheng's own writer, with Chinese headers and labels as a bureau types them;
every error is checked at its table, row, column and value.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, write_csvs, write_xlsx
from junheng.errors import InputError
from junheng.io import read_groups
from junheng.model.assemble import assemble, check_part, school_part
from junheng.plan.groups import GroupType, group_types
from junheng.standards import StandardError, load_standard
from junheng.standards.plan_rules import GroupRules, RotationRules

HEAD = ["集团编号", "学校标识码", "角色", "集团类型", "集团名称"]


def county_tables() -> dict[str, list[dict]]:
    """Two counties: 甲县 with A (urban), B, C (rural); 乙县 with D."""
    schools = [school_row("A", county="甲县", location="urban", **{"乡镇（街道）": "城关街道"}),
               school_row("B", county="甲县", location="rural", **{"乡镇（街道）": "石坝镇"}),
               school_row("C", county="甲县", location="rural", **{"乡镇（街道）": "石坝镇"}),
               school_row("D", county="乙县", location="rural")]
    stages = [stage_row(s, "primary", 100) for s in "ABCD"]
    roster = [t for s in "ABCD" for t in passing_teachers(s, "primary", 100)]
    return {"schools": schools, "stages": stages, "teachers": roster}


def group(gid: str, school: str, role: str, kind: str | None = None,
          name: str | None = None) -> dict:
    return dict(zip(HEAD, [gid, school, role, kind, name], strict=True))


def workbook(tmp_path: Path, rows: list[dict], name: str = "county.xlsx") -> Path:
    return write_xlsx(tmp_path / name, {**county_tables(), "集团": rows}, headers={"集团": HEAD})


def problems_of(path: Path) -> list[tuple]:
    with pytest.raises(InputError) as info:
        junheng.load(path)
    return [(p.table, p.row, p.column, p.value) for p in info.value.problems]


# -- the table, read with the county --------------------------------------------------------

def test_a_valid_groups_sheet_is_read_with_codes_and_each_groups_type_on_every_row(tmp_path):
    ds = junheng.load(workbook(tmp_path, [
        group("G1", "A", "牵头学校", "紧密型", "城关一小教育集团"), group("G1", "B", "成员学校"),
        group("G1", "C", "成员学校"), group("G2", "D", "牵头学校")]))
    assert ds.groups.columns == ["group_id", "school_id", "role", "group_type", "group_name"]
    assert all(dtype == pl.String for dtype in ds.groups.dtypes)
    assert ds.groups.rows() == [
        ("G1", "A", "leader", "close", "城关一小教育集团"),
        ("G1", "B", "member", "close", "城关一小教育集团"),
        ("G1", "C", "member", "close", "城关一小教育集团"),
        ("G2", "D", "leader", None, None)]  # no type given: the profile's default applies
    assert ds.schools.filter(pl.col("school_id") == "B")["township"].to_list() == ["石坝镇"]
    assert ds.schools.filter(pl.col("school_id") == "D")["township"].to_list() == [None]


def test_english_codes_headers_and_an_empty_sheet(tmp_path):
    rows = [{"group_id": "G1", "school_id": "A", "role": "leader", "group_type": "district"},
            {"group_id": "G1", "school_id": "B", "role": "member", "group_type": "district"}]
    path = write_xlsx(tmp_path / "en.xlsx", {**county_tables(), "groups": rows})
    assert junheng.load(path).groups["group_type"].to_list() == ["district", "district"]
    empty = write_xlsx(tmp_path / "empty.xlsx", {**county_tables(), "集团": []},
                       headers={"集团": HEAD})
    assert junheng.load(empty).groups is None  # an empty optional sheet counts as absent


def test_every_problem_of_the_groups_sheet_is_located(tmp_path):
    rows = [group("G1", "A", "牵头学校", "紧密型"),    # row 2
            group("G1", "B", "成员学校", "联盟型"),    # row 3: another type
            group("G1", "Z", "成员学校"),              # row 4: no such school
            group("G2", "B", "牵头学校"),              # row 5: B already in G1
            group("G3", "C", "成员学校"),              # row 6: G3 has no leader
            group("G4", "D", "牵头学校"),              # row 7
            group("G4", "C", "牵头学校"),              # row 8: a second leader; and C twice
            group("G5", "A", "校长"),                  # row 9: not a role; and A twice
            group("G6", None, "成员学校", "松散"),     # row 10: empty school; not a type
            group("G7", "D", "成员学校")]              # row 11: D twice
    found = problems_of(workbook(tmp_path, rows))
    assert ("集团", 3, "集团类型 group_type", "联盟型") in found
    assert ("集团", 4, "学校标识码 school_id", "Z") in found
    assert ("集团", 5, "学校标识码 school_id", "B") in found
    assert ("集团", 6, "角色 role", "成员学校") in found  # G3's first row: no leader
    assert ("集团", 8, "角色 role", "牵头学校") in found
    assert ("集团", 9, "角色 role", "校长") in found
    assert ("集团", 10, "学校标识码 school_id", None) in found
    assert ("集团", 10, "集团类型 group_type", "松散") in found
    assert ("集团", 11, "学校标识码 school_id", "D") in found
    # G4's leader D is in 乙县, C in 甲县: the row away from the leader's county
    with pytest.raises(InputError) as info:
        junheng.load(workbook(tmp_path, [group("G4", "D", "牵头学校"),
                                         group("G4", "C", "成员学校")], "two.xlsx"))
    (p,) = info.value.problems
    assert (p.table, p.row, p.column, p.value) == ("集团", 3, "学校标识码 school_id", "C")
    assert "甲县" in p.expected_zh and "乙县" in p.expected_zh and "one county" in p.expected_en


def test_a_missing_role_column_and_two_names_of_a_group(tmp_path):
    rows = [{"集团编号": "G1", "学校标识码": "A"}]
    path = write_xlsx(tmp_path / "a.xlsx", {**county_tables(), "集团": rows})
    assert ("集团", 1, "角色 role", None) in problems_of(path)
    found = problems_of(workbook(tmp_path, [group("G1", "A", "牵头学校", name="一集团"),
                                            group("G1", "B", "成员学校", name="二集团")]))
    assert found == [("集团", 3, "集团名称 group_name", "二集团")]


def test_a_folder_of_csv_files_with_a_groups_file(tmp_path):
    folder = write_csvs(tmp_path / "csv", {**county_tables(), "集团": [
        group("G1", "A", "牵头", "学区"), group("G1", "C", "成员校")]})
    ds = junheng.load(folder)
    assert ds.groups.rows() == [("G1", "A", "leader", "district", None),
                                ("G1", "C", "member", "district", None)]


def test_groups_and_townships_change_no_figure_of_the_evaluation(tmp_path):
    with_groups = junheng.load(workbook(tmp_path, [group("G1", "A", "牵头学校"),
                                                   group("G1", "B", "成员学校")]))
    tables = county_tables()
    for s in tables["schools"]:
        s.pop("乡镇（街道）", None)
    plain = junheng.load(write_xlsx(tmp_path / "plain.xlsx", tables))
    a, b = junheng.evaluate(with_groups, year=2025), junheng.evaluate(plain, year=2025)
    for name in ("indicators", "schools", "stages", "counties", "items"):
        assert getattr(a, name).equals(getattr(b, name)), name


# -- read_groups: the table alone, from any file holding it ----------------------------------

def test_read_groups_from_the_county_workbook_a_csv_file_and_against_a_dataset(tmp_path):
    path = workbook(tmp_path, [group("G1", "A", "牵头学校"), group("G1", "B", "成员学校")])
    ds = junheng.load(path)
    assert read_groups(path, ds).equals(ds.groups)
    csv = tmp_path / "groups.csv"
    csv.write_text("集团编号,学校标识码,角色\nG9,A,牵头学校\nG9,Q,成员学校\n", encoding="utf-8")
    assert read_groups(csv).rows() == [("G9", "A", "leader", None, None),
                                       ("G9", "Q", "member", None, None)]
    with pytest.raises(InputError) as info:  # Q is no school of the dataset
        read_groups(csv, ds)
    assert [(p.table, p.row, p.column, p.value) for p in info.value.problems] == [
        ("groups.csv", 3, "学校标识码 school_id", "Q")]


def test_read_groups_without_a_groups_sheet_or_file_is_a_located_error(tmp_path):
    path = write_xlsx(tmp_path / "no.xlsx", county_tables())
    with pytest.raises(InputError) as info:
        read_groups(path)
    (p,) = info.value.problems
    assert p.table == str(path) and "集团" in p.expected_zh and "groups" in p.expected_en
    with pytest.raises(InputError) as info:
        read_groups(tmp_path / "missing.xlsx")
    assert "does not exist" in info.value.problems[0].expected_en


# -- the template, the sample, assembling a county -------------------------------------------

def test_the_template_has_the_groups_sheet_and_the_township_column(tmp_path):
    from openpyxl import load_workbook

    book = load_workbook(junheng.write_template(tmp_path / "t.xlsx"))
    assert [c.value for c in book["集团"][1]] == HEAD
    assert [c.value for c in book["集团"][2]] == ["group_id", "school_id", "role", "group_type",
                                                  "group_name"]
    assert [c.value for c in book["学校"][1]][-1] == "乡镇（街道）"
    lists = [dv.formula1 for dv in book["集团"].data_validations.dataValidation]
    assert any("牵头学校" in f and "成员学校" in f for f in lists)


def test_the_sample_places_schools_in_a_few_townships():
    ds = junheng.generate_sample(schools=60, seed=7)
    towns = ds.schools.group_by("township").len()
    assert ds.schools["township"].null_count() == 0
    assert 3 <= towns.height <= 15  # a few townships, several schools each
    urban = ds.schools.filter(pl.col("location") == "urban")["township"].unique().to_list()
    assert urban == ["城关街道"]
    # a teaching point is in its central school's township
    parent = dict(zip(ds.schools["school_id"], ds.schools["township"], strict=True))
    points = ds.schools.filter(pl.col("parent_school_id").is_not_null())
    assert points.height > 0
    assert all(parent[p] == t for p, t in zip(points["parent_school_id"], points["township"],
                                              strict=True))


def test_a_school_part_holds_no_groups_and_assembling_keeps_the_bases(tmp_path):
    ds = junheng.load(workbook(tmp_path, [group("G1", "A", "牵头学校"),
                                          group("G1", "B", "成员学校")]))
    part = school_part(ds, "B")
    assert part.groups is None
    assert assemble(ds, {"B": part}).groups.equals(ds.groups)
    part.groups = ds.groups
    (p,) = check_part(part, "B", "甲县")
    assert p.table == "集团" and "county-level table" in p.expected_en


# -- group types as data; the settings naming files -----------------------------------------

def test_the_group_types_of_quality_2017():
    types = group_types(load_standard("quality-2017"))
    assert set(types) == {"close", "led", "merged", "alliance", "district"}
    assert types["alliance"] == GroupType("alliance", "联盟型", "alliance",
                                          ("curriculum", "research"), False, None)
    assert types["district"].form == "district_exchange" and types["led"].rotation
    assert load_standard("quality-2017").rules("groups").group_type == "led"


def profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text("extends: quality-2017\nid: p\n" + text, encoding="utf-8")
    return path


def test_a_province_changes_a_group_type_by_extends(tmp_path):
    std = load_standard(profile(tmp_path, "group_types:\n  alliance: {rotation: true, form: "
                                          "paired_support}\ngroups: {group_type: alliance}\n"))
    alliance = group_types(std)["alliance"]
    assert (alliance.rotation, alliance.form, alliance.shares) == (
        True, "paired_support", ("curriculum", "research"))
    assert std.rules("groups").group_type == "alliance"


@pytest.mark.parametrize("text,words", [
    ("group_types: {loose: {name: 松散型}}", "group_types.loose: 不是集团类型代码"),
    ("group_types: {close: {shares: [money]}}", "group_types.close.shares"),
    ("group_types: {alliance: {rotation: true}}", "group_types.alliance.form"),
    ("group_types: {close: {form: exchange}}", "group_types.close.form: 应为交流形式代码"),
    ("group_types: {close: {rotation: 1}}", "group_types.close.rotation"),
    ("group_types: {close: {colour: red}}", "group_types.close.colour: 未知设置"),
    ("group_types: [close]", "group_types: 应为"),
    ("groups: {group_type: federation}", "groups.group_type"),
])
def test_a_wrong_group_types_section_is_named_when_the_profile_loads(tmp_path, text, words):
    with pytest.raises(StandardError) as info:
        load_standard(profile(tmp_path, text + "\n"))
    assert any(words in line for line in info.value.problems), info.value.problems


def test_the_rotation_scope_group_and_the_file_settings():
    rules = RotationRules.build({"scope": "group", "groups": "plan/集团化办学方案.xlsx"})
    assert (rules.scope, rules.groups) == ("group", "plan/集团化办学方案.xlsx")
    scope = next(p for p in RotationRules.params() if p.name == "scope")
    assert scope.show("group", "zh") == "集团（学区）内"
    keep = next(p for p in GroupRules.params() if p.name == "keep")
    assert (keep.kind, keep.option, keep.show(None)) == ("file", "--keep", "—")
    assert GroupRules.build({"keep": "a.xlsx", "group_type": "close"}).keep == "a.xlsx"
    with pytest.raises(StandardError) as info:
        GroupRules.build({"keep": 3})
    assert "groups.keep" in info.value.problems[0]


def test_junheng_standards_shows_the_group_types_and_a_group_scope(tmp_path):
    path = profile(tmp_path, "rotation: {scope: group}\n")
    r = subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()",
                        "standards", str(path)], capture_output=True, text=True, timeout=120,
                       env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert "集团类型（group_types:）" in r.stdout and "学区内交流" in r.stdout
    assert "集团（学区）内" in r.stdout
