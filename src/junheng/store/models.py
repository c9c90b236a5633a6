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

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
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
    # "upload" (a whole county workbook) or "assembled" (the approved schools' submissions)
    source: Mapped[str] = mapped_column(String(16), default="upload", server_default="upload")


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


SUBMISSION_STATUSES = ("submitted", "approved", "returned")  # 待审核 / 已通过 / 已退回


class Submission(Base):
    """One school's own rows for a school year (a workbook of the template's tables holding
    that school only), kept byte for byte; the bureau approves it or returns it with a reason.
    A new submission never replaces an old one: every version stays."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_county_id_school_year_school_id", "county_id", "school_year",
              "school_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    school_id: Mapped[str] = mapped_column(String(32))
    school_year: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    reason: Mapped[str | None] = mapped_column(Text)  # why it was returned
    summary: Mapped[str | None] = mapped_column(Text)  # JSON: rows per table, for the review
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


PLAN_STATUSES = ("queued", "running", "done", "failed")  # 排队 / 运行中 / 完成 / 失败


class PlanRun(Base):
    """A planner run on one snapshot as a background job: its parameters, progress, and
    result (the plan's JSON and its output files zipped); at most one adopted per county and kind."""

    __tablename__ = "plan_runs"
    __table_args__ = (Index("ix_plan_runs_county_id_created_at", "county_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"))
    kind: Mapped[str] = mapped_column(String(32))  # the planner's name: "rotation", "pass", …
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[str | None] = mapped_column(String(255))  # the planner's last message
    summary: Mapped[str | None] = mapped_column(Text)  # JSON: the figures plans are compared by
    result_json: Mapped[str | None] = mapped_column(Text)  # the plan as the CLI's JSON
    files: Mapped[bytes | None] = mapped_column(LargeBinary)  # the output folder, zipped
    error: Mapped[str | None] = mapped_column(Text)  # a message for the user, never a traceback
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    adopted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    adopted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    adopted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# 待整改 / 整改中 / 已整改 / 已核验
LEDGER_STATUSES = ("open", "in_progress", "fixed", "verified")


class LedgerEntry(Base):
    """One tracked gap of the 问题台账: a school–stage failing the rule, an indicator below its
    standard, a CV over its limit, an item failed or a veto. ``key`` names the gap stably
    across snapshots, so new data closes the entry (``fixed``, ``closed_by_snapshot_id``) or
    reopens it (``open``, ``reopened`` + 1)."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("county_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    school_id: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)  # what the gap is, in Chinese
    detail: Mapped[str | None] = mapped_column(Text)  # JSON: value, threshold, …
    office: Mapped[str | None] = mapped_column(String(100))  # 责任科室
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str | None] = mapped_column(Text)
    opened_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    last_seen_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    closed_by_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id"))
    reopened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Evidence(Base):
    """A 佐证材料 file attached to a ledger entry, kept byte for byte."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
