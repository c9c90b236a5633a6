"""The HTML report in Chromium: the rectification list first, charts people can read, print.

One small county made by hand (``county``), every expected figure worked out here with
fractions from its inputs, never by the code under test:

- 甲小学 (A), primary, 100 pupils: meets every indicator; equipment 2,500 yuan per pupil.
- 乙小学 (B), primary, 200 pupils: no multimedia room (0 of 2.3 per 100, below the 85 % floor:
  4.6 → 5 rooms) and equipment 1,600 of 2,000 yuan (80 %, below the floor: 80,000 yuan); its
  largest class is 48 in 4 classes (limit 45: ceil(200 / 45) − 4 = 1 class to add).
- 丙小学 (C), primary, 150 pupils: teaching area 4.3 of 4.5 m² (95.6 %) and multimedia rooms
  2.0 of 2.3 (87.0 %), both above the floor: one must be fixed, the one further away (rooms,
  3/23; 3.45 − 3 → 1 room); teaching area may stay (30 m² short of its threshold).
- 丁中学 (D), junior, 300 pupils: sports area 9.0 of 10.2 m² (88.2 %) and equipment 2,300 of
  2,500 yuan (92 %): fix the sports area (1.2/10.2 > 0.08): 3,060 − 2,700 = 360 m²; equipment
  60,000 yuan short of its threshold may stay.

Nearest to passing first: D (1 indicator, 0.118), C (1, 0.130), B (2). Only the primary CV of
multimedia rooms is over its limit (values 5, 0, 2 per 100 pupils: CV 1.086 > 0.50).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, write_xlsx
from junheng.report import write_html

ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"
NAMES = {"A": "甲小学", "B": "乙小学", "C": "丙小学", "D": "丁中学"}
PUPILS = {"A": 100, "B": 200, "C": 150, "D": 300}
STD = junheng.load_standard("quality-2017")


def _county_rows() -> dict[str, list[dict]]:
    schools = [school_row(s, "junior" if s == "D" else "primary", name=n)
               for s, n in NAMES.items()]
    stages = [
        stage_row("A", "primary", 100, classes=3, largest_class=40,
                  equipment_value_yuan=250_000),
        stage_row("B", "primary", 200, classes=4, largest_class=48, multimedia_rooms=0,
                  equipment_value_yuan=320_000),
        stage_row("C", "primary", 150, classes=4, largest_class=40, teaching_area_m2=645,
                  multimedia_rooms=3, equipment_value_yuan=375_000),
        stage_row("D", "junior", 300, classes=7, largest_class=45, sports_area_m2=2_700,
                  equipment_value_yuan=690_000),
    ]
    staff = []
    for s in stages:
        staff += passing_teachers(s["school_id"], s["stage"], s["students"])
    return {"schools": schools, "stages": stages, "teachers": staff}


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    path = write_xlsx(tmp_path_factory.mktemp("county") / "county.xlsx", _county_rows())
    return junheng.evaluate(junheng.load(path))


@pytest.fixture(scope="module")
def reports(county, tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    return {lang: write_html(county, folder / f"{lang}.html", lang) for lang in ("zh", "en")}


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors


def _figures(path: Path) -> dict[str, dict]:
    text = path.read_text(encoding="utf-8")
    return {fid: json.loads(body) for fid, body in re.findall(
        r'<script type="application/json" data-figure="([^"]+)">(.*?)</script>', text, re.S)}


def _money_wan(yuan: int) -> str:
    return f"{yuan / 10_000:.2f} 万元"


# -- the header ---------------------------------------------------------------------------------

def _meta(path: Path) -> tuple[str, str]:
    """The header's line under the title: all of it, and the standard's part."""
    meta = re.search(r'<p class="meta">(.*?)</p>', path.read_text(encoding="utf-8"), re.S)[1]
    standard = re.search(r'<span class="standard">(.*?)</span>', meta, re.S)
    return meta, standard[1] if standard else ""


def test_header_names_the_standard_not_its_id_twice(county, reports, tmp_path):
    """It read 评估标准：quality-2017 (quality-2017)."""
    meta, standard = _meta(reports["zh"])
    assert "quality-2017" not in meta
    assert standard == "评估标准：县域义务教育优质均衡发展督导评估办法（教督〔2017〕6号）"
    meta, standard = _meta(reports["en"])
    assert "quality-2017" not in meta
    assert standard == "Standard: Quality-balanced county evaluation (MoE Supervision [2017] No. 6)"
    # A provincial profile: its own name, then its id and what it extends.
    data = write_xlsx(tmp_path / "c.xlsx", _county_rows())
    province = junheng.evaluate(junheng.load(data), "example-province-2017")
    _, standard = _meta(write_html(province, tmp_path / "p.html"))
    assert standard == ("评估标准：某省县域义务教育优质均衡发展督导评估实施细则（示例）"
                        "（example-province-2017，在 quality-2017 基础上修改）")


def test_header_items_stay_apart_in_english(reports, browser):
    """Spaces between the header's items collapsed in English (… No. 6) School year: …)."""
    page, _ = _open(browser, reports["en"])
    boxes = page.locator("header .meta span").evaluate_all(
        "spans => spans.map(s => [s.getBoundingClientRect().left, "
        "s.getBoundingClientRect().right])")
    assert len(boxes) == 3
    assert all(b[0] - a[1] >= 12 for a, b in pairwise(boxes))
    page.close()


