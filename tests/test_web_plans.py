"""Plans in the web application (issue 16): planners as background jobs with their progress,
plans compared, one adopted — through the real app, users signed in through the real form.

The world: county A (甲市) with two versions of its data — the 10-school sample (a rotation plan
exists) and the 8-school sample (no rotation plan meets item 11's county share: the run fails
with the binding rule named) — and county B (乙市) with no data. Expected figures are recomputed
here from the files the run stored (the workbook's list, ``apply_moves`` + ``junheng.evaluate``),
never read back from the summary they are compared with.

The path-to-pass kinds (investment, pass, recruitment with prices) are started with the made-up
demo prices (``write_prices_template(path, demo=True)``) posted as a file.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import threading
import zipfile
from dataclasses import replace
from types import SimpleNamespace

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import junheng
from junheng.plan import apply_moves
from junheng.plan.investment.planner import ACTION_COLUMNS, apply_actions
from junheng.plan.investment.prices import write_prices_template
from junheng.store import AuditEntry, County, PlanRun, Snapshot, open_store
from junheng.store.models import utcnow
from junheng.web import create_app, jobs
from junheng.web.routes import plans
from web_world import PASSWORD, USERNAMES, add_role_users

ROLES = ("anon", "admin", "province", "county_a", "school", "inspector", "county_b")
WAIT = 60  # seconds a test waits for a run at most (they take well under one)


def sign_in(app, username: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/", username
    return client


def session_csrf(client: TestClient) -> str:
    page = client.get("/password")
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-plans")
    big = junheng.write_sample(folder / "a10.xlsx", schools=10, seed=1)
    small = junheng.write_sample(folder / "a8.xlsx", schools=8, seed=1)
    (a_name,) = set(junheng.load(big).schools["county"].to_list())
    ids = sorted(junheng.load(big).schools["school_id"].to_list())
    store = open_store(folder=folder / "db")
    with store.session() as s:
        a = County(name=a_name, region="甲市")
        b = County(name="乙县", region="乙市")
        s.add_all([a, b])
        s.flush()
        snaps = {}
        for key, path in (("small", small), ("big", big)):  # the big one is the latest
            content = path.read_bytes()
            snap = Snapshot(county_id=a.id, school_year=2025, filename=path.name,
                            content=content, sha256=hashlib.sha256(content).hexdigest())
            s.add(snap)
            s.flush()
            snaps[key] = snap.id
        add_role_users(s, a, b, ids[1])
        s.commit()
        a_id, b_id = a.id, b.id
    app = create_app(store)
    clients = {"anon": TestClient(app, follow_redirects=False)}
    clients |= {role: sign_in(app, name) for role, name in USERNAMES.items()}
    csrf = {role: session_csrf(c) for role, c in clients.items() if role != "anon"}
    prices = write_prices_template(folder / "单价.xlsx", demo=True)
    bad = openpyxl.load_workbook(prices)
    bad["单价"]["C4"] = -300  # 体育运动场馆: a negative unit price
    bad.save(folder / "bad-prices.xlsx")
    world = SimpleNamespace(app=app, store=store, clients=clients, csrf=csrf, A=a_id, B=b_id,
                            snaps=snaps, paths={"big": big, "small": small, "prices": prices,
                                                "bad": folder / "bad-prices.xlsx"},
                            runner=app.state.web.extensions["plans"])
    # one finished rotation plan of A, for the access table
    world.P = start(world, "county_a")
    assert world.runner.wait(world.P, WAIT) == "done"
    return world


def start(world, role: str = "county_a", **form) -> int:
    """POST a run as ``role`` and return its id (from the 303's location)."""
    data = {"csrf": world.csrf[role], "kind": "rotation", "time_limit": "10", **form}
    answer = world.clients[role].post(f"/counties/{world.A}/plans", data=data)
    assert answer.status_code == 303, answer.text[:500]
    match = re.fullmatch(rf"/counties/{world.A}/plans/(\d+)", answer.headers["location"])
    assert match, answer.headers["location"]
    return int(match.group(1))


def api(world, run_id: int, role: str = "county_a") -> dict:
    answer = world.clients[role].get(f"/api/counties/{world.A}/plans/{run_id}")
    assert answer.status_code == 200
    return answer.json()


def run_row(world, run_id: int) -> PlanRun:
    with world.store.session() as s:
        return s.get(PlanRun, run_id)


def count_runs(world) -> int:
    with world.store.session() as s:
        return s.scalar(select(func.count()).select_from(PlanRun))


# --- a run: queued → running → done, and its figures --------------------------------------
def test_a_run_goes_queued_running_done_with_its_progress(world, monkeypatch):
    real = jobs.KINDS["rotation"]
    reached, go = threading.Event(), threading.Event()
    seen: list[str] = []

    def paused(dataset, standard, rules, progress, **kw):
        def say(text):  # the first message of the planner holds the worker until released
            seen.append(text)
            progress(text)
            if not reached.is_set():
                reached.set()
                assert go.wait(WAIT)
        return real.run(dataset, standard, rules, progress=say, **kw)

    monkeypatch.setitem(jobs.KINDS, "rotation", replace(real, run=paused))
    first = start(world)
    assert reached.wait(WAIT)
    second = start(world)  # one worker, held by the first: the second waits its turn
    running, queued = api(world, first), api(world, second)
    assert running["status"] == "running" and running["status_zh"] == "运行中"
    assert running["progress"] == seen[0] and seen[0].startswith("评估现状")
    assert running["started_at"] is not None and running["finished_at"] is None
    assert queued["status"] == "queued" and queued["started_at"] is None
    page = world.clients["county_a"].get(f"/counties/{world.A}/plans/{first}")
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page.text and seen[0] in page.text
    go.set()
    assert world.runner.wait(first, WAIT) == "done"
    assert world.runner.wait(second, WAIT) == "done"
    done = api(world, first)
    assert done["status"] == "done" and done["progress"] == "完成 done"
    assert done["finished_at"] >= done["started_at"]
    assert len(seen) >= 3 and any("重新评估" in m for m in seen)  # every message passed on
    page = world.clients["county_a"].get(f"/counties/{world.A}/plans/{first}")
    assert "http-equiv" not in page.text  # no more refreshing once done


def test_the_summary_equals_what_the_stored_files_give(world):
    run = run_row(world, world.P)
    figures = json.loads(run.summary)
    # the moves: rows of the workbook's list in the zipped output (header excluded)
    with zipfile.ZipFile(io.BytesIO(run.files)) as z:
        assert sorted(z.namelist()) == ["rotation-plan.json", "交流轮岗方案.xlsx"]
        book = openpyxl.load_workbook(io.BytesIO(z.read("交流轮岗方案.xlsx")), read_only=True)
        listed = [r for r in book["交流名单"].iter_rows(min_row=2, values_only=True)
                  if any(v is not None for v in r)]
        data = json.loads(z.read("rotation-plan.json"))
    assert json.loads(run.result_json) == data  # the JSON is the CLI's file
    assert figures["moves"] == len(listed) == len(data["moves"]) > 0
    assert figures["teachers"] is None and figures["kind"] == "rotation"
    # before and after: the data evaluated as it is and with the stored moves applied
    dataset = junheng.load(world.paths["big"])
    year = data["school_year"]
    before = junheng.evaluate(dataset, year=year)
    moves = pl.DataFrame(data["moves"]).select("teacher_id", "from_school_id", "to_school_id",
                                               "form")
    after = junheng.evaluate(apply_moves(dataset, moves, year), year=year)
    meets = [ev.schools.get_column("meets_rule").sum() for ev in (before, after)]
    over = [ev.stages.filter(pl.col("cv_met").not_()).height for ev in (before, after)]
    verdicts = [ev.counties.get_column("verdict")[0] for ev in (before, after)]
    assert figures["meeting"] == meets and meets[1] > meets[0]
    assert figures["evaluated"] == before.schools.height
    assert figures["cvs_over"] == over
    assert figures["verdict"] == verdicts
    assert figures["proven"] is data["proven_optimal"] is True
    assert 0 < figures["seconds"] < WAIT
    # the page shows the same figures, before → after
    page = world.clients["county_a"].get(f"/counties/{world.A}/plans/{world.P}").text
    assert f"{meets[0]} → {meets[1]} / {before.schools.height}" in page
    assert f"{over[0]} → {over[1]}" in page


def test_a_recruitment_plan_counts_the_teachers_in_its_workbook(world):
    run_id = start(world, kind="recruitment", snapshot=str(world.snaps["small"]))
    assert world.runner.wait(run_id, WAIT) == "done"
    run = run_row(world, run_id)
    figures = json.loads(run.summary)
    with zipfile.ZipFile(io.BytesIO(run.files)) as z:
        assert sorted(z.namelist()) == ["pass-plan.json", "达标路径方案.xlsx"]
        sheet = openpyxl.load_workbook(io.BytesIO(z.read("达标路径方案.xlsx")),
                                       read_only=True)["整改措施"]
        rows = list(sheet.iter_rows(values_only=True))
    head, body = rows[0], [r for r in rows[1:] if r[0] is not None]
    amount = head.index("数量")
    assert figures["teachers"] == sum(r[amount] for r in body) > 0
    assert figures["actions"] == len(body) and figures["moves"] is None
    before = junheng.evaluate(junheng.load(world.paths["small"]))
    assert figures["meeting"][0] == before.schools.get_column("meets_rule").sum()
    page = world.clients["inspector"].get(f"/counties/{world.A}/plans/{run_id}").text
    assert "整改措施" in page and "教师补充方案" in page


def test_a_recruitment_plan_with_a_school_beyond_its_levers_fails_naming_it(world):
    from junheng.plan.investment import planner as investment

    run_id = start(world, kind="recruitment")  # the 10-school data: one junior school is not
    assert world.runner.wait(run_id, WAIT) == "failed"  # reachable by teachers alone
    error = api(world, run_id)["error"]
    beyond = investment.plan_pass(junheng.load(world.paths["big"]), "quality-2017", None,
                                  levers=investment.RECRUITMENT, time_limit=10).unreachable
    assert beyond.height == 1
    school, why = beyond.row(0, named=True)["school_id"], beyond.row(0, named=True)["why_zh"]
    assert error.startswith("无法制定符合全部规则的方案")
    assert "没有满足全部规则的方案" in error and f"{school}（junior）：{why}" in error


# --- adopt and compare ------------------------------------------------------------------------
def adopted(world) -> set[int]:
    with world.store.session() as s:
        return set(s.scalars(select(PlanRun.id).where(PlanRun.county_id == world.A,
                                                       PlanRun.adopted)))


def test_adopting_one_plan_un_adopts_the_other(world):
    other = start(world, seed="7")
    assert world.runner.wait(other, WAIT) == "done"
    client, csrf = world.clients["county_a"], world.csrf["county_a"]
    answer = client.post(f"/counties/{world.A}/plans/{world.P}/adopt", data={"csrf": csrf})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/counties/{world.A}/plans/{world.P}"
    assert adopted(world) == {world.P}
    answer = client.post(f"/counties/{world.A}/plans/{other}/adopt", data={"csrf": csrf})
    assert answer.status_code == 303
    assert adopted(world) == {other}
    page = client.get(f"/counties/{world.A}/plans").text
    marked = re.findall(r'<tr class="is-adopted">.*?方案 (\d+) ·', page, re.S)
    assert marked == [str(other)] and page.count("已采用 adopted") == 1
    with world.store.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "plan_adopted")
                          .order_by(AuditEntry.id.desc())).first()
        assert entry.target == f"county:{world.A}/plan:{other}"
        assert json.loads(entry.detail)["replaces"] == [world.P]
    client.post(f"/counties/{world.A}/plans/{world.P}/adopt", data={"csrf": csrf})
    assert adopted(world) == {world.P}


