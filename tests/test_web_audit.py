"""The audit trail (issue 16): a county's own entries (its targets ``county:{id}`` and
``county:{id}/…``, never ``county:{id}0``) for those who may read them, the whole trail for the
administrator; the actions named in Chinese, the details readable; the filters (action, user
name, UTC days, county), newest first, 100 a page; and every role's access."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from junheng.store import AuditEntry, User
from test_web_years import ROLES, USERNAMES, build_world, table_rows

HEAD = "<th>时间 When (UTC)</th>"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = build_world(tmp_path_factory.mktemp("web-audit"))
    a, b, s_id = w.ids["A"], w.ids["B"], w.ids["S"]
    with w.store.session() as s:
        uid = {u.username: u.id for u in s.scalars(select(User))}
        bureau, principal = uid["bureau_a"], uid["principal"]

        def add(at, user, action, target, detail=None):
            s.add(AuditEntry(at=at, user_id=user, action=action, target=target,
                             detail=None if detail is None else json.dumps(detail)))

        d = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
        add(d, bureau, "upload", f"county:{a}", {"snapshot": 3, "file": "a.xlsx",
                                                "sha256": "ab" * 32})
        add(d + timedelta(days=1, hours=1), principal, "submission", f"county:{a}/submission:1",
            {"school_id": s_id, "file": "s.xlsx"})
        add(datetime(2025, 3, 3, 23, 59, 59, tzinfo=UTC), bureau, "review",
            f"county:{a}/submission:1", {"status": "returned", "reason": "缺教师表"})
        add(datetime(2025, 3, 4, 0, 0, 0, tzinfo=UTC), bureau, "plan_adopted", f"county:{a}/plan:5")
        add(datetime(2025, 3, 5, 10, tzinfo=UTC), bureau, "ledger_updated", f"county:{a}/ledger:7",
            {"from": "open", "to": "in_progress"})
        add(datetime(2025, 3, 6, 10, tzinfo=UTC), None, "ledger_closed_by_data",
            f"county:{a}/ledger:7", {"snapshot": 4})
        add(datetime(2025, 3, 6, 12, tzinfo=UTC), principal, "evidence_uploaded",
            f"county:{a}/ledger:7", {"file": "photo.jpg"})
        add(datetime(2025, 3, 7, tzinfo=UTC), bureau, "mystery_action", f"county:{a}", {"n": 1})
        # not county A's: another county, and ids that merely begin with A's
        add(datetime(2025, 3, 2, tzinfo=UTC), uid["bureau_b"], "upload", f"county:{b}")
        add(datetime(2025, 3, 2, tzinfo=UTC), bureau, "plan_adopted", f"county:{a}0/plan:1")
        add(datetime(2025, 3, 2, tzinfo=UTC), bureau, "upload", f"county:{a}9")
        # enough for three pages, a minute apart, in 2024
        for i in range(230):
            add(datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i), bureau,
                "ledger_updated", f"county:{a}/ledger:{100 + i}", {"to": "fixed"})
        s.commit()
    return w


def trail(world, role: str, query: str = "", county: str | None = "A"):
    path = "/audit" if county is None else f"/counties/{world.ids[county]}/audit"
    return world.clients[role].get(path + query)


MARCH = "?from=2025-03-01&to=2025-03-31"


def test_a_countys_trail_is_its_own_newest_first_in_words(world):
    answer = trail(world, "inspector", MARCH)
    assert answer.status_code == 200
    rows = table_rows(answer.text, HEAD)
    a = world.ids["A"]
    assert [r[0] for r in rows] == ["2025-03-07 00:00:00", "2025-03-06 12:00:00",
                                    "2025-03-06 10:00:00", "2025-03-05 10:00:00",
                                    "2025-03-04 00:00:00", "2025-03-03 23:59:59",
                                    "2025-03-02 09:00:00", "2025-03-01 08:00:00"]
    assert [r[1].split()[0] for r in rows] == ["bureau_a", "principal", "—（系统或未登录", "bureau_a",
                                               "bureau_a", "bureau_a", "principal", "bureau_a"]
    assert [r[2].split()[0] for r in rows] == ["mystery_action", "上传佐证材料", "新数据销号", "更新台账",
                                               "采用方案", "审核学校数据", "学校提交数据", "提交县域数据"]
    assert rows[0][2] == "mystery_action"  # an unknown action as recorded, once
    assert rows[7][3] == f"示例县 county:{a}"
    assert rows[4][3] == f"示例县 › 方案 plan #5 county:{a}/plan:5"
    # the details in words, not JSON (a cell's text, its tags read as spaces)
    assert rows[5][4] == "状态 status： 已退回 原因 reason： 缺教师表"
    assert rows[3][4] == "原为 from： 待整改 改为 to： 整改中"
    assert rows[7][4] == "数据版本 snapshot： 3 文件 file： a.xlsx SHA-256： abababababab…"
    assert not any("{" in r[4] for r in rows)
    assert "UTC" in answer.text and "乙县" not in answer.text
    assert f"county:{a}0" not in answer.text and f"county:{a}9" not in answer.text
    # the choices offered are this trail's: not B's user
    assert '<option value="bureau_a">' in answer.text
    assert '<option value="bureau_b">' not in answer.text


@pytest.mark.parametrize(("query", "times"), [
    ("&action=review", ["2025-03-03 23:59:59"]),
    ("&user=principal", ["2025-03-06 12:00:00", "2025-03-02 09:00:00"]),
    ("&user=bureau_a&action=plan_adopted", ["2025-03-04 00:00:00"]),
    ("&user=nobody", []),
    ("&action=upload&user=bureau_b", []),  # B's upload is not A's
])
def test_the_filters(world, query, times):
    answer = trail(world, "county_a", MARCH + query)
    assert answer.status_code == 200
    found = [r[0] for r in table_rows(answer.text, HEAD)] if times else []
    assert found == times
    if not times:
        assert "没有符合条件的记录" in answer.text


def test_the_dates_are_whole_utc_days_inclusive(world):
    rows = table_rows(trail(world, "admin", "?from=2025-03-03&to=2025-03-04").text, HEAD)
    assert [r[0] for r in rows] == ["2025-03-04 00:00:00", "2025-03-03 23:59:59"]
    for query in ("?from=2025-13-01", "?to=yesterday", "?from=2025-03-05&to=2025-03-01"):
        answer = trail(world, "admin", query)
        assert answer.status_code == 400 and 'class="error"' in answer.text, query
        assert HEAD not in answer.text
    assert trail(world, "admin", "?page=two").status_code == 400


def test_a_hundred_a_page_newest_first_the_filters_kept(world):
    query = "?action=ledger_updated&to=2024-12-31"
    pages = [trail(world, "province", f"{query}&page={n}") for n in (1, 2, 3)]
    assert all(p.status_code == 200 for p in pages)
    times = [[r[0] for r in table_rows(p.text, HEAD)] for p in pages]
    assert [len(t) for t in times] == [100, 100, 30]
    every = [t for page in times for t in page]
    start = datetime(2024, 1, 1)
    assert every == [(start + timedelta(minutes=i)).strftime("%Y-%m-%d %H:%M:%S")
                     for i in reversed(range(230))]
    assert "共 230 条" in pages[0].text and "第 1 / 3 页" in pages[0].text
    assert 'href="?action=ledger_updated&amp;to=2024-12-31&amp;page=2"' in pages[0].text
    assert 'href="?action=ledger_updated&amp;to=2024-12-31&amp;page=2"' in pages[2].text
    assert [r[0] for r in table_rows(trail(world, "province", f"{query}&page=99").text, HEAD)
            ] == times[2]  # past the end: the last page


def test_the_whole_trail_for_the_administrator(world):
    a, b = world.ids["A"], world.ids["B"]
    # a real action recorded by the application: county A's report downloaded
    assert world.clients["county_a"].get(f"/counties/{a}/report.html").status_code == 200
    mine = table_rows(trail(world, "inspector", "?action=report_downloaded").text, HEAD)
    assert len(mine) == 1 and mine[0][1].startswith("bureau_a") and mine[0][2].startswith(
        "下载评估报告")
    everything = trail(world, "admin", county=None)
    assert everything.status_code == 200
    assert "全部操作记录" in everything.text
    logins = table_rows(trail(world, "admin", "?action=login", county=None).text, HEAD)
    assert {r[1].split()[0] for r in logins} >= set(USERNAMES.values())
    assert all(r[2].startswith("登录") and r[3].startswith("用户 user #") for r in logins)
    only_b = table_rows(trail(world, "admin", f"?county={b}", county=None).text, HEAD)
    assert [(r[0], r[1].split()[0], r[2].split()[0]) for r in only_b] == [
        ("2025-03-02 00:00:00", "bureau_b", "提交县域数据")]
    only_a = table_rows(trail(world, "admin", f"?county={a}&to=2025-12-31", county=None).text,
                        HEAD)
    assert len(only_a) == 100  # a page of A's 238
    assert "共 238 条" in trail(world, "admin", f"?county={a}&to=2025-12-31", county=None).text
    assert trail(world, "admin", "?county=x", county=None).status_code == 400


OK, LOGIN, NF = (200, None), (303, "/login"), (404, None)
ACCESS = [  # path, then anon admin province county_a school inspector county_b
    ("/counties/{A}/audit", (LOGIN, OK, OK, OK, NF, OK, NF)),
    ("/counties/{B}/audit", (LOGIN, OK, NF, NF, NF, NF, OK)),
    ("/counties/9999/audit", (LOGIN, NF, NF, NF, NF, NF, NF)),
    ("/audit", (LOGIN, OK, NF, NF, NF, NF, NF)),
]


@pytest.mark.parametrize(("path", "outcomes"), ACCESS)
def test_who_may_read_the_trail(world, path, outcomes):
    for role, (status, location) in zip(ROLES, outcomes, strict=True):
        answer = world.clients[role].get(path.format(**world.ids))
        assert answer.status_code == status, (role, path)
        if location:
            assert answer.headers["location"] == location
        if status == 404:
            assert HEAD not in answer.text


def test_every_action_the_application_records_has_a_chinese_name():
    """Scan the sources for ``audit(session, user, "action", …)``: each action is named on the
    audit page (a new action without a name would be shown as its code)."""
    import re
    from pathlib import Path

    from junheng.web.routes.audit import ACTIONS

    root = Path(__file__).resolve().parent.parent / "src" / "junheng"
    recorded = set()
    for path in root.rglob("*.py"):
        recorded |= set(re.findall(r'audit\(\s*\w+,\s*[^,]+,\s*"([a-z_]+)"', path.read_text()))
    assert {"upload", "review", "assemble", "plan_adopted", "ledger_updated"} <= recorded
    assert recorded - set(ACTIONS) == set()


def test_a_ledger_change_reads_in_words():
    from junheng.web.routes.audit import _value

    shown = _value("changes", {"office": [None, "督导室"], "status": ["open", "in_progress"],
                               "note": "changed"})
    assert shown == "责任科室 — → 督导室；状态 待整改 → 整改中；备注 已修改 changed"
