"""The bureau's price table and limits (issue 15), on hand-made workbooks and CSV folders."""

from __future__ import annotations

import math

import fastexcel
import openpyxl
import polars as pl
import pytest

from conftest import write_csvs, write_xlsx
from junheng.errors import InputError
from junheng.model.dataset import Dataset
from junheng.plan.investment import KINDS, Prices, read_prices, write_prices_template
from junheng.plan.investment.prices import EXAMPLE_SHEET, KIND_LABELS, KIND_UNITS

ZH = {
    "prices": ["项目", "单位", "单价（元）", "来源或说明"],
    "multipliers": ["县区", "地区系数", "来源或说明"],
    "limits": ["学校标识码", "学校名称", "可增加体育场地面积（m²）", "可用编制（人）", "拟撤并"],
    "county_posts": ["县区", "可用编制（人）"],
}
SHEET_ZH = {"prices": "单价", "multipliers": "地区系数", "limits": "学校限制",
            "county_posts": "县级编制"}
CODES = {
    "prices": ["kind", "unit", "unit_cost", "source"],
    "multipliers": ["county", "multiplier", "source"],
    "limits": ["school_id", "name", "land_m2", "posts", "closing"],
    "county_posts": ["county", "posts"],
}


def book(path, tables: dict[str, list[list]], headers=ZH, sheets=SHEET_ZH, code_row=False):
    """A workbook of ``tables`` given as rows of cells in the order of ``headers``; with
    ``code_row``, the template's row of English codes under the headers (data from row 3)."""
    rows_of: dict[str, list[dict]] = {}
    for name, rows in tables.items():
        head = headers[name]
        dicts = [dict(zip(head, CODES[name], strict=True))] if code_row else []
        dicts += [{h: v for h, v in zip(head, row, strict=False) if v is not None}
                  for row in rows]
        rows_of[name] = dicts
    return write_xlsx(path, rows_of, headers={n: headers[n] for n in tables},
                      sheet_names={n: sheets[n] for n in tables})


GOOD = {
    "prices": [
        ["教学及辅助用房（元/m²）", "元/m²", 3210.5, "2024年本县造价资料"],
        ["sports_area_m2", "元/㎡", "450", None],
        ["教学仪器设备", "元/元", 1, None],
        ["网络多媒体教室数", "元/间", 180000, None],
        ["音乐专用教室（元/间）", None, None, None],  # listed, not priced: not a lever
        ["新聘高于规定学历教师（元/人·年）", "元/人·年", 98000, "工资标准"],
        ["hire_pe_art", "元/(人·年)", 96000.25, None],
        ["骨干教师培养认定", "元/人", 0, "省财政承担"],
    ],
    "multipliers": [["甲县", 1.15, None], ["乙县", "0.9", "山区"]],
    "limits": [
        ["0101", "一小", 0, 2, "否"],
        ["0102", "二小", 1250.5, None, None],
        ["0103", None, None, 0, "是"],
        ["0104", None, None, None, "true"],
        ["0105", None, None, "3", "0"],
    ],
    "county_posts": [["甲县", 12], ["乙县", "0"]],
}
EXPECTED = Prices(
    unit_costs={"teaching_area_m2": 3210.5, "sports_area_m2": 450.0, "equipment_yuan": 1.0,
                "multimedia_rooms": 180000.0, "hire_qualified": 98000.0, "hire_pe_art": 96000.25,
                "appoint_backbone": 0.0},
    multipliers={"甲县": 1.15, "乙县": 0.9},
    land_m2={"0101": 0.0, "0102": 1250.5},
    posts={"0101": 2, "0103": 0, "0105": 3},
    county_posts={"甲县": 12, "乙县": 0},
    closing=frozenset({"0103", "0104"}),
)


def dataset(schools: dict[str, str]) -> Dataset:
    frame = pl.DataFrame({"school_id": list(schools), "county": list(schools.values())})
    return Dataset(frame, pl.DataFrame(), pl.DataFrame())


def problems(path, data=None) -> list[tuple]:
    with pytest.raises(InputError) as info:
        read_prices(path, data)
    return [(p.table, p.row, p.column, p.value) for p in info.value.problems]


def test_good_workbook_reads_back_exactly(tmp_path):
    prices = read_prices(book(tmp_path / "p.xlsx", GOOD))
    assert prices == EXPECTED
    assert all(type(v) is float for v in prices.unit_costs.values())
    assert all(type(v) is int for v in (*prices.posts.values(), *prices.county_posts.values()))
    assert prices.priced == ("teaching_area_m2", "sports_area_m2", "equipment_yuan",
                             "multimedia_rooms", "hire_qualified", "hire_pe_art",
                             "appoint_backbone")
    assert prices.warnings == ()