def test_only_a_finished_plan_is_adopted(world):
    failed = start(world, snapshot=str(world.snaps["small"]))
    assert world.runner.wait(failed, WAIT) == "failed"
    before = adopted(world)
    answer = world.clients["county_a"].post(f"/counties/{world.A}/plans/{failed}/adopt",
                                            data={"csrf": world.csrf["county_a"]})
    assert answer.status_code == 400 and "只能采用已完成的方案" in answer.text
    assert adopted(world) == before


def test_compare_shows_the_ticked_plans_side_by_side(world):
    other = start(world, seed="3", s_max_share="off")
    assert world.runner.wait(other, WAIT) == "done"
    page = world.clients["inspector"].get(
        f"/counties/{world.A}/plans?compare={world.P}&compare={other}")
    assert page.status_code == 200
    section = page.text.split('id="compare"')[1].split("</section>")[0]
    heads = re.findall(r"<th><a href=\"/counties/\d+/plans/(\d+)\">", section)
    assert heads == [str(world.P), str(other)]
    for run_id, column in ((world.P, 0), (other, 1)):
        figures = json.loads(run_row(world, run_id).summary)
        row = re.search(r"<tr><td>交流人次.*?</tr>", section, re.S).group(0)
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert cells[column] == str(figures["moves"])
        row = re.search(r"<tr><td>学校（学段）达标.*?</tr>", section, re.S).group(0)
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert cells[column] == (f"{figures['meeting'][0]} → {figures['meeting'][1]} / "
                                 f"{figures['evaluated']}")
    # a guessed id or one run alone: no comparison
    alone = world.clients["inspector"].get(f"/counties/{world.A}/plans?compare={world.P}"
                                           "&compare=9999").text
    assert 'id="compare"' not in alone and "请至少勾选两个" in alone


