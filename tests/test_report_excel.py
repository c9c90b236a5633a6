"""The Excel workbook: the rectification ledger (整改台账) first, the summary's layout, number
formats by kind, and English without keys.

The inputs are built by hand and every expected figure is worked out here (by hand or with
fractions), never by calling the code under test. The workbook is read back with openpyxl, and
the chart anchors from the drawing XML of the written file.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
import xml.etree.ElementTree as ET
import zipfile
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, write_xlsx
from junheng.report import write_excel
from junheng.report._excel import english

INPUT_FILL = "FFF2CC"


def county_tables(county: str, prefix: str) -> dict[str, list[dict]]:
    """One county of five schools (classes sized so that no class is over the limit):

    - {p}1: primary, 100 pupils, 60 m² of teaching area per pupil (meets everything; it makes
      the primary teaching-area CV exceed 0.50);
    - {p}2: primary, 200 pupils, equipment 1 500 元 per pupil of 2 000 (75 %, below the 85 %
      floor): must add 500 × 200 = 100 000 元 = 10.00 万元; distance 1 − 0.75 = 1/4;
    - {p}3: primary, 50 pupils, teaching area 4.3 m² of 4.5 (95.6 %) and one multimedia room
      (2.0 per 100 of 2.3, 87 %): one miss may stay, the closer (area); the rooms must be fixed:
      2.3 × 50 / 100 − 1 = 0.15 → 1 room; distance 1 − 2.0/2.3 = 3/23;
    - {p}4: junior, 300 pupils, meets everything;
    - {p}5: primary, 2 100 pupils, meets every indicator but is 100 pupils over the school-size
      limit of 2 000 (an item task only).
    """
    schools = [school_row(f"{prefix}{i}", "junior" if i == 4 else "primary", county=county)
               for i in range(1, 6)]
    stages = [stage_row(f"{prefix}1", "primary", 100, teaching_area_m2=6000, classes=3),
              stage_row(f"{prefix}2", "primary", 200, equipment_value_yuan=300_000, classes=5),
              stage_row(f"{prefix}3", "primary", 50, teaching_area_m2=215, multimedia_rooms=1,
                        classes=2),
              stage_row(f"{prefix}4", "junior", 300, classes=8),
              stage_row(f"{prefix}5", "primary", 2100, classes=53)]
    staff = [t for s in stages for t in passing_teachers(s["school_id"], s["stage"],
                                                         s["students"])]
    return {"schools": schools, "stages": stages, "teachers": staff}


def evaluate(path: Path):
    return junheng.evaluate(junheng.load(path))


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    path = tmp_path_factory.mktemp("county") / "county.xlsx"
    return evaluate(write_xlsx(path, county_tables("测试县", "A")))


@pytest.fixture(scope="module")
def two_counties(tmp_path_factory):
    a, b = county_tables("甲县", "A"), county_tables("乙县", "B")
    path = tmp_path_factory.mktemp("two") / "two.xlsx"
    return evaluate(write_xlsx(path, {k: a[k] + b[k] for k in a}))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "sample.xlsx"
    junheng.write_sample(path, schools=40, seed=7)
    return evaluate(path)


@pytest.fixture(scope="module")
def workbooks(county, tmp_path_factory):
    folder = tmp_path_factory.mktemp("books")
    return {lang: write_excel(county, folder / f"{lang}.xlsx", lang=lang) for lang in ("zh", "en")}


def _open(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():  # openpyxl does not read conditional-format extensions
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def _width_of(text: str) -> int:
    """Display width, CJK characters counted as 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_widths(ws) -> dict[int, float]:
    widths = {}
    for dim in ws.column_dimensions.values():
        if dim.width and dim.min:
            for c in range(dim.min, dim.max + 1):
                widths[c] = dim.width
    return widths


def _row_of(ws, *first_cells: str) -> int:
    """The first row whose leading cells read ``first_cells``."""
    n = len(first_cells)
    for row in ws.iter_rows(min_row=1, max_col=n):
        if tuple(c.value for c in row) == first_cells:
            return row[0].row
    raise AssertionError(f"no row starting {first_cells}")