# -- the rectification list ---------------------------------------------------------------------

def test_rectification_list_comes_first_with_hand_computed_totals(reports, browser):
    page, errors = _open(browser, reports["zh"])
    # DOM order: the county's heading, then the rectification list before anything else.
    order = page.evaluate("""() => Array.from(document.querySelector('section.county').children)
        .map(e => e.tagName + (e.className ? '.' + e.className : ''))""")
    assert order[:2] == ["H2", "DIV.rect"], order
    assert page.evaluate("() => document.querySelector('main > section').className") == "county"
    rect = page.locator(".rect")
    assert rect.locator("h3").inner_text() == "整改清单"
    # The headline's figures: 3 failing school–stages (B, C, D), 1 CV over the limit; the items
    # counted are the rows listed under it.
    items = rect.locator("table.items tbody tr").count()
    assert items > 0
    assert rect.locator("p.headline").inner_text() == (
        f"3 个学校（学段）未达到学校达标要求；1 项差异系数超过限值；{items} 项其他指标未达标或缺数据。")
    # The county totals, by hand.
    rooms_b = math.ceil(Fraction(23, 10) * PUPILS["B"] / 100 - 0)  # 4.6 → 5
    rooms_c = math.ceil(Fraction(23, 10) * PUPILS["C"] / 100 - 3)  # 0.45 → 1
    equipment_b = 2_000 * PUPILS["B"] - 320_000
    equipment_d = 2_500 * PUPILS["D"] - 690_000
    sports_d = Fraction(102, 10) * PUPILS["D"] - 2_700
    classes_b = -(-PUPILS["B"] // 45) - 4
    assert (rooms_b, rooms_c, equipment_b, equipment_d, sports_d, classes_b) == (
        5, 1, 80_000, 60_000, 360, 1)
    heads = rect.locator("table.needs thead th").all_inner_texts()
    assert heads == ["项目", "达到学校达标要求需补足", "全部达到标准值需补足", "涉及学校（学段）"]
    rows = {r[0]: r[1:] for r in page.evaluate(
        """() => Array.from(document.querySelectorAll('.rect table.needs tbody tr'))
               .map(r => Array.from(r.cells).map(c => c.innerText))""")}
    assert rows["网络多媒体教室"] == [f"{rooms_b + rooms_c} 间", f"{rooms_b + rooms_c} 间",
                                "2 个学校（学段）"]
    assert rows["教学仪器设备"] == [_money_wan(equipment_b), _money_wan(equipment_b + equipment_d),
                              "1 个学校（学段）"]
    assert rows["教学仪器设备"] == ["8.00 万元", "14.00 万元", "1 个学校（学段）"]
    assert rows["体育运动场馆"] == [f"{sports_d} m²", f"{sports_d} m²", "1 个学校（学段）"]
    assert rows["大班额（增设教学班）"] == [f"{classes_b} 个", f"{classes_b} 个", "1 个学校（学段）"]
    # The one CV over its limit: multimedia rooms per 100 pupils, primary (A 5, B 0, C 2).
    values = {"A": Fraction(5), "B": Fraction(0), "C": Fraction(2)}
    total = sum(PUPILS[s] for s in values)
    mean = sum(PUPILS[s] * values[s] for s in values) / total
    variance = sum(Fraction(PUPILS[s], total) * (values[s] - mean) ** 2 for s in values)
    cv = math.sqrt(variance) / float(mean)
    assert rect.locator("ul.cvs li").all_inner_texts() == [
        f"小学「每百名学生拥有网络多媒体教室数」差异系数 {cv:.3f}，超过限值 0.50（高出 {cv - 0.5:.3f}）"]
    # Each school's tasks: nearest to passing first, the school named once for its rows.
    schools = rect.locator("table.tasks td.school").evaluate_all(
        "cells => cells.map(c => c.firstChild.textContent)")
    assert schools == [NAMES["D"], NAMES["C"], NAMES["B"]]
    tasks = rect.locator("table.tasks td.task").all_inner_texts()
    assert tasks[0] == f"增加体育运动场馆 {sports_d} m²"
    assert tasks[1] == f"增加网络多媒体教室 {rooms_c} 间"
    assert sorted(tasks[2:]) == sorted([f"增加网络多媒体教室 {rooms_b} 间",
                                        f"增加教学仪器设备 {_money_wan(equipment_b)}",
                                        f"增设教学班 {classes_b} 个，化解大班额"])
    heads = rect.locator("table.tasks thead th").all_inner_texts()
    assert heads == ["学校", "学段", "存在问题", "现状", "标准", "整改任务"]
    # The failing table further down keeps the same order.
    failing = page.evaluate("""() => Array.from(document.querySelectorAll('table.failing tbody tr'))
        .map(r => r.cells[0].innerText)""")
    assert failing == [NAMES["D"], NAMES["C"], NAMES["B"]]
    assert errors == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "html-first-screen.png"))
    page.close()