# --- teachers: names for the bureau, pseudonyms for the others --------------------------------
def test_teacher_ids_are_pseudonymised_for_those_who_see_no_names(world):
    data = json.loads(run_row(world, world.P).result_json)
    real = {m["teacher_id"] for m in data["moves"]}
    assert real
    path = f"/counties/{world.A}/plans/{world.P}"
    bureau = world.clients["county_a"].get(path).text
    assert all(f">{t}<" in bureau for t in real)
    for role in ("inspector", "province", "admin"):
        page = world.clients[role].get(path).text
        assert not any(t in page for t in real), role
        shown = set(re.findall(r'<td class="mono">(T-[0-9a-f]{10})</td>', page))
        assert len(shown) == len(real), role  # one pseudonym per teacher
        again = set(re.findall(r'<td class="mono">(T-[0-9a-f]{10})</td>',
                               world.clients[role].get(path).text))
        assert again == shown  # stable across page loads
        assert "教师编号已化名" in page
    # the JSON has no teacher rows at all
    text = world.clients["county_a"].get(f"/api/counties/{world.A}/plans/{world.P}").text
    assert not any(t in text for t in real)


# --- failures ---------------------------------------------------------------------------------
def test_a_plan_no_rule_set_allows_fails_with_the_binding_rule_named(world):
    run_id = start(world, snapshot=str(world.snaps["small"]))
    assert world.runner.wait(run_id, WAIT) == "failed"
    status = api(world, run_id)
    assert status["status"] == "failed" and status["summary"] is None
    assert status["error"].startswith("无法制定符合全部规则的方案 / no plan meets every rule")
    assert "全县交流比例（第11项）" in status["error"] and "item 11" in status["error"]
    page = world.clients["inspector"].get(f"/counties/{world.A}/plans/{run_id}")
    assert page.status_code == 200 and "全县交流比例（第11项）" in page.text
    assert "Traceback" not in page.text and "http-equiv" not in page.text
    assert world.clients["county_a"].get(
        f"/counties/{world.A}/plans/{run_id}/files.zip").status_code == 404


