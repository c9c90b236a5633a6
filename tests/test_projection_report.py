"""The projection's files (``write_projection``) on a hand-made two-county case whose first
breaks are worked out by hand from STANDARDS.md, never by the code under test.

Base school year 2025, three years ahead (2025–2028). No births table: the entrants repeat
the base year's grade 1 (entry growth 1), every cohort survives whole (survival 1), and a
county's grade-6 pupils go to its junior schools in the shares of their base-year grade 7.

County 测试县:

- S, a primary school: grade 1 = 400 pupils (9 classes), grades 2–6 = 320 each (8 classes):
  400 + 5 × 320 = 2 000 pupils, at the limit of government item 4 (≤ 2 000, inclusive).
  2026: grades 1, 2 = 400 and grades 3–6 = 320 → 2 × 400 + 4 × 320 = 2 080 > 2 000, the first
  year over the size limit. (Its classes never exceed 45 on average: a 400 cohort keeps 9
  classes, 400 ≤ 9 × 45 = 405, and each new one gets ⌈400/45⌉ = 9.) Staff enough for 2 600
  pupils, so S meets every indicator up to 2 240 pupils (2028).
- Q, a primary school: 25 pupils in each of grades 1–6 → 150 every year. Eight qualified
  teachers (two of them backbone) and three PE teachers with a secondary education (not
  "above the statutory qualification" for primary, STANDARDS.md §1.1), two of them men born
  in 1967: no birth month, so July; the statutory age 60 (2027-07) is postponed one month per
  four months of birth from 2025-01: ⌊(2027-07 − 2025-01) / 4⌋ + 1 = ⌊30/4⌋ + 1 = 8 months →
  they retire in 2028-03, on the staff of 1 September 2027 and gone by 1 September 2028.
  PE/art per 100 pupils: 2025–2027 3 × 100 / 150 = 2.0 ≥ 0.9; 2028 1 × 100 / 150 = 2/3 =
  0.667 < 0.9, and 2/3 < 0.85 × 0.9 = 0.765: below the 85 % floor, so Q (7 of 7 met until
  2027, 6 of 7 in 2028) stops meeting the per-school rule in 2028.
- J, the only junior school: 345 pupils in each of grades 7–9 (S's 320 + Q's 25 graduates
  each year), staff for 1 200 pupils; nothing changes.

The primary CVs stay far below 0.50: Q has 150 of ≥ 2 150 pupils (the largest, PE/art 2028:
X̄ = 26 × 100 / 2 390 = 1.088, S = 1.116, Q = 0.667, CV ≈ 0.10).

County 乙县:

- R, a primary school with 40 pupils in each grade, staffed to pass; its 40 graduates a year
  go to J1 and J2 half and half (their base grade 7 is 20 and 20).
- J1 and J2, junior schools with 20 pupils in each of grades 7–9 (60 pupils every year), each
  with 4 + 1 qualified teachers (one of them PE) and 3 backbone teachers with an associate
  degree (not "above the statutory qualification" for junior). Two of J1's backbone teachers
  are men born 1967 (gone by 1 September 2028, as above).
  Backbone per 100 pupils: J1 and J2 3 × 100 / 60 = 5 until 2027 (CV 0); 2028 J1 1 × 100 / 60
  = 5/3 (still ≥ 1.0: met), J2 5. With equal pupils the weights are ½ and ½:
  X̄ = (5/3 + 5) / 2 = 10/3, S² = ½ (5/3 − 10/3)² + ½ (5 − 10/3)² = (5/3)², S = 5/3,
  CV = (5/3) / (10/3) = 0.5 > 0.45: the junior backbone CV of 乙县 goes over its limit in 2028.

So the first breaks, by year, county (乙县 sorts before 测试县) and kind (rule, CV, size,
class size, indicator):

    2026 测试县 school_size  S        2 000 → 2 080 pupils, limit 2 000
    2028 乙县   cv           junior backbone  0 → 0.5, limit 0.45, 2 teachers retired
    2028 测试县 rule         Q        7 → 6 indicators met, 6 needed
    2028 测试县 indicator    Q PE/art 2.0 → 2/3, threshold 0.9, 2 teachers retired
"""

from __future__ import annotations

import json
import math
import re
from fractions import Fraction

import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, teachers, write_xlsx
from junheng.projection import project
from junheng.report import _projection_files
from junheng.report._projection_files import write_projection
from junheng.report.views.projection import build_projection_view
from junheng.standards import load_standard

