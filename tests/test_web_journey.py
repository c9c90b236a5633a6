"""The web application in Debian's Chromium (Playwright), against a real uvicorn server on
loopback: the first admin signs in with the one-time password printed by ``junheng serve``,
sets a password, creates a county and its bureau user; the bureau signs in, uploads a workbook
with errors (located, in Chinese, nothing saved), then the county's data, sees the verdict
and the 整改清单, opens a school and downloads the Excel report; a second county's user is
refused all of it. Screenshots: build/test-artifacts/web-*.png."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

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


def create_user(page, url: str, username: str, role: str, county: str | None = None) -> str:
    page.goto(f"{url}/admin")
    form = page.locator("form[action='/admin/users']")
    form.locator("input[name=username]").fill(username)
    form.locator("select[name=role]").select_option(role)
    if county:
        form.locator("select[name=county_id]").select_option(label=county)
    form.locator("button").click()
    created = page.locator(".created code").inner_text()
    assert len(created) >= 12
    return created


def test_the_journey_from_first_admin_to_the_report(server, browser, tmp_path):
    url = server["url"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sample = junheng.write_sample(tmp_path / "county.xlsx", schools=12, seed=3)
    county_name = junheng.load(sample).schools["county"][0]
    errors: list[str] = []

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
    bureau_password = create_user(admin, url, "bureau", "county", county_name)
    other_password = create_user(admin, url, "other", "county", "另一县")
    admin.screenshot(path=str(ARTIFACTS / "web-admin.png"), full_page=True)

    bureau = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    bureau.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(bureau, url, "bureau", bureau_password)
    set_password(bureau, bureau_password, "bureau-password-1")
    bureau.click(f"text={county_name}")
    county_url = bureau.url
    # A workbook with errors: every problem listed, located, and nothing saved.
    bad = write_xlsx(tmp_path / "bad.xlsx", {"学校": [{"学校标识码": "X1"}]})
    bureau.set_input_files("input[type=file]", str(bad))
    bureau.click("text=上传并评估")
    alert = bureau.locator(".problems")
    assert "未保存" in alert.inner_text() and "应为" in alert.inner_text()
    assert alert.locator("tbody tr").count() >= 1
    bureau.screenshot(path=str(ARTIFACTS / "web-upload-errors.png"), full_page=True)
    assert bureau.locator(".verdict").count() == 0  # still no data
    # The county's data: evaluated, the 整改清单 first.
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
    with bureau.expect_download() as download:
        bureau.click("text=Excel")
    saved = tmp_path / "report.xlsx"
    download.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK" and download.value.suggested_filename.endswith(".xlsx")
    bureau.locator("table.grid a").first.click()
    assert "七项指标" in bureau.locator("main").inner_text()
    bureau.screenshot(path=str(ARTIFACTS / "web-school.png"), full_page=True)

    # The other county's user sees none of it, by page, by report link or by API.
    other = browser.new_context().new_page()
    sign_in(other, url, "other", other_password)
    set_password(other, other_password, "other-password-1")
    assert county_name not in other.locator("main").inner_text()
    county_id = county_url.rsplit("/", 1)[1]
    for path in (f"/counties/{county_id}", f"/counties/{county_id}/report.xlsx",
                 f"/api/counties/{county_id}/evaluation"):
        response = other.request.get(f"{url}{path}")
        assert response.status == 404, path
    assert errors == []
