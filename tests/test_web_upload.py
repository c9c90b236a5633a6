"""A county upload that holds one school's rows is refused before it reads as the whole county
(the analyst's review found it closing every other school's ledger entries)."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

import junheng
from junheng.io import write_workbook
from junheng.model.assemble import school_part
from junheng.store import County, LedgerEntry, Snapshot, create_user, open_store
from junheng.web import create_app
from test_web_access import PASSWORD, XLSX, session_csrf, sign_in


def test_one_schools_file_is_not_taken_for_the_county(tmp_path):
    sample = junheng.write_sample(tmp_path / "county.xlsx", schools=8, seed=1)
    dataset = junheng.load(sample)
    school = sorted(dataset.schools["school_id"].to_list())[1]
    one = write_workbook(tmp_path / "one.xlsx", school_part(dataset, school)).read_bytes()
    store = open_store(folder=tmp_path / "db")
    with store.session() as s:
        county = County(name=dataset.schools["county"][0], region="甲市")
        s.add(county)
        s.flush()
        create_user(s, "bureau", PASSWORD, "county", county_id=county.id,
                    must_change_password=False)
        s.commit()
        cid = county.id
    client, _ = sign_in(create_app(store), "bureau")
    csrf = session_csrf(client)
    whole = client.post(f"/counties/{cid}/upload", data={"csrf": csrf},
                        files={"file": ("county.xlsx", sample.read_bytes(), XLSX)})
    assert whole.status_code == 303
    with store.session() as s:
        opened = s.scalar(select(func.count()).select_from(LedgerEntry))
    assert opened > 0

    answer = client.post(f"/counties/{cid}/upload", data={"csrf": csrf},
                         files={"file": ("one.xlsx", one, XLSX)})
    assert answer.status_code == 400
    assert "上一版本有 8 所" in answer.text and "学校填报" in answer.text
    with store.session() as s:
        assert s.scalars(select(Snapshot.sha256)).all() == [
            hashlib.sha256(sample.read_bytes()).hexdigest()]
        assert s.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.status == "open")) == opened  # nothing closed


def test_the_empty_templates_download_for_anyone_signed_in(tmp_path):
    import io

    import openpyxl

    store = open_store(folder=tmp_path / "db")
    with store.session() as s:
        create_user(s, "reader", PASSWORD, "province", region="甲市",
                    must_change_password=False)
        s.commit()
    client, _ = sign_in(create_app(store), "reader")
    county = openpyxl.load_workbook(io.BytesIO(client.get("/template.xlsx").content))
    assert {"学校", "学段", "教师"} <= set(county.sheetnames)
    prices = openpyxl.load_workbook(io.BytesIO(client.get("/prices-template.xlsx").content))
    assert "单价" in prices.sheetnames
