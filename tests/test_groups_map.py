"""The school-groups map (集团分布图, issue 17) on hand-made plan tables.

The plan is written here as its tables (the planner is not run, except once end to end), so
every expected figure is known by hand:

甲县 (latitudes around 30°): group 1 led by 城关一小 with 青龙村小, 水口小学, 南华村小; group 2
led by 河口中心校 with 双河教学点 and 无坐标村小 (no coordinates); 城关三小 in no group; 高峰村小
a member school left without a leader; 新建学校 in no group and without coordinates. Pupils:
1,500 + 800 + 120 + 210 + 95 + 30 + 60 = 2,815 in groups of 4,500 (with 1,200, 85 and 400):
62.6 %. Four lines can be drawn (无坐标村小 has no end).
"""

from __future__ import annotations

import json
import math
import re
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row, teachers
from junheng.plan.groups import GroupPlan, plan_groups
from junheng.plan.groups.solution import COVERAGE_SCHEMA, GROUP_SCHEMA, UNMATCHED_SCHEMA
from junheng.report._groups_map import groups_map_html

ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"
CJK = re.compile("[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
KM_PER_DEGREE = 6371.0 * math.pi / 180

# school id: (name, latitude, longitude, pupils)
SCHOOLS = {
    "L1": ("城关一小", 30.00, 106.00, 1500), "L2": ("河口中心校", 30.10, 106.20, 800),
    "M1": ("青龙村小", 30.02, 106.03, 120), "M2": ("水口小学", 29.97, 106.01, 210),
    "M3": ("南华村小", 30.05, 105.95, 95), "M4": ("双河教学点", 30.12, 106.24, 30),
    "X1": ("无坐标村小", None, None, 60), "N1": ("城关三小", 30.03, 106.10, 1200),
    "U1": ("高峰村小", 29.90, 106.30, 85), "Y1": ("新建学校", None, None, 400),
}
# member: (group, leader, km)
MEMBERS = {"M1": (1, "L1", 3.61), "M2": (1, "L1", 3.44), "M3": (1, "L1", 6.03),
           "M4": (2, "L2", 4.55), "X1": (2, "L2", None)}
WHY = ("没有覆盖其全部学段、距离之内的牵头学校", "no leader teaching all its stages within reach")


def _plan(county: str = "甲县", names: dict[str, str] | None = None,
          coordinates: bool = True,
          group_name: str = "城关教育集团") -> tuple[GroupPlan, pl.DataFrame]:
    """The plan's tables and the schools table, by hand (``names`` replaces school names).
    Group 1 is a kept 紧密型 group with a name; group 2 is new, of no stated type."""
    name = {s: (names or {}).get(s, v[0]) for s, v in SCHOOLS.items()}
    schools = pl.DataFrame([
        {"school_id": s, "name": name[s], "county": county, "school_type": "primary",
         "latitude": lat if coordinates else None, "longitude": lon if coordinates else None,
         "boarding": False}  # a column the map does not read
        for s, (_, lat, lon, _) in SCHOOLS.items()],
        schema_overrides={"latitude": pl.Float64, "longitude": pl.Float64})
    groups = pl.DataFrame([
        {"county": county, "group": g, "leader_id": lead, "leader_name": name[lead],
         "member_id": m, "member_name": name[m], "member_location": "rural",
         "member_because": "failing", "stages": ["primary"], "member_pupils": SCHOOLS[m][3],
         "km": km, "benefit": 0.5, "lacks_zh": "", "lacks_en": "",
         "group_type": "close" if g == 1 else None, "group_name": group_name if g == 1 else None,
         "group_status": "kept" if g == 1 else "new", "later": 1}
        for m, (g, lead, km) in MEMBERS.items()],
        schema={**GROUP_SCHEMA, "group_type": pl.String, "group_name": pl.String,
                "group_status": pl.String, "later": pl.Int64}, orient="row")
    coverage = pl.DataFrame([{
        "county": county, "groups": 2, "schools_in_groups": 7, "schools": 10,
        "pupils_in_groups": 2815, "pupils": 4500, "pupils_share": 2815 / 4500,
        "rural_in_groups": 5, "rural": 6, "failing_in_groups": 5, "failing": 6,
        "urban_in_groups": 2, "town_in_groups": 0, "members_unmatched": 1, "target": 0.6,
        "target_met": True}], schema=COVERAGE_SCHEMA, orient="row")
    unmatched = pl.DataFrame([{"county": county, "school_id": "U1", "name": name["U1"],
                               "because": "failing", "why_zh": WHY[0], "why_en": WHY[1]}],
                             schema=UNMATCHED_SCHEMA, orient="row")
    # The evaluation's schools table as the map reads it: pupils per school and stage.
    # (and the standard, which names the group types)
    before = SimpleNamespace(standard=junheng.load_standard("quality-2017"), schools=pl.DataFrame(
        {"county": [county] * len(SCHOOLS), "school_id": list(SCHOOLS),
         "stage": ["primary"] * len(SCHOOLS), "students": [v[3] for v in SCHOOLS.values()]}))
    plan = GroupPlan(rules=None, year=2026, before=before, after=before,  # type: ignore[arg-type]
                     dataset_after=None, levels={}, groups=groups,  # type: ignore[arg-type]
                     coverage=coverage, unmatched=unmatched, roles=None)
    return plan, schools


def _figures(page: str) -> dict[str, dict]:
    return {fid: json.loads(body) for fid, body in re.findall(
        r'<script type="application/json" data-figure="([^"]+)">(.*?)</script>', page, re.S)}


def _segments(fig: dict) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Every drawn line segment: consecutive points of a line trace, None between segments."""
    out = []
    for trace in fig["data"]:
        if trace.get("mode") != "lines" or trace["x"] == [None]:
            continue
        points = list(zip(trace["x"], trace["y"], strict=True))
        run: list[tuple[float, float]] = []
        for x, y in [*points, (None, None)]:
            if x is None:
                out += list(pairwise(run))
                run = []
            else:
                run.append((x, y))
    return out


def _markers(fig: dict) -> list[dict]:
    """The drawn marker traces (the legend's entries have a single None point)."""
    return [t for t in fig["data"] if "markers" in t["mode"] and t["x"] != [None]]


def _without_plotly(page: str) -> str:
    return re.sub(r"<script>.*?</script>", "", page, count=1, flags=re.S)


@pytest.fixture(scope="module")
def zh_page() -> str:
    return groups_map_html(*_plan())


def test_nothing_is_fetched_from_elsewhere(zh_page):
    """plotly.js inlined as the wheel ships it (its own text names sites, in code for the
    traces the map does not use); around it, nothing that loads from anywhere. Chromium
    checks the requests themselves (``test_map_in_chromium``)."""
    from plotly.offline import get_plotlyjs

    assert zh_page.startswith("<!DOCTYPE html>")
    assert f"<script>{get_plotlyjs()}</script>" in zh_page
    rest = _without_plotly(zh_page)
    assert not re.search(r"<script[^>]*\ssrc=", rest)
    assert not re.search(r"<(link|img|iframe|object|embed)\b", rest)
    assert not re.search(r"https?:|//cdn|@import|url\(", rest)
    assert "Plotly.newPlot" in rest


def test_one_line_from_each_leader_to_each_member_with_coordinates(zh_page):
    figs = _figures(zh_page)
    assert list(figs) == ["map0"]  # no crowded centre in so small a county
    at = {s: (lon, lat) for s, (_, lat, lon, _) in SCHOOLS.items()}
    expected = sorted((at[lead], at[m]) for m, (_, lead, _) in MEMBERS.items() if at[m][0])
    assert len(expected) == 4
    assert sorted(_segments(figs["map0"])) == expected
    # A group's line in its colour, the colour of its members and its leader's star.
    lines = {t["line"]["color"]: t for t in figs["map0"]["data"]
             if t["mode"] == "lines" and t["x"] != [None]}
    assert len(lines) == 2
    members = next(t for t in _markers(figs["map0"]) if t["marker"]["symbol"] == "circle"
                   and isinstance(t["marker"]["color"], list))
    for x, colour in zip(members["x"], members["marker"]["color"], strict=True):
        assert x in lines[colour]["x"]


def test_every_school_is_drawn_once_or_listed_by_name(zh_page):
    fig = _figures(zh_page)["map0"]
    drawn = [h for t in _markers(fig) for h in t["hovertext"]]
    assert len(drawn) == 8
    for name, lat, _, _ in SCHOOLS.values():
        if lat is not None:
            assert sum(f"<b>{name}</b>" in h for h in drawn) == 1, name
            assert name in zh_page
    missing = re.search(r"<p class='missing'>(.*?)</p>", zh_page)[1]
    assert missing == "2 所学校没有坐标，未画出：无坐标村小、新建学校"


def test_a_leader_without_coordinates_draws_no_line():
    """河口中心校 loses its coordinates: its member 双河教学点 is drawn, with no line, and the
    planner's distance is missing; the leader is listed."""
    plan, schools = _plan()
    schools = schools.with_columns(
        pl.when(pl.col("school_id") == "L2").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("latitude", "longitude"))
    plan.groups = plan.groups.with_columns(
        pl.when(pl.col("leader_id") == "L2").then(None).otherwise(pl.col("km")).alias("km"))
    page = groups_map_html(plan, schools)
    fig = _figures(page)["map0"]
    assert len(_segments(fig)) == 3
    hovers = {re.match(r"<b>(.*?)</b>", h)[1]: h for t in _markers(fig) for h in t["hovertext"]}
    assert "牵头学校：河口中心校（无坐标，距离未计）" in hovers["双河教学点"]
    assert "河口中心校" not in hovers
    assert re.search(r"<p class='missing'>(.*?)</p>", page)[1] == \
        "3 所学校没有坐标，未画出：河口中心校、无坐标村小、新建学校"


def test_a_group_of_its_leader_alone_and_words_of_ones_own():
    """A groups row without a member (a school district of its anchor alone) makes 城关三小 a
    leader: a star with its number, no line, "0" members, "—" in the table. ``words`` renames
    what the page calls its groups (as the districts map does); the rest stays."""
    plan, schools = _plan()
    alone = pl.DataFrame([{"county": "甲县", "group": 3, "leader_id": "N1",
                           "leader_name": "城关三小"}])
    plan.groups = pl.concat([plan.groups, alone], how="diagonal_relaxed")
    page = groups_map_html(plan, schools, words={"title": ("学区分布图", "School districts map"),
                                                 "group_head": ("学区 {n}", "district {n}")})
    fig = _figures(page)["map0"]
    assert len(_segments(fig)) == 4  # as before: N1 has no member to draw a line to
    hovers = {re.match(r"<b>(.*?)</b>", h)[1]: (h, t, i) for t in _markers(fig)
              for i, h in enumerate(t["hovertext"])}
    hover, trace, i = hovers["城关三小"]
    assert trace["marker"]["symbol"] == "star" and trace["text"][i] == "3"
    assert hover == "<b>城关三小</b><br>牵头学校 · 学区 3<br>成员学校 0 所<br>在校生 1,200 人"
    assert "牵头学校 · 学区 1「城关教育集团」（紧密型，原有集团）" in hovers["城关一小"][0]
    assert "<title>学区分布图 · 甲县</title>" in page
    row = re.search(r"<tr><td class='num'><span class='swatch' style='background:[^']*'>"
                    r"</span>3</td>(.*?)</tr>", page)[1]
    assert row.endswith("<td class='nowrap'>城关三小</td><td>—</td>")


def test_roles_by_shape_and_colour(zh_page):
    fig = _figures(zh_page)["map0"]
    by_name = {}
    for t in _markers(fig):
        for i, h in enumerate(t["hovertext"]):
            name = re.match(r"<b>(.*?)</b>", h)[1]
            by_name[name] = (t["marker"]["symbol"], t["marker"]["size"],
                             t["marker"]["line"].get("color"), h, t, i)
    assert by_name["城关一小"][0] == by_name["河口中心校"][0] == "star"
    assert {by_name[n][0] for n in ("青龙村小", "水口小学", "南华村小", "双河教学点")} == {"circle"}
    assert by_name["城关一小"][1] > by_name["青龙村小"][1] > by_name["城关三小"][1]
    assert by_name["高峰村小"][2] == "#d62728"  # red ring
    assert by_name["城关三小"][4]["marker"]["color"] == by_name["高峰村小"][4]["marker"]["color"]
    # Each leader's star carries its group's number.
    for name, number in (("城关一小", "1"), ("河口中心校", "2")):
        _, _, _, _, trace, i = by_name[name]
        assert trace["text"][i] == number
    # The legend: Chinese words, each role once.
    legend = [t["name"] for t in fig["data"] if t["x"] == [None]]
    assert legend == ["牵头学校", "成员学校", "未入集团", "未入集团的成员学校（红圈）",
                      "连线：牵头学校—成员学校"]


def test_hover_says_school_role_group_km_and_pupils(zh_page):
    fig = _figures(zh_page)["map0"]
    hovers = {re.match(r"<b>(.*?)</b>", h)[1]: h for t in _markers(fig) for h in t["hovertext"]}
    group_1 = "集团 1「城关教育集团」（紧密型，原有集团）"
    assert hovers["青龙村小"] == (f"<b>青龙村小</b><br>成员学校 · {group_1}<br>"
                              "牵头学校：城关一小，相距 3.6 km<br>在校生 120 人")
    assert hovers["城关一小"] == (f"<b>城关一小</b><br>牵头学校 · {group_1}<br>成员学校 3 所<br>"
                              "在校生 1,500 人")
    assert hovers["双河教学点"] == ("<b>双河教学点</b><br>成员学校 · 集团 2（新建集团）<br>"
                               "牵头学校：河口中心校，相距 4.6 km<br>在校生 30 人")  # 4.55: half up
    assert hovers["河口中心校"] == ("<b>河口中心校</b><br>牵头学校 · 集团 2（新建集团）<br>"
                               "成员学校 2 所<br>在校生 800 人")  # 无坐标村小 counts
    assert hovers["城关三小"] == "<b>城关三小</b><br>未入集团<br>在校生 1,200 人"
    assert hovers["高峰村小"] == (f"<b>高峰村小</b><br>未入集团（成员学校，未找到牵头学校）<br>{WHY[0]}"
                              "<br>在校生 85 人")


def test_caption_with_thousands_separators(zh_page):
    caption = re.search(r"<p class='caption'>(.*?)</p>", zh_page)[1]
    # 2,815 / 4,500 = 0.62555… → 62.6 %
    assert caption == ("2 个集团；入集团学校 7 / 10 所；覆盖学生 2,815 / 4,500 人（62.6%）；"
                       "覆盖目标 60%：已达到；1 所成员学校未入集团（图中红圈）")
    assert "<title>集团化办学分布图 · 甲县</title>" in zh_page


def test_caption_with_kept_groups_and_townships():
    plan, schools = _plan()
    plan.coverage = plan.coverage.with_columns(
        groups_kept=pl.lit(1), groups_new=pl.lit(1), towns_in_groups=pl.lit(3), towns=pl.lit(4))
    caption = re.search(r"<p class='caption'>(.*?)</p>", groups_map_html(plan, schools))[1]
    assert caption.startswith("2 个集团（原有 1 个，新建 1 个）；入集团学校 7 / 10 所；")
    assert "；覆盖乡镇（街道）3 / 4 个；覆盖目标 60%：已达到；" in caption
    en = re.search(r"<p class='caption'>(.*?)</p>", groups_map_html(plan, schools, "en"))[1]
    assert en.startswith("2 groups (1 kept, 1 new); schools in groups: 7 of 10;")
    assert "; townships reached: 3 of 4; coverage target 60%: met;" in en


def test_map_is_drawn_to_one_scale(zh_page):
    layout = _figures(zh_page)["map0"]["layout"]
    lats = [v[1] for v in SCHOOLS.values() if v[1] is not None]
    mean = sum(lats) / len(lats)  # 240.19 / 8
    assert mean == pytest.approx(30.02375)
    assert layout["yaxis"]["scaleanchor"] == "x"
    assert layout["yaxis"]["scaleratio"] == pytest.approx(1 / math.cos(math.radians(mean)),
                                                          rel=1e-12)
    # Every drawn school inside the ranges.
    (x0, x1), (y0, y1) = layout["xaxis"]["range"], layout["yaxis"]["range"]
    for _, lat, lon, _ in SCHOOLS.values():
        if lat is not None:
            assert x0 < lon < x1 and y0 < lat < y1
    # The scale bar: a round length in km, by the same cos(latitude).
    bar = layout["shapes"][0]
    km = float(layout["annotations"][0]["text"].removesuffix(" km"))
    assert km in (1, 2, 5, 10, 20, 50)
    assert (bar["x1"] - bar["x0"]) * KM_PER_DEGREE * math.cos(math.radians(mean)) == \
        pytest.approx(km, rel=1e-9)


def test_groups_table_under_the_map(zh_page):
    heads = re.findall(r"<th>(.*?)</th>", zh_page.split("class='groups'")[1].split("</thead>")[0])
    assert heads == ["集团编号", "集团类型", "集团名称", "牵头学校", "成员学校（距离 km）"]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(
        r"<tr><td class='num'>.*?</tr>", zh_page)]
    assert [r[1:] for r in rows] == [
        ["紧密型", "城关教育集团", "城关一小", "青龙村小（3.6）、水口小学（3.4）、南华村小（6.0）"],
        ["", "", "河口中心校", "双河教学点（4.6）、无坐标村小（—）"]]  # 4.55: half up


def test_english_page_has_no_chinese_in_its_words():
    names = {"L1": "Town No.1", "L2": "Hekou Central", "M1": "Qinglong", "M2": "Shuikou",
             "M3": "Nanhua", "M4": "Shuanghe", "X1": "Nowhere", "N1": "Town No.3",
             "U1": "Gaofeng", "Y1": "New School"}
    plan, schools = _plan(county="Jia", names=names, group_name="Chengguan group")
    page = groups_map_html(plan, schools, "en")
    body = _without_plotly(page)
    assert not CJK.findall(body), sorted(set(CJK.findall(body)))
    assert re.search(r"<p class='caption'>(.*?)</p>", page)[1] == (
        "2 groups; schools in groups: 7 of 10; pupils in groups: 2,815 of 4,500 (62.6%); "
        "coverage target 60%: met; 1 member school in no group (red rings on the map)")
    assert "2 schools without coordinates, not drawn: Nowhere, New School" in page
    fig = _figures(page)["map0"]
    assert [t["name"] for t in fig["data"] if t["x"] == [None]] == [
        "leader", "member school", "in no group", "member school in no group (red ring)",
        "line: leader to member"]
    hovers = [h for t in _markers(fig) for h in t["hovertext"]]
    assert "<b>Qinglong</b><br>member school · group 1 “Chengguan group” (close, kept)<br>" \
        "leader: Town No.1, 3.6 km away<br>120 pupils" in hovers
    assert "<b>Town No.1</b><br>leader · group 1 “Chengguan group” (close, kept)<br>" \
        "member schools: 3<br>1,500 pupils" in hovers
    assert "<th>Group id</th><th>Type</th><th>Name</th><th>Leader</th><th>Members (km)</th>" \
        in page


def test_no_coordinates_at_all_says_so_instead_of_an_empty_map():
    page = groups_map_html(*_plan(coordinates=False))
    assert _figures(page) == {}
    assert "Plotly" not in page  # nothing to draw: no plotly.js either
    assert "所有学校都没有坐标（纬度、经度），无法画出分布图" in page
    assert "本县区的学校都没有坐标" in page
    # The groups are still listed.
    assert "城关一小" in page and "双河教学点（4.6）" in page


def test_each_county_its_own_map():
    plan, schools = _plan("甲县")
    plan_b, schools_b = _plan("乙县", coordinates=False)
    both = GroupPlan(rules=None, year=2026, before=plan.before, after=plan.before,
                     dataset_after=None, levels={},  # type: ignore[arg-type]
                     groups=pl.concat([plan.groups, plan_b.groups]),
                     coverage=pl.concat([plan.coverage, plan_b.coverage]),
                     unmatched=pl.concat([plan.unmatched, plan_b.unmatched]), roles=None)
    page = groups_map_html(both, pl.concat([schools, schools_b]))
    assert list(_figures(page)) == ["map0"]
    sections = re.findall(r"<section class='county' id='(c\d)'><h2>(.*?)</h2>", page)
    assert sections == [("c0", "甲县"), ("c1", "乙县")]
    assert '<a href="#c0">甲县</a><a href="#c1">乙县</a>' in page
    assert "<title>集团化办学分布图 · 2 个县区</title>" in page
    second = page.split("id='c1'")[1]
    assert "本县区的学校都没有坐标" in second and "所有学校都没有坐标" not in page


def test_a_name_cannot_break_the_page():
    plan, schools = _plan(names={"N1": "城关</script><script>alert(1)</script>",
                                 "Y1": "新建<b onclick=x>学校"})
    page = groups_map_html(plan, schools)
    assert "<script>alert(1)" not in page and "<b onclick" not in page
    fig = _figures(page)["map0"]  # the JSON block still parses, the name escaped inside it
    assert any("城关&lt;/script&gt;" in h for t in _markers(fig) for h in t["hovertext"])
    assert "新建&lt;b onclick=x&gt;学校" in page


def _crowded(n: int, spread_km: float) -> tuple[GroupPlan, pl.DataFrame]:
    """``n`` leaders within ``spread_km`` of one spot (a county town), each with one member
    20–40 km out, so the whole map is wide and the town crowded."""
    lat0, lon0 = 29.5, 106.5
    cos = math.cos(math.radians(lat0))
    rows, groups = [], []
    for i in range(n):
        a = 2 * math.pi * i / n
        lat = lat0 + spread_km * (i % 3) / 3 * math.sin(a) / KM_PER_DEGREE
        lon = lon0 + spread_km * (i % 3) / 3 * math.cos(a) / (KM_PER_DEGREE * cos)
        far = 20 + 20 * (i % 2)
        rows += [{"school_id": f"L{i:02d}", "name": f"牵头{i}", "county": "丙县",
                  "latitude": lat, "longitude": lon},
                 {"school_id": f"M{i:02d}", "name": f"成员{i}", "county": "丙县",
                  "latitude": lat0 + far * math.sin(a) / KM_PER_DEGREE,
                  "longitude": lon0 + far * math.cos(a) / (KM_PER_DEGREE * cos)}]
        groups.append({"county": "丙县", "group": i + 1, "leader_id": f"L{i:02d}",
                       "leader_name": f"牵头{i}", "member_id": f"M{i:02d}",
                       "member_name": f"成员{i}", "member_pupils": 100, "km": float(far)})
    plan = GroupPlan(rules=None, year=2026, before=None, after=None,  # type: ignore[arg-type]
                     dataset_after=None, levels={},  # type: ignore[arg-type]
                     groups=pl.DataFrame(groups), coverage=None, unmatched=None, roles=None)
    return plan, pl.DataFrame(rows)


def test_leaders_on_one_spot_get_the_four_corners_then_a_closer_map():
    plan, schools = _crowded(6, 0.0)  # six stars on one spot: four corners for numbers
    figs = _figures(groups_map_html(plan, schools))
    assert list(figs) == ["map0", "map0-detail"]
    star = next(t for t in _markers(figs["map0"]) if t["marker"]["symbol"] == "star")
    shown = [(text, pos) for text, pos in zip(star["text"], star["textposition"], strict=True)
             if text]
    assert [t for t, _ in shown] == ["1", "2", "3", "4"]  # in group order; 5 and 6 give way
    assert sorted(p for _, p in shown) == ["bottom left", "bottom right", "top left",
                                           "top right"]
    # The closer map shows the town: every leader inside its ranges, lines drawn again.
    layout = figs["map0-detail"]["layout"]
    whole = figs["map0"]["layout"]
    assert layout["xaxis"]["range"][1] - layout["xaxis"]["range"][0] < \
        (whole["xaxis"]["range"][1] - whole["xaxis"]["range"][0]) / 2
    assert len(_segments(figs["map0-detail"])) == 6 == len(_segments(figs["map0"]))


def test_a_real_plan_end_to_end(xlsx):
    """The planner's own tables (whatever columns it adds): L leads F, 5.6 km apart."""
    schools = [school_row("L", location="urban", name="城关小学", latitude=29.50,
                          longitude=106.50),
               school_row("F", location="rural", name="偏远村小", latitude=29.55,
                          longitude=106.50)]
    stages = [stage_row("L", "primary", 300), stage_row("F", "primary", 90)]
    roster = passing_teachers("L", "primary", 300) + teachers("F", "primary", 4,
                                                              education="bachelor")
    data = junheng.load(xlsx(schools=schools, stages=stages, teachers=roster))
    plan = plan_groups(data, year=2026, time_limit=10)
    page = groups_map_html(plan, data.schools)
    fig = _figures(page)["map0"]
    assert _segments(fig) == [((106.50, 29.50), (106.50, 29.55))]
    hovers = {re.match(r"<b>(.*?)</b>", h)[1]: h for t in _markers(fig) for h in t["hovertext"]}
    # 0.05° of latitude on a 6371-km sphere: 5.56 km
    assert "牵头学校：城关小学，相距 5.6 km" in hovers["偏远村小"]
    assert "在校生 300 人" in hovers["城关小学"] and "在校生 90 人" in hovers["偏远村小"]
    assert re.search(r"<p class='caption'>(.*?)</p>", page)[1].startswith(
        "1 个集团；入集团学校 2 / 2 所；覆盖学生 390 / 390 人（100%）")


# -- in Chromium ------------------------------------------------------------------------------

def _open(browser, path: Path, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    fetched: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors, fetched


def test_map_in_chromium(browser, tmp_path):
    """Loads with no console error and fetches nothing; drawn to one scale on screen; the
    leaders' numbers do not overlap; saved as build/test-artifacts/groups-map.png."""
    plan, schools = _crowded(18, 2.0)
    path = tmp_path / "groups-map.html"
    path.write_text(groups_map_html(plan, schools), encoding="utf-8")
    page, errors, fetched = _open(browser, path)
    try:
        assert page.locator("#map0 .main-svg").count() > 0
        assert errors == []
        assert [u for u in fetched if not u.startswith("file:")] == []
        # Pixels per km the same across and up, as drawn.
        across, up = page.evaluate("""() => {
            const L = document.getElementById('map0')._fullLayout;
            const x = L.xaxis, y = L.yaxis;
            return [x._length / (x.range[1] - x.range[0]), y._length / (y.range[1] - y.range[0])];
        }""")
        lat0 = 29.5  # the mean latitude of the symmetric layout, within 1e-3°
        assert up / across == pytest.approx(1 / math.cos(math.radians(lat0)), rel=2e-3)
        # The group numbers drawn beside the stars do not overlap one another.
        for fid in ("map0", "map0-detail"):
            boxes = page.evaluate(f"""() => Array.from(document.querySelectorAll(
                '#{fid} .scatterlayer .textpoint text')).filter(t => t.textContent)
                .map(t => {{ const r = t.getBoundingClientRect();
                             return [r.left, r.top, r.right, r.bottom]; }})""")
            assert boxes, fid
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    assert not (a[0] < b[2] - 1 and b[0] < a[2] - 1 and a[1] < b[3] - 1
                                and b[1] < a[3] - 1), (fid, a, b)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "groups-map.png"), full_page=True)
    finally:
        page.close()
