"""School groups in the web application (issue 17): a groups plan (集团化办学方案) started from
the plans page, run in the background, shown, downloaded, compared and adopted — through the
real app, users signed in through the real form.

The world: county A (示例县, region 甲市) with the 16-school sample; county B (乙县) with no
data. Three runs of A are made once: a rotation plan (R), a groups plan with a coverage target
the county cannot reach within 40 km (G) and one with a lower target (G2). The coverage the
page shows is checked against figures computed here, independently: the groups from the
downloaded workbook (openpyxl), the schools' pupils, locations and coordinates from the
county's own workbook (openpyxl), the shares and the pupils short with ``fractions``, the
distances by the haversine formula written out below; only "failing" (a school–stage short of
the per-school rule) is taken from ``junheng.evaluate``, which the groups plan does not run
differently.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import math
import re
import socket
import threading
import time
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, unquote

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import junheng
from junheng.store import AuditEntry, County, PlanRun, Snapshot, open_store
from junheng.web import create_app
from junheng.web import groups as web_groups
from junheng.web.routes import group_plans
from web_world import PASSWORD, USERNAMES, add_role_users, session_csrf, sign_in

ROLES = ("anon", "admin", "province", "county_a", "school", "inspector", "county_b")
WAIT = 60
WORKBOOK, JSON_FILE = "集团化办学方案.xlsx", "groups-plan.json"
ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"
MAX_KM, MAX_MEMBERS = 40, 5


def count_runs(world) -> int:
    with world.store.session() as s:
        return s.scalar(select(func.count()).select_from(PlanRun))


def start(world, kind: str = "groups", role: str = "county_a", **form) -> int:
    data = {"csrf": world.csrf[role], "kind": kind, "time_limit": "10", **form}
    answer = world.clients[role].post(f"/counties/{world.A}/plans", data=data)
    assert answer.status_code == 303, answer.text.split("<main>")[-1][:1500]
    return int(re.fullmatch(rf"/counties/{world.A}/plans/(\d+)",
                            answer.headers["location"]).group(1))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-groups")
    path = junheng.write_sample(folder / "a16.xlsx", schools=16, seed=1)
    schools = junheng.load(path).schools
    (a_name,) = set(schools["county"].to_list())
    ids = sorted(schools["school_id"].to_list())
    store = open_store(folder=folder / "db")
    with store.session() as s:
        a, b = County(name=a_name, region="甲市"), County(name="乙县", region="乙市")
        s.add_all([a, b])
        s.flush()
        content = path.read_bytes()
        snap = Snapshot(county_id=a.id, school_year=2025, filename=path.name, content=content,
                        sha256=hashlib.sha256(content).hexdigest())
        s.add(snap)
        add_role_users(s, a, b, ids[1])
        s.commit()
        a_id, b_id = a.id, b.id
    app = create_app(store)
    clients = {"anon": TestClient(app, follow_redirects=False)}
    clients |= {role: sign_in(app, name) for role, name in USERNAMES.items()}
    csrf = {role: session_csrf(c) for role, c in clients.items() if role != "anon"}
    world = SimpleNamespace(app=app, store=store, clients=clients, csrf=csrf, A=a_id, B=b_id,
                            path=path, folder=folder, runner=app.state.web.extensions["plans"])
    world.R = start(world, "rotation")
    world.G = start(world, s_coverage="0.8", s_max_km=str(MAX_KM),
                    s_max_members=str(MAX_MEMBERS))
    world.G2 = start(world, s_coverage="0.5")
    for run_id in (world.R, world.G, world.G2):
        assert world.runner.wait(run_id, WAIT) == "done", run_id
    return world


# --- the county's own figures, read here from its workbook ------------------------------------
def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle km on a sphere of radius 6371 km (written out here, not imported)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def county(world):
    """Each school's name, location, coordinates and pupils (Σ over its stages), from the
    county's workbook as the bureau filled it (row 1 the Chinese heads, row 2 the keys)."""
    book = openpyxl.load_workbook(world.path, read_only=True)
    rows = book["学校"].iter_rows(values_only=True)
    heads = next(rows)
    next(rows)  # the keys' row
    schools = {}
    for row in rows:
        r = dict(zip(heads, row, strict=False))
        if r["学校标识码"]:
            schools[r["学校标识码"]] = {
                "name": r["学校名称"], "location": r["城乡分类"], "lat": r["纬度"],
                "lon": r["经度"], "township": r.get("乡镇（街道）")}
    pupils: dict[str, int] = defaultdict(int)
    for row in book["学段"].iter_rows(min_row=3, values_only=True):
        if row[0]:
            pupils[row[0]] += row[2] or 0
    ev = junheng.evaluate(junheng.load(world.path))
    failing = set(ev.schools.filter(~ev.schools["meets_rule"])["school_id"].to_list())
    by_name = {v["name"]: k for k, v in schools.items()}
    assert len(by_name) == len(schools)  # names identify schools in the plan's workbook
    return SimpleNamespace(schools=schools, pupils=dict(pupils), failing=failing,
                           by_name=by_name)