def _table(ws, header_row: int) -> list[dict]:
    """The rows under ``header_row`` until the first row whose second cell is empty (a note
    spans the sheet from the first), as dicts by header; the cell objects, so formats can be
    checked too."""
    heads = {c.column: c.value for c in ws[header_row] if c.value is not None}
    out = []
    r = header_row + 1
    while ws.cell(r, 2).value is not None:
        out.append({head: ws.cell(r, col) for col, head in heads.items()})
        r += 1
    return out


# -- 整改台账 --------------------------------------------------------------------------------

def test_ledger_is_the_first_sheet_and_the_one_that_opens(workbooks):
    book = _open(workbooks["zh"])
    assert book.sheetnames[:2] == ["整改台账", "汇总"]
    assert book.active.title == "整改台账"
    ws = book["整改台账"]
    assert ws["A1"].value == "测试县　整改台账"
    assert "县域结论：未达标" in ws["A2"].value
    # The headline: S3 and S2 fail the rule; one CV over; the items lack the county sheet.
    assert ws["A3"].value.startswith("2 个学校（学段）未达到学校达标要求；1 项差异系数超过限值；")


def test_ledger_county_totals_in_budget_units(workbooks):
    ws = _open(workbooks["zh"])["整改台账"]
    top = _row_of(ws, "序号", "项目")
    assert ws.cell(top - 1, 1).value == "全县需补足"
    rows = _table(ws, top)
    got = [(r["项目"].value, r["单位"].value, r["达到学校达标要求需补足"].value,
            r["全部达到标准值需补足"].value, r["涉及学校（学段）"].value) for r in rows]
    assert got == [
        ("教学仪器设备", "万元", 10.0, 10.0, 1),  # 500 元 × 200 pupils = 10.00 万元
        ("网络多媒体教室", "间", 1, 1, 1),  # 0.15 of a room: one room
        ("学校规模（超出的学生）", "人", 100, "—", 1),  # 2 100 − 2 000
        # A3: 4.3 of 4.5 m² per pupil × 50 pupils = 10 m², a miss the rule allows (0 to pass)
        ("教学及辅助用房", "m²", 0, 10, 1),
    ]
    money, rooms = rows[0], rows[1]
    assert money["达到学校达标要求需补足"].number_format == "#,##0.00"  # 万元, two decimals
    assert money["全部达到标准值需补足"].number_format == "#,##0.00"
    assert rooms["达到学校达标要求需补足"].number_format == "#,##0"  # whole rooms
    assert rows[2]["涉及学校（学段）"].number_format == "#,##0"


def test_ledger_cv_over_its_limit_worked_out_with_fractions(workbooks):
    pupils = {"A1": 100, "A2": 200, "A3": 50, "A5": 2100}
    area = {"A1": Fraction(60), "A2": Fraction(10), "A3": Fraction(43, 10), "A5": Fraction(10)}
    total = sum(pupils.values())
    mean = sum(pupils[s] * area[s] for s in pupils) / total
    variance = sum(Fraction(pupils[s], total) * (area[s] - mean) ** 2 for s in pupils)
    cv = math.sqrt(variance) / float(mean)
    assert cv > 0.5  # the fixture's premise
    ws = _open(workbooks["zh"])["整改台账"]
    assert ws.cell(_row_of(ws, "序号", "指标", "学段") - 1, 1).value == "差异系数超过限值"
    [row] = _table(ws, _row_of(ws, "序号", "指标", "学段"))
    assert row["指标"].value == "生均教学及辅助用房面积"
    assert row["学段"].value == "小学"
    assert row["差异系数"].value == pytest.approx(cv, rel=1e-12)
    assert row["限值"].value == 0.5
    assert row["超出限值"].value == pytest.approx(cv - 0.5, rel=1e-12)
    assert row["差异系数"].number_format == "0.000"
    # No county sheet: every declared item lacks data; no veto was declared present.
    items = _table(ws, _row_of(ws, "序号", "指标", "结论"))
    assert len(items) >= 20 and {r["结论"].value for r in items} <= {"未达标", "缺数据"}
    assert any(c.value == "发生的一票否决情形：无" for c in ws["A"])


