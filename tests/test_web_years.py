"""Trends across school years (issue 16): the trend table from hand-made numbers; the page
through the real application on two tiny counties — county A with school years 2024 and 2025
(and an older 2025 snapshot that the newest replaces), county B with one year, county C with
none — its figures equal to what is counted here by hand from each year's workbook and
evaluation; and every role's access.

``build_world`` is shared with tests/test_web_teachers.py and tests/test_web_audit.py.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient

import junheng
from junheng.store import County, Snapshot, open_store
from junheng.web import create_app
from junheng.web.trends import Series, cv_trends, line_chart, trend_table
from test_web_access import renamed, sign_in
from web_world import USERNAMES, add_role_users

ROLES = ("anon", "admin", "province", "county_a", "school", "inspector", "county_b")
STAGE_ZH = {"primary": "小学", "junior": "初中"}  # written out here, not read from the code


def earlier_year(source: Path, target: Path, year: int, scale: dict[str, float]) -> Path:
    """The workbook as an earlier school year: the rotations recorded in ``year`` (the year an
    evaluation takes) and each school's pupils scaled by ``scale`` (by school id)."""
    book = openpyxl.load_workbook(source)
    for row in book["交流轮岗记录"].iter_rows(min_row=3):  # row 2: the English column names
        if isinstance(row[3].value, int):
            row[3].value = year
    for row in book["学段"].iter_rows(min_row=3):
        if isinstance(row[2].value, int):
            row[2].value = round(row[2].value * scale.get(str(row[0].value), 1.0))
    book.save(target)
    return target


def snapshot(county_id: int, year: int, path: Path, when: datetime) -> Snapshot:
    content = path.read_bytes()
    return Snapshot(county_id=county_id, school_year=year, filename=path.name, content=content,
                    sha256=hashlib.sha256(content).hexdigest(), created_at=when)


def build_world(folder: Path) -> SimpleNamespace:
    """Counties A (2024, 2025 twice), B (2025), C (none); one user per role, signed in."""
    sample = junheng.write_sample(folder / "a-2025.xlsx", schools=8, seed=1)
    schools = junheng.load(sample).schools
    ids = sorted(schools["school_id"].to_list())
    scale = {sid: 0.7 + 0.1 * (i % 5) for i, sid in enumerate(ids)}  # a different 2024
    files = {"a2024": earlier_year(sample, folder / "a-2024.xlsx", 2024, scale),
             "a2025old": earlier_year(sample, folder / "a-2025-first.xlsx", 2025,
                                      {sid: 1.3 for sid in ids}),
             "a2025": sample,
             "b2025": renamed(sample, folder / "b-2025.xlsx", "示例县", "乙县")}
    store = open_store(folder=folder / "db")
    with store.session() as s:
        a, b = County(name="示例县", region="甲市"), County(name="乙县", region="乙市")
        c = County(name="丙县", region="甲市")
        s.add_all([a, b, c])
        s.flush()
        s.add_all([snapshot(a.id, 2024, files["a2024"], datetime(2024, 10, 1, tzinfo=UTC)),
                   snapshot(a.id, 2025, files["a2025old"], datetime(2025, 10, 1, tzinfo=UTC)),
                   snapshot(a.id, 2025, files["a2025"], datetime(2025, 11, 1, tzinfo=UTC)),
                   snapshot(b.id, 2025, files["b2025"], datetime(2025, 10, 1, tzinfo=UTC))])
        add_role_users(s, a, b, ids[1])
        s.commit()
        ids_ = {"A": a.id, "B": b.id, "C": c.id, "S": ids[1], "S2": ids[2]}
    app = create_app(store)
    clients = {"anon": TestClient(app, follow_redirects=False)}
    for role, username in USERNAMES.items():
        clients[role], answer = sign_in(app, username)
        assert answer.status_code == 303, role
    return SimpleNamespace(app=app, store=store, clients=clients, ids=ids_, files=files,
                           schools=ids)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return build_world(tmp_path_factory.mktemp("web-years"))


def cells(row_html: str) -> list[str]:
    """The text of each cell of one table row."""
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]