def test_no_verdict_yet_is_not_called_nothing_to_rectify(tmp_path):
    """Under basic-2012 the county's CVs pass but part of the standard is not computed: the list
    said 无需整改：所有学校和指标均已达标 beside a 待完整评估 verdict."""
    rows = _county_rows()
    # Even schools (no CV over its limit), with the computers, books and titles basic-2012
    # counts.
    rows["stages"] = [stage_row(s["school_id"], s["stage"], s["students"],
                                computers=s["students"] // 8, books=30 * s["students"])
                      for s in rows["stages"]]
    for teacher in rows["teachers"]:
        teacher["title"] = "first"
    data = write_xlsx(tmp_path / "c.xlsx", rows)
    result = junheng.evaluate(junheng.load(data), "basic-2012")
    assert result.counties.row(0, named=True)["verdict"] == "incomplete"
    text = write_html(result, tmp_path / "b.html").read_text(encoding="utf-8")
    rect = re.search(r"<div class='rect'.*?</div>", text, re.S)[0]
    assert "所有学校和指标均已达标" not in rect
    assert "已计算的学校和指标均已达标" in rect
    why = re.search(r"<p class='why warn'>(.*?)</p>", rect)[1]
    assert why.startswith("县域结论暂不能为「达标」：") and "未纳入计算" in why


def test_failing_table_follows_the_rectification_lists_order(tmp_path):
    """A nine-year school failing at both stages, each 5 % from passing (1 + 1 indicators,
    distance 0.05 + 0.05), comes after a primary school 20 % from passing (1 indicator, 0.2):
    fewer indicators to fix first. Its two stages stay together (per stage they would lead)."""
    schools = [school_row("S", name="单小学"), school_row("N", "nine_year", name="九年一贯制学校")]
    stages = [
        stage_row("S", "primary", 100, equipment_value_yuan=160_000),  # 80 %: fix, 0.2
        # 95 % equipment and 4.3 of 4.5 m²: fix the equipment (0.05 > 0.044).
        stage_row("N", "primary", 100, equipment_value_yuan=190_000, teaching_area_m2=430),
        # 95 % equipment and 5.6 of 5.8 m²: fix the equipment (0.05 > 0.034).
        stage_row("N", "junior", 100, equipment_value_yuan=237_500, teaching_area_m2=560),
    ]
    staff = [t for s in stages
             for t in passing_teachers(s["school_id"], s["stage"], s["students"])]
    data = write_xlsx(tmp_path / "c.xlsx", {"schools": schools, "stages": stages,
                                             "teachers": staff})
    text = write_html(junheng.evaluate(junheng.load(data)), tmp_path / "r.html") \
        .read_text(encoding="utf-8")
    tasks = re.search(r"<table class='tasks'>.*?</table>", text, re.S)[0]
    assert re.findall(r"<td rowspan='\d+' class='school'>([^<]+)", tasks) == ["单小学", "九年一贯制学校"]
    failing = re.search(r"<table class='sortable failing'>.*?</table>", text, re.S)[0]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", failing)
    assert rows == [("单小学", "小学"), ("九年一贯制学校", "小学"), ("九年一贯制学校", "初中")]


# -- charts -------------------------------------------------------------------------------------

def test_every_distribution_bar_has_its_school_name(county, reports, browser):
    figures = {k: v for k, v in _figures(reports["zh"]).items() if k.startswith("d")}
    assert len(figures) == 14  # 7 indicators × 2 stages
    by_stage = {"primary": {NAMES[s] for s in "ABC"}, "junior": {NAMES["D"]}}
    for fid, fig in figures.items():
        axis = fig["layout"]["yaxis"]
        labels = dict(zip(axis["tickvals"], axis["ticktext"], strict=True))
        bars = [y for trace in fig["data"] if trace["type"] == "bar" for y in trace["y"]]
        assert sorted(bars) == sorted(labels), fid  # every bar has a label, one per school
        assert set(labels.values()) == by_stage[fid.split("-")[1]], fid
    # Drawn: each chart shows every school's name as a tick label.
    page, errors = _open(browser, reports["zh"])
    for fid in figures:
        shown = page.locator(f"#{fid} .ytick text").evaluate_all(
            "ticks => ticks.map(t => t.textContent)")
        assert set(shown) == by_stage[fid.split("-")[1]], fid
    assert errors == []
    page.close()


def test_a_zero_value_is_drawn_visibly(reports, browser):
    """乙小学 has no multimedia room: its bar has no length, so a marker shows it, on its row."""
    fid = "d0-primary-multimedia_rooms_per100"
    page, errors = _open(browser, reports["zh"])
    found = page.evaluate("""fid => {
      const gd = document.getElementById(fid);
      const box = e => { const r = e.getBoundingClientRect();
                         return {w: r.width, h: r.height, y: r.top + r.height / 2}; };
      const markers = Array.from(gd.querySelectorAll('.scatterlayer .trace .point')).map(box);
      const ticks = Array.from(gd.querySelectorAll('.ytick text'))
        .map(t => Object.assign(box(t), {text: t.textContent}));
      return {markers, ticks};
    }""", fid)
    assert len(found["markers"]) == 1
    marker = found["markers"][0]
    assert marker["w"] >= 6 and marker["h"] >= 6
    row = next(t for t in found["ticks"] if t["text"] == NAMES["B"])
    assert abs(row["y"] - marker["y"]) < 3  # on 乙小学's row
    # The lowest value is at the top, and the threshold and floor lines span the whole plot.
    assert min(found["ticks"], key=lambda t: t["y"])["text"] == NAMES["B"]
    fig = _figures(reports["zh"])[fid]
    lines = fig["layout"]["shapes"]
    assert [(s["yref"], s["y0"], s["y1"]) for s in lines] == [("paper", 0, 1)] * 2
    assert [s["x0"] for s in lines] == pytest.approx([2.3, 2.3 * 0.85])
    assert errors == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(f"#{fid}").screenshot(path=str(ARTIFACTS / "html-zero-value.png"))
    page.close()


def test_no_plotly_toolbar(reports, browser):
    page, errors = _open(browser, reports["zh"])
    charts = page.locator(".js-plotly-plot")
    assert charts.count() == 15  # the CVs and 14 distributions (no coordinates: no map)
    charts.first.hover()
    charts.nth(1).hover()
    visible = page.evaluate("""() => Array.from(document.querySelectorAll('.modebar'))
        .filter(e => e.offsetParent !== null && getComputedStyle(e).visibility !== 'hidden')
        .length""")
    assert visible == 0
    assert errors == []
    page.close()


# -- print --------------------------------------------------------------------------------------

def _pdf_pages(path: Path) -> list[str]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: cannot read the printed PDF")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")


