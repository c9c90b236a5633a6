"""Sign in, sign out, and the password (changed at first sign-in)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from junheng.store import User, WebSession, audit, hash_password, verify_password
from junheng.store.models import utcnow
from junheng.web.context import web
from junheng.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_HOURS,
    expiry,
    new_token,
    set_cookie,
    token_hash,
)

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    token = new_token()
    response = web(request).page(request, "login.html", csrf=token, error=None, user=None)
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, samesite="strict")
    return response


@router.post("/login")
def login(request: Request, username: str = Form(max_length=64),
          password: str = Form(max_length=256), csrf: str = Form("")) -> Response:
    w = web(request)
    w.check_csrf(csrf, request.cookies.get(LOGIN_CSRF_COOKIE, ""))
    address = request.client.host if request.client else "-"
    if w.limiter.blocked(address, username):
        return w.page(request, "login.html", 429, csrf=csrf, user=None,
                      error="登录失败次数过多，请 15 分钟后再试 / too many failed sign-ins: "
                            "try again in 15 minutes")
    with w.store.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.active or not verify_password(user.password_hash, password):
            w.limiter.failed(address, username)
            audit(s, user.id if user else None, "login_failed", "user", None)
            s.commit()
            return w.page(request, "login.html", 401, csrf=csrf, user=None,
                          error="用户名或密码不正确 / wrong user name or password")
        w.limiter.succeeded(address, username)
        token = new_token()
        s.add(WebSession(token_hash=token_hash(token), user_id=user.id,
                         csrf_token=new_token(), expires_at=expiry(utcnow())))
        audit(s, user.id, "login", f"user:{user.id}")
        s.commit()
        target = "/password" if user.must_change_password else "/"
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, csrf: str = Form("")) -> Response:
    w = web(request)
    user, expected = w.signed_in(request, allow_password_change=True)
    w.check_csrf(csrf, expected)
    with w.store.session() as s:
        token = request.cookies.get(SESSION_COOKIE, "")
        ws = s.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token)))
        if ws is not None:
            s.delete(ws)
        audit(s, user.id, "logout", f"user:{user.id}")
        s.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/password", response_class=HTMLResponse)
def password_form(request: Request) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request, allow_password_change=True)
    return w.page(request, "password.html", user=user, csrf=csrf, error=None)


@router.post("/password")
def change_password(request: Request, current_password: str = Form(max_length=256),
                    new: str = Form(max_length=256), again: str = Form(max_length=256),
                    csrf: str = Form("")) -> Response:
    w = web(request)
    user, expected = w.signed_in(request, allow_password_change=True)
    w.check_csrf(csrf, expected)
    error = None
    if not verify_password(user.password_hash, current_password):
        error = "当前密码不正确 / the current password is wrong"
    elif len(new) < 10:
        error = "新密码至少 10 个字符 / the new password needs at least 10 characters"
    elif new != again:
        error = "两次输入的新密码不一致 / the two new passwords differ"
    elif new == current_password:
        error = "新密码不能与当前密码相同 / the new password must differ"
    if error:
        return w.page(request, "password.html", 400, user=user, csrf=expected, error=error)
    with w.store.session() as s:
        u = s.get(User, user.id)
        u.password_hash = hash_password(new)
        u.must_change_password = False
        audit(s, user.id, "password_changed", f"user:{user.id}")
        s.commit()
    return RedirectResponse("/", status_code=303)
