"""The 问题台账 through the real application (issue 16): uploads open, close and reopen entries;
the bureau sets office, deadline and status (已核验 only after 已整改); evidence files go up and
come back; every role's access to each ledger route; CSRF refused with nothing changed.

The county is the sample (``write_sample(schools=8, seed=1)``). Its 宝塔村小学 (2360000005) has
226 primary pupils and 5 network multimedia classrooms: 5 × 100 / 226 = 2.21 per 100 pupils,
below 2.3 but above 85 % of it, so the school still meets the per-school rule (6 of 7) — one
gap, one entry. With 6 rooms (2.65 per 100) that gap, and only that one, is closed.
"""

from __future__ import annotations

import hashlib
import json
import re
from itertools import count
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import junheng
from junheng.store import (
    AuditEntry,
    County,
    Evidence,
    LedgerEntry,
    Snapshot,
    open_store,
)
from junheng.web import create_app
from web_world import PASSWORD, USERNAMES, add_role_users

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ROOMS_SCHOOL = "2360000005"  # 宝塔村小学
ROOMS_KEY = f"indicator:{ROOMS_SCHOOL}:primary:multimedia_rooms_per100"
ROLES = ("anon", "admin", "province", "county_a", "school", "inspector", "county_b")
B_NAME = "乙县"


# --- helpers ---------------------------------------------------------------------------------
def edited(source: Path, target: Path, edit) -> Path:
    """The workbook with ``edit(book)`` applied (openpyxl: not through junheng's writer)."""
    book = openpyxl.load_workbook(source)
    edit(book)
    book.save(target)
    return target


def stage_cell(book, school_id: str, stage_zh: str, column: str):
    sheet = book["学段"]
    header = [c.value for c in sheet[2]]  # the second header row: the contract's keys
    col = header.index(column)
    for row in sheet.iter_rows(min_row=3):
        if row[0].value == school_id and row[1].value == stage_zh:
            return row[col]
    raise KeyError(school_id)


def renamed(book, old: str, new: str) -> None:
    for sheet in book.worksheets[1:]:
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.value == old:
                    cell.value = new


def token(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)


def sign_in(app, username: str) -> tuple[TestClient, str]:
    """A client signed in through the real form, and its session's CSRF token."""
    client = TestClient(app, follow_redirects=False)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf": token(client.get("/login").text)})
    assert answer.status_code == 303, answer.text[:200]
    return client, token(client.get("/password").text)


def upload(client: TestClient, csrf: str, county_id: int, path: Path) -> None:
    answer = client.post(f"/counties/{county_id}/upload", data={"csrf": csrf},
                         files={"file": (path.name, path.read_bytes(), XLSX)})
    assert answer.status_code == 303, answer.text[:300]


def ledger(store, county_id: int) -> dict[str, LedgerEntry]:
    with store.session() as s:
        return {e.key: e for e in s.scalars(select(LedgerEntry)
                                            .where(LedgerEntry.county_id == county_id))}


def evidence_count(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(Evidence))


def latest_snapshot(store, county_id: int) -> int:
    with store.session() as s:
        return s.scalar(select(func.max(Snapshot.id)).where(Snapshot.county_id == county_id))


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-ledger")
    sample = junheng.write_sample(folder / "county.xlsx", schools=8, seed=1)
    book = openpyxl.load_workbook(sample)
    # the figures the module docstring reasons from
    assert stage_cell(book, ROOMS_SCHOOL, "小学", "students").value == 226
    assert stage_cell(book, ROOMS_SCHOOL, "小学", "multimedia_rooms").value == 5

    def more_rooms(b):
        stage_cell(b, ROOMS_SCHOOL, "小学", "multimedia_rooms").value = 6

    return SimpleNamespace(
        a=sample, rooms=edited(sample, folder / "county-rooms.xlsx", more_rooms),
        b=edited(sample, folder / "county-b.xlsx", lambda b: renamed(b, "示例县", B_NAME)),
        county_name="示例县",
        ids=sorted(junheng.load(sample).schools["school_id"].to_list()))