def test_printed_report_starts_on_page_one_with_sections_open(reports, browser):
    page, errors = _open(browser, reports["zh"])
    screen = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                           ".map(e => e.getBoundingClientRect().width)")
    assert min(screen) < 700  # the distributions are two to a row on screen
    # Print media (as a preview shows it): the page is laid out for paper once the handler ran.
    page.emulate_media(media="print")
    page.wait_for_function("document.body.classList.contains('printing')")
    state = page.evaluate("""() => ({
      breakFirst: getComputedStyle(document.querySelector('section.county')).breakBefore,
      main: document.querySelector('main').getBoundingClientRect().width,
      charts: Array.from(document.querySelectorAll('.js-plotly-plot'))
        .map(e => e.querySelector('svg.main-svg').getBoundingClientRect().width),
      closed: document.querySelectorAll('details:not([open])').length,
      thead: Array.from(document.querySelectorAll('thead'))
        .every(e => getComputedStyle(e).display === 'table-header-group')})""")
    assert state["breakFirst"] != "page"  # no page with the header alone
    assert state["closed"] == 0
    assert state["thead"]
    assert all(w >= state["main"] - 2 for w in state["charts"]), state  # full width
    page.emulate_media(media="screen")
    page.wait_for_function("!document.body.classList.contains('printing')")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "html-print.pdf"
    page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True)
    # After printing, the charts are back at the screen's width and the sections closed.
    page.wait_for_function("!document.body.classList.contains('printing')"
                           " && document.querySelectorAll('details[open]').length === 0")
    page.wait_for_timeout(200)
    again = page.evaluate("() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
                          ".map(e => e.getBoundingClientRect().width)")
    assert again == pytest.approx(screen, abs=2)
    assert errors == []
    page.close()
    pages = _pdf_pages(pdf)
    first = pages[0]
    assert "整改清单" in first and "3 个学校（学段）未达到学校达标要求" in first
    assert "全县需补足" in first
    # The collapsed list of items lacking data is printed open: item 7's name is in the PDF.
    item7 = next(i for i in STD.part("government").items if i.key == "special_education_funds")
    assert re.sub(r"\s", "", item7.name) in re.sub(r"\s", "", "".join(pages))