def download(world, run_id: int, name: str, role: str = "county_a"):
    return world.clients[role].get(f"/counties/{world.A}/plans/{run_id}/groups/{quote(name)}")


def sheet_rows(book, title: str) -> list[dict]:
    """A sheet of the plan's workbook as dicts by its header row (the first row naming
    ``县区``)."""
    rows = list(book[title].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "县区")
    heads = rows[start]
    return [dict(zip(heads, r, strict=False)) for r in rows[start + 1:] if r and r[0]]


def from_workbook(world, county, run_id: int) -> SimpleNamespace:
    """The groups as the downloaded workbook lists them, and the coverage computed from them
    with the county's own figures."""
    answer = download(world, run_id, WORKBOOK)
    assert answer.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    rows = sheet_rows(book, "集团方案")
    ids = county.by_name
    pairs = {(ids[r["牵头学校"]], ids[r["成员学校"]]) for r in rows}
    leaders, members = {p[0] for p in pairs}, [p[1] for p in pairs]
    inside = leaders | set(members)
    role_rows = sheet_rows(book, "学校角色")
    member_schools = {ids[r["学校"]] for r in role_rows if r["角色"] == "成员学校"}
    pupils_in = sum(county.pupils.get(s, 0) for s in inside)
    pupils = sum(county.pupils.values())
    rural = {s for s, v in county.schools.items() if v["location"] == "乡村"}
    return SimpleNamespace(
        rows=rows, pairs=pairs, leaders=leaders, members=members, inside=inside,
        groups=len({r["集团编号"] for r in rows}), pupils_in=pupils_in, pupils=pupils,
        share=Fraction(pupils_in, pupils), rural_in=len(inside & rural), rural=len(rural),
        failing_in=len(inside & county.failing), failing=len(county.failing),
        unmatched=member_schools - set(members), member_schools=member_schools)


def coverage_lines(page: str) -> dict[str, str]:
    """The coverage card's lines: Chinese head → the figure shown."""
    card = page.split('id="coverage"')[1].split("</section>")[0]
    return dict(re.findall(r'<tr[^>]*><th>([^<]+?) <span class="muted">[^<]*</span></th>'
                           r'<td class="num">([^<]*)</td></tr>', card))


def expected_towns(county, wb, counted: bool) -> dict[str, str]:
    """Towns reached (乡镇（街道）with a school in a group, of those with a school), when the
    county's workbook gives the schools' townships and the plan counts them (``counted``: its
    coverage has the column); no line otherwise."""
    towns = {v["township"] for v in county.schools.values() if v["township"]}
    if not towns or not counted:
        return {}
    reached = {county.schools[s]["township"] for s in wb.inside} & towns
    return {"覆盖乡镇": f"{len(reached)} / {len(towns)} 个"}