def test_code_row_english_headers_and_sheet_names(tmp_path):
    english = {n: CODES[n] for n in CODES}
    sheets = {n: n for n in CODES}
    assert read_prices(book(tmp_path / "en.xlsx", GOOD, english, sheets)) == EXPECTED
    assert read_prices(book(tmp_path / "code.xlsx", GOOD, code_row=True)) == EXPECTED
    both = {n: f"{SHEET_ZH[n]} {n}" for n in CODES}  # 单价 prices, as the docs name them
    assert read_prices(book(tmp_path / "both.xlsx", GOOD, sheets=both)) == EXPECTED


def test_the_data_contracts_bare_chinese_headers(tmp_path):
    bare = {**ZH, "prices": ["项目", "单位", "单价", "来源或说明"],
            "limits": ["学校标识码", "学校名称", "可增加体育场地面积", "可用编制", "拟撤并"],
            "county_posts": ["县区", "可用编制"]}
    assert read_prices(book(tmp_path / "bare.xlsx", GOOD, bare)) == EXPECTED


def test_csv_folder(tmp_path):
    rows = {f"{SHEET_ZH[n]}": [dict(zip(ZH[n], r, strict=False)) for r in GOOD[n]]
            for n in GOOD}
    # CSV cells are text: an empty cell is "", which the reader takes as empty.
    rows = {n: [{k: "" if v is None else str(v) for k, v in r.items()} for r in rs]
            for n, rs in rows.items()}
    assert read_prices(write_csvs(tmp_path / "folder", rows)) == EXPECTED


def test_only_the_price_sheet_is_required(tmp_path):
    prices = read_prices(book(tmp_path / "p.xlsx", {"prices": [["体育运动场馆", "元/m²", 400]]}))
    assert prices == Prices({"sports_area_m2": 400.0})
    assert (prices.multipliers, prices.land_m2, prices.posts, prices.county_posts,
            prices.closing) == ({}, {}, {}, {}, frozenset())


def test_cost_applies_the_county_multiplier():
    prices = Prices({"teaching_area_m2": 3000.0, "hire_qualified": 100000.0},
                    multipliers={"甲县": 1.2, "乙县": 0.85})
    assert prices.cost("teaching_area_m2", "甲县") == pytest.approx(3600.0, rel=1e-12)
    assert prices.cost("hire_qualified", "乙县") == pytest.approx(85000.0, rel=1e-12)
    assert prices.cost("teaching_area_m2", "丙县") == 3000.0  # no multiplier: 1.0
    assert prices.cost("sports_area_m2", "甲县") is None  # no price: not a lever
    with pytest.raises(ValueError, match="unknown kind"):
        prices.cost("sports_m2", "甲县")


def test_cost_from_a_read_workbook(tmp_path):
    prices = read_prices(book(tmp_path / "p.xlsx", GOOD))
    assert prices.cost("multimedia_rooms", "甲县") == pytest.approx(180000 * 1.15, rel=1e-12)
    assert prices.cost("multimedia_rooms", "乙县") == pytest.approx(180000 * 0.9, rel=1e-12)
    assert prices.cost("music_rooms", "甲县") is None


