"""What the web application's tests share to set up their world: the six roles' users, and a
client signed in through the real /login form with its session's CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from junheng.store import create_user

PASSWORD = "correct-horse-battery"
USERNAMES = {"admin": "root", "province": "city", "county_a": "bureau_a", "school": "principal",
             "inspector": "inspector", "county_b": "bureau_b"}


def csrf_in(page: str) -> str:
    """The CSRF token of the first form on ``page``."""
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def add_role_users(session, a, b, school_id: str, region: str = "甲市") -> None:
    """One user per role of ``USERNAMES``: the province over ``region``, the county, school
    and inspector users in county ``a``, the other county's user in ``b``."""
    scopes = {"admin": {}, "province": {"region": region}, "county_a": {"county_id": a.id},
              "school": {"county_id": a.id, "school_id": school_id},
              "inspector": {"county_id": a.id}, "county_b": {"county_id": b.id}}
    for role, scope in scopes.items():
        create_user(session, USERNAMES[role], PASSWORD,
                    role.removesuffix("_a").removesuffix("_b"), must_change_password=False,
                    **scope)


def sign_in(app, username: str) -> TestClient:
    """A client signed in through the real form (the sign-in must redirect)."""
    client = TestClient(app, follow_redirects=False)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf": csrf_in(client.get("/login").text)})
    assert answer.status_code == 303, username
    return client


def session_csrf(client: TestClient) -> str:
    """The signed-in session's CSRF token (any form page carries it)."""
    return csrf_in(client.get("/password").text)
