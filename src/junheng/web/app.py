"""The web application (``junheng serve``): a thin shell over the library — a page calls the
same functions the command line calls (``junheng.load``, ``evaluate``, the report writers).

Built so far (issue 16, first part): sign-in with roles and scopes (``junheng.web.access``),
the admin's counties and users, a county's workbook uploaded and validated (every problem
located, in Chinese first), each upload kept as a snapshot, the county's standing at a glance
with the 整改清单 first, a school's own page, the reports downloadable, and an audit of every
change. ``create_app(store)`` returns the ASGI application.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Form, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from junheng.errors import InputError
from junheng.store import (
    ROLES,
    AuditEntry,
    County,
    Snapshot,
    Store,
    User,
    WebSession,
    audit,
    create_user,
    hash_password,
    new_password,
    verify_password,
)
from junheng.store.models import utcnow
from junheng.web import access
from junheng.web.evaluations import (
    REPORTS,
    EvaluationCache,
    read_workbook,
    report_bytes,
    school_rows,
    summary,
)
from junheng.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_HOURS,
    LoginLimiter,
    SecurityHeaders,
    expiry,
    new_token,
    same,
    set_cookie,
    token_hash,
)

HERE = Path(__file__).resolve().parent
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # a county workbook is a few MB; the reader checks cells


class NotSignedIn(Exception):
    """The request needs a session: answered with the sign-in page."""


def create_app(store: Store, standard: str = "quality-2017") -> FastAPI:
    """The application over ``store`` (see ``junheng.store.open_store``).

    >>> from junheng.store import open_store
    >>> import tempfile
    >>> app = create_app(open_store(folder=tempfile.mkdtemp()))
    >>> sorted(r.path for r in app.routes if getattr(r, "path", "").startswith("/login"))
    ['/login', '/login']
    """
    app = FastAPI(title="junheng 均衡", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["ROLE_NAMES"] = access.ROLE_NAMES
    cache = EvaluationCache(standard=standard)
    limiter = LoginLimiter()
    app.state.store, app.state.cache, app.state.limiter = store, cache, limiter

    # --- sessions -------------------------------------------------------------------------
    def current(request: Request) -> tuple[User, WebSession] | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        with store.session() as s:
            ws = s.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token)))
            if ws is None or ws.expires_at < utcnow():
                return None
            user = s.get(User, ws.user_id)
            if user is None or not user.active:
                return None
            return user, ws

    def signed_in(request: Request, allow_password_change: bool = False) -> tuple[User, str]:
        found = current(request)
        if found is None:
            raise NotSignedIn
        user, ws = found
        if user.must_change_password and not allow_password_change:
            raise HTTPException(status_code=303, headers={"Location": "/password"})
        return user, ws.csrf_token

    def check_csrf(csrf: str, expected: str) -> None:
        if not same(csrf, expected):
            raise HTTPException(status_code=403, detail="表单已过期，请刷新页面后重试 / the form "
                                                        "expired: reload the page and try again")

    def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, template, context, status_code=status)

    def county_or_404(s: Any, user: User, county_id: int) -> County:
        county = s.get(County, county_id)
        if county is None or not access.sees_county(user, county):
            raise HTTPException(status_code=404)
        return county

    def latest(s: Any, county_id: int) -> Snapshot | None:
        return s.scalar(select(Snapshot).where(Snapshot.county_id == county_id)
                        .order_by(Snapshot.created_at.desc(), Snapshot.id.desc()).limit(1))

    def evaluated(snapshot: Snapshot):
        return cache.get(snapshot.sha256, snapshot.content, snapshot.filename)[1]

    @app.exception_handler(NotSignedIn)
    async def _to_login(request: Request, exc: NotSignedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "请先登录 / sign in first"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        # a malformed request (an id that is not a number, a form without its file) is
        # answered like any other: sign in first, then a message, never FastAPI's JSON
        if current(request) is None:
            return await _to_login(request, NotSignedIn())
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "请求有误 / bad request"}, status_code=400)
        return page(request, "error.html", 400, user=None,
                    message="请求有误：请从页面上的链接和表单操作 / bad request: use the page's "
                            "links and forms")

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 303:
            return RedirectResponse(exc.headers["Location"], status_code=303)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        message = {404: "没有找到，或无权查看 / not found, or not yours to see",
                   403: exc.detail if isinstance(exc.detail, str) else "无权操作 / not allowed",
                   405: "不支持的请求 / method not allowed"}.get(
            exc.status_code, "请求有误 / bad request")
        return page(request, "error.html", exc.status_code, message=message, user=None)

    # --- sign in, sign out, password --------------------------------------------------------
    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        token = new_token()
        response = page(request, "login.html", csrf=token, error=None, user=None)
        set_cookie(response, request, LOGIN_CSRF_COOKIE, token, samesite="strict")
        return response

    @app.post("/login")
    def login(request: Request, username: str = Form(max_length=64),
              password: str = Form(max_length=256), csrf: str = Form("")) -> Response:
        check_csrf(csrf, request.cookies.get(LOGIN_CSRF_COOKIE, ""))
        address = request.client.host if request.client else "-"
        if limiter.blocked(address, username):
            response = page(request, "login.html", 429, csrf=csrf, user=None,
                            error="登录失败次数过多，请 15 分钟后再试 / too many failed sign-ins: "
                                  "try again in 15 minutes")
            return response
        with store.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None or not user.active or not verify_password(user.password_hash,
                                                                       password):
                limiter.failed(address, username)
                audit(s, user.id if user else None, "login_failed", "user", None)
                s.commit()
                return page(request, "login.html", 401, csrf=csrf, user=None,
                            error="用户名或密码不正确 / wrong user name or password")
            limiter.succeeded(address, username)
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

    @app.post("/logout")
    def logout(request: Request, csrf: str = Form("")) -> Response:
        user, expected = signed_in(request, allow_password_change=True)
        check_csrf(csrf, expected)
        with store.session() as s:
            token = request.cookies.get(SESSION_COOKIE, "")
            ws = s.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token)))
            if ws is not None:
                s.delete(ws)
            audit(s, user.id, "logout", f"user:{user.id}")
            s.commit()
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/password", response_class=HTMLResponse)
    def password_form(request: Request) -> Response:
        user, csrf = signed_in(request, allow_password_change=True)
        return page(request, "password.html", user=user, csrf=csrf, error=None)

    @app.post("/password")
    def change_password(request: Request, current_password: str = Form(max_length=256),
                        new: str = Form(max_length=256), again: str = Form(max_length=256),
                        csrf: str = Form("")) -> Response:
        user, expected = signed_in(request, allow_password_change=True)
        check_csrf(csrf, expected)
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
            return page(request, "password.html", 400, user=user, csrf=expected, error=error)
        with store.session() as s:
            u = s.get(User, user.id)
            u.password_hash = hash_password(new)
            u.must_change_password = False
            audit(s, user.id, "password_changed", f"user:{user.id}")
            s.commit()
        return RedirectResponse("/", status_code=303)

    # --- pages ------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        user, csrf = signed_in(request)
        with store.session() as s:
            if user.role == "school":
                county = s.get(County, user.county_id)
                return RedirectResponse(f"/counties/{county.id}/schools/{user.school_id}",
                                        status_code=303)
            counties = [c for c in s.scalars(select(County).order_by(County.name))
                        if access.sees_county(user, c)]
            rows = []
            for c in counties:
                snap = latest(s, c.id)
                row = {"id": c.id, "name": c.name, "region": c.region or "", "snapshot": snap,
                       "verdict": None}
                if snap is not None:
                    try:
                        ev = evaluated(snap)
                        r = ev.counties.filter(county=ev.counties["county"][0]).row(0, named=True)
                        row.update(verdict=r["verdict"], meeting=r["schools_meeting_rule"],
                                   evaluated=r["schools_evaluated"], year=ev.year)
                    except InputError:
                        row["verdict"] = "invalid"
                rows.append(row)
        return page(request, "home.html", user=user, csrf=csrf, counties=rows)

    @app.get("/counties/{county_id}", response_class=HTMLResponse)
    def county_page(request: Request, county_id: int) -> Response:
        user, csrf = signed_in(request)
        with store.session() as s:
            county = county_or_404(s, user, county_id)
            snap = latest(s, county_id)
            history = list(s.scalars(select(Snapshot).where(Snapshot.county_id == county_id)
                                     .order_by(Snapshot.created_at.desc()).limit(10)))
        view = None
        if snap is not None:
            ev = evaluated(snap)
            view = summary(ev, ev.counties["county"][0])
        return page(request, "county.html", user=user, csrf=csrf, county=county, view=view,
                    snapshot=snap, history=history, problems=None,
                    can_upload=access.uploads_to(user, county))

    @app.post("/counties/{county_id}/upload", response_class=HTMLResponse)
    async def upload(request: Request, county_id: int, file: UploadFile,
                     csrf: str = Form("")) -> Response:
        user, expected = signed_in(request)
        check_csrf(csrf, expected)
        with store.session() as s:
            county = county_or_404(s, user, county_id)
            if not access.uploads_to(user, county):
                raise HTTPException(status_code=403, detail="只有本县教育局可以提交数据 / only "
                                                            "the county bureau submits data")
        content = await file.read(MAX_UPLOAD_BYTES + 1)
        filename = Path(file.filename or "county.xlsx").name
        problems = None
        if len(content) > MAX_UPLOAD_BYTES:
            problems = [{"where": filename, "value": f"{len(content):,} 字节",
                         "expected": f"文件不超过 {MAX_UPLOAD_BYTES // 2**20} MB / at most "
                                     f"{MAX_UPLOAD_BYTES // 2**20} MB"}]
        elif Path(filename).suffix.lower() not in (".xlsx", ".xlsm"):
            problems = [{"where": filename, "value": Path(filename).suffix or "（无）",
                         "expected": "请上传 .xlsx 工作簿（junheng template 生成模板）/ upload an "
                                     ".xlsx workbook"}]
        else:
            try:
                dataset = read_workbook(content, filename)
            except InputError as exc:
                problems = [{"where": p.location(), "value": "（空 empty）" if p.value is None
                             else p.value, "expected": f"{p.expected_zh} / {p.expected_en}"}
                            for p in exc.problems]
        if problems is None and county.name not in set(dataset.schools["county"].to_list()):
            problems = [{"where": "学校 schools · 县区 county", "value": "、".join(sorted(set(
                dataset.schools["county"].to_list()))), "expected": f"本县「{county.name}」的数据 / "
                                                                    f"the data of {county.name}"}]
        with store.session() as s:
            county = s.get(County, county_id)
            if problems is not None:
                audit(s, user.id, "upload_rejected", f"county:{county_id}",
                      {"file": filename, "problems": len(problems)})
                s.commit()
                snap = latest(s, county_id)
                view = None
                if snap is not None:
                    ev = evaluated(snap)
                    view = summary(ev, ev.counties["county"][0])
                return page(request, "county.html", 400, user=user, csrf=expected,
                            county=county, view=view, snapshot=snap, history=[],
                            problems=problems, can_upload=True)
            digest = hashlib.sha256(content).hexdigest()
            year = cache.get(digest, content, filename)[1].year  # evaluated once, cached
            snap = Snapshot(county_id=county_id, school_year=year, filename=filename,
                            content=content, sha256=digest, uploaded_by=user.id)
            s.add(snap)
            s.flush()
            audit(s, user.id, "upload", f"county:{county_id}",
                  {"snapshot": snap.id, "file": filename, "sha256": digest})
            s.commit()
        return RedirectResponse(f"/counties/{county_id}", status_code=303)

    @app.get("/counties/{county_id}/schools/{school_id}", response_class=HTMLResponse)
    def school_page(request: Request, county_id: int, school_id: str) -> Response:
        user, csrf = signed_in(request)
        with store.session() as s:
            county = s.get(County, county_id)
            if county is None or not access.sees_school(user, county, school_id):
                raise HTTPException(status_code=404)
            snap = latest(s, county_id)
        if snap is None:
            raise HTTPException(status_code=404)
        ev = evaluated(snap)
        units = ev.schools.filter(school_id=school_id)
        if units.height == 0:
            raise HTTPException(status_code=404)
        return page(request, "school.html", user=user, csrf=csrf, county=county,
                    name=units["name"][0], school_id=school_id, year=ev.year,
                    units=units.to_dicts(), rows=school_rows(ev, school_id))

    @app.get("/counties/{county_id}/report.{kind}")
    def report(request: Request, county_id: int, kind: str) -> Response:
        user, _ = signed_in(request)
        if kind not in REPORTS:
            raise HTTPException(status_code=404)
        with store.session() as s:
            county_or_404(s, user, county_id)
            snap = latest(s, county_id)
            if snap is None:
                raise HTTPException(status_code=404)
            audit(s, user.id, "report_downloaded", f"county:{county_id}",
                  {"snapshot": snap.id, "kind": kind})
            s.commit()
        ev = evaluated(snap)
        name, media = REPORTS[kind]
        body = report_bytes(ev, ev.counties["county"][0], kind)
        # an ASCII name for old browsers, the Chinese one for the others (RFC 6266)
        return Response(body, media_type=media, headers={
            "Content-Disposition": f"attachment; filename=report.{kind}; "
                                   f"filename*=UTF-8''{quote(name)}"})

    @app.get("/api/counties/{county_id}/evaluation")
    def evaluation_json(request: Request, county_id: int) -> Response:
        user, _ = signed_in(request)
        with store.session() as s:
            county_or_404(s, user, county_id)
            snap = latest(s, county_id)
        if snap is None:
            raise HTTPException(status_code=404)
        return Response(evaluated(snap).to_json(), media_type="application/json")

    # --- admin: counties and users ----------------------------------------------------------
    def admin_only(request: Request) -> tuple[User, str]:
        user, csrf = signed_in(request)
        if not access.is_admin(user):
            raise HTTPException(status_code=404)
        return user, csrf

    def admin_page(request: Request, user: User, csrf: str, status: int = 200,
                   **extra: Any) -> HTMLResponse:
        with store.session() as s:
            counties = list(s.scalars(select(County).order_by(County.name)))
            users = list(s.scalars(select(User).order_by(User.username)))
            entries = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())
                                     .limit(30)))
        names = {c.id: c.name for c in counties}
        return page(request, "admin.html", status, user=user, csrf=csrf, counties=counties,
                    users=users, county_names=names, roles=ROLES, entries=entries,
                    **{"error": None, "created": None, **extra})

    @app.get("/admin", response_class=HTMLResponse)
    def admin(request: Request) -> Response:
        user, csrf = admin_only(request)
        return admin_page(request, user, csrf)

    @app.post("/admin/counties", response_class=HTMLResponse)
    def add_county(request: Request, name: str = Form(min_length=1, max_length=100),
                   region: str = Form("", max_length=100), csrf: str = Form("")) -> Response:
        user, expected = admin_only(request)
        check_csrf(csrf, expected)
        name, region = name.strip(), region.strip()
        with store.session() as s:
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

    @app.post("/admin/users", response_class=HTMLResponse)
    def add_user(request: Request, username: str = Form(max_length=64),
                 role: str = Form(max_length=16), county_id: str = Form(""),
                 school_id: str = Form("", max_length=32), region: str = Form("", max_length=100),
                 csrf: str = Form("")) -> Response:
        user, expected = admin_only(request)
        check_csrf(csrf, expected)
        password = new_password()
        with store.session() as s:
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

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app

