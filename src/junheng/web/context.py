"""What every page handler shares: the store, the evaluation cache, the templates, the session
checks and the scope lookups. One ``Web`` object per application, on ``app.state.web``; a
handler gets it with ``web(request)``.

Handlers live in ``junheng.web.routes`` (one module per part of the application); they never
open a county without ``county_or_404`` nor change anything without ``check_csrf``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session

from junheng.evaluate import Evaluation
from junheng.io import Pseudonyms
from junheng.store import County, Snapshot, Store, User, WebSession
from junheng.store.models import utcnow
from junheng.web import access
from junheng.web.evaluations import EvaluationCache
from junheng.web.security import SESSION_COOKIE, LoginLimiter, same, token_hash

HERE = Path(__file__).resolve().parent


# called with (session, snapshot, evaluation) after each new snapshot is added (an upload or
# an assembled school year), inside the same transaction: the ledger follows the data
SnapshotListener = Callable[[Session, Snapshot, Evaluation], None]


class NotSignedIn(Exception):
    """The request needs a session: answered with the sign-in page (401 on ``/api/``)."""


class Web:
    """The application's shared state and the checks every handler makes."""

    def __init__(self, store: Store, standard: str = "quality-2017") -> None:
        self.store = store
        self.standard = standard
        self.cache = EvaluationCache(standard=standard)
        self.limiter = LoginLimiter()
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.templates.env.globals["ROLE_NAMES"] = access.ROLE_NAMES
        self.snapshot_listeners: list[SnapshotListener] = []
        self.extensions: dict[str, Any] = {}  # a part's own state (e.g. the job runner)
        # teacher ids shown to those who see no names: one key per running server, so a
        # teacher keeps its pseudonym from page to page (the CLI's: one key per run)
        self.pseudonyms = Pseudonyms()

    # --- sessions -----------------------------------------------------------------------------
    def current(self, request: Request) -> tuple[User, WebSession] | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        with self.store.session() as s:
            ws = s.scalar(select(WebSession).where(WebSession.token_hash == token_hash(token)))
            if ws is None or ws.expires_at < utcnow():
                return None
            user = s.get(User, ws.user_id)
            if user is None or not user.active:
                return None
            return user, ws

    def signed_in(self, request: Request, allow_password_change: bool = False
                  ) -> tuple[User, str]:
        """The signed-in user and the session's CSRF token; the sign-in page otherwise."""
        found = self.current(request)
        if found is None:
            raise NotSignedIn
        user, ws = found
        if user.must_change_password and not allow_password_change:
            raise HTTPException(status_code=303, headers={"Location": "/password"})
        return user, ws.csrf_token

    @staticmethod
    def check_csrf(csrf: str, expected: str) -> None:
        if not same(csrf, expected):
            raise HTTPException(status_code=403, detail="表单已过期，请刷新页面后重试 / the form "
                                                        "expired: reload the page and try again")

    def page(self, request: Request, template: str, status: int = 200,
             **context: Any) -> HTMLResponse:
        return self.templates.TemplateResponse(request, template, context, status_code=status)

    # --- scope ---------------------------------------------------------------------------------
    @staticmethod
    def county_or_404(s: Session, user: User, county_id: int) -> County:
        """The county, if ``user`` may read it; "not found" otherwise (a guessed id included)."""
        county = s.get(County, county_id)
        if county is None or not access.sees_county(user, county):
            raise HTTPException(status_code=404)
        return county

    @staticmethod
    def school_or_404(s: Session, user: User, county_id: int, school_id: str) -> County:
        """The county of a school ``user`` may read; "not found" otherwise."""
        county = s.get(County, county_id)
        if county is None or not access.sees_school(user, county, school_id):
            raise HTTPException(status_code=404)
        return county

    @staticmethod
    def latest(s: Session, county_id: int, school_year: int | None = None) -> Snapshot | None:
        """The county's newest snapshot (of ``school_year`` when given)."""
        query = select(Snapshot).where(Snapshot.county_id == county_id)
        if school_year is not None:
            query = query.where(Snapshot.school_year == school_year)
        return s.scalar(query.order_by(Snapshot.created_at.desc(), Snapshot.id.desc()).limit(1))

    def evaluated(self, snapshot: Snapshot) -> Evaluation:
        """The snapshot's evaluation (read and evaluated once, then cached by its SHA-256)."""
        return self.cache.get(snapshot.sha256, snapshot.content, snapshot.filename)[1]

    def snapshot_added(self, s: Session, snapshot: Snapshot) -> None:
        """Tell the parts that follow the data (the ledger) about a new snapshot."""
        evaluation = self.evaluated(snapshot)
        for listener in self.snapshot_listeners:
            listener(s, snapshot, evaluation)


def web(request: Request) -> Web:
    """The application's ``Web`` (set by ``create_app``)."""
    return request.app.state.web