def test_an_unexpected_error_is_a_message_never_a_traceback(world, monkeypatch):
    def broken(*args, **kw):
        raise RuntimeError("internal detail T00000159")

    monkeypatch.setitem(jobs.KINDS, "rotation", replace(jobs.KINDS["rotation"], run=broken))
    run_id = start(world)
    assert world.runner.wait(run_id, WAIT) == "failed"
    error = api(world, run_id)["error"]
    assert error.startswith("方案运行出错") and "the plan failed" in error
    assert "T00000159" not in error and "RuntimeError" not in error


@pytest.mark.parametrize(("form", "words"), [
    # the setting named by its words, never by the profile's key (rotation.share)
    ({"s_share": "2"}, ["设置有误", "每年交流比例（占符合交流条件教师）", "应在 0–1 之间"]),
    ({"s_scope": "province"}, ["设置有误", "交流比例的考核范围"]),
    ({"time_limit": "abc"}, ["求解时限应为秒数"]),
    ({"time_limit": "0"}, ["求解时限应在 1–600 秒之间"]),
    ({"kind": "teleport"}, ["请选择方案类型"]),
])
def test_an_invalid_setting_is_refused_and_nothing_starts(world, form, words):
    before = count_runs(world)
    data = {"csrf": world.csrf["county_a"], "kind": "rotation", "time_limit": "10", **form}
    answer = world.clients["county_a"].post(f"/counties/{world.A}/plans", data=data)
    assert answer.status_code == 400
    for word in words:
        assert word in answer.text, word
    problems = answer.text.split("设置有误")[-1]
    assert "rotation.share" not in problems and "rotation.scope" not in problems
    assert count_runs(world) == before


def test_a_county_without_data_is_refused_in_chinese(world):
    before = count_runs(world)
    answer = world.clients["county_b"].post(
        f"/counties/{world.B}/plans", data={"csrf": world.csrf["county_b"], "kind": "rotation"})
    assert answer.status_code == 400 and "本县还没有数据，无法制定方案" in answer.text
    assert count_runs(world) == before
    page = world.clients["county_b"].get(f"/counties/{world.B}/plans").text
    assert "本县还没有数据" in page and 'name="kind"' not in page


def test_a_snapshot_of_another_county_is_not_found(world):
    before = count_runs(world)
    with world.store.session() as s:
        content = world.paths["small"].read_bytes()
        snap = Snapshot(county_id=world.B, school_year=2025, filename="b.xlsx", content=content,
                        sha256=hashlib.sha256(content).hexdigest())
        s.add(snap)
        s.commit()
        other = snap.id
    try:
        answer = world.clients["county_a"].post(
            f"/counties/{world.A}/plans",
            data={"csrf": world.csrf["county_a"], "kind": "rotation", "snapshot": str(other)})
        assert answer.status_code == 404
        assert count_runs(world) == before
    finally:
        with world.store.session() as s:
            s.delete(s.get(Snapshot, other))
            s.commit()


def test_runs_left_unfinished_by_a_previous_process_are_marked_failed(tmp_path):
    store = open_store(folder=tmp_path / "db")
    content = b"not read"
    with store.session() as s:
        county = County(name="丙县", region="丙市")
        s.add(county)
        s.flush()
        snap = Snapshot(county_id=county.id, school_year=2025, filename="c.xlsx",
                        content=content, sha256=hashlib.sha256(content).hexdigest())
        s.add(snap)
        s.flush()
        runs = [PlanRun(county_id=county.id, snapshot_id=snap.id, kind="rotation",
                        status=status, started_at=utcnow() if status != "queued" else None)
                for status in ("queued", "running", "done", "failed")]
        s.add_all(runs)
        s.commit()
        ids = [r.id for r in runs]
    create_app(store)  # install(): the new process's runner looks at what was left
    with store.session() as s:
        left = {r.id: r for r in s.scalars(select(PlanRun))}
    for run_id in ids[:2]:
        assert left[run_id].status == "failed"
        assert left[run_id].error == "服务重启，任务中断 / interrupted by a restart"
        assert left[run_id].finished_at is not None
    assert left[ids[2]].status == "done" and left[ids[2]].error is None
    assert left[ids[3]].status == "failed" and left[ids[3]].error is None