def expected_target(target: Fraction, wb) -> str:
    if wb.share >= target:
        return f"{float(target):.1%}：已达到 met"
    short = math.ceil(target * wb.pupils) - wb.pupils_in
    return f"{float(target):.1%}：未达到，还差 {short:,} 名学生 not met: {short:,} pupils short"


# --- the run's page: coverage, groups, the unmatched ------------------------------------------
@pytest.mark.parametrize(("run", "target"), [("G", Fraction(4, 5)), ("G2", Fraction(1, 2))])
def test_the_coverage_shown_is_what_the_workbook_and_the_county_give(world, county, run,
                                                                     target):
    run_id = getattr(world, run)
    wb = from_workbook(world, county, run_id)
    page = world.clients["inspector"].get(f"/counties/{world.A}/plans/{run_id}")
    assert page.status_code == 200
    lines = coverage_lines(page.text)
    n = len(county.schools)
    answer = download(world, run_id, JSON_FILE)
    counted = "towns_in_groups" in json.loads(answer.content)["coverage"][0]
    # the summary kept for the comparison: the same figures, exactly
    figures = world.clients["inspector"].get(
        f"/api/counties/{world.A}/plans/{run_id}").json()["summary"]
    assert lines == {
        "集团数": f"{wb.groups} 个",
        "入集团学校 / 学校总数": f"{len(wb.inside)} / {n} 所",
        "覆盖学生 / 学生总数": f"{wb.pupils_in:,} / {wb.pupils:,} 人",
        "学生覆盖率": f"{float(wb.share):.1%}",
        "覆盖乡村学校": f"{wb.rural_in} / {wb.rural} 所",
        "覆盖未达标学校": f"{wb.failing_in} / {wb.failing} 所",
        "覆盖城区、镇区学校": "城区 {} 所，镇区 {} 所".format(*(
            sum(county.schools[s]["location"] == where for s in wb.inside)
            for where in ("城区", "镇区"))),
        "未入集团的成员学校": f"{len(wb.unmatched)} 所",
        "覆盖目标": expected_target(target, wb),
        **expected_towns(county, wb, counted),
    }
    assert (figures["groups"], figures["schools_in_groups"], figures["pupils_in_groups"],
            figures["pupils"]) == (wb.groups, len(wb.inside), wb.pupils_in, wb.pupils)
    assert Fraction(figures["pupils_share"]).limit_denominator(wb.pupils) == wb.share
    assert figures["target_met"] == (wb.share >= target)
    assert figures["moves"] is None and figures["teachers"] is None


def test_g_falls_short_of_its_target_and_g2_reaches_its_own(world, county):
    """The world holds one of each: the shortfall and the target met are both on show."""
    short, met = from_workbook(world, county, world.G), from_workbook(world, county, world.G2)
    assert short.share < Fraction(4, 5) and met.share >= Fraction(1, 2)
    assert "还差" in coverage_lines(world.clients["county_a"].get(
        f"/counties/{world.A}/plans/{world.G}").text)["覆盖目标"]


def test_the_groups_obey_the_rules_and_the_page_lists_them(world, county):
    wb = from_workbook(world, county, world.G)
    assert len(wb.members) == len(set(wb.members))  # a school in one group at most
    assert not wb.leaders & set(wb.members)
    for leader in wb.leaders:
        assert sum(1 for p in wb.pairs if p[0] == leader) <= MAX_MEMBERS
    for r in wb.rows:  # distances: within the limit, and the great-circle km
        lead, member = (county.schools[county.by_name[r[k]]] for k in ("牵头学校", "成员学校"))
        km = haversine(lead["lat"], lead["lon"], member["lat"], member["lon"])
        assert km <= MAX_KM and r["距离 km"] == pytest.approx(km, abs=1e-6)
    page = world.clients["province"].get(f"/counties/{world.A}/plans/{world.G}").text
    table = page.split('id="groups"')[1].split("</section>")[0]
    shown, leader = set(), None
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>")[1], re.S):
        found = re.search(r'class="school leader"[^>]*>[^<]*<span class="muted mono">(\d+)<',
                          row)
        leader = found.group(1) if found else leader
        member = re.findall(r'<td class="school">[^<]*<span class="muted mono">(\d+)<', row)
        shown |= {(leader, m) for m in member}
        kms = re.findall(r'<td class="num">(\d+\.\d)</td>', row)
        assert len(kms) == 1 and float(kms[0]) <= MAX_KM
    assert shown == wb.pairs
    # what each member lacks and the leader has, as the workbook says it
    for r in wb.rows:
        assert r["成员学校所缺、牵头学校所长"] in table
    unmatched = page.split('id="unmatched"')[1].split("</section>")[0]
    listed = set(re.findall(r'<td class="school">[^<]*<span class="muted mono">(\d+)<',
                            unmatched))
    assert listed == wb.unmatched and wb.unmatched  # 40 km leaves some out
    assert "未入集团原因" in unmatched


