"""The reports: Excel, HTML (in Debian's Chromium), Word, and --report.

Expected figures are worked out by hand or with fractions; the workbook is checked against the
JSON cell by cell.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import warnings
from fractions import Fraction
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from docx import Document
from docx.oxml.ns import qn

import junheng
from conftest import passing_teachers, school_row, stage_row, teachers
from junheng.report import (
    cv_contributions,
    gap_table,
    write_excel,
    write_html,
    write_reports,
    write_word,
)

ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"
INDICATOR_NAMES = {i.key: i.name for i in junheng.load_standard("quality-2017").indicators}
NAME_TO_KEY = {v: k for k, v in INDICATOR_NAMES.items()}

# Text Excel would take for a formula, and markup a browser would run.
HOSTILE = {"S2": "=HYPERLINK(\"http://example.com\",\"点我\")", "S3": "+86学校", "S4": "-1学校",
           "S5": "@SUM(A1)", "S6": "<script>alert(1)</script>小学"}


def gap_county(xlsx) -> Path:
    """Four primary schools (pupils 100, 200, 50, 150) and one junior school:

    - S1 meets everything (teaching area 10 m² per pupil);
    - S2 misses teaching area (4.3 of 4.5) and multimedia rooms (2.0 of 2.3 per 100), both above
      the 85 % floor: one must be fixed, the one further away (rooms, 1 − 2/2.3 = 3/23);
    - S3 misses only equipment, below the floor (1500 of 2000 yuan = 75 %): fix it (0.25);
    - S4 misses teaching area, rooms and equipment (1800 of 2000 = 90 %), all above the floor:
      fix two (rooms and equipment), keep the closest (teaching area): 3/23 + 1/10.
    """
    schools = [school_row("S1", latitude=29.5, longitude=106.5)]
    schools += [school_row(sid, name=name, location="rural", latitude=29.4 + i / 10,
                           longitude=106.4) for i, (sid, name) in enumerate(HOSTILE.items())
                if sid != "S5"]
    schools.append(school_row("S5", school_type="junior", name=HOSTILE["S5"]))
    stages = [
        stage_row("S1", "primary", 100),
        stage_row("S2", "primary", 200, teaching_area_m2=860, multimedia_rooms=4),
        stage_row("S3", "primary", 50, equipment_value_yuan=75_000),
        stage_row("S4", "primary", 150, teaching_area_m2=645, multimedia_rooms=3,
                  equipment_value_yuan=270_000),
        stage_row("S5", "junior", 300),
        stage_row("S6", "primary", 80),
    ]
    staff = []
    for s in stages:
        staff += passing_teachers(s["school_id"], s["stage"], s["students"])
    return xlsx(schools=schools, stages=stages, teachers=staff)


@pytest.fixture
def gap_result(xlsx):
    return junheng.evaluate(junheng.load(gap_county(xlsx)))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "county.xlsx"
    junheng.write_sample(path, schools=60, seed=7)
    return junheng.evaluate(junheng.load(path))


# -- the shared tables --------------------------------------------------------------------------

def test_gaps_are_sorted_nearest_to_passing_first(gap_result):
    gaps = gap_table(gap_result)
    order = gaps.unique("school_id", keep="first", maintain_order=True)
    assert order.get_column("school_id").to_list() == ["S2", "S3", "S4"]
    expected = {"S2": (1, Fraction(3, 23)), "S3": (1, Fraction(1, 4)),
                "S4": (2, Fraction(3, 23) + Fraction(1, 10))}
    for r in order.iter_rows(named=True):
        to_fix, distance = expected[r["school_id"]]
        assert r["to_fix"] == to_fix
        assert r["distance"] == pytest.approx(float(distance), rel=1e-9)
    must = {(r["school_id"], r["indicator"]): r["must_fix"] for r in gaps.iter_rows(named=True)}
    assert must == {
        ("S2", "teaching_area_per_student"): False, ("S2", "multimedia_rooms_per100"): True,
        ("S3", "equipment_value_per_student"): True,
        ("S4", "teaching_area_per_student"): False, ("S4", "equipment_value_per_student"): True,
        ("S4", "multimedia_rooms_per100"): True}


def test_cv_contributions_are_each_schools_share_of_the_weighted_variance(gap_result):
    detail = cv_contributions(gap_result).filter(
        (pl.col("stage") == "primary") & (pl.col("indicator") == "teaching_area_per_student"))
    pupils = {"S1": 100, "S2": 200, "S3": 50, "S4": 150, "S6": 80}
    area = {"S1": Fraction(10), "S2": Fraction(43, 10), "S3": Fraction(10),
            "S4": Fraction(43, 10), "S6": Fraction(10)}
    total = sum(pupils.values())
    mean = sum(pupils[s] * area[s] for s in pupils) / total
    contribution = {s: Fraction(pupils[s], total) * (area[s] - mean) ** 2 for s in pupils}
    variance = sum(contribution.values())
    got = {r["school_id"]: r for r in detail.iter_rows(named=True)}
    assert set(got) == set(pupils)
    for s in pupils:
        assert got[s]["county_value"] == pytest.approx(float(mean), rel=1e-12)
        assert got[s]["contribution"] == pytest.approx(float(contribution[s]), rel=1e-12)
        assert got[s]["share"] == pytest.approx(float(contribution[s] / variance), rel=1e-12)
    # Largest share first.
    assert detail.get_column("school_id").to_list() == sorted(
        pupils, key=lambda s: contribution[s], reverse=True)


# -- Excel --------------------------------------------------------------------------------------

def _open(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():  # openpyxl does not read conditional-format extensions
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def _excel_number(value: float) -> float:
    """What a number becomes in an .xlsx cell: 16 significant digits, as Excel keeps them."""
    return float(f"{value:.16G}")


def test_workbook_numbers_equal_the_json(sample, tmp_path):
    path = write_excel(sample, tmp_path / "r.xlsx")
    data = json.loads(sample.to_json())["counties"][0]
    book = _open(path)
    sheet = book["学校指标"]
    head = [c.value for c in sheet[1]]
    col = {name: head.index(name) for name in head}
    expected = {(s["school_id"], s["stage"]): s for s in data["resources"]["schools"]}
    stage_of = {"小学": "primary", "初中": "junior"}
    seen = 0
    for row in sheet.iter_rows(min_row=2, values_only=True):
        unit = expected[(row[col["学校标识码"]], stage_of[row[col["学段"]]])]
        entry = unit["indicators"][NAME_TO_KEY[row[col["指标"]]]]
        assert row[col["在校生"]] == unit["students"]
        assert row[col["值"]] == _excel_number(entry["value"])
        assert row[col["标准值"]] == _excel_number(entry["threshold"])
        assert row[col["达标率"]] == _excel_number(entry["ratio"])
        assert row[col["达标"]] == ("是" if entry["met"] else "否")
        if entry["met"]:
            assert row[col["缺口"]] is None
        else:
            # What the school must add: rounded up to a whole teacher, room, m² or 元.
            assert row[col["缺口"]] == math.ceil(round(entry["shortfall"], 6))
        assert row[col["学校达标"]] == ("是" if unit["meets_rule"] else "否")
        seen += 1
    assert seen == sum(len(s["indicators"]) for s in data["resources"]["schools"])
    # The CV table of the summary sheet.
    summary = book["汇总"]
    rows = list(summary.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[:3] == ("县区", "学段", "指标"))
    cvs = 0
    for r in rows[top + 1:]:
        if r[0] is None:
            break
        stage = data["resources"]["stages"][stage_of[r[1]]]
        key = NAME_TO_KEY[r[2]]
        assert r[3] == _excel_number(stage["county_value"][key])
        assert r[4] == _excel_number(stage["cv"][key])
        assert r[5] == stage["cv_limit"]
        assert r[6] == ("是" if stage["cv_met"][key] else "否")
        cvs += 1
    assert cvs == 14
    assert rows[4][:3] == ("示例县", "未达标" if data["verdict"] == "fail" else "待完整评估",
                           "未达标" if data["resources"]["verdict"] == "fail" else "达标")


def test_workbook_layout_charts_and_formats(sample, tmp_path):
    book = _open(write_excel(sample, tmp_path / "r.xlsx"))
    assert book.sheetnames == ["整改台账", "汇总", "学校指标", "缺口", "差异系数明细", "其他指标",
                               "问题学校", "图表", "图表数据", "说明"]
    schools = book["学校指标"]
    assert schools.freeze_panes == "A2"
    assert schools.auto_filter.ref is not None
    assert len(schools.conditional_formatting) >= 3
    assert len(book["汇总"]._charts) == 2  # the CVs, one chart per stage
    assert len(book["图表"]._charts) == 14  # 7 indicators × 2 stages
    notes = [r[1] for r in book["说明"].iter_rows(values_only=True)]
    assert any("quality-2017" in (n or "") for n in notes)
    assert any("拆分" in (n or "") for n in notes)  # the nine-year schools' split is noted


def test_workbook_text_from_the_input_is_never_a_formula(gap_result, tmp_path):
    book = _open(write_excel(gap_result, tmp_path / "r.xlsx"))
    found = {}
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.value in HOSTILE.values():
                    found[cell.value] = cell
    assert set(found) == set(HOSTILE.values())
    for text, cell in found.items():
        assert cell.data_type == "s"
        # Excel's quote prefix keeps a re-edited cell text; plain text needs none.
        assert cell.quotePrefix == text.startswith(("=", "+", "-", "@"))


def test_workbook_gaps_sheet_in_english(gap_result, tmp_path):
    book = _open(write_excel(gap_result, tmp_path / "r.xlsx", lang="en"))
    assert book.sheetnames[:4] == ["Rectification ledger", "Summary", "Schools", "Gaps"]
    gaps = list(book["Gaps"].iter_rows(values_only=True))
    head = gaps[0]
    rows = [dict(zip(head, r, strict=True)) for r in gaps[1:] if r[0] == "测试县"]
    assert [r["School id"] for r in rows] == ["S2", "S2", "S3", "S4", "S4", "S4"]
    assert rows[0]["Indicators to fix"] == 1 and rows[3]["Indicators to fix"] == 2
    s3 = rows[2]
    assert s3["≥ 85 %"] == "no" and s3["Must fix"] == "yes"
    assert s3["Shortfall"] == 25_000  # (2000 − 1500) yuan × 50 pupils
    assert s3["Gap"] == "short of 25,000 yuan of teaching equipment"


# -- HTML in Chromium ---------------------------------------------------------------------------



def _open_page(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    events = {"requests": [], "errors": [], "dialogs": []}
    page.on("request", lambda r: events["requests"].append(r.url))
    page.on("console", lambda m: m.type == "error" and events["errors"].append(m.text))
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, events


DRAWN = """() => Array.from(document.querySelectorAll('.chart')).map(c => {
  const svg = c.querySelector('svg.main-svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const marks = c.querySelectorAll('.point, .trace path, .hm image, .heatmaplayer image, '
                                   + '.scatterlayer .trace').length;
  return {id: c.id, width: box.width, height: box.height, marks: marks};
})"""

# Draw two different characters in the page's font: with no Chinese font both come out as the
# same empty box (tofu), so different pixels mean real glyphs.
GLYPHS = """() => {
  const font = getComputedStyle(document.body).fontFamily;
  const draw = ch => { const c = document.createElement('canvas'); c.width = 40; c.height = 40;
    const g = c.getContext('2d'); g.font = '32px ' + font; g.fillText(ch, 2, 32);
    return Array.from(g.getImageData(0, 0, 40, 40).data).join(','); };
  return draw('均') !== draw('衡') && draw('均') !== draw('');
}"""


def test_html_report_opens_offline_and_draws_every_chart(sample, browser, tmp_path):
    path = write_html(sample, tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    assert "<script src" not in text and "<link" not in text  # everything inlined
    page, events = _open_page(browser, path)
    charts = page.evaluate(DRAWN)
    # CVs, 14 distributions, the map (the school × indicator heatmaps are tables, whose heading
    # repeats on every printed page).
    assert len(charts) == 16
    assert page.locator("table.heatmap").count() == 2
    for chart in charts:
        assert chart["width"] > 100 and chart["height"] > 100, chart
        assert chart["marks"] > 0, chart
    assert page.evaluate(GLYPHS), "Chinese characters do not render (fonts-noto-cjk missing?)"
    assert events["errors"] == []
    assert events["requests"] == [path.as_uri()]  # nothing leaves the page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
    pdf = page.pdf(path=str(ARTIFACTS / "report.pdf"), format="A4", landscape=True)
    assert len(pdf) > 10_000
    page.close()


def test_html_tables_sort_and_input_text_stays_text(gap_result, browser, tmp_path):
    path = write_html(gap_result, tmp_path / "report.html")
    page, events = _open_page(browser, path)
    assert events["dialogs"] == []  # the <script> in a school name did not run
    assert HOSTILE["S6"] in page.inner_text("body")
    table = page.locator("h4 + table.sortable").first  # the failing schools
    first_column = "() => Array.from(document.querySelectorAll('h4 + table.sortable')[0]" \
                   ".tBodies[0].rows).map(r => r.cells[2].textContent)"
    assert page.evaluate(first_column) == ["200", "50", "150"]  # nearest to passing first
    table.locator("th").nth(2).click()  # pupils, ascending
    assert page.evaluate(first_column) == ["50", "150", "200"]
    table.locator("th").nth(2).click()
    assert page.evaluate(first_column) == ["200", "150", "50"]
    assert events["errors"] == [] and events["requests"] == [path.as_uri()]
    page.close()


# -- Word ---------------------------------------------------------------------------------------

def test_word_draft_has_the_headings_and_tables(sample, tmp_path):
    from decimal import ROUND_HALF_UP, Decimal

    path = write_word(sample, "示例县", tmp_path / "draft.docx")
    doc = Document(str(path))
    data = json.loads(sample.to_json())["counties"][0]
    verdict = {"pass": "达标", "fail": "未达标", "incomplete": "待完整评估"}
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、基本情况", "二、主要做法与成效", "三、评估结果", "四、存在问题",
                        "五、整改措施"]
    assert doc.paragraphs[0].style.name == "Title"
    assert doc.paragraphs[0].text == "示例县义务教育优质均衡发展自评报告"
    subheadings = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    assert "（一）补齐师资短板" in subheadings
    text = "\n".join(p.text for p in doc.paragraphs)
    for part in ("government", "quality", "recognition"):
        assert f"结论为“{verdict[data[part]['verdict']]}”" in text
    # The CV table: a header and 14 rows whose figures are the JSON's, as printed.
    cv_table = next(t for t in doc.tables
                    if len(t.columns) > 3 and t.rows[0].cells[3].text == "差异系数")
    assert len(cv_table.rows) == 15
    stage_of = {"小学": "primary", "初中": "junior"}
    for row in cv_table.rows[1:]:
        cells = [c.text for c in row.cells]
        stage = data["resources"]["stages"][stage_of[cells[0]]]
        key = NAME_TO_KEY[cells[1]]
        exact = Decimal(repr(stage["cv"][key]))  # rounded half up, as printed
        assert cells[3] == str(exact.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
    # Each school's indicators (附件3): one row per primary school–stage with pupils.
    primary = next(t for t in doc.tables if t.rows[0].cells[0].text == "学校")
    n_primary = sum(1 for s in data["resources"]["schools"] if s["stage"] == "primary")
    assert len(primary.rows) == n_primary + 1
    # Items of the other parts (附件2), one row each.
    items = [t for t in doc.tables if t.rows[0].cells[0].text == "序号" and len(t.columns) == 6]
    assert [len(t.rows) - 1 for t in items] == [15, 9, 1]
    # Chinese fonts are set, not left to Word's default.
    east = doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia"))
    assert east == "仿宋_GB2312"
    assert doc.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    # The task table (附件1) names every failing school.
    tasks = next(t for t in doc.tables if len(t.columns) == 7)
    named = {row.cells[1].text for row in tasks.rows[1:]}
    failing = [s["name"] for s in data["resources"]["schools"] if s["meets_rule"] is False]
    assert failing and set(failing) <= named
    assert "【请填写：具体措施、责任单位和完成时限】" in text


def test_word_draft_in_english_without_other_parts(xlsx, tmp_path):
    result = junheng.evaluate(junheng.load(gap_county(xlsx)))
    doc = Document(str(write_word(result, "测试县", tmp_path / "d.docx", lang="en")))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["1. Basic situation", "2. Main measures and results",
                        "3. Evaluation results", "4. Problems", "5. Rectification measures"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Items 1, 2, 3, 6" in text and "lack data" in text  # no county sheet
    tasks = next(t for t in doc.tables if len(t.columns) == 7)
    s4 = [row.cells[4].text for row in tasks.rows[1:] if row.cells[1].text == HOSTILE["S4"]]
    assert "add 30,000 yuan of teaching equipment" in s4


def test_word_draft_rejects_an_unknown_county(gap_result, tmp_path):
    with pytest.raises(ValueError, match="没有县区"):
        write_word(gap_result, "别的县", tmp_path / "d.docx")
    assert not (tmp_path / "d.docx").exists()


# -- the command --------------------------------------------------------------------------------

def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()", *args],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"})


def test_evaluate_report_writes_every_file(xlsx, tmp_path):
    out = tmp_path / "out"
    run = _cli("evaluate", str(gap_county(xlsx)), "--report", str(out))
    assert run.returncode == 0, run.stderr
    names = sorted(p.name for p in out.iterdir())
    files = ["evaluation.json", "评估结果.xlsx", "评估报告.html", "自评报告-测试县.docx"]
    # the manifest lists the run's files; the school pages have a folder (and manifest) of
    # their own, one page per school of the county
    assert names == sorted([*files, ".junheng-manifest.json", "学校达标情况表"])
    pages = sorted(p.name for p in (out / "学校达标情况表").iterdir() if p.suffix == ".html")
    assert len(pages) == len({s["school_id"] for s in json.loads(
        (out / "evaluation.json").read_text(encoding="utf-8"))["counties"][0]["resources"][
        "schools"]})
    assert "学校达标情况表" in run.stdout and "个文件" in run.stdout
    manifest = json.loads((out / ".junheng-manifest.json").read_text(encoding="utf-8"))
    assert sorted(e["name"] for e in manifest["runs"]["evaluate-zh"]) == sorted(files)
    assert json.loads((out / "evaluation.json").read_text(encoding="utf-8"))["standard"] == \
        "quality-2017"
    assert "已写出 written:" in run.stdout


def test_evaluate_report_in_english_and_per_county(tmp_path):
    data = tmp_path / "two.xlsx"
    junheng.write_sample(data, schools=8, seed=2, counties=2)
    out = tmp_path / "out"
    run = _cli("evaluate", str(data), "--report", str(out), "--lang", "en")
    assert run.returncode == 0, run.stderr
    names = sorted(p.name for p in out.iterdir() if p.name != ".junheng-manifest.json")
    counties = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))["counties"]
    assert len(counties) == 2
    assert names == sorted(["evaluation.json", "evaluation.xlsx", "report.html", "school-pages",
                            *[f"self-assessment-{c['county']}.docx" for c in counties]])


def test_bad_input_writes_no_report(xlsx, tmp_path):
    bad = xlsx(schools=[school_row("A")], stages=[stage_row("A", "primary", -5)],
               teachers=teachers("A", "primary", 1))
    out = tmp_path / "out"
    run = _cli("evaluate", str(bad), "--report", str(out))
    assert run.returncode == 2
    assert not out.exists()


def test_write_reports_cleans_county_names_for_file_names(xlsx, tmp_path):
    data = xlsx(schools=[school_row("A", county="城区/新区:一")],
                stages=[stage_row("A", "primary", 100)],
                teachers=passing_teachers("A", "primary", 100))
    paths = write_reports(junheng.evaluate(junheng.load(data)), tmp_path / "out")
    assert paths[3].name == "自评报告-城区_新区_一.docx"  # the school pages follow


def test_reports_for_the_2012_composite_standard(tmp_path):
    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=20, seed=5)
    result = junheng.evaluate(junheng.load(path), "basic-2012")
    data = json.loads(result.to_json())["counties"][0]["resources"]["stages"]
    book = _open(write_excel(result, tmp_path / "r.xlsx"))
    # No per-school rule: no gaps; no other parts modelled: no items.
    assert book.sheetnames == ["整改台账", "汇总", "学校指标", "差异系数明细", "图表", "图表数据",
                               "说明"]
    composite = {r[1]: r for r in book["汇总"].iter_rows(values_only=True)
                 if r[2] == "综合差异系数"}
    assert set(composite) == {"小学", "初中"}
    for label, stage in (("小学", "primary"), ("初中", "junior")):
        assert composite[label][4] == _excel_number(data[stage]["cv_composite"])
        assert composite[label][5] == data[stage]["cv_composite_limit"]
    doc = Document(str(write_word(result, "示例县", tmp_path / "d.docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    # The limits the standard sets, not the 2017 ones.
    assert "综合差异系数：小学不高于 0.65，初中不高于 0.55" in text
    assert "0.50" not in text


def _rule_colours(ws, column: str) -> dict[int, str]:
    """The fill each data row of ``column`` gets, by applying the sheet's formula rules the way
    Excel does (in order, the first that holds): only rules of the form =$X2="text"."""
    rules = []
    for cf in ws.conditional_formatting:
        if column in str(cf.sqref).split(":")[0]:
            for rule in cf.rules:
                m = re.fullmatch(r'\$([A-Z]+)2="(.*)"', rule.formula[0]) if rule.formula else None
                if m:
                    rules.append((rule.priority, m[1], m[2], rule.dxf.fill.bgColor.rgb))
    rules.sort()
    colours = {}
    for row in range(2, ws.max_row + 1):
        for _, col, text, fill in rules:
            if ws[f"{col}{row}"].value == text:
                colours[row] = fill[-6:]
                break
    return colours


def test_gaps_sheet_colours_the_share_by_must_fix(gap_result, tmp_path):
    """Red where the school must fix it, amber where the rule's allowance covers it (S2's
    teaching area, 4.3 of 4.5: 95.6 % reached, not to be fixed, was red before)."""
    ws = _open(write_excel(gap_result, tmp_path / "r.xlsx"))["缺口"]
    head = [c.value for c in ws[1]]
    share, must = head.index("达标率"), head.index("必须补足")
    colours = _rule_colours(ws, "L")
    assert share == 11
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 2).value in ("S2", "S3", "S4"):
            want = "F8CBAD" if ws.cell(row, must + 1).value == "是" else "FFE699"
            assert colours[row] == want, (row, ws.cell(row, 9).value)
    assert set(colours.values()) == {"F8CBAD", "FFE699"}


def test_other_items_sheet_marks_each_check_by_its_own_comparison(sample, tmp_path):
    """Item 11 of the sample fails on the backbone share while its rotation share (0.122 ≥ 0.100)
    passes: that check reads 是, the item 否 (the check read 否 before)."""
    ws = _open(write_excel(sample, tmp_path / "r.xlsx"))["其他指标"]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    col = {name: head.index(name) for name in ("值", "比较", "标准值", "本检查达标", "本项达标")}
    holds = {"≥": lambda v, t: v >= t, "<": lambda v, t: v < t, "≤": lambda v, t: v <= t}
    checked = 0
    for r in rows[1:]:
        value, op, threshold = r[col["值"]], r[col["比较"]], r[col["标准值"]]
        if op in holds and isinstance(value, int | float):
            assert r[col["本检查达标"]] == ("是" if holds[op](value, threshold) else "否"), r
            checked += 1
    assert checked >= 10
    item11 = [r for r in rows[1:] if r[2] == 11 and r[5] == "交流轮岗比例"]
    assert item11 and item11[0][col["本检查达标"]] == "是" and item11[0][col["本项达标"]] == "否"
