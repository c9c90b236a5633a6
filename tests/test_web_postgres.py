"""The web application's own features on PostgreSQL (a throwaway server, tests/conftest.py),
through the real application and its forms: a county workbook uploaded opens the 问题台账; the
bureau sets an entry's office, deadline and status and adds a PDF that comes back byte for
byte; a school submits its own rows (one more multimedia room), the bureau approves and
assembles the school year, and the assembled snapshot closes that entry; plans run as
background jobs and one is adopted; a school user's ledger holds its own school only; a late
correction of an older school year changes nothing; the audit trail's filters and the trends
page read what the database holds.

The county is the sample (``write_sample(schools=8, seed=1)``, 示例县). Its 宝塔村小学
(2360000005) has 226 primary pupils and 5 network multimedia classrooms (2.21 per 100 pupils,
below 2.3): one indicator gap, one ledger entry; with 6 rooms (2.65) that gap is closed.

The module works in a database of its own on the session's server, so that the county and user
names of the store's PostgreSQL tests (the same sample county) never collide with these.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

import junheng
from junheng.report.catalogue import t
from junheng.store import (
    AuditEntry,
    County,
    Evidence,
    LedgerEntry,
    PlanRun,
    Snapshot,
    Submission,
    User,
    create_user,
    open_store,
)
from junheng.web import create_app
from junheng.web.ledger import gaps

pytestmark = pytest.mark.slow

PASSWORD = "correct-horse-battery"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
COUNTY = "示例县"
SCHOOL = "2360000005"  # 宝塔村小学: 5 multimedia rooms for 226 primary pupils
ROOMS_KEY = f"indicator:{SCHOOL}:primary:multimedia_rooms_per100"
CV_KEY = "cv:primary:pe_art_teachers_per100"  # a county gap: no school's
USERS = {"bureau": "pgw-bureau", "school": "pgw-school", "inspector": "pgw-inspector"}
WAIT = 60  # seconds a plan run may take at most (they take a few)


# --- helpers ---------------------------------------------------------------------------------
def token(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def login_token(client: TestClient) -> str:
    form = client.get("/login")
    assert form.status_code == 200
    return token(form.text)


def session_csrf(client: TestClient) -> str:
    page = client.get("/password")
    assert page.status_code == 200, page.status_code
    return token(page.text)


def sign_in(app, username: str) -> tuple[TestClient, str]:
    """A client signed in through the real /login form, and its session's CSRF token."""
    client = TestClient(app, follow_redirects=False)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf": login_token(client)})
    assert answer.status_code == 303, (username, answer.text[:200])
    return client, session_csrf(client)