def test_the_json_and_the_workbook_are_the_command_lines(world, county):
    """The JSON download is the writer's plan_dict: the same groups as the workbook."""
    wb = from_workbook(world, county, world.G)
    answer = download(world, world.G, JSON_FILE, "inspector")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert "attachment" in answer.headers["content-disposition"]
    data = json.loads(answer.content)
    assert {(g["leader_id"], g["member_id"]) for g in data["groups"]} == wb.pairs
    assert data["rules"]["coverage"] == 0.8 and data["rules"]["max_km"] == MAX_KM
    zipped = world.clients["admin"].get(f"/counties/{world.A}/plans/{world.G}/files.zip")
    assert zipped.status_code == 200
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as z:
        assert {WORKBOOK, JSON_FILE} <= set(z.namelist())
        assert json.loads(z.read(JSON_FILE)) == data


# --- the map: a download beside the workbook and the JSON ------------------------------------
def test_the_map_is_a_download_and_never_runs_in_the_application(world, county):
    wb = from_workbook(world, county, world.G)
    answer = download(world, world.G, web_groups.MAP_FILE, "inspector")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-disposition"].startswith("attachment;")
    # the real map: every leader of the plan is named on it
    leaders = {r["leader_name"] for r in json.loads(
        download(world, world.G, JSON_FILE).content)["groups"]}
    assert leaders and all(name in answer.text for name in leaders)
    assert len(wb.pairs) > 0
    # the CSP stays as it is: the map's own script is not allowed in the application
    assert "'unsafe-inline'" not in answer.headers["content-security-policy"].split(
        "script-src")[-1].split(";")[0]
    page = world.clients["county_a"].get(f"/counties/{world.A}/plans/{world.G}").text
    link = f"/counties/{world.A}/plans/{world.G}/groups/{quote(web_groups.MAP_FILE)}"
    assert f'href="{link}" download' in page and "集团分布图暂不提供" not in page
    assert "<script" not in page.split("<main")[1]


# --- comparison and adoption ----------------------------------------------------------------
def test_the_comparison_shows_coverage_and_no_before_after_for_groups(world, county):
    wb = from_workbook(world, county, world.G)
    page = world.clients["inspector"].get(
        f"/counties/{world.A}/plans?compare={world.R}&compare={world.G}").text
    section = page.split('id="compare"')[1].split("</section>")[0]

    def cells(head: str) -> list[str]:
        row = re.search(rf"<tr><td>{head}.*?</tr>", section, re.S).group(0)
        return re.findall(r'<td class="num">([^<]*)</td>', row)

    rotation = json.loads(world.clients["inspector"].get(
        f"/api/counties/{world.A}/plans/{world.R}").text)["summary"]
    assert cells("交流人次") == [str(rotation["moves"]), "—"]
    assert cells("学校（学段）达标")[1] == "不改变 no change"
    assert cells("评估结论")[1] == "不改变 no change"
    assert cells("集团数") == ["—", str(wb.groups)]
    assert cells("学生覆盖率") == [
        "—", f"{float(wb.share):.1%}（{wb.pupils_in:,} / {wb.pupils:,} 人）"]
    assert cells("覆盖目标")[1] == expected_target(Fraction(4, 5), wb)
    # the list of runs: one line of coverage in place of the moves, CVs and cost columns
    listing = re.search(rf'<tr class="[^"]*">\s*<td>.*?方案 {world.G} ·.*?</tr>', page,
                        re.S).group(0)
    year = json.loads(world.clients["inspector"].get(
        f"/api/counties/{world.A}/plans/{world.G}").text)["summary"]["school_year"]
    assert (f"{year}–{year + 1} 学年 · {wb.groups} 个集团 groups · 学生覆盖 "
            f"{float(wb.share):.1%}") in listing
    assert 'colspan="5"' in listing and "→" not in listing


