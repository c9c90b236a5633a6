"""``junheng plan districts`` (学区, issue 17) on a hand-made county of 13 schools.

Every expected figure is recounted here from the county as the test writes it (pupils, who may
anchor, coordinates), with the great-circle distance of ``rotation_checker`` — never from the
planner: the workbook and JSON read back must agree with that recount, the 集团 sheet must read
back as a groups table, and the map must draw one line per school other than an anchor.

The county (测试县): L1 (urban), L2 and L3 (town) meet the per-school rule — the only schools
that may anchor; N1 is urban but fails the rule (too few teachers); R1–R8 are rural; T1 is R3's
teaching point beside it. 2,420 pupils.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
import subprocess
import sys
from fractions import Fraction

import pytest
from openpyxl import load_workbook
from rich.cells import cell_len

import junheng
from conftest import passing_teachers, school_row, stage_row, teachers
from junheng.io import read_groups
from rotation_checker import _haversine_km

YEAR = 2026
#: id, type, location, latitude, longitude, pupils
SCHOOLS = [("L1", "primary", "urban", 29.500, 106.500, 600),
           ("L2", "primary", "town", 29.560, 106.580, 450),
           ("L3", "primary", "town", 29.440, 106.600, 400),
           ("N1", "primary", "urban", 29.510, 106.490, 300),
           ("R1", "primary", "rural", 29.520, 106.530, 120),
           ("R2", "primary", "rural", 29.480, 106.470, 90),
           ("R3", "primary", "rural", 29.540, 106.460, 80),
           ("R4", "primary", "rural", 29.580, 106.620, 70),
           ("R5", "primary", "rural", 29.600, 106.560, 60),
           ("R6", "primary", "rural", 29.420, 106.640, 110),
           ("R7", "primary", "rural", 29.460, 106.560, 75),
           ("R8", "primary", "rural", 29.400, 106.580, 50),
           ("T1", "teaching_point", "rural", 29.545, 106.455, 15)]
PUPILS = {s[0]: s[5] for s in SCHOOLS}
AT = {s[0]: (s[3], s[4]) for s in SCHOOLS}
NAME = {s: f"学校{s}" for s in PUPILS}  # conftest.school_row's names
ANCHORS = {"L1", "L2", "L3"}


def county_file(xlsx, groups: bool = False) -> str:
    """The county workbook, written by hand (never through junheng's writer); ``groups``: with
    a 集团 sheet of one group (L1 leading R1 and R2)."""
    schools, stages, roster = [], [], []
    for sid, kind, location, lat, lon, pupils in SCHOOLS:
        extra = {"parent_school_id": "R3"} if sid == "T1" else {}
        schools.append(school_row(sid, kind, location=location, latitude=lat, longitude=lon,
                                  **extra))
        stages.append(stage_row(sid, "primary", pupils))
        roster += teachers(sid, "primary", 3, education="bachelor") if sid in ("N1", "T1") \
            else passing_teachers(sid, "primary", pupils)
    tables = {"schools": schools, "stages": stages, "teachers": roster}
    if groups:
        tables["groups"] = [{"group_id": "G1", "school_id": "L1", "role": "leader"},
                            {"group_id": "G1", "school_id": "R1", "role": "member"},
                            {"group_id": "G1", "school_id": "R2", "role": "member"}]
    return str(xlsx(**tables))


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80", "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def _fits(text: str) -> bool:
    """Every line within 80 terminal cells (a Chinese character takes two)."""
    return all(cell_len(line) <= 80 for line in text.splitlines())


def _sheet(path, name: str) -> list[dict]:
    """A sheet's table: the rows under its header up to the first empty row (notes follow)."""
    rows = list(load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    out = []
    for r in rows[1:]:
        if not r or r[0] is None:
            break
        out.append(dict(zip(rows[0], r, strict=False)))
    return out


def _segments(page: str) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Every line segment the map draws (lon, lat ends): consecutive points of a line trace,
    None between segments, in the first map's figure data."""
    fig = json.loads(re.search(r'<script type="application/json" data-figure="map0">(.*?)'
                               r"</script>", page, re.S)[1])
    out = []
    for trace in fig["data"]:
        if trace.get("mode") != "lines" or trace["x"] == [None]:
            continue
        run: list[tuple[float, float]] = []
        for x, y in [*zip(trace["x"], trace["y"], strict=True), (None, None)]:
            if x is None:
                out += list(itertools.pairwise(run))
                run = []
            else:
                run.append((x, y))
    return out


def test_the_command_writes_three_files_that_agree_with_a_recount(xlsx, tmp_path):
    out = tmp_path / "districts"
    r = _cli("plan", "districts", county_file(xlsx), "--districts", "3", "--balance", "0.5",
             "--max-km", "25", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert _fits(r.stdout), r.stdout
    assert "学区划分方案" in r.stdout and "3 个学区，学校 13 所，学生 2,420 人" in r.stdout
    assert "已证明最优" in r.stdout and "均衡要求 ±50%" in r.stdout
    names = {"学区划分方案.xlsx", "districts-plan.json", "学区分布图.html"}
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == names

    # every school in exactly one district, its anchor one that may anchor
    book = out / "学区划分方案.xlsx"
    assert load_workbook(book, read_only=True).sheetnames == ["学区方案", "学区学校", "集团", "求解"]
    rows = _sheet(book, "学区学校")
    assert sorted(r["学校标识码"] for r in rows) == sorted(PUPILS)
    anchor_of = {r["学校标识码"]: next(s for s in PUPILS if NAME[s] == r["学区中心学校"])
                 for r in rows}
    opened = set(anchor_of.values())
    assert len(opened) == 3 and opened <= ANCHORS
    assert all(anchor_of[a] == a for a in opened)
    for r in rows:
        s, a = r["学校标识码"], anchor_of[r["学校标识码"]]
        assert r["在校生"] == PUPILS[s] and r["学区中心"] == ("是" if s == a else "否")
        km = _haversine_km(*AT[a], *AT[s])
        assert r["到学区中心 km"] == pytest.approx(km, rel=1e-9, abs=1e-9)
        assert km <= 25
    # per district: schools and pupils summed by hand, within the balance (exact fractions)
    low, high = Fraction(1, 2) * Fraction(2420, 3), Fraction(3, 2) * Fraction(2420, 3)
    districts = _sheet(book, "学区方案")
    assert len(districts) == 3
    assert [d["学区"] for d in districts] == [1, 2, 3]
    for d in districts:
        a = next(s for s in PUPILS if NAME[s] == d["学区中心学校"])
        inside = [s for s, b in anchor_of.items() if b == a]
        pupils = sum(PUPILS[s] for s in inside)
        assert d["学校数"] == len(inside) and d["在校生"] == pupils
        assert low <= pupils <= high
        assert d["占全县学生"] == pytest.approx(pupils / 2420, rel=1e-12)
        assert d["最远距离 km"] == pytest.approx(max(_haversine_km(*AT[a], *AT[s])
                                                   for s in inside), rel=1e-9, abs=1e-9)
    assert sum(d["在校生"] for d in districts) == 2420

    # the 集团 sheet reads back as a groups table: one group per district, one leader each
    groups = read_groups(book)
    assert sorted(groups["school_id"]) == sorted(PUPILS)
    assert set(groups["group_type"]) == {"district"}
    leaders = groups.filter(groups["role"] == "leader")
    assert sorted(leaders["school_id"]) == sorted(opened)
    assert leaders["group_id"].n_unique() == 3 == groups["group_id"].n_unique()
    group_of = dict(zip(groups["school_id"], groups["group_id"], strict=True))
    for s, a in anchor_of.items():
        assert group_of[s] == group_of[a]

    # the JSON: the same districts, the rules as applied
    data = json.loads((out / "districts-plan.json").read_text(encoding="utf-8"))
    assert data["proven_optimal"] is True
    assert data["rules"]["districts"] == 3 and data["rules"]["balance"] == 0.5
    assert {r["school_id"]: r["anchor_id"] for r in data["schools"]} == anchor_of

    # the map: nothing from elsewhere; one line from its anchor to each other school
    page = (out / "学区分布图.html").read_text(encoding="utf-8")
    from plotly.offline import get_plotlyjs

    rest = page.replace(get_plotlyjs(), "")
    assert not re.search(r"https?:|//cdn|@import|url\(|<script[^>]*\ssrc=", rest)
    assert "学区分布图" in page and "3 个学区；学校 13 所；学生 2,420 人" in page
    lines = _segments(page)
    assert len(lines) == len(PUPILS) - 3
    assert sorted(lines) == sorted(((AT[a][1], AT[a][0]), (AT[s][1], AT[s][0]))
                                   for s, a in anchor_of.items() if s != a)


def test_english_names_the_files_and_says_everything_in_english(xlsx, tmp_path):
    """--leaders R6 lets a rural school anchor a fourth district."""
    out = tmp_path / "en"
    r = _cli("plan", "districts", county_file(xlsx), "--districts", "4", "--leaders", "R6",
             "-o", str(out), "--lang", "en")
    assert r.returncode == 0, r.stderr
    assert _fits(r.stdout), r.stdout
    assert "School districts plan" in r.stdout and "4 districts, 13 schools, 2,420 pupils" \
        in r.stdout and "proven optimal" in r.stdout
    # the summary in English; the county's and schools' own names, and the files' list (always
    # bilingual), apart
    summary = r.stdout.split("已写出")[0].replace("测试县", "").replace("学校", "")
    assert not re.search("[\u4e00-\u9fff]", summary), summary
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == {
        "school-districts-plan.xlsx",
                                               "districts-plan.json", "districts-map.html"}
    book = out / "school-districts-plan.xlsx"
    assert load_workbook(book, read_only=True).sheetnames == [
        "District plan", "District schools", "集团", "Solver"]
    anchors = {r["School id"] for r in _sheet(book, "District schools") if r["Anchor"] == "yes"}
    assert anchors == ANCHORS | {"R6"}
    assert "School districts map" in (out / "districts-map.html").read_text(encoding="utf-8")


def test_one_district_is_anchored_where_pupils_travel_least(xlsx, tmp_path):
    """One district is always contiguous, so its anchor is the school that may anchor with the
    least Σ pupils × km to every school — found here by trying each. The data's own 集团 sheet
    is said to play no part (not the groups planner's --keep advice)."""
    out = tmp_path / "one"
    r = _cli("plan", "districts", county_file(xlsx, groups=True), "--districts", "1", "-o",
             str(out))
    assert r.returncode == 0, r.stderr
    cost = {a: sum(p * _haversine_km(*AT[a], *AT[s]) for s, p in PUPILS.items())
            for a in ANCHORS}
    best = min(cost, key=cost.__getitem__)
    assert sorted(cost.values())[1] > cost[best] * 1.01  # a clear winner
    data = json.loads((out / "districts-plan.json").read_text(encoding="utf-8"))
    assert [d["anchor_id"] for d in data["districts"]] == [best]
    assert data["solver"]["测试县"][0]["value"] == pytest.approx(cost[best], rel=1e-9)
    assert "已有 1 个集团" in r.stdout and "独立划分" in r.stdout and "--keep" not in r.stdout
    assert data["warnings"][0]["en"].startswith("the data has 1 school group(s)")


@pytest.mark.parametrize("args,words", [
    ([], ("请用 --districts 给出学区数", "give the number of districts with --districts")),
    # a number the run must give is never offered "off" (null)
    (["--districts", "0"], ("--districts: 应为 ≥ 1 的整数 /", "must be a whole number ≥ 1, got 0")),
    (["--districts", "4"], ("测试县：可作学区中心的学校", "only 3 school(s) may anchor a district")),
    (["--districts", "2", "--balance", "1.5"], ("--balance: 应在 0–1 之间", "got 1.5")),
])
def test_a_bad_request_exits_2_says_why_in_both_languages_and_writes_nothing(
        xlsx, tmp_path, args, words):
    out = tmp_path / "out"
    r = _cli("plan", "districts", county_file(xlsx), "-o", str(out), *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    said = " ".join((r.stdout + r.stderr).split())
    assert all(w in said for w in words), said
    assert "Traceback" not in r.stderr and not out.exists()


def test_apply_is_refused(xlsx, tmp_path):
    r = _cli("plan", "districts", county_file(xlsx), "--districts", "2", "--apply",
             str(tmp_path / "after.xlsx"))
    assert r.returncode == 2 and "--apply" in r.stderr and not (tmp_path / "after.xlsx").exists()


def test_the_standard_shows_the_section(xlsx):
    r = _cli("standards", "quality-2017")
    assert r.returncode == 0, r.stderr
    assert "学区划分设置（districts:）" in r.stdout
    for option in ("--districts", "--balance", "--max-km", "--leader-min-met", "--leaders"):
        assert option in r.stdout


def test_a_plan_stopped_by_the_clock_is_the_best_found_and_says_so(xlsx, monkeypatch):
    """The solve is made to report the clock's stop (status time_limit, a gap): the plan is
    kept, not proven, and — with a balance and the default limit — recommends 120 s."""
    import junheng.plan.groups.districts as districts
    from junheng.report._districts import print_district_plan

    real = districts.solve_lexicographic

    def stopped(*args, **kwargs):
        solve = real(*args, **kwargs)
        solve.levels = [dataclasses.replace(lv, status="time_limit", gap=0.012)
                        for lv in solve.levels]
        return solve

    monkeypatch.setattr(districts, "solve_lexicographic", stopped)
    ds = junheng.load(county_file(xlsx))
    plan = districts.plan_districts(ds, year=YEAR, districts=3, balance=0.5)
    assert not plan.proven
    zh, en = plan.warnings[-1]
    assert "--time-limit 120" in zh and "not proven optimal" in en and "13 schools" in en
    plan = districts.plan_districts(ds, year=YEAR, districts=3, balance=0.5, time_limit=60)
    zh, en = plan.warnings[-1]
    assert "120" not in zh and "60 s limit ran out" in en
    from rich.console import Console

    console = Console(width=80, record=True)
    print_district_plan(plan, console)
    text = console.export_text()
    assert "时限到，未证明最优，差距 1.20%" in text and _fits(text)


def test_the_map_in_chromium(browser, tmp_path):
    """A 60-school sample county in six districts: the page loads with no console error and
    fetches nothing, one star per district; saved as build/test-artifacts/districts-map.png."""
    from pathlib import Path

    from junheng.plan import plan_districts
    from junheng.report._districts import district_map_html

    plan = plan_districts(junheng.generate_sample(schools=60, seed=7), year=YEAR, districts=6,
                          time_limit=20)
    path = tmp_path / "districts-map.html"
    path.write_text(district_map_html(plan), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    fetched: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("request", lambda r: fetched.append(r.url))
    try:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        assert page.locator("#map0 .main-svg").count() > 0
        assert errors == [] and [u for u in fetched if not u.startswith("file:")] == []
        stars = page.evaluate("""() => document.getElementById('map0').data
            .filter(t => t.marker && t.marker.symbol === 'star' && t.x[0] !== null)
            .reduce((n, t) => n + t.x.length, 0)""")
        assert stars == 6
        artifacts = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"
        artifacts.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(artifacts / "districts-map.png"), full_page=True)
    finally:
        page.close()
