"""The web application's tables: counties, users, uploaded snapshots, the audit trail, sessions.

Times are UTC everywhere. Python code sees timezone-aware ``datetime`` objects (``utcnow()``);
the database stores them as naive UTC (``TIMESTAMP WITHOUT TIME ZONE``) through
:class:`UTCDateTime`, because SQLite has no time zones and would hand back naive values that
cannot be compared with aware ones. Binding converts an aware value to UTC and drops the zone
(a naive value is taken to be UTC already); reading adds ``timezone.utc`` back, so what comes
out of SQLite and PostgreSQL alike compares with ``utcnow()``.

Constraint names follow :data:`NAMING_CONVENTION` so that later migrations can name what they
alter on both SQLite (batch mode) and PostgreSQL. The schema itself is created only by the
Alembic migrations in ``migrations/versions``; a test checks they match these models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ROLES = ("admin", "province", "county", "school", "inspector")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC: the only clock the store uses."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A naive-UTC column that takes and returns aware datetimes (see the module docstring)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base whose metadata carries the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class County(Base):
    """A county (区县) whose schools' data the application holds."""

    __tablename__ = "counties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # the province/city it belongs to (e.g. "示例市"): what a province/city office user sees
    region: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class User(Base):
    """A person who signs in; ``role`` (one of ROLES) with the scope columns bounds what they see.

    County and school users carry ``county_id`` (school users also ``school_id``); province/city
    office users carry ``region``. Users are deactivated (``active``), not deleted, so that
    snapshots and audit entries keep pointing at them.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("counties.id"))
    school_id: Mapped[str | None] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(100))
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Snapshot(Base):
    """One uploaded county workbook, kept byte for byte: every version of a school year stays."""

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_county_id_created_at", "county_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    school_year: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(Base):
    """Who changed what, when; ``detail`` is JSON text (never passwords or personal data)."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    detail: Mapped[str | None] = mapped_column(Text)


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie token is stored, so a leaked
    database does not hand out live sessions."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
