"""``junheng serve``'s start: the first admin and the demo users, once; a database that
cannot be opened is a message and exit 2, its password never shown."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select

from junheng.cli._serve import first_users
from junheng.store import County, Snapshot, User, open_store, verify_password


def test_the_first_start_prints_the_admin_and_demo_passwords_once(tmp_path):
    store = open_store(folder=tmp_path)
    lines = first_users(store, demo=True)
    assert lines[0].startswith("首个管理员 first admin: admin / ")
    names = [line.split(": ")[1].split(" / ")[0] for line in lines[1:]]
    assert names == ["bureau", "school", "inspector", "city"]
    with store.session() as s:
        users = {u.username: u for u in s.scalars(select(User))}
        # each printed one-time password is the user's, and must be changed at first sign-in
        for line in lines:
            name, rest = line.split(": ", 1)[1].split(" / ", 1)
            assert verify_password(users[name].password_hash, rest.split("（")[0])
            assert users[name].must_change_password
        county = s.scalar(select(County).where(County.name == "示例县"))
        assert users["bureau"].county_id == county.id and users["city"].region == county.region
        assert users["school"].school_id is not None
        assert s.scalar(select(func.count()).select_from(Snapshot)) == 1
    again = first_users(store, demo=True)
    assert again == ["示例县已存在 / the sample county is already loaded"]


def test_a_database_that_cannot_be_opened_is_exit_2_without_its_password():
    done = subprocess.run([sys.executable, "-c", "from junheng.cli import main; main()",
                           "serve", "--db", "postgresql+psycopg://u:secret@127.0.0.1:1/x"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "无法打开数据库" in done.stderr and "secret" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_an_expired_session_opens_nothing(tmp_path):
    import re
    from datetime import UTC, datetime, timedelta

    from fastapi.testclient import TestClient

    from junheng.store import WebSession, create_user
    from junheng.web import create_app

    store = open_store(folder=tmp_path)
    with store.session() as s:
        create_user(s, "admin2", "pw-123456789", "admin")
        s.commit()
    client = TestClient(create_app(store), follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "admin2", "password": "pw-123456789",
                                "csrf": token})
    assert client.get("/").status_code == 200
    with store.session() as s:
        for ws in s.scalars(select(WebSession)):
            ws.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        s.commit()
    answer = client.get("/")
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")


def test_a_damaged_upload_is_named_by_the_users_file_name_and_nothing_is_kept(tmp_path):
    import re

    from fastapi.testclient import TestClient

    from junheng.store import County, create_user
    from junheng.web import create_app

    store = open_store(folder=tmp_path)
    with store.session() as s:
        county = County(name="示例县")
        s.add(county)
        s.flush()
        create_user(s, "b", "pw-123456789", "county", county_id=county.id)
        s.commit()
    client = TestClient(create_app(store))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "b", "password": "pw-123456789", "csrf": token})
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/counties/1").text).group(1)
    answer = client.post("/counties/1/upload", data={"csrf": token},
                         files={"file": ("损坏的报表.xlsx", b"\x00not a workbook" * 50)})
    assert answer.status_code == 400
    cells = re.findall(r"<td>(.*?)</td>", answer.text)
    assert cells[0] == "损坏的报表.xlsx" and "不是 .xlsx" in cells[2]
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Snapshot)) == 0