def adopted(world) -> set[int]:
    with world.store.session() as s:
        return set(s.scalars(select(PlanRun.id).where(PlanRun.county_id == world.A,
                                                       PlanRun.adopted)))


def adopt(world, run_id: int) -> None:
    answer = world.clients["county_a"].post(f"/counties/{world.A}/plans/{run_id}/adopt",
                                            data={"csrf": world.csrf["county_a"]})
    assert answer.status_code == 303


def test_adopting_a_grouping_keeps_the_other_kinds_and_the_other_years(world):
    with world.store.session() as s:  # a grouping adopted for another school year
        base = s.get(PlanRun, world.G)
        summary = {**json.loads(base.summary), "school_year": 2019}
        old = PlanRun(county_id=world.A, snapshot_id=base.snapshot_id, kind="groups",
                      status="done", params=base.params, result_json=base.result_json,
                      files=base.files, summary=json.dumps(summary), adopted=True)
        s.add(old)
        s.commit()
        old_id = old.id
    adopt(world, world.R)
    adopt(world, world.G)
    assert {world.R, world.G, old_id} <= adopted(world)
    adopt(world, world.G2)  # the same school year: it takes G's place, and only G's
    chosen = adopted(world)
    assert {world.R, world.G2, old_id} <= chosen and world.G not in chosen
    with world.store.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "plan_adopted")
                          .order_by(AuditEntry.id.desc())).first()
        detail = json.loads(entry.detail)
    year = json.loads(world.clients["county_a"].get(
        f"/api/counties/{world.A}/plans/{world.G2}").text)["summary"]["school_year"]
    assert detail == {"kind": "groups", "snapshot": detail["snapshot"], "school_year": year,
                      "replaces": [world.G]}
    page = world.clients["county_a"].get(f"/counties/{world.A}/plans/{world.G2}").text
    assert f"本县 {year}–{year + 1} 学年采用的集团划分" in page
    page = world.clients["county_a"].get(f"/counties/{world.A}/plans/{world.G}").text
    assert "采用此集团方案 Adopt this grouping" in page
    assert "其他类型的方案不受影响" in page
    # the data itself is untouched: no new version of the county's data
    with world.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Snapshot)) == 1


# --- bad settings: refused, located, nothing started -------------------------------------------
@pytest.mark.parametrize(("form", "words"), [
    ({"s_coverage": "2"}, ["覆盖目标", "应在 (0, 1] 之间", "got 2"]),
    ({"s_max_members": "0"}, ["每个集团最多成员学校数", "应在 1–50 之间"]),
    ({"s_max_km": "-3"}, ["最远距离", "应为 > 0 的数"]),
    ({"s_km_weight": "很多"}, ["距离的代价", "应为 ≥ 0 的数"]),
    ({"s_leader_min_met": "2.5"}, ["牵头学校每个学段至少达到的指标数", "got 2.5"]),
])
def test_a_bad_setting_is_refused_located_and_nothing_starts(world, form, words):
    before = count_runs(world)
    data = {"csrf": world.csrf["county_a"], "kind": "groups", "time_limit": "10", **form}
    answer = world.clients["county_a"].post(f"/counties/{world.A}/plans", data=data)
    assert answer.status_code == 400
    assert "设置有误，未开始 / invalid setting: nothing was started" in answer.text
    problems = html.unescape(answer.text.split('class="card problems"')[1]
                             .split("</section>")[0])
    for word in words:
        assert word in problems, word
    # words, not codes: no profile key, no null
    assert "groups." not in problems and "null" not in problems
    assert "Traceback" not in answer.text
    assert count_runs(world) == before