def cells(row: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def table_rows(page: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after ``heading``."""
    rest = page[page.index(heading):]
    body = rest[rest.index("<tbody>"):rest.index("</tbody>")]
    return [cells(r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def stage_cell(book, school_id: str, stage_zh: str, column: str):
    sheet = book["学段"]
    header = [c.value for c in sheet[2]]  # the second header row: the contract's keys
    col = header.index(column)
    for row in sheet.iter_rows(min_row=3):
        if row[0].value == school_id and row[1].value == stage_zh:
            return row[col]
    raise KeyError(school_id)


def ledger(store, county_id: int) -> dict[str, LedgerEntry]:
    with store.session() as s:
        return {e.key: e for e in s.scalars(select(LedgerEntry)
                                            .where(LedgerEntry.county_id == county_id))}


def snapshots(store, county_id: int) -> list[Snapshot]:
    with store.session() as s:
        return list(s.scalars(select(Snapshot).where(Snapshot.county_id == county_id)
                              .order_by(Snapshot.id)))


def audits(store, county_id: int, action: str) -> list[AuditEntry]:
    with store.session() as s:
        return list(s.scalars(select(AuditEntry).where(
            AuditEntry.action == action,
            (AuditEntry.target == f"county:{county_id}")
            | AuditEntry.target.startswith(f"county:{county_id}/")).order_by(AuditEntry.id)))


# --- the world -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def web_url(postgres_url):
    """A database of this module's own on the session's PostgreSQL server."""
    url = make_url(postgres_url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE DATABASE junheng_web_test"))
    finally:
        engine.dispose()
    return url.set(database="junheng_web_test").render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def world(web_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-postgres")
    sample = junheng.write_sample(folder / "county.xlsx", schools=8, seed=1)
    data = junheng.load(sample)
    assert set(data.schools["county"].to_list()) == {COUNTY}  # the county as in the workbook
    assert SCHOOL in data.schools["school_id"].to_list()
    store = open_store(web_url)
    assert store.engine.dialect.name == "postgresql"
    with store.session() as s:
        county = County(name=COUNTY, region="示例市")
        s.add(county)
        s.flush()
        create_user(s, USERS["bureau"], PASSWORD, "county", county_id=county.id)
        create_user(s, USERS["school"], PASSWORD, "school", county_id=county.id,
                    school_id=SCHOOL)
        create_user(s, USERS["inspector"], PASSWORD, "inspector", county_id=county.id)
        s.commit()
        county_id = county.id
    app = create_app(store)
    clients, csrf = {}, {}
    for role, name in USERS.items():
        clients[role], csrf[role] = sign_in(app, name)
    yield SimpleNamespace(app=app, store=store, clients=clients, csrf=csrf, C=county_id,
                          sample=sample, folder=folder, data=data,
                          runner=app.state.web.extensions["plans"], ids={})
    store.engine.dispose()


def post(world, role: str, path: str, files=None, **fields):
    return world.clients[role].post(path, data={"csrf": world.csrf[role], **fields},
                                    files=files)


# --- 1–2. the upload opens the ledger --------------------------------------------------------
def test_the_bureau_uploads_the_county_and_the_ledger_opens(world):
    content = world.sample.read_bytes()
    answer = post(world, "bureau", f"/counties/{world.C}/upload",
                  files={"file": ("county.xlsx", content, XLSX)})
    assert answer.status_code == 303, answer.text[:500]
    assert answer.headers["location"] == f"/counties/{world.C}"
    (snap,) = snapshots(world.store, world.C)
    assert snap.source == "upload" and snap.school_year == 2025
    assert snap.content == content and snap.sha256 == hashlib.sha256(content).hexdigest()
    world.ids["upload"] = snap.id

    entries = ledger(world.store, world.C)
    expected = {g.key: g for g in gaps(junheng.evaluate(world.data), COUNTY)}
    assert set(entries) == set(expected) and len(entries) >= 2
    assert {ROOMS_KEY, CV_KEY} <= set(entries)
    for key, e in entries.items():
        assert (e.status, e.kind, e.school_id, e.stage) == (
            "open", expected[key].kind, expected[key].school_id, expected[key].stage), key
        assert e.opened_snapshot_id == e.last_seen_snapshot_id == snap.id
        assert e.closed_by_snapshot_id is None and e.reopened == 0
    rooms = entries[ROOMS_KEY]
    assert json.loads(rooms.detail)["value"] == pytest.approx(500 / 226)
    (synced,) = audits(world.store, world.C, "ledger_synced")
    assert json.loads(synced.detail) == {"snapshot": snap.id, "school_year": 2025,
                                         "gaps": len(entries), "opened": len(entries),
                                         "closed": 0, "reopened": 0}
    (upload,) = audits(world.store, world.C, "upload")
    with world.store.session() as s:
        bureau_id = s.scalar(select(User.id).where(User.username == USERS["bureau"]))
    assert upload.user_id == bureau_id and json.loads(upload.detail)["snapshot"] == snap.id

    page = world.clients["bureau"].get(f"/counties/{world.C}/ledger")
    assert page.status_code == 200
    shown = {int(i) for i in re.findall(rf'href="/counties/{world.C}/ledger/(\d+)"', page.text)}
    assert shown == {e.id for e in entries.values()}


# --- 4. the bureau works an entry: office, deadline, status, evidence -------------------------
def test_the_bureau_updates_an_entry_and_its_evidence_comes_back(world):
    entry = ledger(world.store, world.C)[ROOMS_KEY]
    path = f"/counties/{world.C}/ledger/{entry.id}"
    # a reader cannot change it
    refused = post(world, "inspector", path, office="x", deadline="", status="fixed", note="")
    assert refused.status_code == 403
    answer = post(world, "bureau", path, office="装备科", deadline="2026-06-30",
                  status="in_progress", note="增配一间多媒体教室")
    assert answer.status_code == 303 and answer.headers["location"] == path
    after = ledger(world.store, world.C)[ROOMS_KEY]
    assert (after.office, after.deadline, after.status, after.note) == (
        "装备科", date(2026, 6, 30), "in_progress", "增配一间多媒体教室")
    assert after.updated_at > entry.updated_at
    (updated,) = audits(world.store, world.C, "ledger_updated")
    assert updated.target == f"county:{world.C}/ledger:{entry.id}"
    assert json.loads(updated.detail)["changes"] == {
        "office": [None, "装备科"], "deadline": [None, "2026-06-30"],
        "status": ["open", "in_progress"], "note": "changed"}
    page = world.clients["inspector"].get(path).text
    assert "装备科" in page and "2026-06-30" in page and "整改中" in page

    # evidence: a PDF up, the same bytes back
    up = post(world, "bureau", f"{path}/evidence",
              files={"file": ("验收单.pdf", PDF, "application/pdf")})
    assert up.status_code == 303, up.text[:300]
    with world.store.session() as s:
        (item,) = s.scalars(select(Evidence).where(Evidence.entry_id == entry.id))
        assert (item.filename, item.media_type, item.sha256) == (
            "验收单.pdf", "application/pdf", hashlib.sha256(PDF).hexdigest())
        evidence_id = item.id
    bad = post(world, "bureau", f"{path}/evidence",
               files={"file": ("fake.pdf", b"not a pdf", "application/pdf")})
    assert bad.status_code == 400
    for role in ("inspector", "school"):  # whoever sees the entry
        back = world.clients[role].get(f"{path}/evidence/{evidence_id}")
        assert back.status_code == 200, role
        assert back.content == PDF
        assert back.headers["content-type"] == "application/pdf"
    with world.store.session() as s:
        assert s.scalar(select(func.count()).select_from(Evidence)) == 1
    assert len(audits(world.store, world.C, "evidence_downloaded")) == 2
    assert len(audits(world.store, world.C, "evidence_refused")) == 1


# --- 3. the school submits, the bureau approves and assembles ---------------------------------
def test_a_school_submits_the_bureau_approves_and_assembles(world):
    before = ledger(world.store, world.C)
    prefill = world.clients["school"].get(
        f"/counties/{world.C}/schools/{SCHOOL}/submission.xlsx")
    assert prefill.status_code == 200, prefill.text[:300]
    assert prefill.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(prefill.content))
    cell = stage_cell(book, SCHOOL, "小学", "multimedia_rooms")
    assert cell.value == 5
    cell.value = 6  # one more room: the gap is gone
    out = io.BytesIO()
    book.save(out)
    answer = post(world, "school", f"/counties/{world.C}/schools/{SCHOOL}/submission",
                  files={"file": ("本校.xlsx", out.getvalue(), XLSX)}, school_year="2025")
    assert answer.status_code == 303, answer.text[:800]
    with world.store.session() as s:
        (sub,) = s.scalars(select(Submission).where(Submission.county_id == world.C))
        assert (sub.school_id, sub.school_year, sub.status) == (SCHOOL, 2025, "submitted")
        assert sub.content == out.getvalue()
        sub_id = sub.id

    # only the bureau reviews
    assert post(world, "inspector", f"/counties/{world.C}/submissions/{sub_id}/review",
                decision="approve").status_code == 403
    reviewed = post(world, "bureau", f"/counties/{world.C}/submissions/{sub_id}/review",
                    decision="approve")
    assert reviewed.status_code == 303, reviewed.text[:500]
    with world.store.session() as s:
        sub = s.get(Submission, sub_id)
        assert sub.status == "approved" and sub.reviewed_at is not None
    listing = world.clients["bureau"].get(f"/counties/{world.C}/submissions?year=2025")
    assert listing.status_code == 200 and "已通过" in listing.text

    assembled = post(world, "bureau", f"/counties/{world.C}/submissions/assemble",
                     school_year="2025")
    assert assembled.status_code == 303, assembled.text[:1500]
    snaps = snapshots(world.store, world.C)
    assert [x.source for x in snaps] == ["upload", "assembled"]
    new = snaps[-1]
    assert new.school_year == 2025 and new.filename == f"{COUNTY}-2025学年-汇总.xlsx"
    world.ids["assembled"] = new.id
    path = world.folder / "assembled.xlsx"
    path.write_bytes(new.content)
    assert stage_cell(openpyxl.load_workbook(path), SCHOOL, "小学",
                      "multimedia_rooms").value == 6
    (assemble,) = audits(world.store, world.C, "assemble")
    assert json.loads(assemble.detail)["submissions"] == {SCHOOL: sub_id}

    # the assembled year drives the ledger: the rooms' gap is closed, the rest still seen
    after = ledger(world.store, world.C)
    assert set(after) == set(before)
    closed = after[ROOMS_KEY]
    assert (closed.status, closed.closed_by_snapshot_id) == ("fixed", new.id)
    assert closed.office == "装备科"  # the bureau's own fields stay
    for key, e in after.items():
        if key != ROOMS_KEY:
            assert (e.status, e.last_seen_snapshot_id) == (before[key].status, new.id), key
    (by_data,) = audits(world.store, world.C, "ledger_closed_by_data")
    assert by_data.target == f"county:{world.C}/ledger:{closed.id}" and by_data.user_id is None
    assert json.loads(by_data.detail) == {"snapshot": new.id, "key": ROOMS_KEY,
                                          "was": "in_progress", "now": "fixed"}


# --- 5. plans: run, wait, adopt ---------------------------------------------------------------
def start(world, **form) -> int:
    answer = post(world, "bureau", f"/counties/{world.C}/plans", time_limit="10", **form)
    assert answer.status_code == 303, answer.text[:800]
    match = re.fullmatch(rf"/counties/{world.C}/plans/(\d+)", answer.headers["location"])
    assert match, answer.headers["location"]
    return int(match.group(1))


def test_plans_run_and_one_is_adopted(world):
    first = start(world, kind="recruitment")
    second = start(world, kind="recruitment", seed="7")
    for run_id in (first, second):
        assert world.runner.wait(run_id, WAIT) == "done"
    with world.store.session() as s:
        runs = {r.id: r for r in s.scalars(select(PlanRun).where(PlanRun.county_id == world.C))}
        assert set(runs) == {first, second}
        for r in runs.values():
            assert r.snapshot_id == world.ids["assembled"]  # the latest snapshot
            assert r.started_at is not None and r.finished_at >= r.started_at
            assert r.result_json and json.loads(r.summary)["teachers"] is not None
    status = world.clients["inspector"].get(f"/api/counties/{world.C}/plans/{first}").json()
    assert status["status"] == "done" and status["adopted"] is False
    listing = world.clients["bureau"].get(f"/counties/{world.C}/plans")
    assert listing.status_code == 200
    assert f"/counties/{world.C}/plans/{first}" in listing.text

    def adopted() -> list[int]:
        with world.store.session() as s:
            return list(s.scalars(select(PlanRun.id).where(PlanRun.county_id == world.C,
                                                           PlanRun.adopted)))

    assert post(world, "inspector", f"/counties/{world.C}/plans/{first}/adopt"
                ).status_code == 403
    for run_id in (first, second, second):  # adopting another un-adopts the first
        answer = post(world, "bureau", f"/counties/{world.C}/plans/{run_id}/adopt")
        assert answer.status_code == 303
        assert adopted() == [run_id]
    replaced = [json.loads(a.detail)["replaces"]
                for a in audits(world.store, world.C, "plan_adopted")]
    assert replaced == [[], [first], []]
    assert world.clients["inspector"].get(
        f"/api/counties/{world.C}/plans/{second}").json()["adopted"] is True


# --- 6. a school user's ledger: its own school only ---------------------------------------------
def test_a_school_users_ledger_holds_its_own_school_only(world):
    entries = ledger(world.store, world.C)
    own = {e.id for e in entries.values() if e.school_id == SCHOOL}
    others = {e.id for e in entries.values() if e.school_id != SCHOOL}
    assert own and others and entries[ROOMS_KEY].id in own
    page = world.clients["school"].get(f"/counties/{world.C}/ledger")
    assert page.status_code == 200
    shown = {int(i) for i in re.findall(rf'href="/counties/{world.C}/ledger/(\d+)"', page.text)}
    assert shown == own
    # another school's entry, or the county's own CV, is "not found"
    assert world.clients["school"].get(
        f"/counties/{world.C}/ledger/{entries[CV_KEY].id}").status_code == 404
    other_school = next(e for e in entries.values()
                        if e.school_id is not None and e.school_id != SCHOOL)
    assert world.clients["school"].get(
        f"/counties/{world.C}/ledger/{other_school.id}").status_code == 404
    assert world.clients["school"].get(
        f"/counties/{world.C}/ledger?school={other_school.school_id}").status_code == 404
    # the bureau's list filtered by the school: the same entries
    bureau = world.clients["bureau"].get(f"/counties/{world.C}/ledger?school={SCHOOL}")
    assert {int(i) for i in re.findall(rf'href="/counties/{world.C}/ledger/(\d+)"',
                                       bureau.text)} == own


# --- a late correction of an older school year ------------------------------------------------
def older_year(source: Path, target: Path, year: int) -> Path:
    """The workbook as an earlier school year: its rotations recorded in ``year``."""
    book = openpyxl.load_workbook(source)
    changed = 0
    for row in book["交流轮岗记录"].iter_rows(min_row=3):  # row 2: the English column names
        if isinstance(row[3].value, int):
            row[3].value = year
            changed += 1
    assert changed
    book.save(target)
    return target


def test_an_older_school_year_changes_nothing_in_the_ledger(world):
    before = ledger(world.store, world.C)
    assert before[ROOMS_KEY].status == "fixed"
    # last year's workbook still has 5 rooms: were it followed, the entry would reopen
    path = older_year(world.sample, world.folder / "county-2024.xlsx", 2024)
    answer = post(world, "bureau", f"/counties/{world.C}/upload",
                  files={"file": (path.name, path.read_bytes(), XLSX)})
    assert answer.status_code == 303, answer.text[:500]
    snap = snapshots(world.store, world.C)[-1]
    assert (snap.source, snap.school_year) == ("upload", 2024)
    world.ids["older"] = snap.id
    after = ledger(world.store, world.C)
    columns = ("status", "title", "detail", "office", "deadline", "last_seen_snapshot_id",
               "closed_by_snapshot_id", "reopened", "updated_at")
    assert {k: tuple(getattr(e, c) for c in columns) for k, e in after.items()} == {
        k: tuple(getattr(e, c) for c in columns) for k, e in before.items()}
    synced = [json.loads(a.detail)["snapshot"] for a in audits(world.store, world.C,
                                                                 "ledger_synced")]
    assert synced == [world.ids["upload"], world.ids["assembled"]]
    assert audits(world.store, world.C, "ledger_reopened_by_data") == []


# --- 6. the audit trail's filters and the trends page --------------------------------------------
HEAD = "<th>时间 When (UTC)</th>"


def trail(world, query: str) -> list[list[str]]:
    answer = world.clients["inspector"].get(f"/counties/{world.C}/audit{query}")
    assert answer.status_code == 200, answer.text[:300]
    if "没有符合条件的记录" in answer.text:
        return []
    return table_rows(answer.text, HEAD)


def test_the_audit_trail_filters_by_action_and_date(world):
    uploads = audits(world.store, world.C, "upload")
    (review,) = audits(world.store, world.C, "review")
    assert len(uploads) == 2
    days = sorted({a.at.date() for a in [*uploads, review]})
    span = f"from={days[0].isoformat()}&to={days[-1].isoformat()}"

    rows = trail(world, f"?action=upload&{span}")
    assert [r[0] for r in rows] == [a.at.strftime("%Y-%m-%d %H:%M:%S")
                                    for a in reversed(uploads)]  # newest first
    assert all(r[1].split()[0] == USERS["bureau"] and r[2].startswith("提交县域数据")
               for r in rows)
    rows = trail(world, f"?action=review&{span}")
    assert len(rows) == 1 and rows[0][0] == review.at.strftime("%Y-%m-%d %H:%M:%S")
    assert rows[0][2].startswith("审核学校数据") and "submission #" in rows[0][3]
    # the day after the last entry: nothing; the day of the first upload alone: its own
    after = (max(a.at for a in audits_all(world)).date() + timedelta(days=1)).isoformat()
    assert trail(world, f"?action=upload&from={after}") == []
    first_day = uploads[0].at.date().isoformat()
    rows = trail(world, f"?action=upload&from={first_day}&to={first_day}")
    assert len(rows) == sum(a.at.date() == uploads[0].at.date() for a in uploads)
    # every action of the county over the span: as many rows as the database holds
    everything = [a for a in audits_all(world) if days[0] <= a.at.date() <= days[-1]]
    answer = world.clients["inspector"].get(f"/counties/{world.C}/audit?{span}")
    assert f"共 {len(everything):,} 条" in answer.text
    # a bad date is answered, not an error
    assert world.clients["inspector"].get(
        f"/counties/{world.C}/audit?from=2025-13-40").status_code == 400


def audits_all(world) -> list[AuditEntry]:
    with world.store.session() as s:
        return list(s.scalars(select(AuditEntry).where(
            (AuditEntry.target == f"county:{world.C}")
            | AuditEntry.target.startswith(f"county:{world.C}/"))))


def test_the_years_page_shows_both_school_years(world):
    answer = world.clients["inspector"].get(f"/counties/{world.C}/years")
    assert answer.status_code == 200
    rows = table_rows(answer.text, "<th>学年 School year</th>")
    assert [r[0] for r in rows] == ["2024–2025", "2025–2026"]
    # each year's newest snapshot: 2024's late correction, 2025's assembled year
    assert rows[0][-1].startswith("county-2024.xlsx · ")
    assert rows[1][-1].startswith(f"{COUNTY}-2025学年-汇总.xlsx · ")
    # each row's figures are its own workbook's, evaluated here
    for row, name in zip(rows, ("county-2024.xlsx", "assembled.xlsx"), strict=True):
        ev = junheng.evaluate(junheng.load(world.folder / name))
        county = ev.counties.row(0, named=True)
        assert row[1] == t(county["verdict"], "zh")
        assert row[2] == f"{county['schools_meeting_rule']} / {county['schools_evaluated']}"