# --- audit ------------------------------------------------------------------------------------
def test_a_started_plan_is_audited_without_teachers(world):
    with world.store.session() as s:
        entry = s.scalar(select(AuditEntry).where(
            AuditEntry.action == "plan_started",
            AuditEntry.target == f"county:{world.A}/plan:{world.P}"))
    detail = json.loads(entry.detail)
    assert detail["kind"] == "rotation" and detail["snapshot"] == world.snaps["big"]
    assert detail["time_limit"] == 10 and detail["settings"] == {}
    data = json.loads(run_row(world, world.P).result_json)
    assert not any(m["teacher_id"] in entry.detail for m in data["moves"])


# --- every route × every role -----------------------------------------------------------------
OK, BAD, LOGIN, UNAUTH, FORBID, NF = ((200, None), (400, None), (303, "/login"), (401, None),
                                      (403, None), (404, None))
RUN = (303, "run")  # to the new run's page
TO_P = (303, "/counties/{A}/plans/{P}")

ACCESS = [
    #  method  path                                   anon    admin   province county_a school inspector county_b
    ("GET", "/counties/{A}/plans",                    LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    ("GET", "/counties/{B}/plans",                    LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    ("GET", "/counties/9999/plans",                   LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    ("POST", "/counties/{A}/plans",                   LOGIN,  FORBID, FORBID, RUN,    NF,     FORBID, NF),
    ("POST", "/counties/{B}/plans",                   LOGIN,  FORBID, NF,     NF,     NF,     NF,     BAD),
    ("POST", "/counties/9999/plans",                  LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    ("GET", "/counties/{A}/plans/{P}",                LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    ("GET", "/counties/{B}/plans/{P}",                LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    ("GET", "/counties/{A}/plans/9999",               LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    ("GET", "/counties/9999/plans/{P}",               LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    ("GET", "/api/counties/{A}/plans/{P}",            UNAUTH, OK,     OK,     OK,     NF,     OK,     NF),
    ("GET", "/api/counties/{B}/plans/{P}",            UNAUTH, NF,     NF,     NF,     NF,     NF,     NF),
    ("GET", "/api/counties/{A}/plans/9999",           UNAUTH, NF,     NF,     NF,     NF,     NF,     NF),
    ("GET", "/counties/{A}/plans/{P}/files.zip",      LOGIN,  FORBID, FORBID, OK,     NF,     FORBID, NF),
    ("GET", "/counties/{B}/plans/{P}/files.zip",      LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    ("GET", "/counties/{A}/plans/9999/files.zip",     LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    ("POST", "/counties/{A}/plans/{P}/adopt",         LOGIN,  FORBID, FORBID, TO_P,   NF,     FORBID, NF),
    ("POST", "/counties/{B}/plans/{P}/adopt",         LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    ("POST", "/counties/{A}/plans/9999/adopt",        LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
]  # fmt: skip
CASES = [(r[0], r[1], role, outcome) for r in ACCESS
         for role, outcome in zip(ROLES, r[2:], strict=True)]


@pytest.mark.parametrize(("method", "path", "role", "outcome"), CASES,
                         ids=[f"{c[2]}:{c[0]}:{c[1]}" for c in CASES])
def test_route_by_role(world, method, path, role, outcome):
    ids = {"A": world.A, "B": world.B, "P": world.P}
    url = path.format(**ids)
    client = world.clients[role]
    before_runs = count_runs(world)
    if method == "GET":
        answer = client.get(url)
    else:
        data = {"kind": "rotation", "time_limit": "10"}
        if role != "anon":
            data["csrf"] = world.csrf[role]
        answer = client.post(url, data=data)
    status, location = outcome
    assert answer.status_code == status, (role, method, url, answer.text[:300])
    if location == "run":
        new = re.fullmatch(rf"/counties/{world.A}/plans/(\d+)", answer.headers["location"])
        assert new and count_runs(world) == before_runs + 1
        assert world.runner.wait(int(new.group(1)), WAIT) == "done"
    else:
        assert count_runs(world) == before_runs
        if location is not None:
            assert answer.headers["location"] == location.format(**ids)
    if url.startswith("/api/") and status != 200:
        assert answer.headers["content-type"].startswith("application/json")
    if status == 200 and url.endswith("files.zip"):
        assert answer.headers["content-type"] == "application/zip"
        with zipfile.ZipFile(io.BytesIO(answer.content)) as z:
            assert "rotation-plan.json" in z.namelist()
    if status == 403:
        assert "只有本县教育局" in answer.text
    assert "Traceback" not in answer.text


def test_every_plans_route_has_rows(world):
    routes = {(m, r.path) for r in plans.router.routes for m in r.methods}
    assert routes == {
        ("GET", "/counties/{county_id}/plans"), ("POST", "/counties/{county_id}/plans"),
        ("GET", "/counties/{county_id}/plans/{plan_id}"),
        ("GET", "/api/counties/{county_id}/plans/{plan_id}"),
        ("GET", "/counties/{county_id}/plans/{plan_id}/files.zip"),
        ("POST", "/counties/{county_id}/plans/{plan_id}/adopt")}
    tabled = {(m, re.sub(r"\{A\}|\{B\}|9999", "{county_id}", p, count=1)
               .replace("{P}", "{plan_id}").replace("9999", "{plan_id}")) for m, p, *_ in ACCESS}
    assert tabled == routes


# --- CSRF ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("token", ["missing", "wrong", "another session's"])
@pytest.mark.parametrize("what", ["start", "adopt"])
def test_a_post_without_its_csrf_token_is_refused(world, token, what):
    csrf = {"missing": None, "wrong": "x" * 43,
            "another session's": world.csrf["inspector"]}[token]
    data = {"kind": "rotation"} | ({} if csrf is None else {"csrf": csrf})
    path = (f"/counties/{world.A}/plans" if what == "start"
            else f"/counties/{world.A}/plans/{world.P}/adopt")
    runs, chosen = count_runs(world), adopted(world)
    with world.store.session() as s:
        audited = s.scalar(select(func.count()).select_from(AuditEntry))
    answer = world.clients["county_a"].post(path, data=data)
    assert answer.status_code == 403 and "表单已过期" in answer.text
    assert count_runs(world) == runs and adopted(world) == chosen
    with world.store.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audited


def test_a_plan_of_another_kind_stays_adopted(world):
    """Adopting a recruitment plan leaves the adopted rotation plan adopted: they complement
    each other; one adopted plan per kind."""
    client, csrf = world.clients["county_a"], world.csrf["county_a"]
    client.post(f"/counties/{world.A}/plans/{world.P}/adopt", data={"csrf": csrf})
    with world.store.session() as s:
        base = s.get(PlanRun, world.P)
        other = PlanRun(county_id=world.A, snapshot_id=base.snapshot_id, kind="recruitment",
                        status="done", params="{}", result_json='{"actions": []}')
        s.add(other)
        s.commit()
        other_id = other.id
    answer = client.post(f"/counties/{world.A}/plans/{other_id}/adopt", data={"csrf": csrf})
    assert answer.status_code == 303
    assert {world.P, other_id} <= adopted(world)
    with world.store.session() as s:
        kinds = [k for k in s.scalars(select(PlanRun.kind).where(
            PlanRun.county_id == world.A, PlanRun.adopted))]
    assert sorted(kinds) == ["recruitment", "rotation"]


# --- the path-to-pass kinds: investment, pass, recruitment with prices -------------------------
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def post_priced(world, kind: str, role: str = "county_a", prices: str | None = "prices",
                **form):
    """POST a path-to-pass run with a price table file (multipart); the answer."""
    data = {"csrf": world.csrf.get(role, ""), "kind": kind, "time_limit": "10", **form}
    files = {} if prices is None else {
        "prices": (world.paths[prices].name, world.paths[prices].read_bytes(), XLSX)}
    return world.clients[role].post(f"/counties/{world.A}/plans", data=data, files=files)


def start_priced(world, kind: str, **form) -> int:
    answer = post_priced(world, kind, **form)
    assert answer.status_code == 303, answer.text[:800]
    run_id = int(answer.headers["location"].rsplit("/", 1)[1])
    assert world.runner.wait(run_id, WAIT) == "done", api(world, run_id)["error"]
    return run_id


@pytest.fixture(scope="module")
def priced(world):
    """An investment run phased over two years and a pass run, with the demo prices."""
    return SimpleNamespace(investment=start_priced(world, "investment", years="2"),
                           passed=start_priced(world, "pass"))


def stored(world, run_id: int) -> tuple[dict, dict, list[dict], dict]:
    """(summary, the zip's pass-plan.json, the 整改措施 rows by header, the zip's files)."""
    run = run_row(world, run_id)
    with zipfile.ZipFile(io.BytesIO(run.files)) as z:
        files = {n: z.read(n) for n in z.namelist()}
    book = openpyxl.load_workbook(io.BytesIO(files["达标路径方案.xlsx"]), read_only=True)
    rows = list(book["整改措施"].iter_rows(values_only=True))
    sheet = [dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] is not None]
    data = json.loads(files["pass-plan.json"])
    assert json.loads(run.result_json) == data  # the run's JSON is the CLI's file
    return json.loads(run.summary), data, sheet, files


def meeting(ev) -> int:
    return int(ev.schools.get_column("meets_rule").sum())


def test_an_investment_plan_costs_its_workbook_and_meets_what_its_actions_give(world, priced):
    figures, data, sheet, files = stored(world, priced.investment)
    assert sorted(files) == ["pass-plan.json", "达标路径方案.xlsx"]
    assert figures["kind"] == "investment" and figures["priced"] is True
    # the cost: the sum of the workbook's 费用（万元） column, read independently
    assert sheet and figures["cost_wan"] == pytest.approx(sum(r["费用（万元）"] for r in sheet))
    assert figures["actions"] == len(sheet) == len(data["actions"])
    assert figures["teachers"] == 0 and figures["moves"] is None
    assert figures["naive_cost_wan"] is None or figures["naive_cost_wan"] >= figures["cost_wan"]
    # before → after: the data as it is and with the stored actions applied, evaluated here
    dataset = junheng.load(world.paths["big"])
    before = junheng.evaluate(dataset, year=data["school_year"])
    actions = pl.DataFrame(data["actions"], schema=ACTION_COLUMNS)
    after = junheng.evaluate(apply_actions(dataset, actions, before), year=data["school_year"])
    assert figures["meeting"] == [meeting(before), meeting(after)]
    assert figures["resources"] == [before.counties["resources_verdict"][0],
                                    after.counties["resources_verdict"][0]]
    # phased over two years: each year's figures as the workbook's 分年度 sheet has them
    assert figures["years"] == 2 and [y["year"] for y in figures["by_year"]] == [1, 2]
    years = list(openpyxl.load_workbook(io.BytesIO(files["达标路径方案.xlsx"]), read_only=True)[
        "分年度"].iter_rows(min_row=2, values_only=True))
    assert [round(y["cost"], 4) for y in figures["by_year"]] == [round(r[2], 4) for r in years]
    assert figures["by_year"][-1]["meeting"] == meeting(after)
    assert sum(y["cost"] for y in figures["by_year"]) == pytest.approx(figures["cost_wan"])
    # the sample's schools beyond these levers: a plan all the same, done, and named
    assert figures["unreachable"] == len(data["unreachable"]) > 0
    page = world.clients["county_a"].get(f"/counties/{world.A}/plans/{priced.investment}").text
    assert "整改措施" in page and "分年度实施" in page and 'id="unreachable"' in page
    names = dict(dataset.schools.select("school_id", "name").iter_rows())
    for u in data["unreachable"]:
        assert names[u["school_id"]] in page.split('id="unreachable"')[1]
        assert u["why_zh"] in page
    table = page.split("整改措施 <small>")[1].split("</table>")[0]
    assert table.count("<tr>") == len(sheet) + 1  # the header, then one row per action
    assert f"{figures['cost_wan']:,.2f}" in page  # the figures: 费用（万元）


def test_a_pass_plan_rotates_first_then_costs_its_workbook(world, priced):
    figures, data, sheet, files = stored(world, priced.passed)
    assert sorted(files) == ["pass-plan.json", "rotation-plan.json", "交流轮岗方案.xlsx",
                             "达标路径方案.xlsx"]
    assert figures["cost_wan"] == pytest.approx(sum(r["费用（万元）"] for r in sheet))
    assert figures["cost_wan"] > 0
    rotation = json.loads(files["rotation-plan.json"])
    assert figures["moves"] == len(rotation["moves"]) > 0
    assert data["warnings"][0]["zh"].startswith(f"已先安排交流轮岗 {figures['moves']} 人次")
    # before: the data as it is; after: the moves, then the actions, applied and evaluated
    dataset = junheng.load(world.paths["big"])
    year = data["school_year"]
    before = junheng.evaluate(dataset, year=year)
    moves = pl.DataFrame(rotation["moves"]).select("teacher_id", "from_school_id",
                                                   "to_school_id", "form")
    rotated = apply_moves(dataset, moves, year)
    actions = pl.DataFrame(data["actions"], schema=ACTION_COLUMNS)
    after = junheng.evaluate(apply_actions(rotated, actions, junheng.evaluate(rotated, year=year)),
                             year=year)
    assert figures["meeting"] == [meeting(before), meeting(after)]
    assert figures["meeting"][1] == data["counties"][0]["schools_meeting_rule_after"]
    assert figures["teachers"] == sum(a["amount"] for a in data["actions"] if a["kind"] in (
        "hire_qualified", "hire_pe_art", "appoint_backbone"))
    assert figures["years"] == 1 and figures["by_year"] is None
    # the moves name teachers: pseudonyms for those who see no names
    real = {m["teacher_id"] for m in rotation["moves"]}
    path = f"/counties/{world.A}/plans/{priced.passed}"
    assert all(f">{t}<" in world.clients["county_a"].get(path).text for t in real)
    page = world.clients["inspector"].get(path).text
    assert not any(t in page for t in real) and "教师编号已化名" in page
    assert "达标路径方案" in page and "整改措施" in page and "分年度实施" not in page


def test_the_price_table_is_kept_with_the_run_and_never_shown(world, priced):
    content = world.paths["prices"].read_bytes()
    params = json.loads(run_row(world, priced.passed).params)
    assert base64.b64decode(params["prices_xlsx_b64"]) == content
    assert params["prices_sha256"] == hashlib.sha256(content).hexdigest()
    assert params["prices_filename"] == "单价.xlsx" and params["years"] == 1
    piece = params["prices_xlsx_b64"][100:140]
    shown = [world.clients[r].get(f"/counties/{world.A}/plans/{priced.passed}").text
             for r in ("county_a", "inspector")]
    shown.append(world.clients["county_a"].get(
        f"/api/counties/{world.A}/plans/{priced.passed}").text)
    shown.append(world.clients["county_a"].get(
        f"/counties/{world.A}/plans?compare={priced.passed}&compare={priced.investment}").text)
    shown.append(run_row(world, priced.passed).summary)
    with world.store.session() as s:
        shown.append(s.scalar(select(AuditEntry.detail).where(
            AuditEntry.action == "plan_started",
            AuditEntry.target == f"county:{world.A}/plan:{priced.passed}")))
    for text in shown:
        assert piece not in text
    assert params["prices_sha256"] in shown[2] and "单价.xlsx" in shown[0]


def test_plans_of_the_priced_kinds_compare_with_their_cost(world, priced):
    page = world.clients["inspector"].get(
        f"/counties/{world.A}/plans?compare={world.P}&compare={priced.investment}"
        f"&compare={priced.passed}").text
    section = page.split('id="compare"')[1].split("</section>")[0]
    row = re.search(r"<tr><td>费用（万元）.*?</tr>", section, re.S).group(0)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    costs = [json.loads(run_row(world, i).summary)["cost_wan"]
             for i in (priced.investment, priced.passed)]
    assert cells == ["—", *(f"{c:,.2f}" for c in costs)]
    row = re.search(r"<tr><td>分年度.*?</tr>", section, re.S).group(0)
    assert "第 2 年" in row and "一次实施" in row


def test_a_recruitment_plan_with_prices_is_priced(world):
    run_id = start_priced(world, "recruitment", snapshot=str(world.snaps["small"]))
    figures, data, sheet, _ = stored(world, run_id)
    assert data["priced"] is True and figures["priced"] is True
    assert figures["cost_wan"] == pytest.approx(sum(r["费用（万元）"] for r in sheet))
    assert figures["cost_wan"] > 0 and figures["teachers"] == sum(r["数量"] for r in sheet)


@pytest.mark.parametrize(("kind", "prices", "form", "words"), [
    ("investment", "bad", {}, ["单价表有 1 处问题，未开始", "<td>单价</td>", '<td class="num">4</td>',
                               "单价 unit_cost", "<td>-300</td>", "0 到 100,000,000,000"]),
    ("investment", None, {}, ["请选择单价表文件"]),
    ("pass", "big", {}, ["缺少工作表「单价」"]),  # the county workbook chosen by mistake
    ("recruitment", None, {"budget_wan": "100"}, ["请选择单价表文件"]),
    ("investment", "prices", {"budget_wan": "-1"}, ["预算应在 0–"]),
    ("investment", "prices", {"years": "21"}, ["分年实施应为 1–20 年"]),
    ("investment", "prices", {"years": "two"}, ["分年与工资计算年数应为整数"]),
])
def test_a_bad_price_table_or_setting_is_refused_located_and_nothing_starts(
        world, kind, prices, form, words):
    before = count_runs(world)
    answer = post_priced(world, kind, prices=prices, **form)
    assert answer.status_code == 400, answer.text[:300]
    for word in words:
        assert word in answer.text, word
    assert count_runs(world) == before and "Traceback" not in answer.text


def test_each_kind_has_its_own_adopted_plan(world, priced):
    client, csrf = world.clients["county_a"], world.csrf["county_a"]
    client.post(f"/counties/{world.A}/plans/{world.P}/adopt", data={"csrf": csrf})
    for run_id in (priced.investment, priced.passed):
        answer = client.post(f"/counties/{world.A}/plans/{run_id}/adopt", data={"csrf": csrf})
        assert answer.status_code == 303
    assert {world.P, priced.investment, priced.passed} <= adopted(world)
    other = start_priced(world, "investment", budget_wan="50")  # within a budget
    figures = json.loads(run_row(world, other).summary)
    assert figures["budget_wan"] == 50 and figures["cost_wan"] <= 50 + 1e-6
    assert figures["shortfall_wan"] > 0
    client.post(f"/counties/{world.A}/plans/{other}/adopt", data={"csrf": csrf})
    chosen = adopted(world)
    assert other in chosen and priced.investment not in chosen
    assert {world.P, priced.passed} <= chosen
    with world.store.session() as s:
        kinds = list(s.scalars(select(PlanRun.kind).where(PlanRun.county_id == world.A,
                                                          PlanRun.adopted)))
    assert len(kinds) == len(set(kinds))


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 403), ("province", 403), ("inspector", 403), ("school", 404), ("county_b", 404),
    ("anon", 303)])
def test_only_the_bureau_starts_a_priced_plan(world, role, status):
    before = count_runs(world)
    answer = post_priced(world, "pass", role=role)
    assert answer.status_code == status
    assert count_runs(world) == before
    page = world.clients[role].get(f"/counties/{world.A}/plans")
    assert 'name="prices"' not in page.text