def test_the_form_offers_the_command_lines_settings(world):
    page = world.clients["county_a"].get(f"/counties/{world.A}/plans").text
    form = re.search(r'<form[^>]*class="kind"[^>]*>\s*<input[^>]*>\s*'
                     r'<input type="hidden" name="kind" value="groups">.*?</form>', page,
                     re.S).group(0)
    assert "集团化办学方案" in form
    for name in ("max_members", "max_km", "coverage", "km_weight", "leader_min_met"):
        assert f'name="s_{name}"' in form, name
    assert "不改变评估数据" in form  # what adopting it means, said before it runs


# --- audit --------------------------------------------------------------------------------------
def test_start_adoption_and_downloads_are_audited_with_chinese_names(world):
    from junheng.web.routes.audit import ACTIONS, detail_items

    download(world, world.G, WORKBOOK, "inspector")
    with world.store.session() as s:
        entries = list(s.scalars(select(AuditEntry).where(
            AuditEntry.target == f"county:{world.A}/plan:{world.G}")))
    actions = {e.action for e in entries}
    assert {"plan_started", "plan_downloaded"} <= actions
    assert {ACTIONS[a][0] for a in actions} >= {"运行方案", "下载方案文件"}
    started = next(e for e in entries if e.action == "plan_started")
    assert json.loads(started.detail)["settings"] == {
        "coverage": 0.8, "max_km": MAX_KM, "max_members": MAX_MEMBERS}
    assert ("类型 kind", "集团化办学方案（groups）") in detail_items(started.detail)
    got = [json.loads(e.detail) for e in entries if e.action == "plan_downloaded"]
    assert {"kind": "groups", "file": WORKBOOK} in got
    page = world.clients["county_a"].get(f"/counties/{world.A}/audit").text
    assert "集团化办学方案（groups）" in page


# --- who may do what --------------------------------------------------------------------------
OK, LOGIN, FORBID, NF, UNAUTH = (200, None), (303, "/login"), (403, None), (404, None), \
    (401, None)
