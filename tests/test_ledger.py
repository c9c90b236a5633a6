"""The 问题台账's gaps and their sync with new snapshots (``junheng.web.ledger``), on a county
written by hand.

测试县 (thresholds of STANDARDS.md §1.1; every school primary, 100 pupils, 3 classes):

- each school has 5 teachers with a bachelor's degree (5.0 ≥ 4.2 per 100), 1 county backbone
  teacher (1.0 ≥ 1.0), 1 PE teacher (1.0 ≥ 0.9), 500 m² of teaching rooms (5.0 ≥ 4.5 per pupil),
  250 000 元 of equipment (2500 ≥ 2000), one music room of 96 m² and one art room of 90 m²
  (3 classes need one of each, §1.3 item 3);
- sports area: P1 200 m² (2.0 of 7.5 per pupil: 26.7 % < 85 %, so P1 fails the per-school rule
  although it meets 6 of 7), P2 2000 m² (20), P3 800 m² (8). The CV of sports area, weighted by
  equal enrolments: mean 10, variance (64 + 100 + 4) / 3 = 56, CV √56 / 10 = 0.748 > 0.50;
- P2 has 2 multimedia rooms (2.0 of 2.3 per 100: 87 % ≥ 85 %, so it still passes the rule: an
  indicator gap, no rule gap); the CV of multimedia rooms is √(2/9) / (8/3) = 0.177 ≤ 0.50;
- P2's largest class has 46 pupils (> 45, item 5); one more P3 teacher has no certificate
  (item 12); no rotation records (item 11: no data);
- the county row declares every figure met but a junior retention of 93 % (< 95 %, quality
  item 1) and a key school (a veto).

With P1's sports area raised to 750 m² (exactly 7.5 per pupil: 以上 includes the threshold),
P1 passes and the sports CV becomes 0.488 ≤ 0.50: three gaps close.
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date
from fractions import Fraction as F
from pathlib import Path

import pytest
from sqlalchemy import func, select

import junheng
from conftest import school_row, stage_row, teachers, write_xlsx
from junheng.store import AuditEntry, County, LedgerEntry, Snapshot, open_store
from junheng.web.ledger import (
    MAX_EVIDENCE_BYTES,
    check_evidence,
    gaps,
    overdue,
    sync,
    target,
)
from test_rectification import declared

COUNTY = "测试县"
# every figure met but two: junior retention 0.93 (< 0.95) and a key-school veto
DECLARED = declared(COUNTY, junior_retention_rate=0.93, veto_key_schools="是")


def tables(p1_sports: float = 200) -> dict[str, list[dict]]:
    schools = [school_row(sid, county=COUNTY) for sid in ("P1", "P2", "P3")]
    stages, staff, rooms = [], [], []
    for sid, sports, multimedia, largest in (("P1", p1_sports, 3, 40), ("P2", 2000, 2, 46),
                                             ("P3", 800, 3, 40)):
        stages.append(stage_row(sid, "primary", 100, classes=3, largest_class=largest,
                                teaching_area_m2=500, sports_area_m2=sports,
                                equipment_value_yuan=250_000, multimedia_rooms=multimedia))
        staff += (teachers(sid, "primary", 5, education="bachelor")
                  + teachers(sid, "primary", 1, backbone="county")
                  + teachers(sid, "primary", 1, subject="pe"))
        rooms += [{"school_id": sid, "room_type": "music", "area_m2": 96},
                  {"school_id": sid, "room_type": "art", "area_m2": 90}]
    staff += teachers("P3", "primary", 1, certified="否")
    for t in staff:
        t.setdefault("certified", "是")
        t.update(career_start=2010, training_hours_5y=400, school_since=2023)
    return {"schools": schools, "stages": stages, "teachers": staff, "rooms": rooms,
            "county": [DECLARED]}


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The county's workbook (``a``) and the one with P1's sports area raised (``b``)."""
    folder = tmp_path_factory.mktemp("ledger")
    return {"a": write_xlsx(folder / "a.xlsx", tables()),
            "b": write_xlsx(folder / "b.xlsx", tables(p1_sports=750))}


@pytest.fixture(scope="module")
def evaluations(books):
    return {k: junheng.evaluate(junheng.load(p), year=2025) for k, p in books.items()}


def cv(values: list[F]) -> float:
    """STANDARDS.md §1.2 with equal enrolments."""
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    return math.sqrt(variance) / float(mean)