def test_printed_heatmap_repeats_its_heading_on_every_page(browser, tmp_path):
    """A county of 60 schools: the primary school × indicator table spans pages, its heading
    printed at the top of each."""
    path = tmp_path / "county.xlsx"
    junheng.write_sample(path, schools=60, seed=7)
    result = junheng.evaluate(junheng.load(path))
    report = write_html(result, tmp_path / "r.html")
    page, errors = _open(browser, report)
    primary = page.locator("table.heatmap").first.locator("tbody tr").count()
    assert primary > 30
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "html-sample-first-screen.png"))
    pdf = ARTIFACTS / "html-sample-print.pdf"
    page.pdf(path=str(pdf), format="A4", landscape=True, print_background=True)
    assert errors == []
    page.close()
    pages = _pdf_pages(pdf)
    assert "整改清单" in pages[0]
    shorts = [i.short for i in STD.indicators]
    heading = re.compile(r"学校\s+" + r"\s+".join(map(re.escape, shorts)))
    rows = re.compile(r"\d+(\.\d)?%")
    with_heading = [p for p in pages if heading.search(p)]
    assert len(with_heading) >= 3  # primary over two pages or more, junior
    # Every page holding heatmap rows begins its table with the heading.
    for text in pages:
        lines = [line for line in text.splitlines() if len(rows.findall(line)) >= 6]
        if lines:
            assert heading.search(text), text[:300]


# -- English ------------------------------------------------------------------------------------

def test_english_report_has_words_not_keys_and_agreed_plurals(reports, browser):
    page, errors = _open(browser, reports["en"])
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    text = page.inner_text("body")
    svg = page.evaluate("() => Array.from(document.querySelectorAll('svg text'))"
                        ".map(t => t.textContent).join('\\n')")
    visible = text + "\n" + svg
    assert re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", visible) == []
    assert "(s)" not in visible
    assert re.findall(r"\b1 (?:teachers|rooms|schools|school–stages|indicators|CVs|classes)\b",
                      visible) == []
    rect = page.locator(".rect")
    assert rect.locator("p.headline").inner_text().startswith(
        "3 school–stages fail the per-school rule; 1 CV over the limit; ")
    notes = rect.locator("table.tasks td.school .hint").all_inner_texts()
    assert notes == ["1 indicator to fix to pass", "1 indicator to fix to pass",
                     "2 indicators to fix to pass"]
    rows = {r[0]: r[1:] for r in page.evaluate(
        """() => Array.from(document.querySelectorAll('.rect table.needs tbody tr'))
               .map(r => Array.from(r.cells).map(c => c.innerText))""")}
    assert rows["Teaching equipment"] == ["80,000 yuan", "140,000 yuan", "1 school–stage"]
    assert rows["Multimedia classrooms"] == ["6 rooms", "6 rooms", "2 school–stages"]
    # Long English labels fit: no tick label of the CV chart starts left of the chart.
    left = page.evaluate("""() => {
      const gd = document.getElementById('cv0'), box = gd.getBoundingClientRect();
      return Array.from(gd.querySelectorAll('.ytick text'))
        .map(t => t.getBoundingClientRect().left - box.left);
    }""")
    assert len(left) == 7 and min(left) >= 0
    assert errors == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "html-english.png"), full_page=True)
    page.close()