def test_every_bad_value_located_at_once(tmp_path):
    bad = {
        "prices": [
            ["教学及辅助用房", "元/m²", 3000],              # row 2: fine
            ["操场塑胶跑道", "元/m²", 200],                  # row 3: unknown kind
            ["体育运动场馆", "元/m²", -5],                   # row 4: negative
            ["教学仪器设备", "元/元", "inf"],                # row 5: not finite
            ["网络多媒体教室", "元/间", "nan"],              # row 6: not finite
            ["teaching_area_m2", None, 3100],               # row 7: given twice
            ["音乐专用教室", "万元/间", 20],                 # row 8: unit in 万元
            ["美术专用教室（万元/间）", None, 20],          # row 9: label in 万元
            ["新聘体育艺术教师", None, "九万"],              # row 10: not a number
            ["骨干教师培养认定", None, 1e12],               # row 11: absurd
        ],
        "multipliers": [["甲县", 0], ["乙县", -1.1], ["丙县", "abc"], ["丁县", 115],
                        ["甲县", 1.2], ["戊县", None]],
        "limits": [["01", None, -5, 1, "是"], ["02", None, 10, 2.5, "maybe"],
                   ["03", None, None, -1, None], ["01", None, 1, None, None],
                   [None, None, 5, None, None]],
        "county_posts": [["甲县", "x"], ["乙县", None], ["丙县", 1.5]],
    }
    found = problems(book(tmp_path / "bad.xlsx", bad))
    kind, unit, price = "项目 kind", "单位 unit", "单价 unit_cost"
    mult, county, school = "地区系数 multiplier", "县区 county", "学校标识码 school_id"
    land, posts, closing = "可增加体育场地面积 land_m2", "可用编制 posts", "拟撤并 closing"
    assert found == [
        ("单价", 3, kind, "操场塑胶跑道"),
        ("单价", 4, price, "-5"),
        ("单价", 5, price, "inf"),
        ("单价", 6, price, "nan"),
        ("单价", 7, kind, "teaching_area_m2"),
        ("单价", 8, unit, "万元/间"),
        ("单价", 9, kind, "美术专用教室（万元/间）"),
        ("单价", 10, price, "九万"),
        ("单价", 11, price, "1000000000000"),
        ("地区系数", 2, mult, "0"),
        ("地区系数", 3, mult, "-1.1"),
        ("地区系数", 4, mult, "abc"),
        ("地区系数", 5, mult, "115"),
        ("地区系数", 6, county, "甲县"),
        ("地区系数", 7, mult, None),
        ("学校限制", 2, land, "-5"),
        ("学校限制", 3, posts, "2.5"),
        ("学校限制", 3, closing, "maybe"),
        ("学校限制", 4, posts, "-1"),
        ("学校限制", 5, school, "01"),
        ("学校限制", 6, school, None),
        ("县级编制", 2, posts, "x"),
        ("县级编制", 3, posts, None),
        ("县级编制", 4, posts, "1.5"),
    ]


def test_messages_say_what_was_expected_in_both_languages(tmp_path):
    path = book(tmp_path / "bad.xlsx", {
        "prices": [["体育运动场馆", "元/m²", 400], ["体育运动场馆", None, 450],
                   ["音乐专用教室", "万元/间", 20]],
        "multipliers": [["甲县", 0]],
    })
    with pytest.raises(InputError) as info:
        read_prices(path)
    by_row = {(p.table, p.row): p for p in info.value.problems}
    twice = by_row[("单价", 3)]
    assert "第2行" in twice.expected_zh and "row 2" in twice.expected_en
    unit = by_row[("单价", 4)]
    assert "元/间" in unit.expected_zh and "万元" in unit.expected_en
    zero = by_row[("地区系数", 2)]
    assert "大于 0" in zero.expected_zh and "above 0" in zero.expected_en
    assert "单价 · 第3行 row 3 · 项目 kind" in str(twice)


def test_a_header_in_another_unit_is_an_error(tmp_path):
    headers = {**ZH, "prices": ["项目", "单位", "单价（万元）"],
               "limits": ["学校标识码", "可增加体育场地面积（亩）"]}
    path = book(tmp_path / "wan.xlsx", {"prices": [["体育运动场馆", None, 0.04]],
                                        "limits": [["01", 3]]}, headers)
    with pytest.raises(InputError) as info:
        read_prices(path)
    found = [(p.table, p.row, p.column, p.value) for p in info.value.problems]
    assert found == [("单价", 1, "C列 column C", "单价（万元）"),
                     ("学校限制", 1, "B列 column B", "可增加体育场地面积（亩）")]
    assert "万元" in info.value.problems[0].expected_zh


def test_the_unfilled_template_is_an_empty_price_table(tmp_path):
    path = write_prices_template(tmp_path / "out" / "单价.xlsx")
    with pytest.raises(InputError) as info:
        read_prices(path)
    [problem] = info.value.problems
    assert (problem.table, problem.row, problem.column) == ("单价", None, None)
    assert problem.expected_zh.startswith("单价表为空：请填写本地单价")
    assert problem.expected_en.startswith("the price table is empty: enter your local prices")
    assert "示例" in problem.expected_zh  # the example sheet is not read: said
    assert info.value.warnings == []  # the instructions and the example are ignored silently


def test_template_ships_no_prices(tmp_path):
    path = write_prices_template(tmp_path / "t.xlsx")
    reader = fastexcel.read_excel(str(path))
    assert reader.sheet_names == ["填表说明", "单价", "地区系数", "学校限制", "县级编制",
                                  EXAMPLE_SHEET]
    sheet = reader.load_sheet("单价", header_row=0, dtypes="string").to_polars()
    assert sheet.columns == ["项目", "单位", "单价（元）", "来源或说明"]
    assert sheet.row(0) == ("kind", "unit", "unit_cost", "source")
    body = sheet.slice(1)
    assert body.get_column("项目").to_list() == [KIND_LABELS[k] for k in KINDS]
    assert body.get_column("单位").to_list() == [KIND_UNITS[k] for k in KINDS]
    assert body.get_column("单价（元）").null_count() == len(KINDS)
    notes = reader.load_sheet("填表说明", header_row=None, dtypes="string").to_polars()
    text = "\n".join(v for v in notes.to_series(1).to_list() if v)
    assert "junheng 不提供任何单价" in text and "junheng ships no prices" in text
    assert text.index("junheng 不提供任何单价") < text.index("junheng ships no prices")
    example = reader.load_sheet(EXAMPLE_SHEET, header_row=None, dtypes="string").to_polars()
    banner = example.item(0, 0)
    assert banner.startswith("示例（非官方价格）") and "example (not official prices)" in banner