# --- the gaps --------------------------------------------------------------------------------
EXPECTED = {  # key → (kind, school, stage), written from the county above
    "rule:P1:primary": ("rule", "P1", "primary"),
    "indicator:P1:primary:sports_area_per_student": ("indicator", "P1", "primary"),
    "indicator:P2:primary:multimedia_rooms_per100": ("indicator", "P2", "primary"),
    "cv:primary:sports_area_per_student": ("cv", None, "primary"),
    "item:class_size": ("item", None, None),
    "item:rotation": ("item", None, None),
    "item:certified": ("item", None, None),
    "item:junior_retention": ("item", None, None),
    "breach:class_size:P2:primary": ("breach", "P2", "primary"),
    "breach:certified:P3": ("breach", "P3", None),
    "veto:key_schools": ("veto", None, None),
}


def test_every_gap_of_the_hand_made_county(evaluations):
    found = gaps(evaluations["a"], COUNTY)
    assert {g.key: (g.kind, g.school_id, g.stage) for g in found} == EXPECTED
    assert len(found) == len(EXPECTED)  # each once
    by_key = {g.key: g for g in found}

    rule = by_key["rule:P1:primary"]
    assert rule.detail["met"] == 6 and rule.detail["of"] == 7 and rule.detail["required"] == 6
    assert rule.detail["below_floor"] == ["生均体育运动场馆面积"]
    assert rule.title.startswith("学校P1（小学）未达到学校达标要求")

    sports = by_key["indicator:P1:primary:sports_area_per_student"].detail
    assert sports["value"] == pytest.approx(2.0) and sports["threshold"] == pytest.approx(7.5)
    assert sports["ratio"] == pytest.approx(float(F(2) / F("7.5")))
    assert sports["shortfall"] == pytest.approx(550.0)  # 7.5 × 100 − 200 m²
    assert sports["floor_met"] is False

    rooms = by_key["indicator:P2:primary:multimedia_rooms_per100"]
    assert rooms.detail["value"] == pytest.approx(2.0)
    assert rooms.detail["threshold"] == pytest.approx(2.3)
    assert rooms.detail["floor_met"] is True
    assert "2 间/百生，低于标准 2.3 间/百生" in rooms.title

    over = by_key["cv:primary:sports_area_per_student"].detail
    assert over["cv"] == pytest.approx(cv([F(2), F(20), F(8)]), abs=1e-9)
    assert over["cv"] == pytest.approx(math.sqrt(56) / 10, abs=1e-9)
    assert over["limit"] == 0.5

    assert by_key["item:junior_retention"].detail["state"] == "fail"
    assert by_key["item:junior_retention"].detail["value"] == pytest.approx(0.93)
    assert by_key["item:junior_retention"].title == \
        "教育质量第 1 项「全县初中三年巩固率达到95%以上」未达标"
    assert by_key["item:rotation"].detail["state"] == "incomplete"
    assert by_key["item:rotation"].title.endswith("缺数据")
    assert "1 名" in by_key["breach:certified:P3"].title
    assert by_key["veto:key_schools"].title == "存在否决情形：设置重点学校或重点班"
    # nothing in a gap names a teacher: breaches carry counts only
    text = json.dumps([g.detail for g in found], ensure_ascii=False)
    assert "teacher_id" not in text and "T0" not in text


def test_raising_one_schools_sports_area_closes_exactly_its_gaps(evaluations):
    after = {g.key for g in gaps(evaluations["b"], COUNTY)}
    # 750 m² is 7.5 per pupil: met (inclusive); CV of (7.5, 20, 8): mean 71/6, variance
    # ((−26/6)² + (49/6)² + (−23/6)²) / 3 = 601/18, CV = √(601/18) / (71/6) = 0.488 ≤ 0.50
    assert cv([F("7.5"), F(20), F(8)]) == pytest.approx(math.sqrt(601 / 18) / (71 / 6))
    assert math.sqrt(601 / 18) / (71 / 6) < 0.5
    closed = {"rule:P1:primary", "indicator:P1:primary:sports_area_per_student",
              "cv:primary:sports_area_per_student"}
    assert after == set(EXPECTED) - closed


def test_a_county_not_in_the_evaluation_is_an_error(evaluations):
    with pytest.raises(KeyError, match="没有这个县"):
        gaps(evaluations["a"], "没有这个县")


# --- sync on a store -----------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path):
    return open_store(folder=tmp_path / "db")


def add_snapshot(s, county_id: int, path: Path, year: int = 2025) -> Snapshot:
    content = path.read_bytes()
    snap = Snapshot(county_id=county_id, school_year=year, filename=path.name, content=content,
                    sha256=hashlib.sha256(content).hexdigest())
    s.add(snap)
    s.flush()
    return snap


