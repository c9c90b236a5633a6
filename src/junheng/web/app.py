"""The web application (``junheng serve``): a thin shell over the library — a page calls the
same functions the command line calls (``junheng.load``, ``evaluate``, the planners, the report
writers).

``create_app(store)`` returns the ASGI application: the shared state (``junheng.web.context``),
the security headers, the error pages, and the handlers of ``junheng.web.routes``.
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from junheng.store import Store
from junheng.web.context import HERE, NotSignedIn, Web
from junheng.web.routes import MODULES
from junheng.web.security import SecurityHeaders


def create_app(store: Store, standard: str = "quality-2017") -> FastAPI:
    """The application over ``store`` (see ``junheng.store.open_store``).

    >>> from junheng.store import open_store
    >>> import tempfile
    >>> app = create_app(open_store(folder=tempfile.mkdtemp()))
    >>> app.url_path_for("login_form"), app.url_path_for("county_page", county_id=3)
    ('/login', '/counties/3')
    """
    app = FastAPI(title="junheng 均衡", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    w = Web(store, standard)
    app.state.web = w
    # kept for the tests and the benchmark that reach in
    app.state.store, app.state.cache, app.state.limiter = store, w.cache, w.limiter

    @app.exception_handler(NotSignedIn)
    async def _to_login(request: Request, exc: NotSignedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "请先登录 / sign in first"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        # a malformed request (an id that is not a number, a form without its file) is
        # answered like any other: sign in first, then a message, never FastAPI's JSON
        if w.current(request) is None:
            return await _to_login(request, NotSignedIn())
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "请求有误 / bad request"}, status_code=400)
        return w.page(request, "error.html", 400, user=None,
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
        return w.page(request, "error.html", exc.status_code, message=message, user=None)

    for module in MODULES:
        app.include_router(module.router)
        install = getattr(module, "install", None)
        if install is not None:  # a part with state of its own (a job runner, a listener)
            install(w)

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