def make_world(folder: Path, books) -> SimpleNamespace:
    store = open_store(folder=folder)
    with store.session() as s:
        a = County(name=books.county_name, region="甲市")
        b = County(name=B_NAME, region="乙市")
        s.add_all([a, b])
        s.flush()
        ids = books.ids
        add_role_users(s, a, b, ids[1])
        s.commit()
        a_id, b_id = a.id, b.id
    app = create_app(store)
    clients, csrf = {"anon": TestClient(app, follow_redirects=False)}, {}
    for role, username in USERNAMES.items():
        clients[role], csrf[role] = sign_in(app, username)
    return SimpleNamespace(app=app, store=store, clients=clients, csrf=csrf, A=a_id, B=b_id,
                           S=ids[1], S2=ids[2], schools=ids)


# --- the journey: uploads drive the entries, the bureau and the school work on them ------------
def test_uploads_open_close_and_reopen_entries(tmp_path, books):
    w = make_world(tmp_path / "db", books)
    bureau, csrf = w.clients["county_a"], w.csrf["county_a"]
    assert bureau.get(f"/counties/{w.A}/ledger").status_code == 200  # empty before any data

    upload(bureau, csrf, w.A, books.a)
    first = latest_snapshot(w.store, w.A)
    entries = ledger(w.store, w.A)
    ev = junheng.evaluate(junheng.load(books.a))
    county = ev.counties.row(0, named=True)
    failing = county["schools_evaluated"] - county["schools_meeting_rule"]
    assert failing == 6
    assert sum(k.startswith("rule:") for k in entries) == failing
    assert entries[ROOMS_KEY].status == "open"
    assert f"rule:{ROOMS_SCHOOL}:primary" not in entries  # it meets the rule
    assert all(e.status == "open" and e.opened_snapshot_id == first for e in entries.values())
    page = bureau.get(f"/counties/{w.A}/ledger")
    assert page.status_code == 200 and "宝塔村小学（小学）每百名学生拥有网络多媒体教室数" in page.text
    assert re.search(rf"<strong>{len(entries)}</strong><span>待整改 open", page.text)

    # the second upload: 6 rooms at 宝塔村小学 close exactly that entry
    upload(bureau, csrf, w.A, books.rooms)
    second = latest_snapshot(w.store, w.A)
    after = ledger(w.store, w.A)
    assert set(after) == set(entries)
    assert {k for k, e in after.items() if e.status == "fixed"} == {ROOMS_KEY}
    closed = after[ROOMS_KEY]
    assert closed.closed_by_snapshot_id == second and closed.last_seen_snapshot_id == first
    assert all(e.last_seen_snapshot_id == second for k, e in after.items() if k != ROOMS_KEY)
    page = bureau.get(f"/counties/{w.A}/ledger?status=fixed")
    assert re.findall(rf"/counties/{w.A}/ledger/(\d+)\"", page.text) == [str(closed.id)]
    entry_page = bureau.get(f"/counties/{w.A}/ledger/{closed.id}")
    assert "新数据显示已整改" in entry_page.text and f"数据版本 #{second}" in entry_page.text

    # 已核验 only from 已整改: refused on an open entry, nothing changed
    other = after[f"rule:{w.S}:primary"]
    answer = bureau.post(f"/counties/{w.A}/ledger/{other.id}",
                         data={"csrf": csrf, "status": "verified", "office": "督导室"})
    assert answer.status_code == 400 and "只有「已整改」的问题可以核验" in answer.text
    assert ledger(w.store, w.A)[other.key].status == "open"
    assert ledger(w.store, w.A)[other.key].office is None
    # a bad deadline: refused, nothing changed
    answer = bureau.post(f"/counties/{w.A}/ledger/{other.id}",
                         data={"csrf": csrf, "status": "in_progress", "deadline": "明年"})
    assert answer.status_code == 400 and ledger(w.store, w.A)[other.key].status == "open"

    # the bureau plans the open entry and verifies the fixed one
    answer = bureau.post(f"/counties/{w.A}/ledger/{other.id}", data={
        "csrf": csrf, "status": "in_progress", "office": "计财股", "deadline": "2020-01-31",
        "note": "新建体育场，已立项"})
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/counties/{w.A}/ledger/{other.id}"
    planned = ledger(w.store, w.A)[other.key]
    assert (planned.status, planned.office, planned.deadline.isoformat(), planned.note) == \
        ("in_progress", "计财股", "2020-01-31", "新建体育场，已立项")
    answer = bureau.post(f"/counties/{w.A}/ledger/{closed.id}",
                         data={"csrf": csrf, "status": "verified", "office": "督导室"})
    assert answer.status_code == 303
    assert ledger(w.store, w.A)[ROOMS_KEY].status == "verified"
    with w.store.session() as s:
        updates = [json.loads(a.detail) for a in s.scalars(
            select(AuditEntry).where(AuditEntry.action == "ledger_updated")
            .order_by(AuditEntry.id))]
        users = {a.user_id for a in s.scalars(select(AuditEntry).where(
            AuditEntry.action == "ledger_updated"))}
    assert updates[0]["changes"] == {"office": [None, "计财股"],
                                     "deadline": [None, "2020-01-31"],
                                     "status": ["open", "in_progress"], "note": "changed"}
    assert updates[1]["changes"] == {"office": [None, "督导室"], "status": ["fixed", "verified"]}
    assert "新建体育场" not in json.dumps(updates, ensure_ascii=False)  # free text stays out
    assert None not in users
    # the deadline has passed: overdue on the list and under the filter
    late = bureau.get(f"/counties/{w.A}/ledger?overdue=1")
    assert late.text.count('<tr class="overdue">') == 1 and f"/ledger/{other.id}\"" in late.text
    assert bureau.get(f"/counties/{w.A}/ledger?office=计财股").text.count("<tr class=") == 1

    # the third upload brings the gap back: the verified entry is reopened
    upload(bureau, csrf, w.A, books.a)
    third = latest_snapshot(w.store, w.A)
    back = ledger(w.store, w.A)[ROOMS_KEY]
    assert (back.status, back.reopened, back.closed_by_snapshot_id,
            back.last_seen_snapshot_id) == ("open", 1, None, third)
    assert ledger(w.store, w.A)[other.key].status == "in_progress"  # untouched by the data
    with w.store.session() as s:
        trail = [(a.action, a.user_id) for a in s.scalars(select(AuditEntry).where(
            AuditEntry.target == f"county:{w.A}/ledger:{back.id}").order_by(AuditEntry.id))]
    assert trail == [("ledger_closed_by_data", None), ("ledger_updated", trail[1][1]),
                     ("ledger_reopened_by_data", None)]
    page = bureau.get(f"/counties/{w.A}/ledger/{back.id}")
    assert "新数据显示问题仍在，重新打开" in page.text and "重新打开 1 次" in page.text

    # evidence: the school for its own entry; the bureau reads it back byte for byte
    school, school_csrf = w.clients["school"], w.csrf["school"]
    own = ledger(w.store, w.A)[f"rule:{w.S}:primary"]
    answer = school.post(f"/counties/{w.A}/ledger/{own.id}/evidence", data={"csrf": school_csrf},
                         files={"file": ("体育场立项批复.pdf", PDF, "application/octet-stream")})
    assert answer.status_code == 303
    with w.store.session() as s:
        item = s.scalar(select(Evidence).where(Evidence.entry_id == own.id))
        assert item.sha256 == hashlib.sha256(PDF).hexdigest()
        assert item.media_type == "application/pdf"  # the suffix's, not the browser's
        evidence_id = item.id
    with w.store.session() as s:
        (added,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "evidence_uploaded"))
        assert added.target == f"county:{w.A}/ledger:{own.id}" and added.user_id is not None
        assert json.loads(added.detail)["sha256"] == hashlib.sha256(PDF).hexdigest()
    got = bureau.get(f"/counties/{w.A}/ledger/{own.id}/evidence/{evidence_id}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("attachment; filename=evidence-")
    assert "filename*=UTF-8''%E4%BD%93%E8%82%B2" in got.headers["content-disposition"]
    assert "体育场立项批复.pdf" in bureau.get(f"/counties/{w.A}/ledger/{own.id}").text
    # refused files: wrong type, disguised content, too big — nothing stored
    before = evidence_count(w.store)
    for name, content, says in [("run.exe", b"MZ\x90\x00", "只接受"),
                                ("photo.png", PDF, "不是 png"),
                                ("big.pdf", b"%PDF-" + b"0" * (20 * 2**20), "超过 20 MB")]:
        answer = school.post(f"/counties/{w.A}/ledger/{own.id}/evidence",
                             data={"csrf": school_csrf}, files={"file": (name, content)})
        assert answer.status_code == 400 and says in answer.text, name
    assert evidence_count(w.store) == before
    # a png by the bureau on a county-level entry
    cv_entry = next(e for k, e in ledger(w.store, w.A).items() if k.startswith("cv:"))
    answer = bureau.post(f"/counties/{w.A}/ledger/{cv_entry.id}/evidence",
                         data={"csrf": csrf}, files={"file": ("场地.png", PNG, "image/png")})
    assert answer.status_code == 303 and evidence_count(w.store) == before + 1


# --- CSRF: an allowed role, a bad token, nothing changed ---------------------------------------
@pytest.fixture(scope="module")
def world(tmp_path_factory, books):
    """Counties A and B with their data uploaded by their bureaus; ``L`` an entry of the school
    user's school S, ``L2`` one of another school S2, ``LC`` a county-level entry of A, ``LB``
    an entry of B; evidence ``E`` on L and ``E2`` on L2."""
    w = make_world(tmp_path_factory.mktemp("web-ledger-world") / "db", books)
    upload(w.clients["county_a"], w.csrf["county_a"], w.A, books.a)
    upload(w.clients["county_b"], w.csrf["county_b"], w.B, books.b)
    a, b = ledger(w.store, w.A), ledger(w.store, w.B)
    w.L, w.L2 = a[f"rule:{w.S}:primary"].id, a[f"indicator:{w.S2}:primary:pe_art_teachers_per100"].id
    w.LC = a["cv:primary:pe_art_teachers_per100"].id
    w.LB = b[f"rule:{w.S}:primary"].id
    for entry, name in ((w.L, "E"), (w.L2, "E2")):
        answer = w.clients["county_a"].post(
            f"/counties/{w.A}/ledger/{entry}/evidence", data={"csrf": w.csrf["county_a"]},
            files={"file": (f"{name}.pdf", PDF + name.encode(), "application/pdf")})
        assert answer.status_code == 303
        with w.store.session() as s:
            setattr(w, name, s.scalar(select(func.max(Evidence.id))))
    return w


@pytest.mark.parametrize("bad", ["missing", "wrong", "another session's"])
@pytest.mark.parametrize("what", ["update", "evidence"])
def test_a_post_without_its_csrf_token_is_refused(world, bad, what):
    csrf = {"missing": None, "wrong": "x" * 43, "another session's": world.csrf["inspector"]}[bad]
    data = {} if csrf is None else {"csrf": csrf}
    path = f"/counties/{world.A}/ledger/{world.L}"
    before = (ledger(world.store, world.A)[f"rule:{world.S}:primary"].office,
              evidence_count(world.store))
    if what == "update":
        answer = world.clients["county_a"].post(path, data={**data, "office": "不该保存",
                                                            "status": "in_progress"})
    else:
        answer = world.clients["county_a"].post(f"{path}/evidence", data=data,
                                                files={"file": ("x.pdf", PDF)})
    assert answer.status_code == 403 and "表单已过期" in answer.text
    after = (ledger(world.store, world.A)[f"rule:{world.S}:primary"].office,
             evidence_count(world.store))
    assert after == before


# --- every role × every ledger route ---------------------------------------------------------
OK, LOGIN, FORBID, NF = (200, None), (303, "/login"), (403, None), (404, None)


def to(path: str) -> tuple[int, str]:
    return (303, path)


TO_L, TO_L2, TO_LC, TO_LB = (to("/counties/{A}/ledger/{L}"), to("/counties/{A}/ledger/{L2}"),
                             to("/counties/{A}/ledger/{LC}"), to("/counties/{B}/ledger/{LB}"))
TABLE = [
    # method path                                    form        anon   admin  province county_a school  inspector county_b
    ("GET", "/counties/{A}/ledger",                   None,       LOGIN, OK,    OK,    OK,    OK,    OK,    NF),
    ("GET", "/counties/{A}/ledger?school={S}",        None,       LOGIN, OK,    OK,    OK,    OK,    OK,    NF),
    ("GET", "/counties/{A}/ledger?school={S2}",       None,       LOGIN, OK,    OK,    OK,    NF,    OK,    NF),
    ("GET", "/counties/{A}/ledger?school=9999999999", None,       LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("GET", "/counties/{A}/ledger?status=fixed&kind=rule&overdue=1", None,
                                                                  LOGIN, OK,    OK,    OK,    OK,    OK,    NF),
    ("GET", "/counties/{B}/ledger",                   None,       LOGIN, OK,    NF,    NF,    NF,    NF,    OK),
    ("GET", "/counties/9999/ledger",                  None,       LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("GET", "/counties/{A}/ledger/{L}",               None,       LOGIN, OK,    OK,    OK,    OK,    OK,    NF),
    ("GET", "/counties/{A}/ledger/{L2}",              None,       LOGIN, OK,    OK,    OK,    NF,    OK,    NF),
    ("GET", "/counties/{A}/ledger/{LC}",              None,       LOGIN, OK,    OK,    OK,    NF,    OK,    NF),
    ("GET", "/counties/{B}/ledger/{LB}",              None,       LOGIN, OK,    NF,    NF,    NF,    NF,    OK),
    ("GET", "/counties/{B}/ledger/{L}",               None,       LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("GET", "/counties/{A}/ledger/999999",            None,       LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("GET", "/counties/9999/ledger/{L}",              None,       LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("POST", "/counties/{A}/ledger/{L}",              "update",   LOGIN, FORBID,  FORBID, TO_L, FORBID, FORBID, NF),
    ("POST", "/counties/{A}/ledger/{L2}",             "update",   LOGIN, FORBID, FORBID, TO_L2, NF,   FORBID, NF),
    ("POST", "/counties/{B}/ledger/{LB}",             "update",   LOGIN, FORBID, NF,    NF,    NF,    NF,    TO_LB),
    ("POST", "/counties/{B}/ledger/{L}",              "update",   LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("POST", "/counties/{A}/ledger/999999",           "update",   LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("POST", "/counties/9999/ledger/{L}",             "update",   LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("POST", "/counties/{A}/ledger/{L}/evidence",     "evidence", LOGIN, FORBID,  FORBID, TO_L, TO_L,  FORBID, NF),
    ("POST", "/counties/{A}/ledger/{L2}/evidence",    "evidence", LOGIN, FORBID, FORBID, TO_L2, NF,   FORBID, NF),
    ("POST", "/counties/{A}/ledger/{LC}/evidence",    "evidence", LOGIN, FORBID, FORBID, TO_LC, NF,   FORBID, NF),
    ("POST", "/counties/{B}/ledger/{LB}/evidence",    "evidence", LOGIN, FORBID, NF,    NF,    NF,    NF,    TO_LB),
    ("POST", "/counties/{A}/ledger/999999/evidence",  "evidence", LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("POST", "/counties/9999/ledger/{L}/evidence",    "evidence", LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("GET", "/counties/{A}/ledger/{L}/evidence/{E}",  None,       LOGIN, OK,    OK,    OK,    OK,    OK,    NF),
    ("GET", "/counties/{A}/ledger/{L2}/evidence/{E2}", None,      LOGIN, OK,    OK,    OK,    NF,    OK,    NF),
    ("GET", "/counties/{A}/ledger/{L}/evidence/{E2}", None,       LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("GET", "/counties/{A}/ledger/{L}/evidence/999999", None,     LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("GET", "/counties/{B}/ledger/{L}/evidence/{E}",  None,       LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
    ("GET", "/counties/9999/ledger/{L}/evidence/{E}", None,       LOGIN, NF,    NF,    NF,    NF,    NF,    NF),
]  # fmt: skip
CASES = [(row, role) for row in TABLE for role in ROLES]
_n = count(1)


def _id(case) -> str:
    row, role = case
    return f"{role}:{row[0]}:{row[1]}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_ledger_route_by_role(world, case):
    (method, template, form, *outcomes), role = case
    status, location = dict(zip(ROLES, outcomes, strict=True))[role]
    ids = {k: getattr(world, k) for k in ("A", "B", "S", "S2", "L", "L2", "LC", "LB", "E", "E2")}
    path = template.format(**ids)
    client = world.clients[role]
    found = re.search(r"/ledger/(\d+)", path)
    entry_id = int(found.group(1)) if found else None

    def office() -> str | None:
        with world.store.session() as s:
            entry = s.get(LedgerEntry, entry_id) if entry_id else None
            return entry.office if entry else None

    before = (office(), evidence_count(world.store))
    data = {} if role == "anon" else {"csrf": world.csrf[role]}
    new_office = f"科室{next(_n)}"
    if method == "GET":
        answer = client.get(path)
    elif form == "update":
        answer = client.post(path, data={**data, "office": new_office, "status": "in_progress",
                                         "deadline": "2026-06-30"})
    else:
        answer = client.post(path, data=data, files={"file": ("整改.pdf", PDF, "application/pdf")})

    assert answer.status_code == status, (role, method, path, answer.text[:300])
    if status == 303:
        assert answer.headers["location"] == location.format(**ids)
    if status == 403:
        assert "只有" in answer.text  # a Chinese message, not a traceback
    assert "Traceback" not in answer.text
    body = answer.text if answer.headers.get("content-type", "").startswith("text/") else ""
    if role == "school":  # never another school of the county, nor county B
        assert B_NAME not in body
        for other in world.schools:
            if other != world.S:
                assert other not in body, (path, other)
    if role in ("province", "county_a", "inspector", "school"):
        assert B_NAME not in body
    if role == "county_b":
        assert "示例县" not in body

    success = status == 303 and location != "/login"
    after = (office(), evidence_count(world.store))
    if success and form == "update":
        assert after == (new_office, before[1])
    elif success and form == "evidence":
        assert after == (before[0], before[1] + 1)
    else:
        assert after == before, (role, method, path)
    if method == "GET" and "/evidence/" in path and status == 200:
        assert answer.content.startswith(PDF) and answer.headers["content-type"] == \
            "application/pdf"
        assert answer.headers["content-disposition"].startswith("attachment;")


def test_a_school_sees_only_its_own_entries(world):
    page = world.clients["school"].get(f"/counties/{world.A}/ledger")
    ids = {int(i) for i in re.findall(rf"/counties/{world.A}/ledger/(\d+)\"", page.text)}
    with world.store.session() as s:
        own = {e.id for e in s.scalars(select(LedgerEntry).where(
            LedgerEntry.county_id == world.A, LedgerEntry.school_id == world.S))}
    assert own and ids == own
    # the bureau's list of the same school is the same entries
    bureau = world.clients["county_a"].get(f"/counties/{world.A}/ledger?school={world.S}")
    assert {int(i) for i in re.findall(rf"/counties/{world.A}/ledger/(\d+)\"",
                                       bureau.text)} == own