def table_rows(page: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after ``heading``."""
    rest = page[page.index(heading):]
    body = rest[rest.index("<tbody>"):rest.index("</tbody>")]
    return [cells(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


# --- the trend table from hand-made numbers --------------------------------------------------
def fake(county_rows: dict[str, str], units: list[tuple], cvs: list[tuple]) -> SimpleNamespace:
    """An evaluation's three tables: ``units`` (county, stage, students, meets_rule),
    ``cvs`` (county, stage, indicator, order, cv, limit)."""
    return SimpleNamespace(
        counties=pl.DataFrame({"county": list(county_rows), "verdict": list(
            county_rows.values())}),
        schools=pl.DataFrame(units, schema=["county", "stage", "students", "meets_rule"],
                             orient="row"),
        stages=pl.DataFrame([(*r, r[4] <= r[5]) for r in cvs], schema=[
            "county", "stage", "indicator", "indicator_order", "cv", "cv_limit", "cv_met"],
            orient="row"))


def test_trend_table_counts_by_hand():
    y24 = fake({"甲": "fail", "乙": "pass"},
               [("甲", "primary", 300, True), ("甲", "primary", 120, False),
                ("甲", "primary", 0, None),  # no pupils: not evaluated
                ("甲", "junior", 500, True), ("乙", "primary", 999, True)],
               [("甲", "junior", "b", 1, 0.30, 0.45), ("甲", "primary", "b", 1, 0.55, 0.50),
                ("甲", "primary", "a", 0, 0.20, 0.50), ("乙", "primary", "a", 0, 0.9, 0.5)])
    y25 = fake({"甲": "pass"},
               [("甲", "primary", 310, True), ("甲", "primary", 130, True),
                ("甲", "junior", 480, False), ("甲", "junior", 20, True)],
               [("甲", "primary", "a", 0, 0.18, 0.50), ("甲", "primary", "b", 1, 0.45, 0.50),
                ("甲", "junior", "b", 1, 0.28, 0.45)])
    table = trend_table([(2025, y25), (2024, y24)], county="甲")  # any order in
    assert table.to_dicts() == [
        {"school_year": 2024, "verdict": "fail", "meeting": 2, "evaluated": 3,
         "meeting_primary": 1, "evaluated_primary": 2, "meeting_junior": 1,
         "evaluated_junior": 1, "pupils_primary": 420, "pupils_junior": 500, "pupils": 920},
        {"school_year": 2025, "verdict": "pass", "meeting": 3, "evaluated": 4,
         "meeting_primary": 2, "evaluated_primary": 2, "meeting_junior": 1,
         "evaluated_junior": 2, "pupils_primary": 440, "pupils_junior": 500, "pupils": 940}]
    cvs = cv_trends([(2025, y25), (2024, y24)], county="甲")
    assert cvs.select("school_year", "stage", "indicator", "cv", "cv_limit", "cv_met").rows() == [
        (2024, "primary", "a", 0.20, 0.50, True), (2024, "primary", "b", 0.55, 0.50, False),
        (2024, "junior", "b", 0.30, 0.45, True),
        (2025, "primary", "a", 0.18, 0.50, True), (2025, "primary", "b", 0.45, 0.50, True),
        (2025, "junior", "b", 0.28, 0.45, True)]


def test_trend_table_refuses_ambiguity_and_takes_nothing():
    two = fake({"甲": "fail", "乙": "pass"}, [("甲", "primary", 1, True)], [])
    one = fake({"甲": "fail"}, [("甲", "primary", 1, True)], [])
    with pytest.raises(ValueError, match="counties"):
        trend_table([(2024, two)])  # which county?
    with pytest.raises(ValueError, match="not in"):
        trend_table([(2024, one)], county="乙")
    with pytest.raises(ValueError, match="one evaluation per school year"):
        trend_table([(2024, one), (2024, one)])
    assert trend_table([]).height == 0 and cv_trends([]).height == 0
    assert trend_table([(2024, one)])["meeting"].to_list() == [1]


def test_a_chart_is_inline_svg_without_style_attributes():
    svg = line_chart([2023, 2024, 2025], [Series("<小学>", [10, None, 30], "s2")], "在校生",
                     limit=25)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<circle") == 2  # the missing year has no point
    assert "style=" not in svg and "<script" not in svg
    assert "&lt;小学&gt;" in svg and "<小学>" not in svg  # text escaped
    assert 'class="limit"' in svg
    assert all(f">{y}</text>" in svg for y in (2023, 2024, 2025))


# --- the page --------------------------------------------------------------------------------
def expected_year(path: Path) -> dict:
    """One school year counted by hand: the school–stages meeting the rule from the
    evaluation's school rows, the pupils from the workbook's own stage rows."""
    dataset = junheng.load(path)
    ev = junheng.evaluate(dataset)
    units = ev.schools.to_dicts()
    meeting = {st: sum(1 for u in units if u["stage"] == st and u["meets_rule"] is True)
               for st in STAGE_ZH}
    evaluated = {st: sum(1 for u in units if u["stage"] == st and u["meets_rule"] is not None)
                 for st in STAGE_ZH}
    pupils = {st: 0 for st in STAGE_ZH}
    for r in dataset.stages.to_dicts():
        pupils[r["stage"]] += r["students"]
    names = {i.key: i.name for i in ev.standard.indicators}
    cvs = {(STAGE_ZH[r["stage"]], names[r["indicator"]]): (r["cv"], r["cv_limit"], r["cv_met"])
           for r in ev.stages.to_dicts()}
    verdict = ev.counties["verdict"][0]
    return {"meeting": meeting, "evaluated": evaluated, "pupils": pupils, "cvs": cvs,
            "verdict": {"pass": "达标", "fail": "未达标"}.get(verdict, "待完整评估"),
            "year": ev.year}


def test_the_page_shows_each_years_figures_counted_by_hand(world):
    page = world.clients["county_a"].get(f"/counties/{world.ids['A']}/years")
    assert page.status_code == 200
    text = page.text
    years = {2024: expected_year(world.files["a2024"]), 2025: expected_year(world.files["a2025"])}
    assert years[2024]["year"] == 2024 and years[2025]["year"] == 2025  # the workbooks' years
    assert years[2024]["pupils"] != years[2025]["pupils"]  # the two years do differ
    rows = table_rows(text, "各学年结论")
    assert [r[0] for r in rows] == ["2024–2025", "2025–2026"]
    for row, year in zip(rows, (2024, 2025), strict=True):
        e = years[year]
        m, n, p = e["meeting"], e["evaluated"], e["pupils"]
        assert row[1] == e["verdict"]
        assert row[2] == f"{m['primary'] + m['junior']} / {n['primary'] + n['junior']}"
        assert row[3:5] == [f"{m['primary']} / {n['primary']}", f"{m['junior']} / {n['junior']}"]
        assert row[5:8] == [f"{p['primary']:,}", f"{p['junior']:,}",
                            f"{p['primary'] + p['junior']:,}"]
    # the newest snapshot of 2025 counts, not the first one of that year
    assert rows[1][8].startswith("a-2025.xlsx") and "a-2025-first.xlsx" not in text
    # every CV with its limit, year by year
    cv_rows = table_rows(text, "<th>学段 Stage</th>")
    assert len(cv_rows) == len(years[2025]["cvs"]) == 14
    for stage, indicator, limit, *values in cv_rows:
        for value, year in zip(values, (2024, 2025), strict=True):
            cv = years[year]["cvs"][(stage, indicator)][0]
            assert value == f"{cv:.3f}", (stage, indicator, year)
        assert limit == f"{years[2025]['cvs'][(stage, indicator)][1]:.2f}"
    over = [k for k, (cv, lim, met) in years[2025]["cvs"].items() if not met]
    assert over  # the sample has a CV over its limit: shown as such
    assert text.count('class="num bad"') == sum(
        1 for y in years.values() for (_, _, met) in y["cvs"].values() if not met)


def test_the_page_charts_every_series_without_scripts_or_inline_styles(world):
    text = world.clients["inspector"].get(f"/counties/{world.ids['A']}/years").text
    svgs = re.findall(r"<svg.*?</svg>", text, re.S)
    assert len(svgs) == 2 + 14  # meeting the rule, pupils, one per CV
    meeting, pupils = svgs[0], svgs[1]
    assert meeting.count("<circle") == 4 and pupils.count("<circle") == 4  # 2 series × 2 years
    e = expected_year(world.files["a2024"])
    assert f"小学 primary 2024: {e['pupils']['primary']:,}" in pupils  # each point titled
    assert all(s.count('class="limit"') == 1 for s in svgs[2:])
    assert "<script" not in text and "style=" not in text
    assert '<link rel="stylesheet" href="/static/years.css">' in text
    assert world.clients["anon"].get("/static/years.css").status_code == 200


def test_one_year_and_no_year_are_said(world):
    one = world.clients["county_b"].get(f"/counties/{world.ids['B']}/years")
    assert one.status_code == 200
    assert "只有 2025–2026 一个学年的数据" in one.text and "one school year so far" in one.text
    assert len(table_rows(one.text, "各学年结论")) == 1
    assert one.text.count("<svg") == 16
    none = world.clients["province"].get(f"/counties/{world.ids['C']}/years")
    assert none.status_code == 200
    assert "还没有提交数据" in none.text and "<svg" not in none.text


OK, LOGIN, NF = (200, None), (303, "/login"), (404, None)
ACCESS = [  # path, then anon admin province county_a school inspector county_b
    ("/counties/{A}/years", (LOGIN, OK, OK, OK, NF, OK, NF)),
    ("/counties/{B}/years", (LOGIN, OK, NF, NF, NF, NF, OK)),
    ("/counties/9999/years", (LOGIN, NF, NF, NF, NF, NF, NF)),
]


@pytest.mark.parametrize(("path", "outcomes"), ACCESS)
def test_who_may_read_the_trends(world, path, outcomes):
    for role, (status, location) in zip(ROLES, outcomes, strict=True):
        answer = world.clients[role].get(path.format(**world.ids))
        assert answer.status_code == status, (role, path)
        if location:
            assert answer.headers["location"] == location
        if status == 404:
            assert "示例县" not in answer.text and "乙县" not in answer.text
