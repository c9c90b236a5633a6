"""The web application in Debian's Chromium (Playwright), against a real uvicorn server on
loopback — the whole journey of issue 16:

1. the first admin signs in with the one-time password printed by ``junheng serve``, sets a
   password, creates two counties and their users (a bureau, two schools, another county's
   bureau);
2. the bureau uploads a workbook with errors (located, in Chinese, nothing saved), then the
   county's workbook: the verdict, the 整改清单 first, and the 问题台账 opens its entries;
3. two schools submit their own rows: one with an error (located, corrected), the other with
   one more multimedia classroom — enough, by the standard's own threshold, to close a gap;
4. the bureau approves both and assembles the school year: the ledger entry of that gap is
   closed by the new data (已整改);
5. the bureau runs a rotation plan as a background job, adopts it, downloads the report;
6. the other county's bureau is refused every page, file and API of the first county.

Screenshots: build/test-artifacts/web-*.png."""

from __future__ import annotations

import math
import re
import socket
import threading
import time
from pathlib import Path

import openpyxl
import pytest

import junheng
from conftest import write_xlsx

ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from junheng.cli._serve import first_users
    from junheng.store import open_store
    from junheng.web import create_app

    folder = tmp_path_factory.mktemp("web")
    store = open_store(folder=folder / "data")
    lines = first_users(store, demo=False)
    password = re.search(r"admin / (\S+)（", lines[0]).group(1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield {"url": f"http://127.0.0.1:{port}", "admin_password": password, "folder": folder,
           "store": store}
    srv.should_exit = True
    thread.join(timeout=10)


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def set_password(page, old: str, new: str) -> None:
    assert page.url.endswith("/password")
    page.fill("input[name=current_password]", old)
    page.fill("input[name=new]", new)
    page.fill("input[name=again]", new)
    page.click("main button[type=submit]")


def create_user(page, url: str, username: str, role: str, county: str | None = None,
                school_id: str | None = None) -> str:
    page.goto(f"{url}/admin")
    form = page.locator("form[action='/admin/users']")
    form.locator("input[name=username]").fill(username)
    form.locator("select[name=role]").select_option(role)
    if county:
        form.locator("select[name=county_id]").select_option(label=county)
    if school_id:
        form.locator("input[name=school_id]").fill(school_id)
    form.locator("button").click()
    created = page.locator(".created code").inner_text()
    assert len(created) >= 12
    return created


def first_sign_in(browser, url: str, username: str, password: str, errors: list) -> object:
    """A new browser context for the user, signed in and past the forced password change."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, url, username, password)
    set_password(page, password, f"{username}-password-1")
    return page


def stage_cell(book, school_id: str, stage_zh: str, column: str):
    """A cell of the 学段 sheet (openpyxl, not junheng's reader): the second header row holds
    the contract's column keys."""
    sheet = book["学段"]
    header = [c.value for c in sheet[2]]
    for row in sheet.iter_rows(min_row=3):
        if row[0].value == school_id and row[1].value == stage_zh:
            return row[header.index(column)]
    raise KeyError(school_id)


def rooms_gap(sample: Path) -> tuple[str, int, int]:
    """A primary school–stage below 2.3 network multimedia classrooms per 100 pupils (STANDARDS
    item 1), read with openpyxl: (school id, rooms, the fewest rooms that meet 2.3)."""
    book = openpyxl.load_workbook(sample)
    sheet = book["学段"]
    header = [c.value for c in sheet[2]]
    for row in sheet.iter_rows(min_row=3, values_only=True):
        if row[1] != "小学":
            continue
        pupils, rooms = row[header.index("students")], row[header.index("multimedia_rooms")]
        if pupils and rooms is not None and rooms * 100 < 2.3 * pupils:
            return row[0], rooms, math.ceil(23 * pupils / 1000)
    raise AssertionError("the sample has no multimedia gap to close")


def download(page, link_text: str, target: Path) -> Path:
    with page.expect_download() as info:
        page.click(f"text={link_text}")
    info.value.save_as(target)
    return target


def test_the_journey_from_first_admin_to_a_closed_gap(server, browser, tmp_path):
    url = server["url"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sample = junheng.write_sample(tmp_path / "county.xlsx", schools=12, seed=3)
    county_name = junheng.load(sample).schools["county"][0]
    fixed_school, rooms, enough = rooms_gap(sample)
    other_school = next(c.value for c in openpyxl.load_workbook(sample)["学段"]["A"][2:]
                        if c.value != fixed_school)
    errors: list[str] = []

    # 1. the first admin: a password, two counties, their users
    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    admin.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(admin, url, "admin", server["admin_password"])
    set_password(admin, server["admin_password"], "admin-password-1")
    assert admin.url == f"{url}/"
    admin.goto(f"{url}/admin")
    form = admin.locator("form[action='/admin/counties']")
    form.locator("input[name=name]").fill(county_name)
    form.locator("input[name=region]").fill("示例市")
    form.locator("button").click()
    form.locator("input[name=name]").fill("另一县")
    form.locator("button").click()
    passwords = {"bureau": create_user(admin, url, "bureau", "county", county_name),
                 "school1": create_user(admin, url, "school1", "school", county_name,
                                        fixed_school),
                 "school2": create_user(admin, url, "school2", "school", county_name,
                                        other_school),
                 "other": create_user(admin, url, "other", "county", "另一县")}
    admin.screenshot(path=str(ARTIFACTS / "web-admin.png"), full_page=True)

    # 2. the bureau: a workbook with errors, then the county's data
    bureau = first_sign_in(browser, url, "bureau", passwords["bureau"], errors)
    bureau.click(f"text={county_name}")
    county_url = bureau.url
    bad = write_xlsx(tmp_path / "bad.xlsx", {"学校": [{"学校标识码": "X1"}]})
    bureau.set_input_files("input[type=file]", str(bad))
    bureau.click("text=上传并评估")
    alert = bureau.locator(".problems")
    assert "未保存" in alert.inner_text() and "应为" in alert.inner_text()
    assert alert.locator("tbody tr").count() >= 1
    bureau.screenshot(path=str(ARTIFACTS / "web-upload-errors.png"), full_page=True)
    assert bureau.locator(".verdict").count() == 0  # still no data
    bureau.set_input_files("input[type=file]", str(sample))
    bureau.click("text=上传并评估")
    assert bureau.url == county_url
    verdict = bureau.locator(".verdict").first.inner_text()
    expected = junheng.evaluate(junheng.load(sample)).counties.row(0, named=True)
    assert ("未达标" if expected["verdict"] != "pass" else "达标") in verdict
    assert f"{expected['schools_meeting_rule']} / {expected['schools_evaluated']}" in verdict
    headings = bureau.locator("main h2").all_inner_texts()
    assert headings[1].startswith("整改清单")  # after the upload form, before everything else
    bureau.screenshot(path=str(ARTIFACTS / "web-county.png"), full_page=True)
    # the ledger opened an entry for the multimedia gap, 待整改
    bureau.goto(f"{county_url}/ledger?school={fixed_school}")
    bureau.locator("main a", has_text="网络多媒体教室").first.click()
    entry_url = bureau.url
    assert "待整改" in bureau.locator("main").inner_text()

    # 3. two schools submit their own rows
    school2 = first_sign_in(browser, url, "school2", passwords["school2"], errors)
    assert school2.url.endswith(f"/schools/{other_school}")  # a school lands on its own page
    school2.click("text=本校填报")
    own = download(school2, f"{other_school}-本校填报.xlsx", tmp_path / "school2.xlsx")
    book = openpyxl.load_workbook(own)
    stage = "小学" if any(r[1].value == "小学" for r in book["学段"].iter_rows(min_row=3)) \
        else "初中"
    stage_cell(book, other_school, stage, "students").value = -5
    book.save(tmp_path / "school2-bad.xlsx")
    school2.set_input_files("input[type=file]", str(tmp_path / "school2-bad.xlsx"))
    school2.click("text=上传并校验")
    problems = school2.locator(".problems").inner_text()
    assert "在校生" in problems and "-5" in problems  # located: sheet, row, column, value
    school2.screenshot(path=str(ARTIFACTS / "web-school-submission-errors.png"), full_page=True)
    school2.set_input_files("input[type=file]", str(own))  # corrected: its rows as they were
    school2.click("text=上传并校验")
    assert "待审核" in school2.locator("main").inner_text()

    school1 = first_sign_in(browser, url, "school1", passwords["school1"], errors)
    school1.click("text=本校填报")
    own = download(school1, f"{fixed_school}-本校填报.xlsx", tmp_path / "school1.xlsx")
    book = openpyxl.load_workbook(own)
    cell = stage_cell(book, fixed_school, "小学", "multimedia_rooms")
    assert cell.value == rooms
    cell.value = enough
    book.save(tmp_path / "school1-more-rooms.xlsx")
    school1.set_input_files("input[type=file]", str(tmp_path / "school1-more-rooms.xlsx"))
    school1.click("text=上传并校验")
    assert "待审核" in school1.locator("main").inner_text()
    school1.screenshot(path=str(ARTIFACTS / "web-school-submission.png"), full_page=True)

    # 4. the bureau approves both and assembles the school year: the gap is closed by data
    bureau.goto(f"{county_url}/submissions")
    for _ in range(2):
        bureau.locator("button.approve").first.click()
    assert bureau.locator("button.approve").count() == 0
    bureau.screenshot(path=str(ARTIFACTS / "web-submissions-approved.png"), full_page=True)
    bureau.click("text=汇总并评估")
    assert bureau.url == county_url
    bureau.goto(entry_url)
    assert "已整改" in bureau.locator("main").inner_text()
    bureau.screenshot(path=str(ARTIFACTS / "web-ledger-closed.png"), full_page=True)

    # 5. a rotation plan as a background job, adopted; the report downloaded
    bureau.goto(f"{county_url}/plans")
    form = bureau.locator("form.kind").filter(has=bureau.locator("input[value=rotation]"))
    form.locator("input[name=time_limit]").fill("20")
    form.locator("button").click()
    plan_url = bureau.url
    deadline = time.monotonic() + 90
    while "完成" not in bureau.locator("span.status").inner_text():
        assert "失败" not in bureau.locator("main").inner_text()
        assert time.monotonic() < deadline, "the plan did not finish"
        time.sleep(1)
        bureau.goto(plan_url)
    bureau.click("text=采用此方案")
    assert "已采用" in bureau.locator("main").inner_text()
    bureau.screenshot(path=str(ARTIFACTS / "web-plan-adopted.png"), full_page=True)
    bureau.goto(county_url)
    saved = download(bureau, "Excel", tmp_path / "report.xlsx")
    assert saved.read_bytes()[:2] == b"PK"

    # 6. the other county's bureau sees none of it: page, file, API
    other = first_sign_in(browser, url, "other", passwords["other"], errors)
    assert county_name not in other.locator("main").inner_text()
    county_id = county_url.rsplit("/", 1)[1]
    plan_id = plan_url.rsplit("/", 1)[1]
    entry_id = entry_url.rsplit("/", 1)[1]
    base = f"/counties/{county_id}"
    for path in (base, f"{base}/report.xlsx", f"{base}/report.html", f"{base}/report.docx",
                 f"/api/counties/{county_id}/evaluation", f"{base}/submissions",
                 f"{base}/schools/{fixed_school}", f"{base}/schools/{fixed_school}/submission",
                 f"{base}/schools/{fixed_school}/submission.xlsx",
                 f"{base}/schools/{fixed_school}/teachers", f"{base}/plans",
                 f"{base}/plans/{plan_id}", f"{base}/plans/{plan_id}/files.zip",
                 f"/api/counties/{county_id}/plans/{plan_id}", f"{base}/ledger",
                 f"{base}/ledger/{entry_id}", f"{base}/years", f"{base}/audit"):
        response = other.request.get(f"{url}{path}")
        assert response.status == 404, path
        assert county_name not in response.text(), path
    token = re.search(r'name="csrf" value="([^"]+)"', other.content()).group(1)
    for path in (f"{base}/plans/{plan_id}/adopt", f"{base}/ledger/{entry_id}",
                 f"{base}/submissions/assemble"):
        response = other.request.post(f"{url}{path}", form={"csrf": token, "school_year": "2025"})
        assert response.status == 404, path
    assert errors == []
