"""The web application's database: counties, users, uploaded snapshots, school submissions,
plan runs, the 问题台账 with its evidence, the audit trail, sessions.

``open_store()`` opens SQLite in ``./junheng-data`` (or any SQLAlchemy URL) and upgrades it with
the Alembic migrations shipped in ``migrations/``; the web layer works through ``Store.session()``.
"""

from junheng.store.db import Store, open_store
from junheng.store.models import (
    LEDGER_STATUSES,
    PLAN_STATUSES,
    ROLES,
    SUBMISSION_STATUSES,
    AuditEntry,
    Base,
    County,
    Evidence,
    LedgerEntry,
    PlanRun,
    Snapshot,
    Submission,
    User,
    WebSession,
)
from junheng.store.users import (
    audit,
    create_user,
    ensure_first_admin,
    hash_password,
    new_password,
    verify_password,
)

__all__ = [
    "LEDGER_STATUSES",
    "PLAN_STATUSES",
    "ROLES",
    "SUBMISSION_STATUSES",
    "AuditEntry",
    "Base",
    "County",
    "Evidence",
    "LedgerEntry",
    "PlanRun",
    "Snapshot",
    "Store",
    "Submission",
    "User",
    "WebSession",
    "audit",
    "create_user",
    "ensure_first_admin",
    "hash_password",
    "new_password",
    "open_store",
    "verify_password",
]