def test_ledger_rows_nearest_to_passing_first_with_empty_input_cells(workbooks):
    ws = _open(workbooks["zh"])["整改台账"]
    header = _row_of(ws, "序号", "学校")
    heads = [c.value for c in ws[header]]
    assert heads == ["序号", "学校", "学段", "存在问题", "现状", "标准", "整改任务", "责任单位",
                     "完成时限", "完成情况"]
    rows = _table(ws, header)
    # S3 (3/23 from passing) before S2 (1/4); S5 has an item task only, so it follows.
    assert [r["学校"].value for r in rows] == ["学校A3", "学校A2", "学校A5"]
    assert [r["序号"].value for r in rows] == [1, 2, 3]
    assert [r["学段"].value for r in rows] == ["小学", "小学", "全校"]
    s3, s2, s5 = rows
    assert s3["存在问题"].value == "每百名学生拥有网络多媒体教室数"
    assert s3["现状"].value == "2.00 间/百生" and s3["标准"].value == "2.30 间/百生"
    assert s3["整改任务"].value.endswith("1 间")
    assert s2["现状"].value == "1,500 元/生" and s2["标准"].value == "2,000 元/生"
    assert s2["整改任务"].value.endswith("10.00 万元")
    assert "100 人" in s5["整改任务"].value and "2,100" in s5["现状"].value
    for r in rows:
        for head in ("责任单位", "完成时限", "完成情况"):
            assert r[head].value is None  # for the bureau to fill in
            assert r[head].fill.fgColor.rgb[-6:] == INPUT_FILL
            assert r[head].border.left.style == "thin"
        assert r["完成时限"].number_format == "yyyy-mm-dd"


def test_ledger_deadline_is_a_date_the_ledger_filters_and_prints(workbooks):
    ws = _open(workbooks["zh"])["整改台账"]
    header = _row_of(ws, "序号", "学校")
    last = header + 3
    [rule] = [v for v in ws.data_validations.dataValidation if v.type == "date"]
    assert str(rule.sqref) == f"I{header + 1}:I{last}"  # 完成时限, every ledger row
    assert rule.showErrorMessage and rule.error
    assert ws.auto_filter.ref == f"A{header}:J{last}"
    assert ws.freeze_panes == "C1"  # 序号 and 学校 stay in view
    assert ws.print_title_rows.replace("$", "") == f"{header}:{header}"  # the header on every printed page
    title = _row_of(ws, "各校整改任务")
    assert title < header
    assert title - 1 in [b.id for b in ws.row_breaks.brk]  # the ledger starts a new page
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth or 1) == 1  # one page wide (1 is the file's default)
    assert ws.page_setup.fitToHeight == 0  # as many pages tall as it takes
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    widths = _column_widths(ws)
    for cell in ws[header]:
        assert widths[cell.column] >= _width_of(cell.value), cell.value


def test_ledger_of_several_counties_has_a_county_column(two_counties, tmp_path):
    ws = _open(write_excel(two_counties, tmp_path / "r.xlsx"))["整改台账"]
    titles = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.endswith("整改台账")]
    assert titles == ["乙县　整改台账", "甲县　整改台账"]  # the counties' order, as every sheet
    header = _row_of(ws, "序号", "县区", "学校")
    rows = _table(ws, header)
    assert [(r["县区"].value, r["学校"].value) for r in rows] == [
        ("乙县", "学校B3"), ("乙县", "学校B2"), ("乙县", "学校B5"),
        ("甲县", "学校A3"), ("甲县", "学校A2"), ("甲县", "学校A5")]
    assert [r["序号"].value for r in rows] == [1, 2, 3, 4, 5, 6]
    assert ws.auto_filter.ref == f"A{header}:K{header + 6}"
    assert ws.freeze_panes == "D1"