def entries(s, county_id: int) -> dict[str, LedgerEntry]:
    return {e.key: e for e in s.scalars(select(LedgerEntry)
                                        .where(LedgerEntry.county_id == county_id))}


def actions(s, county_id: int, action: str) -> list[str]:
    rows = s.scalars(select(AuditEntry).where(AuditEntry.action == action)
                     .order_by(AuditEntry.id))
    return [a.target for a in rows if a.target.startswith(f"county:{county_id}/")]


def test_sync_opens_closes_and_reopens(store, books, evaluations):
    closing = {"rule:P1:primary", "indicator:P1:primary:sports_area_per_student",
               "cv:primary:sports_area_per_student"}
    with store.session() as s:
        county = County(name=COUNTY)
        s.add(county)
        s.flush()
        cid = county.id

        first = add_snapshot(s, cid, books["a"])
        result = sync(s, cid, first, evaluations["a"])
        now = entries(s, cid)
        assert set(now) == set(EXPECTED)
        assert len(result.opened) == len(EXPECTED) and not result.closed + result.reopened
        for key, e in now.items():
            assert (e.kind, e.school_id, e.stage) == EXPECTED[key]
            assert e.status == "open" and e.reopened == 0
            assert e.opened_snapshot_id == e.last_seen_snapshot_id == first.id
            assert e.closed_by_snapshot_id is None
        assert actions(s, cid, "ledger_closed_by_data") == []

        # the bureau works on two entries by hand
        now["indicator:P2:primary:multimedia_rooms_per100"].status = "in_progress"
        now["veto:key_schools"].status = "fixed"  # declared fixed before the data says so

        # the second snapshot: P1's sports area raised
        second = add_snapshot(s, cid, books["b"])
        result = sync(s, cid, second, evaluations["b"])
        now = entries(s, cid)
        assert {k for k, e in now.items() if e.status == "fixed"} == closing
        for key in closing:
            assert now[key].closed_by_snapshot_id == second.id
            assert now[key].last_seen_snapshot_id == first.id  # not seen since
        assert set(result.closed) == {now[k].id for k in closing}
        assert now["indicator:P2:primary:multimedia_rooms_per100"].status == "in_progress"
        assert now["indicator:P2:primary:multimedia_rooms_per100"].last_seen_snapshot_id == \
            second.id
        # the veto is still in the data: a fixed entry whose gap is present is reopened
        assert now["veto:key_schools"].status == "open" and now["veto:key_schools"].reopened == 1
        assert set(result.reopened) == {now["veto:key_schools"].id}
        assert sorted(actions(s, cid, "ledger_closed_by_data")) == sorted(
            target(cid, now[k].id) for k in closing)

        # one closed entry is verified by the bureau; a third snapshot brings the gaps back
        now["rule:P1:primary"].status = "verified"
        third = add_snapshot(s, cid, books["a"])
        result = sync(s, cid, third, evaluations["a"])
        now = entries(s, cid)
        for key in closing:
            assert now[key].status == "open" and now[key].reopened == 1
            assert now[key].closed_by_snapshot_id is None
            assert now[key].last_seen_snapshot_id == third.id
        assert set(result.reopened) == {now[k].id for k in closing}
        assert result.opened == ()  # the same keys: no new entries
        assert s.scalar(select(func.count()).select_from(LedgerEntry)) == len(EXPECTED)
        reopened = actions(s, cid, "ledger_reopened_by_data")
        assert sorted(reopened) == sorted([target(cid, now["veto:key_schools"].id)]
                                          + [target(cid, now[k].id) for k in closing])
        details = [json.loads(a.detail) for a in s.scalars(select(AuditEntry).where(
            AuditEntry.action == "ledger_reopened_by_data"))]
        assert {d["was"] for d in details} == {"fixed", "verified"}
        assert all(a.user_id is None for a in s.scalars(select(AuditEntry).where(
            AuditEntry.action.like("ledger_%_by_data"))))
        synced = s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "ledger_synced"))
        assert synced == 3


