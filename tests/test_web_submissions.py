"""Data collection through the real application (issue 16): schools submit their own rows,
the bureau reviews (通过 / 退回 with a reason) and assembles the county's school year.

Expected values are written by hand from the sample workbook read independently with
``junheng.load`` (never through ``assemble``); the workbooks a school uploads are edited with
openpyxl, as a person edits them in Excel.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import junheng
from junheng.store import (
    AuditEntry,
    County,
    Snapshot,
    Submission,
    create_user,
    open_store,
)
from junheng.web import create_app

PASSWORD = "correct-horse-battery"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROLES = ("anon", "admin", "province", "county_a", "school", "school2", "inspector", "county_b")


# --- the world -------------------------------------------------------------------------------
def renamed(source: Path, target: Path, old: str, new: str) -> Path:
    book = openpyxl.load_workbook(source)
    for sheet in book.worksheets[1:]:
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.value == old:
                    cell.value = new
    book.save(target)
    return target


def sign_in(app, username: str) -> tuple[TestClient, str]:
    client = TestClient(app, follow_redirects=False)
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf": token})
    assert answer.status_code == 303, username
    page = client.get("/password")
    return client, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-submissions")
    sample = junheng.write_sample(folder / "a.xlsx", schools=8, seed=1)
    data = junheng.load(sample)
    ids = sorted(data.schools["school_id"].to_list())
    (a_name,) = set(data.schools["county"].to_list())
    sample_b = renamed(sample, folder / "b.xlsx", a_name, "乙县")
    store = open_store(folder=folder / "db")
    with store.session() as s:
        a, b = County(name=a_name, region="甲市"), County(name="乙县", region="乙市")
        s.add_all([a, b])
        s.flush()
        for county, path in ((a, sample), (b, sample_b)):
            content = path.read_bytes()
            s.add(Snapshot(county_id=county.id, school_year=2025, filename=path.name,
                           content=content, sha256=hashlib.sha256(content).hexdigest()))
        scopes = {"admin": ("admin", {}), "province": ("province", {"region": "甲市"}),
                  "county_a": ("county", {"county_id": a.id}),
                  "school": ("school", {"county_id": a.id, "school_id": ids[1]}),
                  "school2": ("school", {"county_id": a.id, "school_id": ids[2]}),
                  "inspector": ("inspector", {"county_id": a.id}),
                  "county_b": ("county", {"county_id": b.id})}
        for name, (role, scope) in scopes.items():
            create_user(s, name, PASSWORD, role, must_change_password=False, **scope)
        s.commit()
        a_id, b_id = a.id, b.id
    app = create_app(store)
    clients, csrf = {"anon": TestClient(app, follow_redirects=False)}, {"anon": None}
    for role in ROLES[1:]:
        clients[role], csrf[role] = sign_in(app, role)
    return SimpleNamespace(app=app, store=store, clients=clients, csrf=csrf, data=data,
                           A=a_id, B=b_id, S=ids[1], S2=ids[2], T=ids[6], ids=ids,
                           sample=sample.read_bytes(), a_name=a_name)


def counts(store) -> dict[str, int]:
    with store.session() as s:
        return {"submissions": s.scalar(select(func.count()).select_from(Submission)),
                "snapshots": s.scalar(select(func.count()).select_from(Snapshot)),
                "reviewed": s.scalar(select(func.count()).select_from(Submission).where(
                    Submission.status != "submitted"))}


def prefilled(world, role: str, school_id: str) -> bytes:
    answer = world.clients[role].get(f"/counties/{world.A}/schools/{school_id}/submission.xlsx")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-type"] == XLSX
    return answer.content


def edited(content: bytes, sheet: str, code: str, value, row: int = 3) -> bytes:
    """The workbook with one cell changed: ``sheet``'s column whose code (row 2) is ``code``."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book[sheet]
    column = next(c.column for c in ws[2] if c.value == code)
    ws.cell(row=row, column=column, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(world, role: str, school_id: str, content: bytes, name: str = "本校.xlsx",
           csrf: str | None = "own", county: int | None = None):
    token = world.csrf[role] if csrf == "own" else csrf
    data = {} if token is None else {"csrf": token, "school_year": "2025"}
    return world.clients[role].post(
        f"/counties/{county or world.A}/schools/{school_id}/submission", data=data,
        files={"file": (name, content, XLSX)})


def post(world, role: str, path: str, csrf: str | None = "own", **fields):
    token = world.csrf[role] if csrf == "own" else csrf
    data = dict(fields) if token is None else {"csrf": token, **fields}
    return world.clients[role].post(path, data=data)


def rows_of(table: pl.DataFrame, school_id: str) -> pl.DataFrame:
    return table.filter(pl.col("school_id") == school_id)


def latest_submission(world, school_id: str) -> Submission:
    with world.store.session() as s:
        return s.scalar(select(Submission).where(Submission.school_id == school_id)
                        .order_by(Submission.id.desc()).limit(1))


def sorted_frame(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return frame.sort(keys)


# --- the journey -----------------------------------------------------------------------------
def test_two_schools_submit_the_bureau_reviews_and_assembles(world):
    S, S2, T, A = world.S, world.S2, world.T, world.A
    base = world.data

    # the school's own page: its prefilled workbook holds its rows only
    page = world.clients["school"].get(f"/counties/{A}/schools/{S}/submission")
    assert page.status_code == 200
    assert f'action="/counties/{A}/schools/{S}/submission"' in page.text
    mine = prefilled(world, "school", S)
    folder = Path("build/test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "web-submissions-prefilled.xlsx").write_bytes(mine)
    part = junheng.load(folder / "web-submissions-prefilled.xlsx")
    assert part.schools["school_id"].to_list() == [S]
    assert part.stages.equals(rows_of(base.stages, S))
    assert part.teachers.equals(rows_of(base.teachers, S))
    assert part.rooms.equals(rows_of(base.rooms, S))
    assert part.county is None and part.rotations is None and part.births is None

    # an error: a negative number of pupils, located in Chinese first; nothing stored
    assert base.stages.filter(pl.col("school_id") == S).height == 1  # row 3 is S's one stage
    before = counts(world.store)
    bad = upload(world, "school", S, edited(mine, "学段", "students", -5))
    assert bad.status_code == 400
    assert "数据有 1 处问题，未保存" in bad.text
    assert "学段 · 第3行 row 3 · 在校生数" in bad.text
    assert "<td>-5</td>" in bad.text
    assert counts(world.store) == before

    # corrected: 777 pupils
    ok = upload(world, "school", S, edited(mine, "学段", "students", 777))
    assert ok.status_code == 303
    assert ok.headers["location"] == f"/counties/{A}/schools/{S}/submission"
    first = latest_submission(world, S)
    assert (first.status, first.school_year, first.county_id) == ("submitted", 2025, A)
    summary = json.loads(first.summary)
    assert summary["rows"] == {"schools": 1, "stages": 1,
                               "teachers": rows_of(base.teachers, S).height,
                               "rooms": rows_of(base.rooms, S).height}

    # the second school sends the whole county's workbook: another school's rows, located
    before = counts(world.store)
    wrong = upload(world, "school2", S2, world.sample, name="全县.xlsx")
    assert wrong.status_code == 400
    assert f"应只含本校（{S2}）一所学校，实有 8 所" in wrong.text
    assert "县级表由教育局填报" in wrong.text
    for other in (world.ids[0], world.ids[3]):
        assert f"<td>{other}</td>" in wrong.text  # named in the stages/teachers problems
    assert counts(world.store) == before
    # then its own workbook, with 25 classes
    ok = upload(world, "school2", S2, edited(prefilled(world, "school2", S2), "学段", "classes",
                                             25))
    assert ok.status_code == 303
    # the bureau submits for a teaching point whose central school is another school
    teaching_point = prefilled(world, "county_a", T)
    assert rows_of(base.schools, T)["parent_school_id"].to_list() == [world.ids[1]]
    assert upload(world, "county_a", T, teaching_point).status_code == 303

    # nothing approved yet: assembling is refused, nothing stored
    before = counts(world.store)
    none = post(world, "county_a", f"/counties/{A}/submissions/assemble", school_year="2025")
    assert none.status_code == 400 and "还没有已通过的学校填报" in none.text
    assert counts(world.store) == before

    # the bureau's list: three awaiting review
    listed = world.clients["county_a"].get(f"/counties/{A}/submissions")
    assert listed.status_code == 200
    assert listed.text.count('class="status submitted"') == 3
    assert "已通过 <strong>0</strong> / 8 所学校" in listed.text

    s1, s2, st = (latest_submission(world, x).id for x in (S, S2, T))
    review = f"/counties/{A}/submissions/{{}}/review"
    # returning needs a reason
    before = counts(world.store)
    no_reason = post(world, "county_a", review.format(s1), decision="return", reason="  ")
    assert no_reason.status_code == 400 and "退回时请填写原因" in no_reason.text
    assert post(world, "county_a", review.format(s1), decision="maybe").status_code == 400
    assert counts(world.store) == before
    back = post(world, "county_a", review.format(s1), decision="return",
                reason="在校生数与学籍系统不符")
    assert back.status_code == 303
    assert back.headers["location"] == f"/counties/{A}/submissions?year=2025"
    for sid in (s2, st):
        assert post(world, "county_a", review.format(sid), decision="approve").status_code == 303
    own = world.clients["school"].get(f"/counties/{A}/schools/{S}/submission").text
    assert "已退回" in own and "在校生数与学籍系统不符" in own

    # assembled: the base with S2's and the teaching point's rows replaced; S (returned) as
    # it was
    assembled = post(world, "county_a", f"/counties/{A}/submissions/assemble",
                     school_year="2025")
    assert assembled.status_code == 303 and assembled.headers["location"] == f"/counties/{A}"
    expected_stages = base.stages.with_columns(
        pl.when(pl.col("school_id") == S2).then(25).otherwise(pl.col("classes"))
        .alias("classes"))
    got = stored_assembly(world, tmp_name="web-submissions-assembled-1.xlsx")
    assert_same(got, base, expected_stages)
    assert rows_of(got.schools, T)["parent_school_id"].to_list() == [world.ids[1]]

    # S corrects and resubmits; approved; assembled again: both changes in
    again = upload(world, "school", S, edited(mine, "学段", "students", 760))
    assert again.status_code == 303
    second = latest_submission(world, S)
    assert second.id != s1
    assert post(world, "county_a", review.format(second.id),
                decision="approve").status_code == 303
    assert post(world, "county_a", f"/counties/{A}/submissions/assemble",
                school_year="2025").status_code == 303
    expected_stages = expected_stages.with_columns(
        pl.when(pl.col("school_id") == S).then(760).otherwise(pl.col("students"))
        .alias("students"))
    got = stored_assembly(world, tmp_name="web-submissions-assembled-2.xlsx")
    assert_same(got, base, expected_stages)

    # every version kept, each with its status; the county page evaluates the new snapshot
    with world.store.session() as s:
        statuses = [x.status for x in s.scalars(select(Submission).where(
            Submission.school_id == S).order_by(Submission.id))]
        assert statuses == ["returned", "approved"]
        snap = s.scalar(select(Snapshot).where(Snapshot.county_id == A)
                        .order_by(Snapshot.id.desc()).limit(1))
        assert (snap.source, snap.school_year) == ("assembled", 2025)
        entries = list(s.scalars(select(AuditEntry).where(
            AuditEntry.target.like(f"county:{A}%")).order_by(AuditEntry.id)))
    assert world.clients["county_a"].get(f"/counties/{A}").status_code == 200
    actions = [e.action for e in entries]
    assert actions.count("submission") == 4 and actions.count("review") == 4
    assert actions.count("assemble") == 2
    assert f"county:{A}/submission:{s1}" in {e.target for e in entries}
    teacher_ids = set(base.teachers["teacher_id"].to_list())
    for e in entries:  # no teacher row, no reason text in the trail
        assert not any(t in (e.detail or "") for t in teacher_ids)
        assert "学籍系统" not in (e.detail or "")


def stored_assembly(world, tmp_name: str) -> junheng.Dataset:
    with world.store.session() as s:
        snap = s.scalar(select(Snapshot).where(Snapshot.county_id == world.A,
                                               Snapshot.source == "assembled")
                        .order_by(Snapshot.id.desc()).limit(1))
        path = Path("build/test-artifacts") / tmp_name
        path.write_bytes(snap.content)
    return junheng.load(path)


def assert_same(got: junheng.Dataset, base: junheng.Dataset, stages: pl.DataFrame) -> None:
    keys = {"schools": ["school_id"], "stages": ["school_id", "stage"],
            "teachers": ["teacher_id"], "rooms": ["school_id", "room_type", "room_name"],
            "rotations": ["teacher_id", "school_year"], "county": ["county"]}
    for name, key in keys.items():
        want = stages if name == "stages" else getattr(base, name)
        have = getattr(got, name)
        assert have.columns == want.columns, name
        assert have.sort(key).equals(want.sort(key)), name
    assert got.grades is None and got.births is None  # the sample has neither


# --- who may do what -------------------------------------------------------------------------
OK, LOGIN, FORBID, NF = 200, "login", 403, 404


def expect(**by_role):
    """Outcomes for ROLES; 'others' fills the roles not named."""
    default = by_role.pop("others")
    return {role: by_role.get(role, default) for role in ROLES}


@pytest.fixture(scope="module")
def sub_id(world):
    """A submission of school S in county A (the bureau's own), for the read and review rows."""
    assert upload(world, "county_a", world.S, prefilled(world, "county_a", world.S)
                  ).status_code == 303
    return latest_submission(world, world.S).id


GETS = [
    ("/counties/{A}/submissions", expect(anon=LOGIN, school=NF, school2=NF, county_b=NF,
                                         others=OK)),
    ("/counties/{B}/submissions", expect(anon=LOGIN, admin=OK, county_b=OK, others=NF)),
    ("/counties/9999/submissions", expect(anon=LOGIN, others=NF)),
    ("/counties/{A}/schools/{S}/submission", expect(anon=LOGIN, school2=NF, county_b=NF,
                                                    others=OK)),
    ("/counties/{A}/schools/{S2}/submission", expect(anon=LOGIN, school=NF, county_b=NF,
                                                     others=OK)),
    ("/counties/{A}/schools/9999999999/submission", expect(anon=LOGIN, others=NF)),
    ("/counties/9999/schools/{S}/submission", expect(anon=LOGIN, others=NF)),
    # teacher rows: the school itself and its bureau only
    ("/counties/{A}/schools/{S}/submission.xlsx", expect(anon=LOGIN, county_a=OK, school=OK,
                                                         others=NF)),
    ("/counties/{A}/schools/9999999999/submission.xlsx", expect(anon=LOGIN, others=NF)),
    ("/counties/{A}/submissions/{SUB}.xlsx", expect(anon=LOGIN, admin=NF, county_a=OK,
                                                    school=OK, others=NF)),
    ("/counties/{B}/submissions/{SUB}.xlsx", expect(anon=LOGIN, others=NF)),
    ("/counties/{A}/submissions/999999.xlsx", expect(anon=LOGIN, others=NF)),
]


def fill(path: str, world, sub: int) -> str:
    return path.format(A=world.A, B=world.B, S=world.S, S2=world.S2, SUB=sub)


@pytest.mark.parametrize(("path", "outcomes"), GETS, ids=[g[0] for g in GETS])
def test_who_reads_what(world, sub_id, path, outcomes):
    for role in ROLES:
        answer = world.clients[role].get(fill(path, world, sub_id))
        want = outcomes[role]
        if want == LOGIN:
            assert (answer.status_code, answer.headers["location"]) == (303, "/login"), role
            continue
        assert answer.status_code == want, (role, path, answer.text[:200])
        if want != OK:  # a page in Chinese first, never FastAPI's JSON
            assert answer.headers["content-type"].startswith("text/html"), role
            assert "没有找到，或无权查看" in answer.text
        elif path.endswith(".xlsx"):
            assert answer.headers["content-type"] == XLSX
            assert answer.content[:2] == b"PK"


def test_the_forms_are_shown_only_to_those_who_may_use_them(world, sub_id):
    for role in ("admin", "province", "county_a", "inspector"):
        text = world.clients[role].get(f"/counties/{world.A}/submissions").text
        manages = role == "county_a"  # the admin reads, like the inspector
        assert (f'/submissions/{sub_id}/review"' in text) == manages, role
        assert ('/submissions/assemble"' in text) == manages, role
        # a version's file holds teacher rows: the bureau's link only
        assert (f"/submissions/{sub_id}.xlsx" in text) == (role == "county_a"), role
        assert ("只读" in text) == (not manages), role
    for role in ("admin", "province", "county_a", "school", "inspector"):
        text = world.clients[role].get(f"/counties/{world.A}/schools/{world.S}/submission").text
        may_submit = role in ("county_a", "school")
        assert ('enctype="multipart/form-data"' in text) == may_submit, role
        names = role in ("county_a", "school")
        assert (f"/submissions/{sub_id}.xlsx" in text) == names, role
        assert ("submission.xlsx" in text) == names, role
    school_page = world.clients["school"].get(f"/counties/{world.A}/schools/{world.S}/submission")
    for other in world.ids:  # a school sees no other school's id
        if other not in (world.S,):
            assert other not in school_page.text


@pytest.mark.parametrize("role", ROLES)
def test_who_submits(world, role):
    content = prefilled(world, "county_a", world.S)
    before = counts(world.store)
    answer = upload(world, role, world.S, content)
    want = expect(anon=LOGIN, admin=FORBID, county_a=303, school=303, province=FORBID,
                  inspector=FORBID, others=NF)[role]
    if want == LOGIN:
        assert answer.headers["location"] == "/login"
    else:
        assert answer.status_code == want, (role, answer.text[:200])
    grew = 1 if want == 303 else 0
    assert counts(world.store)["submissions"] == before["submissions"] + grew
    if want == FORBID:
        assert "只有本校和本县教育局可以提交本校数据" in answer.text
    # another county's id in the path: not found for everyone signed in
    if role != "anon":
        assert upload(world, role, world.S, content, county=9999).status_code == NF


@pytest.mark.parametrize("role", ROLES)
def test_who_reviews(world, sub_id, role):
    before = counts(world.store)
    path = f"/counties/{world.A}/submissions/{sub_id}/review"
    answer = post(world, role, path, decision="return", reason="请核对")
    want = expect(anon=LOGIN, admin=FORBID, county_a=303, province=FORBID, inspector=FORBID,
                  school=FORBID, others=NF)[role]
    if want == LOGIN:
        assert answer.headers["location"] == "/login"
    else:
        assert answer.status_code == want, (role, answer.text[:200])
    if want != 303:
        assert counts(world.store) == before
    if want == FORBID:
        assert "只有本县教育局可以审核" in answer.text
    # the submission named under another county, or a guessed id: not found
    if role != "anon":
        wrong = post(world, role, f"/counties/{world.B}/submissions/{sub_id}/review",
                     decision="approve")
        assert wrong.status_code == NF, role
        assert post(world, role, f"/counties/{world.A}/submissions/999999/review",
                    decision="approve").status_code == NF


@pytest.mark.parametrize("role", ROLES)
def test_who_assembles(world, sub_id, role):
    # an approved part, so that the bureau's assembly succeeds
    assert post(world, "county_a", f"/counties/{world.A}/submissions/{sub_id}/review",
                decision="approve").status_code == 303
    before = counts(world.store)
    answer = post(world, role, f"/counties/{world.A}/submissions/assemble", school_year="2025")
    want = expect(anon=LOGIN, admin=FORBID, county_a=303, province=FORBID, inspector=FORBID,
                  others=NF)[role]
    if want == LOGIN:
        assert answer.headers["location"] == "/login"
    else:
        assert answer.status_code == want, (role, answer.text[:200])
    grew = 1 if want == 303 else 0
    assert counts(world.store)["snapshots"] == before["snapshots"] + grew
    if role != "anon":
        assert post(world, role, "/counties/9999/submissions/assemble",
                    school_year="2025").status_code == NF


@pytest.mark.parametrize("token", ["missing", "wrong", "another session's"])
def test_every_post_needs_its_csrf_token(world, sub_id, token):
    csrf = {"missing": None, "wrong": "x" * 43,
            "another session's": world.csrf["inspector"]}[token]
    before = counts(world.store)
    content = prefilled(world, "county_a", world.S)
    for role, answer in (
        ("school", upload(world, "school", world.S, content, csrf=csrf)),
        ("county_a", post(world, "county_a",
                          f"/counties/{world.A}/submissions/{sub_id}/review", csrf=csrf,
                          decision="return", reason="x")),
        ("county_a", post(world, "county_a", f"/counties/{world.A}/submissions/assemble",
                          csrf=csrf, school_year="2025")),
    ):
        assert answer.status_code == 403, role
        assert "表单已过期" in answer.text
    assert counts(world.store) == before


def test_a_bad_year_and_a_request_without_its_file_are_answered_with_a_page(world):
    before = counts(world.store)
    bad = post(world, "county_a", f"/counties/{world.A}/submissions/assemble",
               school_year="明年")
    assert bad.status_code == 400 and "学年应为起始年份" in bad.text
    nofile = post(world, "school", f"/counties/{world.A}/schools/{world.S}/submission")
    assert nofile.status_code == 400
    assert nofile.headers["content-type"].startswith("text/html")
    text = world.clients["school"].post(
        f"/counties/{world.A}/schools/{world.S}/submission",
        data={"csrf": world.csrf["school"]},
        files={"file": ("notes.txt", b"hello", "text/plain")})
    assert text.status_code == 400 and "请上传 .xlsx 工作簿" in text.text
    assert counts(world.store) == before


def test_an_older_version_never_reviewed_reads_as_superseded():
    from datetime import UTC, datetime

    from junheng.store import Submission
    from junheng.web.routes.submissions import _version

    def sub(status: str) -> Submission:
        return Submission(id=1, school_id="S", school_year=2025, filename="a.xlsx",
                          status=status, sha256="0" * 64,
                          submitted_at=datetime(2025, 9, 1, tzinfo=UTC))

    assert _version(sub("submitted"), 2, newest=True)["status_zh"] == "待审核"
    assert _version(sub("submitted"), 1, newest=False)["status_zh"] == "已被新版本取代"
    assert _version(sub("returned"), 1, newest=False)["status_zh"] == "已退回"
    assert _version(sub("approved"), 1, newest=False)["status_zh"] == "已通过"