RETIREE = {"gender": "male", "birth_year": 1967}  # retires 2028-03 (module docstring)


def _grades(school_id: str, sizes: dict[int, tuple[int, int]]) -> list[dict]:
    return [{"school_id": school_id, "grade": g, "students": n, "classes": c}
            for g, (n, c) in sizes.items()]


def _county() -> dict:
    a, b = "测试县", "乙县"
    schools = [school_row("S", county=a), school_row("Q", county=a),
               school_row("J", "junior", county=a), school_row("R", county=b),
               school_row("J1", "junior", county=b), school_row("J2", "junior", county=b)]
    stages = [stage_row("S", "primary", 2000, classes=49, largest_class=45),
              stage_row("Q", "primary", 150, classes=6, largest_class=25),
              stage_row("J", "junior", 1035, classes=21, largest_class=50),
              stage_row("R", "primary", 240, classes=6, largest_class=40),
              stage_row("J1", "junior", 60, classes=3, largest_class=20),
              stage_row("J2", "junior", 60, classes=3, largest_class=20)]
    for row in stages:  # the figures basic-2012 also needs (quality-2017 ignores them)
        row.update(books=30 * row["students"], computers=row["students"] // 8)
    grades = (_grades("S", {1: (400, 9), **{g: (320, 8) for g in range(2, 7)}})
              + _grades("Q", {g: (25, 1) for g in range(1, 7)})
              + _grades("J", {g: (345, 7) for g in (7, 8, 9)})
              + _grades("R", {g: (40, 1) for g in range(1, 7)})
              + _grades("J1", {g: (20, 1) for g in (7, 8, 9)})
              + _grades("J2", {g: (20, 1) for g in (7, 8, 9)}))
    staff = (passing_teachers("S", "primary", 2600) + passing_teachers("J", "junior", 1200)
             + passing_teachers("R", "primary", 240))
    # Q: 8 qualified (2 backbone), 3 PE teachers below the qualification, 2 of them retiring.
    staff += teachers("Q", "primary", 2, education="bachelor", backbone="county")
    staff += teachers("Q", "primary", 6, education="bachelor")
    staff += teachers("Q", "primary", 1, subject="pe")
    staff += teachers("Q", "primary", 2, subject="pe", **RETIREE)
    for school in ("J1", "J2"):
        staff += teachers(school, "junior", 4, education="bachelor")
        staff += teachers(school, "junior", 1, education="bachelor", subject="pe")
        retiring = 2 if school == "J1" else 0
        staff += teachers(school, "junior", 3 - retiring, education="associate",
                          backbone="county")
        staff += teachers(school, "junior", retiring, education="associate",
                          backbone="county", **RETIREE)
    return {"schools": schools, "stages": stages, "grades": grades, "teachers": staff}


@pytest.fixture(scope="module")
def projection(tmp_path_factory):
    path = write_xlsx(tmp_path_factory.mktemp("proj-report") / "county.xlsx", _county())
    return project(junheng.load(path), years=3, year=2025)


@pytest.fixture(scope="module")
def standard():
    return load_standard("quality-2017")


@pytest.fixture(scope="module")
def view(projection, standard):
    return build_projection_view(projection, standard, "zh", band="central")


def test_the_first_breaks_are_the_ones_worked_out_by_hand(view):
    got = [(b.year, b.county, b.kind, b.school_id, b.stage, b.indicator) for b in view.breaks]
    assert got == [
        (2026, "测试县", "school_size", "S", None, None),
        (2028, "乙县", "cv", None, "junior", "backbone_teachers_per100"),
        (2028, "测试县", "rule", "Q", "primary", None),
        (2028, "测试县", "indicator", "Q", "primary", "pe_art_teachers_per100"),
    ]
    size, cv, rule, pe = view.breaks
    # Item 4: 2 000 → 2 × 400 + 4 × 320 = 2 080 pupils, over 2 000.
    assert (size.before, size.after, size.limit) == (2000, 2080, 2000)
    assert (size.pupils_before, size.pupils_after) == (2000, 2080)
    assert size.reason_zh == "2026 年 学校S 在校生 2,000 → 2,080 人，超过 2,000 人"
    assert size.reason_en == "2026: 学校S grows from 2,000 to 2,080 pupils, over the limit of 2,000"
    # The junior backbone CV of 乙县: 0 → (5/3) / (10/3) = 1/2, over 0.45; J1 lost 2.
    assert cv.before == 0.0
    assert math.isclose(cv.after, float(Fraction(1, 2)), rel_tol=1e-12)
    assert cv.limit == 0.45 and cv.teachers_left == 2
    assert (cv.pupils_before, cv.pupils_after) == (120, 120)
    assert cv.reason_zh == ("2028 年 乙县初中「骨干教师」差异系数 0.000 → 0.500，超过限值 0.45："
                            "学校J1 骨干教师 2 人退休")
    assert cv.reason_en == ("2028: 乙县, junior secondary CV of backbone teachers 0.000 → "
                            "0.500, over the limit 0.45: 学校J1 loses 2 backbone teachers to "
                            "retirement")
    # Q: 7 of 7 met in 2027, 6 of 7 in 2028, and PE/art 2/3 is below 0.85 × 0.9 = 0.765.
    assert (rule.before, rule.after, rule.limit) == (7, 6, 6)
    assert rule.reason_zh == (
        "2028 年 学校Q 体育艺术教师 2 人退休，不再达到学校达标要求（达标指标 7 → 6 项，须至少 6 项、"
        "未达标项不低于标准值的 85%）：体育艺术教师每百生 0.67 < 0.9（不足标准值的 85%）")
    assert rule.reason_en.startswith("2028: 学校Q loses 2 PE/art teachers to retirement, and "
                                     "no longer meets the per-school rule (7 → 6 of 7 "
                                     "indicators met")
    # PE/art: 3 × 100 / 150 = 2 → 1 × 100 / 150 = 2/3 per 100 pupils, threshold 0.9.
    assert math.isclose(pe.before, 2.0, rel_tol=1e-12)
    assert math.isclose(pe.after, float(Fraction(2, 3)), rel_tol=1e-12)
    assert (pe.limit, pe.teachers_left, pe.pupils_before, pe.pupils_after) == (0.9, 2, 150, 150)
    assert pe.reason_zh == "2028 年 学校Q 体育艺术教师 2 人退休，每百生 0.67 < 0.9"
    assert pe.reason_en == ("2028: 学校Q loses 2 PE/art teachers to retirement; 0.67 per 100 "
                            "pupils < 0.9")


def test_year_by_year_county_figures(view):
    rows = {(c.county, c.year): c for c in view.county_years}
    assert [rows[("测试县", y)].primary_students for y in (2025, 2026, 2027, 2028)] == [
        2000 + 150, 2080 + 150, 2160 + 150, 2240 + 150]  # S gains 400 − 320 = 80 a year
    assert {rows[("测试县", y)].junior_students for y in (2025, 2026, 2027, 2028)} == {1035}
    # Two retirees in each county, gone by 2028; nobody else has a birth year.
    assert [rows[("测试县", y)].retired for y in (2025, 2026, 2027, 2028)] == [None, 0, 0, 2]
    assert [rows[("乙县", y)].retired for y in (2025, 2026, 2027, 2028)] == [None, 0, 0, 2]
    assert rows[("测试县", 2027)].teachers - rows[("测试县", 2028)].teachers == 2
    assert [rows[("测试县", y)].schools_over_size for y in (2025, 2026, 2027, 2028)] == [
        0, 1, 1, 1]
    assert rows[("乙县", 2028)].cvs_over == 1 and rows[("乙县", 2027)].cvs_over == 0
    q = {u.year: u for u in view.units if u.school_id == "Q"}
    assert [q[y].meets_rule for y in (2025, 2026, 2027, 2028)] == [True, True, True, False]
    assert [q[y].teachers for y in (2025, 2026, 2027, 2028)] == [11, 11, 11, 9]
    sizes = [(s.year, s.school_id, s.value, s.limit) for s in view.size_breaches]
    assert sizes == [(2026, "S", 2080, 2000), (2027, "S", 2160, 2000), (2028, "S", 2240, 2000)]


def test_the_workbook_html_and_json(projection, standard, view, tmp_path):
    import fastexcel

    paths = write_projection(projection, standard, tmp_path / "out", band="central")
    assert [p.name for p in paths] == ["预测.xlsx", "预测.html", "预测.json"]
    sheets = fastexcel.read_excel(paths[0]).sheet_names
    assert sheets[:6] == ["首次不达标", "逐年汇总", "学校逐年", "指标逐年", "差异系数逐年", "规模与班额"]
    first = fastexcel.read_excel(paths[0]).load_sheet(0, header_row=3).to_polars()
    assert first.columns[0] == "学年" and first.height == 4
    assert first.get_column("原因").to_list()[3] == "2028 年 学校Q 体育艺术教师 2 人退休，每百生 0.67 < 0.9"

    page = paths[1].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page)  # plotly.js inlined, nothing fetched
    assert "plotly.js" in page.lower() and len(page) > 1_000_000
    outside = re.sub(r"<script.*?</script>", "", page, flags=re.S)  # plotly.js names its site
    assert not re.search(r"https?://", outside)
    assert 'data-figure="pupils0"' in page  # pupils by stage over the years
    assert 'data-figure="cv0primary"' in page and 'data-figure="cv0junior"' in page
    main = page[page.index("<main>"):]
    assert main.index("id='breaks'") < main.index("id='c0'")  # the first screen
    assert main.index("2026 年 学校S 在校生 2,000 → 2,080 人") < main.index("id='c0'")
    assert "未提供年级学生表" not in page  # grades were given: nothing was spread
    limit = next(json.loads(block) for block in re.findall(
        r'<script type="application/json" data-figure="cv1junior">(.*?)</script>', page))
    dashed = [d for d in limit["data"] if d.get("line", {}).get("dash") == "dash"]
    assert [d["y"] for d in dashed] == [[0.45, 0.45]]

    data = json.loads(paths[2].read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(view.to_dict(), ensure_ascii=False))
    pe = data["first_breaks"][3]
    assert pe["after"] == pytest.approx(2 / 3, rel=1e-12)  # unrounded
    assert pe["reason_en"].startswith("2028: 学校Q loses 2 PE/art teachers")

    en = write_projection(projection, standard, tmp_path / "en", lang="en")
    assert [p.name for p in en] == ["projection.xlsx", "projection.html", "projection.json"]
    assert fastexcel.read_excel(en[0]).sheet_names[0] == "First breaks"
    shown = en[1].read_text(encoding="utf-8")
    body = re.sub(r"<script.*?</script>", "", shown, flags=re.S)
    body = re.sub(r"测试县|乙县|学校[A-Z][0-9]?", "", body)  # the input's own names
    assert not re.search(r"[\u4e00-\u9fff]", body)  # no Chinese word of ours in English


