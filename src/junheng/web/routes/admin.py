"""The administrator's pages: counties and users (a new user's one-time password shown once)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from junheng.store import ROLES, AuditEntry, County, User, audit, create_user, new_password
from junheng.web import access
from junheng.web.context import web
from junheng.web.routes.audit import ACTIONS

router = APIRouter()


def admin_only(request: Request) -> tuple[User, str]:
    user, csrf = web(request).signed_in(request)
    if not access.is_admin(user):
        raise HTTPException(status_code=404)
    return user, csrf


def admin_page(request: Request, user: User, csrf: str, status: int = 200,
               **extra: Any) -> HTMLResponse:
    w = web(request)
    with w.store.session() as s:
        counties = list(s.scalars(select(County).order_by(County.name)))
        users = list(s.scalars(select(User).order_by(User.username)))
        entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(30)))
    names = {c.id: c.name for c in counties}
    return w.page(request, "admin.html", status, user=user, csrf=csrf, counties=counties,
                  users=users, county_names=names, roles=ROLES, entries=entries,
                  user_names={u.id: u.username for u in users}, actions=ACTIONS,
                  **{"error": None, "created": None, **extra})


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request) -> Response:
    user, csrf = admin_only(request)
    return admin_page(request, user, csrf)


@router.post("/admin/counties", response_class=HTMLResponse)
def add_county(request: Request, name: str = Form(min_length=1, max_length=100),
               region: str = Form("", max_length=100), csrf: str = Form("")) -> Response:
    w = web(request)
    user, expected = admin_only(request)
    w.check_csrf(csrf, expected)
    name, region = name.strip(), region.strip()
    with w.store.session() as s:
        if not name or s.scalar(select(County).where(County.name == name)):
            return admin_page(request, user, expected, 400,
                              error=f"县区名称为空或已存在：{name} / the county name is empty "
                                    "or taken")
        county = County(name=name, region=region or None)
        s.add(county)
        s.flush()
        audit(s, user.id, "county_created", f"county:{county.id}", {"name": name})
        s.commit()
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users", response_class=HTMLResponse)
def add_user(request: Request, username: str = Form(max_length=64),
             role: str = Form(max_length=16), county_id: str = Form(""),
             school_id: str = Form("", max_length=32), region: str = Form("", max_length=100),
             csrf: str = Form("")) -> Response:
    w = web(request)
    user, expected = admin_only(request)
    w.check_csrf(csrf, expected)
    password = new_password()
    with w.store.session() as s:
        try:
            cid = int(county_id) if county_id.strip() else None
            if cid is not None and s.get(County, cid) is None:
                raise ValueError("没有这个县区 / no such county")
            made = create_user(s, username.strip(), password, role, county_id=cid,
                               school_id=school_id.strip() or None,
                               region=region.strip() or None, must_change_password=True)
            audit(s, user.id, "user_created", f"user:{made.id}",
                  {"username": made.username, "role": role, "county_id": cid})
            s.commit()
        except Exception as exc:  # a validation message or a taken user name
            s.rollback()
            text = str(exc) if isinstance(exc, ValueError) else \
                "用户名已存在 / the user name is taken"
            return admin_page(request, user, expected, 400, error=text)
    # the one-time password is shown once, to the admin, and never stored or logged
    return admin_page(request, user, expected, created={"username": username.strip(),
                                                        "password": password})
