"""Users, passwords and the audit trail.

Passwords are hashed with argon2id (OWASP ASVS 2.4); only the hash is stored, and nothing here
logs a username, password or audit detail. Validation errors are bilingual ``ValueError``
messages ("中文 / English") that the web layer shows as they are.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from junheng.store.db import Store
from junheng.store.models import ROLES, AuditEntry, User

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

# letters (Chinese included: \w is Unicode), digits, and . _ -
_USERNAME = re.compile(r"[\w.\-]{1,64}")

FIRST_ADMIN = "admin"


def hash_password(password: str) -> str:
    """The argon2id hash (salt and parameters included) to store instead of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; False (never an exception) for a wrong or unreadable hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError, TypeError, ValueError):
        return False


def new_password() -> str:
    """A random one-time password (16 URL-safe characters, 96 bits) for a new or reset user."""
    return secrets.token_urlsafe(12)


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    county_id: int | None = None,
    school_id: str | None = None,
    region: str | None = None,
    must_change_password: bool = False,
) -> User:
    """Add a user after checking that the role has the scope it needs; flushed, not committed.

    A username already taken raises ``IntegrityError`` at the flush.
    """
    if role not in ROLES:
        raise ValueError(f"未知角色 {role!r}，应为 {'、'.join(ROLES)} / "
                         f"unknown role {role!r}, expected one of {', '.join(ROLES)}")
    if not isinstance(username, str) or not _USERNAME.fullmatch(username):
        raise ValueError("用户名须为 1–64 个字母、数字或 . _ -（可用汉字） / "
                         "the username must be 1–64 letters, digits or . _ - (Chinese allowed)")
    if not password:
        raise ValueError("密码不能为空 / the password must not be empty")
    if role in ("county", "school") and county_id is None:
        raise ValueError(f"{role} 角色须指定所属县 / a {role} user needs a county (county_id)")
    if role == "school" and not school_id:
        raise ValueError("学校用户须指定学校代码 / a school user needs a school_id")
    if role == "province" and not region:
        raise ValueError("省、市用户须指定所辖地区 / a province user needs a region")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        county_id=county_id,
        school_id=school_id,
        region=region,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


def ensure_first_admin(store: Store) -> str | None:
    """On an empty users table create ``admin`` and return its one-time password, else None.

    The password must be changed at first sign-in. Two processes starting together on an empty
    database cannot both create it: the unique username makes the second one return None.
    """
    with store.session() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
        password = new_password()
        try:
            create_user(session, FIRST_ADMIN, password, "admin", must_change_password=True)
            session.commit()
        except IntegrityError:
            session.rollback()
            return None
        return password


def audit(
    session: Session,
    user_id: int | None,
    action: str,
    target: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record who did what to which target; ``detail`` as JSON text. Added, not committed."""
    entry = AuditEntry(
        user_id=user_id,
        action=action,
        target=target,
        detail=None if detail is None else json.dumps(detail, ensure_ascii=False),
    )
    session.add(entry)
    return entry
