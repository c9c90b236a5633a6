"""Sessions, CSRF tokens, login rate limiting and the security headers (OWASP ASVS level 2 as
the reference).

A session is a random token in an HttpOnly, SameSite=Lax cookie; the database keeps only its
SHA-256, so a leaked database opens no session. Every form carries a CSRF token: the session's
own once signed in, a double-submit cookie on the login form before it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from datetime import datetime, timedelta

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "jh_session"
LOGIN_CSRF_COOKIE = "jh_login_csrf"
SESSION_HOURS = 8
# Login attempts: this many failures per (address, user name) within the window, then refused.
MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60

HEADERS = {
    # no inline script or style anywhere: every file is served from the package
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens (False when either is missing)."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


def expiry(now: datetime) -> datetime:
    return now + timedelta(hours=SESSION_HOURS)


class LoginLimiter:
    """Failed logins per (client address, user name) in a sliding window, in memory (one
    process; a bureau's server runs one)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock=time.monotonic) -> None:
        self.max_failures, self.window, self.clock = max_failures, window, clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        q = self._failures[key]
        while q and self.clock() - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, address: str, username: str) -> bool:
        return len(self._recent((address, username.lower()))) >= self.max_failures

    def failed(self, address: str, username: str) -> None:
        self._recent((address, username.lower())).append(self.clock())

    def succeeded(self, address: str, username: str) -> None:
        self._failures.pop((address, username.lower()), None)


class SecurityHeaders(BaseHTTPMiddleware):
    """The headers above on every response; pages and downloads are never cached."""

    async def dispatch(self, request: Request, call_next) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


def set_cookie(response: Response, request: Request, name: str, value: str,
               max_age: int | None = None, samesite: str = "lax") -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite=samesite,
                        secure=request.url.scheme == "https", path="/")
