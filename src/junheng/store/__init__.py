"""The web application's database: counties, users, uploaded snapshots, audit trail, sessions.

``open_store()`` opens SQLite in ``./junheng-data`` (or any SQLAlchemy URL) and upgrades it with
the Alembic migrations shipped in ``migrations/``; the web layer works through ``Store.session()``.
"""

from junheng.store.db import Store, open_store
from junheng.store.models import ROLES, AuditEntry, Base, County, Snapshot, User, WebSession
from junheng.store.users import (
    audit,
    create_user,
    ensure_first_admin,
    hash_password,
    new_password,
    verify_password,
)

__all__ = [
    "ROLES",
    "AuditEntry",
    "Base",
    "County",
    "Snapshot",
    "Store",
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