def test_a_failure_mid_run_leaves_no_files(projection, standard, tmp_path, monkeypatch):
    def broken(view, path):
        raise RuntimeError("the page failed")

    monkeypatch.setattr(_projection_files, "write_projection_html", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="the page failed"):
        write_projection(projection, standard, out)
    assert not out.exists()  # not the workbook written before it, nor the folder
    existing = tmp_path / "existing"
    existing.mkdir()
    with pytest.raises(RuntimeError):
        write_projection(projection, standard, existing)
    assert list(existing.iterdir()) == []


def test_the_page_draws_its_charts_offline(projection, standard, tmp_path, browser):
    (path,) = [p for p in write_projection(projection, standard, tmp_path / "out")
               if p.suffix == ".html"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("request", lambda r: r.url.startswith("file:") or requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    # Per county: pupils by stage, and one CV chart per stage (2 counties × 3).
    assert page.locator(".js-plotly-plot").count() == 6
    assert page.locator("#cv1junior .scatterlayer .trace").count() == 8  # 7 CVs + the limit
    first = page.locator("section#breaks tbody tr").first.inner_text()
    assert "2026 年 学校S 在校生 2,000 → 2,080 人，超过 2,000 人" in first
    assert errors == [] and requests == []
    page.close()


def test_a_standard_without_a_per_school_rule(projection, tmp_path):
    """basic-2012: no per-school rule, no thresholds, one composite CV per stage against its
    limit; items 4 and 5 are not part of it."""
    basic = load_standard("basic-2012")
    view = build_projection_view(projection, basic, "en")
    assert [b for b in view.breaks if b.kind in ("rule", "indicator", "school_size")] == []
    composite = {(c.county, c.stage, c.year): c for c in view.cvs if c.indicator == "composite"}
    assert {(c.county, c.stage) for c in composite.values()} == {
        (county, stage) for county in ("测试县", "乙县") for stage in ("primary", "junior")}
    assert {c.limit for c in composite.values() if c.stage == "primary"} == {
        basic.cv_composite_limits["primary"]}
    assert {(c.schools_meeting_rule, c.schools_over_size) for c in view.county_years} == {
        (None, None)}
    paths = write_projection(projection, basic, tmp_path / "basic", lang="en")
    assert "Composite CV" in paths[1].read_text(encoding="utf-8")