def test_only_the_newest_school_year_drives_the_ledger(store, books, evaluations):
    with store.session() as s:
        county = County(name=COUNTY)
        s.add(county)
        s.flush()
        cid = county.id
        sync(s, cid, add_snapshot(s, cid, books["a"], 2025), evaluations["a"])
        before = {k: (e.status, e.last_seen_snapshot_id) for k, e in entries(s, cid).items()}
        audits = s.scalar(select(func.count()).select_from(AuditEntry))

        # last year's data, uploaded late, shows P1 fixed: it says nothing about this year
        late = add_snapshot(s, cid, books["b"], 2024)
        result = sync(s, cid, late, evaluations["b"])
        assert result.skipped and not (result.opened or result.closed or result.reopened)
        assert {k: (e.status, e.last_seen_snapshot_id)
                for k, e in entries(s, cid).items()} == before
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == audits

        # next year's data does
        newer = add_snapshot(s, cid, books["b"], 2026)
        result = sync(s, cid, newer, evaluations["b"])
        assert not result.skipped and len(result.closed) == 3
        # and from then on a 2025 snapshot is the older year
        again = add_snapshot(s, cid, books["a"], 2025)
        assert sync(s, cid, again, evaluations["a"]).skipped
        assert entries(s, cid)["rule:P1:primary"].status == "fixed"


# --- deadlines and evidence ----------------------------------------------------------------------
def test_overdue_only_after_the_deadline_day_while_still_open():
    day = date(2026, 6, 30)
    for status, deadline, on, expected in [
        ("open", date(2026, 6, 29), day, True),
        ("in_progress", date(2026, 6, 29), day, True),
        ("open", day, day, False),  # the deadline day itself is not late
        ("open", None, day, False),
        ("fixed", date(2026, 1, 1), day, False),
        ("verified", date(2026, 1, 1), day, False),
    ]:
        entry = LedgerEntry(status=status, deadline=deadline)
        assert overdue(entry, on) is expected, (status, deadline)


@pytest.mark.parametrize(("name", "content", "media"), [
    ("整改报告.pdf", b"%PDF-1.7\n...", "application/pdf"),
    ("照片.JPG", b"\xff\xd8\xff\xe0rest", "image/jpeg"),
    ("场地.png", b"\x89PNG\r\n\x1a\nrest", "image/png"),
    ("方案.docx", b"PK\x03\x04rest",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("台账.xlsx", b"PK\x03\x04rest",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_evidence_types_accepted(name, content, media):
    checked, message = check_evidence(content, name)
    assert message is None
    assert checked.media_type == media and checked.filename == name
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(("name", "content", "says"), [
    ("a.exe", b"MZ...", "只接受"),
    ("a.html", b"<html>", "只接受"),
    ("noext", b"%PDF-1.7", "只接受"),
    ("fake.pdf", b"<script>", "不是 pdf"),
    ("fake.png", b"%PDF-1.7", "不是 png"),
    ("empty.pdf", b"", "请选择"),
    ("", b"%PDF-1.7", "请选择"),
    ("big.pdf", b"%PDF-" + b"0" * MAX_EVIDENCE_BYTES, "超过 20 MB"),
])
def test_evidence_refused(name, content, says):
    checked, message = check_evidence(content, name)
    assert checked is None and says in message and " / " in message  # Chinese, then English


def test_an_evidence_file_name_loses_its_path():
    checked, _ = check_evidence(b"%PDF-1.7", "..\\..\\windows/证明.pdf")
    assert checked.filename == "证明.pdf"


def test_a_school_missing_from_the_new_data_keeps_its_entries(store, tmp_path):
    """A workbook holding P1 alone (its sports area raised) says nothing about P2 and P3: their
    entries stay open; P1's own gaps are closed by it."""
    only_p1 = {name: [r for r in rows if r.get("school_id", "P1") == "P1"]
               for name, rows in tables(p1_sports=750).items()}
    assert [r["school_id"] for r in only_p1["schools"]] == ["P1"]
    book = write_xlsx(tmp_path / "p1.xlsx", only_p1)
    with store.session() as s:
        county = County(name=COUNTY)
        s.add(county)
        s.flush()
        full = add_snapshot(s, county.id, write_xlsx(tmp_path / "all.xlsx", tables()))
        sync(s, county.id, full, junheng.evaluate(junheng.load(tmp_path / "all.xlsx"),
                                                  year=2025))
        alone = add_snapshot(s, county.id, book)
        sync(s, county.id, alone, junheng.evaluate(junheng.load(book), year=2025))
        now = entries(s, county.id)
        for key in ("indicator:P2:primary:multimedia_rooms_per100",
                    "breach:class_size:P2:primary", "breach:certified:P3"):
            assert now[key].status == "open" and now[key].closed_by_snapshot_id is None, key
        for key in ("rule:P1:primary", "indicator:P1:primary:sports_area_per_student"):
            assert now[key].status == "fixed" and now[key].closed_by_snapshot_id == alone.id
