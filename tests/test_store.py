"""The store: migrations create the models' schema, users and passwords, audit, SQLite keys."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, inspect, select
from sqlalchemy.exc import IntegrityError

from junheng.store import (
    ROLES,
    AuditEntry,
    Base,
    County,
    Snapshot,
    Store,
    User,
    WebSession,
    audit,
    create_user,
    ensure_first_admin,
    hash_password,
    new_password,
    open_store,
    verify_password,
)
from junheng.store.models import utcnow

TABLES = {"counties", "users", "snapshots", "audit", "web_sessions", "submissions", "plan_runs",
          "ledger_entries", "evidence"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(folder=tmp_path / "data")
    yield s
    s.close()


@pytest.fixture
def county(store: Store) -> int:
    with store.session() as s:
        c = County(name="示例县", region="示例市")
        s.add(c)
        s.commit()
        return c.id


def _schema_differences(store: Store, metadata: MetaData) -> list:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_open_store_creates_every_table_in_the_folder(tmp_path: Path) -> None:
    store = open_store(folder=tmp_path / "new" / "data")
    try:
        assert (tmp_path / "new" / "data" / "junheng.db").is_file()
        assert store.url.startswith("sqlite:///")
        names = set(inspect(store.engine).get_table_names())
        assert names == TABLES | {"alembic_version"}
        index = inspect(store.engine).get_indexes("snapshots")
        assert [i["column_names"] for i in index] == [["county_id", "created_at"]]
    finally:
        store.close()


def test_open_store_twice_is_idempotent_and_keeps_data(tmp_path: Path) -> None:
    first = open_store(folder=tmp_path)
    with first.session() as s:
        s.add(County(name="甲县"))
        s.commit()
    first.close()
    second = open_store(f"sqlite:///{tmp_path / 'junheng.db'}")
    try:
        with second.session() as s:
            assert s.scalars(select(County.name)).all() == ["甲县"]
        with second.engine.connect() as c:
            assert c.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [
                ("0002",)
            ]
    finally:
        second.close()


def test_migrated_schema_matches_the_models(store: Store) -> None:
    assert _schema_differences(store, Base.metadata) == []
    # the comparison does see a difference when there is one
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["counties"].append_column(Column("extra", Integer))
    diffs = _schema_differences(store, changed)
    assert [(d[0], d[3].name) for d in diffs] == [("add_column", "extra")]


def test_datetimes_read_back_aware_utc_and_comparable(store: Store) -> None:
    with store.session() as s:
        user = create_user(s, "u1", "pw", "admin")
        expires = utcnow() + timedelta(hours=8)
        s.add(WebSession(token_hash="a" * 64, user_id=user.id, csrf_token="c" * 32,
                         expires_at=expires))
        s.commit()
    with store.session() as s:
        ws = s.scalars(select(WebSession)).one()
        assert ws.expires_at.utcoffset() == timedelta(0)
        assert ws.expires_at == expires
        assert ws.created_at < utcnow() < ws.expires_at
        # comparisons in SQL work too (values are stored as naive UTC)
        live = s.scalars(select(WebSession).where(WebSession.expires_at > utcnow())).all()
        assert [w.id for w in live] == [ws.id]


def test_password_hash_round_trip() -> None:
    hashed = hash_password("正确的密码 correct")
    assert hashed.startswith("$argon2id$")
    assert "正确的密码" not in hashed
    assert verify_password(hashed, "正确的密码 correct") is True
    assert verify_password(hashed, "wrong") is False
    assert verify_password("not a hash", "wrong") is False
    assert verify_password("", "") is False
    assert hash_password("same") != hash_password("same")  # salted


def test_new_password_is_random_and_long_enough() -> None:
    passwords = {new_password() for _ in range(20)}
    assert len(passwords) == 20
    assert all(len(p) == 16 for p in passwords)


@pytest.mark.parametrize(
    ("username", "role", "scope", "message"),
    [
        ("u", "superuser", {}, "unknown role"),
        ("u", "county", {}, "needs a county"),
        ("u", "school", {"school_id": "S1"}, "needs a county"),
        ("u", "school", {"county_id": 1}, "needs a school_id"),
        ("u", "province", {}, "needs a region"),
        ("", "admin", {}, "username"),
        ("x" * 65, "admin", {}, "username"),
        ("有 空格", "admin", {}, "username"),
        ("a/b", "admin", {}, "username"),
        ("admin\n", "admin", {}, "username"),
    ],
)
def test_create_user_rejects(store: Store, username: str, role: str, scope: dict,
                             message: str) -> None:
    with store.session() as s, pytest.raises(ValueError, match=message) as raised:
        create_user(s, username, "pw", role, **scope)
    assert " / " in str(raised.value)  # 中文 / English
    with store.session() as s:
        assert s.scalars(select(User)).all() == []


def test_create_user_accepts_each_role_with_its_scope(store: Store, county: int) -> None:
    scopes = {
        "admin": {},
        "province": {"region": "示例市"},
        "county": {"county_id": county},
        "school": {"county_id": county, "school_id": "S001"},
        "inspector": {},
    }
    assert set(scopes) == set(ROLES)
    with store.session() as s:
        for role, scope in scopes.items():
            create_user(s, f"张三.{role}_1-x", "pw", role, **scope)
        s.commit()
    with store.session() as s:
        users = {u.role: u for u in s.scalars(select(User))}
        assert users["school"].school_id == "S001"
        assert users["county"].county_id == county
        assert users["province"].region == "示例市"
        assert all(u.active and not u.must_change_password for u in users.values())
        assert verify_password(users["admin"].password_hash, "pw")


def test_duplicate_username_raises_integrity_error(store: Store) -> None:
    with store.session() as s:
        create_user(s, "same", "pw", "admin")
        s.commit()
    with store.session() as s, pytest.raises(IntegrityError):
        create_user(s, "same", "other", "inspector")


def test_ensure_first_admin_once(store: Store) -> None:
    password = ensure_first_admin(store)
    assert isinstance(password, str)
    assert len(password) >= 16
    assert ensure_first_admin(store) is None
    with store.session() as s:
        (admin,) = s.scalars(select(User)).all()
    assert (admin.username, admin.role) == ("admin", "admin")
    assert admin.must_change_password is True
    assert verify_password(admin.password_hash, password)


def test_ensure_first_admin_leaves_existing_users_alone(store: Store) -> None:
    with store.session() as s:
        create_user(s, "boss", "pw", "admin")
        s.commit()
    assert ensure_first_admin(store) is None
    with store.session() as s:
        assert s.scalars(select(User.username)).all() == ["boss"]


def test_audit_stores_json_detail(store: Store, county: int) -> None:
    with store.session() as s:
        user = create_user(s, "auditor", "pw", "county", county_id=county)
        entry = audit(s, user.id, "snapshot.upload", f"county:{county}",
                      {"学年": 2024, "file": "示例县.xlsx"})
        audit(s, None, "login.failed", "user:?")
        s.commit()
        entry_id = entry.id
    with store.session() as s:
        stored = s.get(AuditEntry, entry_id)
        assert stored.detail == '{"学年": 2024, "file": "示例县.xlsx"}'
        assert json.loads(stored.detail) == {"学年": 2024, "file": "示例县.xlsx"}
        assert (stored.action, stored.target, stored.user_id) == (
            "snapshot.upload", f"county:{county}", user.id)
        assert stored.at.utcoffset() == timedelta(0)
        bare = s.scalars(select(AuditEntry).where(AuditEntry.user_id.is_(None))).one()
        assert bare.detail is None


def test_snapshot_keeps_bytes(store: Store, county: int) -> None:
    content = b"PK\x03\x04" + bytes(range(256))
    with store.session() as s:
        s.add(Snapshot(county_id=county, school_year=2024, filename="示例县.xlsx",
                       content=content, sha256="0" * 64))
        s.commit()
    with store.session() as s:
        assert s.scalars(select(Snapshot.content)).one() == content


def test_sqlite_enforces_foreign_keys(store: Store) -> None:
    with store.session() as s:
        s.add(Snapshot(county_id=999, school_year=2024, filename="x.xlsx", content=b"x",
                       sha256="0" * 64))
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            s.commit()
    with store.session() as s, pytest.raises(IntegrityError, match="FOREIGN KEY"):
        create_user(s, "nowhere", "pw", "county", county_id=999)


def test_a_0001_database_is_upgraded_with_its_data_kept(tmp_path: Path) -> None:
    """A database made by the first release (revision 0001) gains the new tables on opening;
    its snapshot keeps its bytes and is marked as an upload."""
    from alembic import command
    from sqlalchemy import create_engine

    from junheng.store.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        assert set(inspect(connection).get_table_names()) == {
            "counties", "users", "snapshots", "audit", "web_sessions", "alembic_version"}
        connection.exec_driver_sql("INSERT INTO counties (id, name, created_at) "
                                   "VALUES (1, '甲县', '2025-09-01 00:00:00')")
        connection.exec_driver_sql(
            "INSERT INTO snapshots (id, county_id, school_year, filename, content, sha256, "
            "created_at) VALUES (1, 1, 2025, 'a.xlsx', X'0102', 'ab', '2025-09-01 00:00:00')")
    engine.dispose()
    store = open_store(url)
    try:
        assert set(inspect(store.engine).get_table_names()) == TABLES | {"alembic_version"}
        with store.session() as s:
            snap = s.get(Snapshot, 1)
            assert (snap.content, snap.source, snap.school_year) == (b"\x01\x02", "upload", 2025)
        assert _schema_differences(store, Base.metadata) == []
    finally:
        store.close()
