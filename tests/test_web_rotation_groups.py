"""Rotation within school groups in the web application (issue 17): the plans page has no
``--groups FILE``, so a rotation with scope "group" takes the data version's own 集团 table,
else the school-groups plan adopted for the school year — or says, on the form, before any run,
that it needs one. Through the real app, users signed in through the real form.

The world: county A with the 16-school sample (its workbook's 集团 sheet is there but empty);
a second version of A's data whose 集团 sheet holds the adopted plan's groups renamed (D1 …),
so a run says by its moves which table it planned within. Which schools lead and which are
members is read here from the groups plan's workbook and the data's sheet with openpyxl, never
from the code under test.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import re
import zipfile
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import func, select

import junheng
from junheng.store import County, PlanRun, Snapshot, create_user, open_store
from junheng.web import create_app
from web_world import PASSWORD, session_csrf, sign_in

WAIT = 90
NEED_ZH = "按集团内交流需要集团：请先采用一个集团化办学方案，或在县域数据中加入「集团」表"
NEED_EN = ("rotation within groups needs groups: adopt a school-groups plan first, or add a "
           "集团 table to the county data")


def post_plan(world, kind: str, **form):
    data = {"csrf": world.csrf, "kind": kind, "time_limit": "20", **form}
    return world.client.post(f"/counties/{world.A}/plans", data=data)


def start(world, kind: str, **form) -> int:
    answer = post_plan(world, kind, **form)
    assert answer.status_code == 303, answer.text.split("<main>")[-1][:1500]
    run_id = int(re.fullmatch(rf"/counties/{world.A}/plans/(\d+)",
                              answer.headers["location"]).group(1))
    assert world.runner.wait(run_id, WAIT) == "done", run_error(world, run_id)
    return run_id


def run_error(world, run_id: int) -> str | None:
    with world.store.session() as s:
        return s.get(PlanRun, run_id).error


def count_runs(world) -> int:
    with world.store.session() as s:
        return s.scalar(select(func.count()).select_from(PlanRun))


def run_files(world, run_id: int) -> dict[str, bytes]:
    with world.store.session() as s:
        content = s.get(PlanRun, run_id).files
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return {n: z.read(n) for n in z.namelist()}


def membership(book: openpyxl.Workbook) -> dict[str, tuple[str, set[str]]]:
    """A 集团 sheet (heads, keys, rows) as group → (leader, members)."""
    rows = list(book["集团"].iter_rows(min_row=3, values_only=True))
    out: dict[str, tuple[str | None, set[str]]] = {}
    for gid, school, role, *_ in rows:
        if not gid:
            continue
        leader, members = out.get(gid, (None, set()))
        if role == "牵头学校":
            leader = school
        else:
            members.add(school)
        out[gid] = (leader, members)
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-rotation-groups")
    path = junheng.write_sample(folder / "a16.xlsx", schools=16, seed=1)
    (name,) = set(junheng.load(path).schools["county"].to_list())
    store = open_store(folder=folder / "db")
    with store.session() as s:
        a = County(name=name, region="甲市")
        s.add(a)
        s.flush()
        content = path.read_bytes()
        snap = Snapshot(county_id=a.id, school_year=2025, filename=path.name, content=content,
                        sha256=hashlib.sha256(content).hexdigest())
        s.add(snap)
        create_user(s, "bureau_a", PASSWORD, "county", must_change_password=False,
                    county_id=a.id)
        s.commit()
        a_id, first = a.id, snap.id
    app = create_app(store)
    client = sign_in(app, "bureau_a")
    csrf = session_csrf(client)
    return SimpleNamespace(app=app, store=store, client=client, csrf=csrf, A=a_id,
                           first=first, path=path, folder=folder,
                           runner=app.state.web.extensions["plans"])


def test_without_groups_the_form_says_so_and_starts_nothing(world):
    assert junheng.load(world.path).groups is None  # the sample's 集团 sheet has no row
    before = count_runs(world)
    answer = post_plan(world, "rotation", s_scope="group")
    assert answer.status_code == 400
    text = html.unescape(answer.text)
    assert NEED_ZH in text and NEED_EN in text
    assert "数据有误" not in text and "--groups" not in text and "--scope" not in text
    assert count_runs(world) == before


def test_the_adopted_groups_plan_is_what_rotation_plans_within(world):
    groups_run = start(world, "groups")
    answer = world.client.post(f"/counties/{world.A}/plans/{groups_run}/adopt",
                               data={"csrf": world.csrf})
    assert answer.status_code == 303
    book = openpyxl.load_workbook(io.BytesIO(run_files(world, groups_run)["集团化办学方案.xlsx"]))
    groups = membership(book)
    assert groups  # the sample county forms groups
    run_id = start(world, "rotation", s_scope="group")
    with world.store.session() as s:
        run = s.get(PlanRun, run_id)
        params, data = json.loads(run.params), json.loads(run.result_json)
    assert params["groups_from"] == f"plan:{groups_run}"
    assert data["moves"]
    for m in data["moves"]:  # every exchange between a leader and its own member
        leader, members = groups[m["school_group"]]
        pair = (m["from_school_id"], m["to_school_id"])
        assert pair in ((leader, s) for s in members) or pair in ((s, leader) for s in members)
    assert {g["school_group"] for g in data["school_groups"]} == set(groups)
    page = html.unescape(world.client.get(f"/counties/{world.A}/plans/{run_id}").text)
    assert f"已采用的集团化办学方案 {groups_run} 的集团" in page


def test_the_data_versions_own_groups_come_first(world):
    """A second version of the data whose 集团 sheet holds the adopted plan's groups as D1, D2
    …: the run plans within those, though a groups plan is adopted."""
    groups_run = max(_runs(world, "groups"))
    plan_book = openpyxl.load_workbook(
        io.BytesIO(run_files(world, groups_run)["集团化办学方案.xlsx"]))
    renamed = {gid: f"D{i}" for i, gid in enumerate(sorted(membership(plan_book)), 1)}
    book = openpyxl.load_workbook(world.path)
    sheet = book["集团"]
    for gid, school, role, kind, _ in plan_book["集团"].iter_rows(min_row=3, values_only=True):
        sheet.append([renamed[gid], school, role, kind, f"数据集团{renamed[gid]}"])
    path = world.folder / "a16-groups.xlsx"
    book.save(path)
    content = path.read_bytes()
    with world.store.session() as s:
        snap = Snapshot(county_id=world.A, school_year=2025, filename=path.name,
                        content=content, sha256=hashlib.sha256(content).hexdigest())
        s.add(snap)
        s.commit()
        snap_id = snap.id
    run_id = start(world, "rotation", s_scope="group", snapshot=str(snap_id))
    with world.store.session() as s:
        run = s.get(PlanRun, run_id)
        params, data = json.loads(run.params), json.loads(run.result_json)
    assert params["groups_from"] == "data"
    assert data["moves"] and {m["school_group"] for m in data["moves"]} <= set(renamed.values())
    names = {g["school_group"]: g["group_name"] for g in data["school_groups"]}
    assert names == {d: f"数据集团{d}" for d in renamed.values()}


def _runs(world, kind: str) -> list[int]:
    with world.store.session() as s:
        return list(s.scalars(select(PlanRun.id).where(PlanRun.kind == kind,
                                                       PlanRun.status == "done")))