def test_the_filled_template_reads(tmp_path):
    """The bureau fills in prices and a limit in the template (openpyxl, as Excel would)."""
    path = write_prices_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["单价"]["C3"] = 2800  # teaching area
    wb["单价"]["C8"] = 160000  # art rooms
    wb["单价"]["D8"] = "本县2024年采购价"
    wb["学校限制"].append(["0007", "七中", 0, None, "否"])
    wb["地区系数"].append(["甲县", 1.05])
    wb.save(path)
    prices = read_prices(path)
    assert prices == Prices({"teaching_area_m2": 2800.0, "art_rooms": 160000.0},
                            multipliers={"甲县": 1.05}, land_m2={"0007": 0.0})
    assert prices.warnings == ()


def test_the_example_prices_are_well_formed(tmp_path):
    """Copied into the price sheet, the example's rows read (their figures are never used)."""
    path = write_prices_template(tmp_path / "t.xlsx")
    example = fastexcel.read_excel(str(path)).load_sheet(
        EXAMPLE_SHEET, header_row=2, dtypes="string").to_polars()
    rows = [list(r) for r in example.iter_rows()]
    prices = read_prices(book(tmp_path / "copy.xlsx", {"prices": rows}))
    assert prices.priced == KINDS
    assert all(math.isfinite(v) and v > 0 for v in prices.unit_costs.values())


def test_template_is_written_atomically(tmp_path):
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"old")
    write_prices_template(target)
    assert target.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_a_missing_price_sheet(tmp_path):
    path = book(tmp_path / "p.xlsx", {"multipliers": [["甲县", 1.1]]})
    with pytest.raises(InputError) as info:
        read_prices(path)
    [problem] = info.value.problems
    assert problem.row is None and "单价" in problem.expected_zh
    assert "prices" in problem.expected_en


def test_unrecognised_sheets_and_columns_are_warnings(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", {
        "单价": [{"项目": "体育运动场馆", "单价（元）": 400, "备注2": "x"}],
        "Sheet1": [{"a": 1}],
    })
    prices = read_prices(path)
    assert prices == Prices({"sports_area_m2": 400.0})
    assert {(w.table, w.column) for w in prices.warnings} == {("Sheet1", None),
                                                              ("单价", "备注2")}


def test_a_limits_sheet_without_any_limit(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", {
        "单价": [{"项目": "体育运动场馆", "单价（元）": 400}],
        "学校限制": [{"学校标识码": "01", "可用编制人数": 3}],  # misspelled: no limit column
    })
    assert problems(path) == [("学校限制", 1, None, None)]
    refused = write_xlsx(tmp_path / "q.xlsx", {
        "单价": [{"项目": "体育运动场馆", "单价（元）": 400}],
        "学校限制": [{"学校标识码": "01", "可用编制": -3}],  # the one limit is refused: said once
    })
    assert problems(refused) == [("学校限制", 2, "可用编制 posts", "-3")]


def test_ids_and_counties_must_be_in_the_dataset(tmp_path):
    data = dataset({"0101": "甲县", "0102": "甲县", "0103": "乙县", "0104": "乙县",
                    "0105": "乙县"})
    assert read_prices(book(tmp_path / "ok.xlsx", GOOD), data) == EXPECTED
    path = book(tmp_path / "p.xlsx", {
        "prices": [["体育运动场馆", None, 400]],
        "multipliers": [["甲县", 1.1], ["丙县", 1.3]],
        "limits": [["0101", None, 0], ["9999", None, 5]],
        "county_posts": [["丁县", 3]],
    })
    assert problems(path, data) == [("地区系数", 3, "县区 county", "丙县"),
                                    ("学校限制", 3, "学校标识码 school_id", "9999"),
                                    ("县级编制", 2, "县区 county", "丁县")]


def test_a_path_that_is_not_a_price_table(tmp_path):
    (tmp_path / "p.txt").write_text("x")
    assert problems(tmp_path / "p.txt")[0][3] == ".txt"
    assert problems(tmp_path / "absent.xlsx")[0][:3] == (str(tmp_path / "absent.xlsx"), None,
                                                         None)