def test_ledger_without_tasks_says_so(tmp_path):
    schools = [school_row("P1"), school_row("P2")]
    stages = [stage_row("P1", "primary", 100, classes=3), stage_row("P2", "primary", 120,
                                                                    classes=3)]
    staff = passing_teachers("P1", "primary", 100) + passing_teachers("P2", "primary", 120)
    result = evaluate(write_xlsx(tmp_path / "ok.xlsx", {"schools": schools, "stages": stages,
                                                        "teachers": staff}))
    ws = _open(write_excel(result, tmp_path / "r.xlsx"))["整改台账"]
    assert any(c.value == "各校整改任务：无" for c in ws["A"])
    assert ws.auto_filter.ref is None
    assert not any(c.value == "学校" for c in ws["B"])


# -- 汇总 ------------------------------------------------------------------------------------

def _chart_anchors(path: Path, sheet: str) -> list[tuple[int, int]]:
    """(column, row) of the top-left anchor of every chart on ``sheet`` (0-based), from the
    drawing XML the workbook links to the sheet."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
          "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
          "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"}
    with zipfile.ZipFile(path) as z:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rid = next(s.get(f"{{{ns['r']}}}id") for s in book.find("m:sheets", ns)
                   if s.get("name") == sheet)
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        sheet_file = "xl/" + target.removeprefix("/xl/")
        folder, name = sheet_file.rsplit("/", 1)
        sheet_rels = ET.fromstring(z.read(f"{folder}/_rels/{name}.rels"))
        drawings = [r.get("Target") for r in sheet_rels if r.get("Type").endswith("/drawing")]
        anchors = []
        for drawing in drawings:
            xml = ET.fromstring(z.read("xl/" + drawing.removeprefix("../")))
            for anchor in xml:
                start = anchor.find("xdr:from", ns)
                anchors.append((int(start.find("xdr:col", ns).text),
                                int(start.find("xdr:row", ns).text)))
    return anchors


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_charts_cover_no_cell_with_content(workbooks, lang):
    """The CV charts sat on the veto column (I), the last of the county table."""
    path = workbooks[lang]
    name = "汇总" if lang == "zh" else "Summary"
    ws = _open(path)[name]
    last_used = max(c.column for row in ws.iter_rows() for c in row if c.value is not None)
    assert last_used == 9  # county, verdict, 4 parts, 2 counts, vetoes
    anchors = _chart_anchors(path, name)
    assert len(anchors) == 2  # one chart per stage
    for col, _ in anchors:
        assert col + 1 > last_used  # 0-based anchor column right of the last used one


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_header_is_as_wide_as_its_text(workbooks, lang):
    """参评学校数 sat in a column 2.7 wide (the charts' spacer) and read 参."""
    book = _open(workbooks[lang])
    checked = 0
    for ws in book:
        widths = _column_widths(ws)
        for row in ws.iter_rows():
            for cell in row:
                if cell.fill.fgColor.rgb and cell.fill.fgColor.rgb[-6:] == "DDE4EE" \
                        and cell.value:
                    assert widths.get(cell.column, 0) >= _width_of(cell.value), \
                        (ws.title, cell.coordinate, cell.value)
                    checked += 1
    assert checked > 80
    summary = book["汇总" if lang == "zh" else "Summary"]
    header = _row_of(summary, *(("县区", "结论") if lang == "zh" else ("County", "Verdict")))
    evaluated = [c for c in summary[header]
                 if c.value in ("参评学校数", "School–stages evaluated")]
    assert evaluated and _column_widths(summary)[evaluated[0].column] >= \
        _width_of(evaluated[0].value)


# -- number formats ------------------------------------------------------------------------

FORMAT_BY_INDICATOR = {  # per-pupil yuan whole, m² one decimal, per-100 counts two decimals
    "生均教学仪器设备值": "#,##0", "生均教学及辅助用房面积": "#,##0.0",
    "生均体育运动场馆面积": "#,##0.0", "每百名学生拥有网络多媒体教室数": "#,##0.00",
    "每百名学生拥有县级及以上骨干教师数": "#,##0.00"}


def test_number_formats_follow_the_kind_of_figure(workbooks):
    book = _open(workbooks["zh"])
    schools = book["学校指标"]
    rows = _table(schools, 1)
    seen = set()
    for r in rows:
        name = r["指标"].value
        if name in FORMAT_BY_INDICATOR:
            assert r["值"].number_format == FORMAT_BY_INDICATOR[name], name
            assert r["标准值"].number_format == FORMAT_BY_INDICATOR[name], name
            seen.add(name)
        assert r["达标率"].number_format == "0.0%"
        assert r["在校生"].number_format == "#,##0"
        assert r["单位"].value  # the value's unit beside it
        if r["缺口"].value is not None:
            assert r["缺口"].number_format == "#,##0" and r["缺口单位"].value
    assert seen == set(FORMAT_BY_INDICATOR)
    # What a school lacks is whole: A3's 0.15 of a room is 1 room, A2's 100 000 元 stays.
    lacks = {(r["学校标识码"].value, r["指标"].value): r["缺口"].value for r in rows
             if r["缺口"].value is not None}
    assert lacks[("A3", "每百名学生拥有网络多媒体教室数")] == 1
    assert lacks[("A3", "生均教学及辅助用房面积")] == 10  # 0.2 m² × 50 pupils
    assert lacks[("A2", "生均教学仪器设备值")] == 100_000
    # The summary's county values carry their unit in the cell; CVs three decimals.
    summary = book["汇总"]
    cvs = _table(summary, _row_of(summary, "县区", "学段", "指标"))
    by_name = {r["指标"].value: r for r in cvs if r["学段"].value == "小学"}
    assert by_name["生均教学仪器设备值"]["县域值"].number_format == '#,##0" 元/生"'
    assert by_name["生均教学及辅助用房面积"]["县域值"].number_format == '#,##0.0" m²/生"'
    assert {r["差异系数"].number_format for r in cvs} == {"0.000"}
    assert {r["限值"].number_format for r in cvs} == {"0.00"}
    # The school over the size limit: pupils, in the cell.
    breach = next(r for r in _table(book["问题学校"], 1) if r["学校标识码"].value == "A5")
    assert (breach["值"].value, breach["限值"].value) == (2100, 2000)
    assert breach["值"].number_format == '#,##0" 人"'


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_figure_is_formatted_with_thousands_separators(workbooks, lang):
    """No figure is left to Excel's General format, and every one that reaches 1 000 is
    written with separators (row numbers excepted)."""
    checked = 0
    for ws in _open(workbooks[lang]):
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    fmt = cell.number_format
                    assert fmt != "General", (ws.title, cell.coordinate, cell.value)
                    if abs(cell.value) >= 1000 and fmt != "0":
                        assert "#,##0" in fmt, (ws.title, cell.coordinate, fmt)
                        checked += 1
    assert checked > 10


def test_english_counts_have_their_plural(workbooks):
    book = _open(workbooks["en"])
    breach = next(r for r in _table(book["Problem schools"], 1) if r["School id"].value == "A5")
    assert breach["Value"].number_format == '[=1]0" pupil";#,##0" pupils"'
    ws = book["Rectification ledger"]
    totals = _table(ws, _row_of(ws, "No.", "What"))
    assert [(r["What"].value, r["Unit"].value, r["To pass"].value) for r in totals] == [
        ("Teaching equipment", "yuan", 100_000), ("Multimedia classrooms", "rooms", 1),
        ("School size (pupils over the limit)", "pupils", 100), ("Teaching floor area", "m²", 0)]


# -- 缺口 ------------------------------------------------------------------------------------

def test_gaps_sheet_keeps_nearest_to_passing_first_and_says_so(workbooks):
    ws = _open(workbooks["zh"])["缺口"]
    rows = _table(ws, 1)
    order = list(dict.fromkeys(r["学校标识码"].value for r in rows))
    assert order == ["A3", "A2"]  # 3/23 from passing, then 1/4
    assert rows[0]["差距"].value == pytest.approx(float(Fraction(3, 23)), rel=1e-9)
    notes = [c.value for c in ws["A"] if isinstance(c.value, str)]
    assert any("由近到远" in n and "整改台账" in n for n in notes)
    # No unit column on this sheet: each figure has its unit in its cell.
    a3 = {r["指标"].value: r for r in rows if r["学校标识码"].value == "A3"}
    area, rooms = a3["生均教学及辅助用房面积"], a3["每百名学生拥有网络多媒体教室数"]
    assert (area["缺口"].value, area["缺口"].number_format) == (10, '#,##0" m²"')
    assert area["值"].number_format == '#,##0.0" m²/生"'
    assert (rooms["缺口"].value, rooms["缺口"].number_format) == (1, '#,##0" 间"')
    assert rooms["值"].number_format == '#,##0.00" 间/百生"'
    a2 = next(r for r in rows if r["学校标识码"].value == "A2")
    assert (a2["缺口"].value, a2["缺口"].number_format) == (100_000, '#,##0" 元"')
    assert (a2["值"].value, a2["值"].number_format) == (1500, '#,##0" 元/生"')


def test_english_units_are_words_with_their_plural(workbooks):
    book = _open(workbooks["en"])
    gaps = _table(book["Gaps"], 1)
    rooms = next(r for r in gaps if r["Indicator"].value.startswith("Networked multimedia"))
    assert rooms["Shortfall"].value == 1
    assert rooms["Shortfall"].number_format == '[=1]0" room";#,##0" rooms"'
    schools = _table(book["Schools"], 1)
    units = {(r["Shortfall"].value, r["Shortfall unit"].value) for r in schools
             if r["Shortfall unit"].value}
    assert units == {(1, "room"), (10, "m²"), (100_000, "yuan")}  # A3's room and area, A2's


# -- English ---------------------------------------------------------------------------------

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
WRONG_PLURAL = re.compile(r"(?<![\d.,])1 (teachers|rooms|pupils|classes|schools|school–stages)\b")


def _english_cells(path: Path) -> list[tuple[str, str, str]]:
    return [(ws.title, c.coordinate, c.value) for ws in _open(path) for row in ws.iter_rows()
            for c in row if isinstance(c.value, str)]


@pytest.mark.parametrize("which", ["sample", "missing_data"])
def test_english_workbook_names_no_keys_and_makes_its_plurals(which, sample, workbooks,
                                                               tmp_path):
    path = (write_excel(sample, tmp_path / "en.xlsx", lang="en") if which == "sample"
            else workbooks["en"])  # the hand-made county has no county sheet: data missing
    cells = _english_cells(path)
    assert len(cells) > 200
    for sheet, where, text in cells:
        assert not SNAKE.search(text), (sheet, where, text)
        assert "(s)" not in text, (sheet, where, text)
        assert not WRONG_PLURAL.search(text), (sheet, where, text)
    if which == "missing_data":  # the county sheet's figures are named, not keyed
        assert any("Teachers' average pay" in text for _, _, text in cells)


def test_english_sentences_from_the_evaluation_are_mended():
    labels = {"teacher_avg_pay": "Teachers' average pay", "ict_use": "Teachers' use of ICT"}
    assert english("not declared in the county table: teacher_avg_pay, ict_use", labels) == \
        "not declared in the county table: Teachers' average pay, Teachers' use of ICT"
    assert english("1 teacher(s) short of training hours", {}) == \
        "1 teacher short of training hours"
    assert english("12 full-time teacher(s) without a certificate", {}) == \
        "12 full-time teachers without a certificate"
    assert english("20 classes need 2 music and 1 art room(s)", {}) == \
        "20 classes need 2 music and 1 art room"
    assert english("1 school–stage(s) without a largest class", {}) == \
        "1 school–stage without a largest class"
    assert english("an unknown_key stays", {}) == "an unknown_key stays"
