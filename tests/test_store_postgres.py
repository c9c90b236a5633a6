"""The store and the web application on PostgreSQL (a throwaway server, tests/conftest.py):
the same migration, the same schema as the models, the same rules, and a county uploaded and
evaluated through the pages."""

from __future__ import annotations

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

import junheng
from junheng.store import (
    Base,
    County,
    Snapshot,
    create_user,
    ensure_first_admin,
    open_store,
    verify_password,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(postgres_url):
    return open_store(postgres_url)


def test_the_migration_builds_the_models_schema_on_postgresql(store, postgres_url):
    assert {"counties", "users", "snapshots", "audit", "web_sessions"} <= set(
        inspect(store.engine).get_table_names())
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    open_store(postgres_url)  # again: nothing to do, nothing lost


def test_rules_hold_on_postgresql(store):
    password = ensure_first_admin(store)
    assert password and ensure_first_admin(store) is None
    with store.session() as s:
        admin = s.scalar(select(junheng.store.User).where(junheng.store.User.username == "admin"))
        assert verify_password(admin.password_hash, password)
        s.add(Snapshot(county_id=424242, school_year=2025, filename="x.xlsx", content=b"x",
                       sha256="0" * 64))
        with pytest.raises(IntegrityError):  # no such county
            s.flush()
        s.rollback()
        create_user(s, "pg-bureau", "pw-123456789", "admin")
        s.commit()
        with pytest.raises(IntegrityError):  # the user name is taken
            create_user(s, "pg-bureau", "pw-123456789", "admin")


def test_a_county_is_uploaded_and_evaluated_on_postgresql(store, tmp_path):
    from fastapi.testclient import TestClient

    from junheng.web import create_app

    sample = junheng.write_sample(tmp_path / "c.xlsx", schools=8, seed=5)
    expected = junheng.evaluate(junheng.load(sample)).counties.row(0, named=True)
    with store.session() as s:
        county = County(name=expected["county"], region="示例市")
        s.add(county)
        s.flush()
        create_user(s, "pg-county", "pw-123456789", "county", county_id=county.id)
        s.commit()
        county_id = county.id
    client = TestClient(create_app(store))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "pg-county", "password": "pw-123456789",
                                "csrf": token})
    page = client.get(f"/counties/{county_id}")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    with sample.open("rb") as f:
        done = client.post(f"/counties/{county_id}/upload", data={"csrf": token},
                           files={"file": ("c.xlsx", f)}, follow_redirects=False)
    assert done.status_code == 303
    page = client.get(f"/counties/{county_id}").text
    assert f"学校（学段）达标 {expected['schools_meeting_rule']} / " \
           f"{expected['schools_evaluated']}" in page
    with store.session() as s:
        snap = s.scalar(select(Snapshot).where(Snapshot.county_id == county_id))
        assert snap.content == sample.read_bytes()  # the bytes kept exactly