RUN = (303, "run")
TO_G = (303, "/counties/{A}/plans/{G}")
GET_ROWS = [
    #  path                                              anon   admin  province county_a school inspector county_b
    ("/counties/{A}/plans/{G}",                           LOGIN, OK,    OK,    OK,    NF,    OK,    NF),
    ("/api/counties/{A}/plans/{G}",                       UNAUTH, OK,   OK,    OK,    NF,    OK,    NF),
    ("/counties/{A}/plans/{G}/files.zip",                 LOGIN, OK,    OK,    OK,    NF,    OK,    NF),
    ("/counties/{A}/plans/{G}/groups/{WB}",               LOGIN, OK,    OK,    OK,    NF,    OK,    NF),
    ("/counties/{A}/plans/{G}/groups/{JS}",               LOGIN, OK,    OK,    OK,    NF,    OK,    NF),
    ("/counties/{A}/plans/{G}/groups/other.xlsx",         LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("/counties/{A}/plans/{R}/groups/{WB}",               LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("/counties/{A}/plans/{R}/files.zip",                 LOGIN, FORBID, FORBID, OK,  NF,    FORBID, NF),
    ("/counties/{B}/plans/{G}/groups/{WB}",               LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("/counties/{A}/plans/9999/groups/{WB}",              LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
]  # fmt: skip
POST_ROWS = [
    ("/counties/{A}/plans",                               LOGIN, FORBID, FORBID, RUN, NF,    FORBID, NF),
    ("/counties/{A}/plans/{G}/adopt",                     LOGIN, FORBID, FORBID, TO_G, NF,   FORBID, NF),
]  # fmt: skip


def fill(world, path: str) -> str:
    return path.format(A=world.A, B=world.B, G=world.G, R=world.R, WB=quote(WORKBOOK),
                       JS=quote(JSON_FILE))


@pytest.mark.parametrize("row", GET_ROWS, ids=[r[0] for r in GET_ROWS])
def test_who_reads_a_groups_plan(world, row):
    path, *outcomes = row
    for role, (status, location) in zip(ROLES, outcomes, strict=True):
        answer = world.clients[role].get(fill(world, path))
        assert answer.status_code == status, (role, path)
        if location:
            assert answer.headers["location"] == location
        if status == 200 and "/groups/" in path:
            name = unquote(path.rsplit("/", 1)[1].format(WB=quote(WORKBOOK),
                                                         JS=quote(JSON_FILE)))
            assert answer.headers["content-disposition"].endswith(quote(
                WORKBOOK if "WB" in path else JSON_FILE)), name
        if status == 403:
            assert "只有本县教育局" in answer.text
        assert "Traceback" not in answer.text


@pytest.mark.parametrize("row", POST_ROWS, ids=[r[0] for r in POST_ROWS])
def test_who_starts_and_adopts_a_groups_plan(world, row):
    path, *outcomes = row
    for role, (status, location) in zip(ROLES, outcomes, strict=True):
        before, chosen = count_runs(world), adopted(world)
        data = {"kind": "groups", "time_limit": "10"}
        if role != "anon":
            data["csrf"] = world.csrf[role]
        answer = world.clients[role].post(fill(world, path), data=data)
        assert answer.status_code == status, (role, path, answer.text[:300])
        if location == "run":
            new = re.fullmatch(rf"/counties/{world.A}/plans/(\d+)", answer.headers["location"])
            assert new and count_runs(world) == before + 1
            assert world.runner.wait(int(new.group(1)), WAIT) == "done"
            continue
        assert count_runs(world) == before
        if location is not None:
            assert answer.headers["location"] == fill(world, location.replace("{", "{"))
        elif path.endswith("/adopt"):
            assert adopted(world) == chosen


# --- today's groups kept and extended (--keep on the command line) -----------------------------
def test_an_adopted_grouping_is_kept_and_extended_by_the_next_plan(world, county):
    adopt(world, world.G)
    form = world.clients["county_a"].get(f"/counties/{world.A}/plans").text
    assert f'<option value="plan:{world.G}">' in form
    run_id = start(world, keep=f"plan:{world.G}", s_max_members="6")
    assert world.runner.wait(run_id, WAIT) == "done"
    kept, new = from_workbook(world, county, world.G), from_workbook(world, county, run_id)
    assert kept.pairs <= new.pairs  # every kept group whole: its leader, each of its members
    assert kept.inside <= new.inside and new.share >= kept.share
    page = world.clients["inspector"].get(f"/counties/{world.A}/plans/{run_id}").text
    assert f"方案 {world.G} 的集团" in page and "--keep" not in page
    with world.store.session() as s:
        entry = s.scalar(select(AuditEntry).where(
            AuditEntry.action == "plan_started",
            AuditEntry.target == f"county:{world.A}/plan:{run_id}"))
    assert json.loads(entry.detail)["keep"] == f"plan:{world.G}"


def groups_snapshot(world, county) -> int:
    """A version of A's data (older than the one in use) with a 集团 sheet: one group, leader
    城关第一小学, member 凤凰村小学 — a pair the plans above never make."""
    book = openpyxl.load_workbook(world.path)
    if "集团" in book.sheetnames:  # the template's sheet, its heads filled in, no rows
        sheet = book["集团"]
        assert sheet.max_row <= 2
    else:
        sheet = book.create_sheet("集团")
        sheet.append(["集团编号", "学校标识码", "角色", "集团类型", "集团名称"])
    leader, member = county.by_name["城关第一小学"], county.by_name["凤凰村小学"]
    sheet.append(["城关教育集团", leader, "牵头学校", "紧密型", "城关教育集团"])
    sheet.append(["城关教育集团", member, "成员学校", None, None])
    path = world.folder / "a16-groups.xlsx"
    book.save(path)
    content = path.read_bytes()
    with world.store.session() as s:
        snap = Snapshot(county_id=world.A, school_year=2025, filename=path.name,
                        content=content, sha256=hashlib.sha256(content).hexdigest(),
                        created_at=datetime(2000, 1, 1, tzinfo=UTC))
        s.add(snap)
        s.commit()
        return snap.id


def test_the_datas_own_groups_are_kept_or_the_page_says_how(world, county):
    snap = groups_snapshot(world, county)
    pair = (county.by_name["城关第一小学"], county.by_name["凤凰村小学"])
    redrawn = start(world, snapshot=str(snap))
    kept = start(world, snapshot=str(snap), keep="data")
    for run_id in (redrawn, kept):
        assert world.runner.wait(run_id, WAIT) == "done"
    assert pair not in from_workbook(world, county, redrawn).pairs
    assert pair in from_workbook(world, county, kept).pairs
    page = world.clients["county_a"].get(f"/counties/{world.A}/plans/{redrawn}").text
    assert "数据中已有 1 个集团" in page and "请在“保留现有集团”中选择“本版数据中的集团表”" in page
    assert "--keep" not in page
    page = world.clients["county_a"].get(f"/counties/{world.A}/plans/{kept}").text
    assert "数据中已有" not in page and "紧密型" in page


@pytest.mark.parametrize(("keep", "words"), [
    ("data", "这一版数据没有集团表，无法保留现有集团"),
    ("plan:{R}", "所选的集团方案不存在或未完成"),
    ("plan:9999", "所选的集团方案不存在或未完成"),
    ("everything", "请从列表中选择要保留的集团"),
])
def test_groups_that_cannot_be_kept_are_refused_and_nothing_starts(world, keep, words):
    assert junheng.load(world.path).groups is None  # the data in use has no 集团 sheet
    before = count_runs(world)
    data = {"csrf": world.csrf["county_a"], "kind": "groups", "time_limit": "10",
            "keep": keep.format(R=world.R)}
    answer = world.clients["county_a"].post(f"/counties/{world.A}/plans", data=data)
    assert answer.status_code == 400 and words in answer.text
    assert count_runs(world) == before and "Traceback" not in answer.text


def test_the_groups_route_is_the_only_one_of_its_module():
    routes = {(m, r.path) for r in group_plans.router.routes for m in r.methods}
    assert routes == {("GET", "/counties/{county_id}/plans/{plan_id}/groups/{filename}")}


# --- the page as a bureau analyst sees it (Chromium) -------------------------------------------
@pytest.fixture(scope="module")
def server(world):
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(world.app, host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow
def test_the_bureau_runs_a_grouping_in_the_browser(world, server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    # a script error or a CSP violation; a missing resource by its address (the browser's own
    # /favicon.ico, which the application does not serve, is not one of ours)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    page.goto(f"{server}/login")
    page.fill("input[name=username]", USERNAMES["county_a"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{server}/counties/{world.A}/plans")
    form = page.locator("form.kind", has=page.locator("input[name=kind][value=groups]"))
    form.locator("summary").click()
    form.locator("input[name=s_coverage]").fill("0.8")
    form.locator("input[name=s_max_km]").fill(str(MAX_KM))
    form.locator("input[name=time_limit]").fill("10")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#coverage", timeout=WAIT * 1000)  # the page refreshes itself
    assert re.search(rf"/counties/{world.A}/plans/\d+$", page.url)
    assert page.locator("#coverage tr.target-short").count() == 1
    assert page.locator("table.group-table td.leader").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "web-groups.png"), full_page=True)
    page.goto(f"{server}/counties/{world.A}/plans?compare={world.R}&compare={world.G}")
    page.screenshot(path=str(ARTIFACTS / "web-groups-compare.png"), full_page=True)
    assert problems == []  # no CSP violation, no script error
