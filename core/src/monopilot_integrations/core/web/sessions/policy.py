"""The session and cookie policy: timeouts, the cookie's name and attributes.

* **HttpOnly**: scripts cannot read the session id (an injected script cannot send it away).
* **SameSite=Lax**: the browser leaves the cookie off cross-site sub-requests and POSTs, a
  first line against cross-site request forgery (:mod:`.csrf` is the second and third).
* **Secure** when the request came over HTTPS (or always, ``secure="always"``), and then
  the ``__Host-`` prefix: the browser accepts such a cookie only if Secure, with ``Path=/``
  and no ``Domain``, so a sibling subdomain cannot plant or overwrite it.
* **Idle timeout** (default 30 minutes without a request) and **absolute timeout**
  (default 8 hours after sign-in, activity or not): whichever comes first ends the session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from aiohttp import web

_REALM = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions live and how their cookie is set, for one realm."""

    realm: str
    idle_timeout: timedelta = timedelta(minutes=30)
    absolute_timeout: timedelta = timedelta(hours=8)
    #: ``"auto"``: Secure (and ``__Host-``) when the request is HTTPS; ``"always"`` behind a
    #: proxy that terminates TLS without telling; ``"never"`` for local HTTP development.
    secure: Literal["auto", "always", "never"] = "auto"
    #: ``last_seen_at`` is written at most this often per session: one write per request
    #: would cost more than the idle timeout's precision is worth.
    touch_interval: timedelta = timedelta(seconds=60)

    def __post_init__(self) -> None:
        if not _REALM.match(self.realm):
            raise ValueError(f"realm {self.realm!r}: lowercase letters, digits and '-'")
        if self.idle_timeout <= timedelta(0) or self.absolute_timeout <= timedelta(0):
            raise ValueError("session timeouts must be positive")

    @property
    def base_cookie_name(self) -> str:
        return "mp_" + self.realm.replace("-", "_")

    def is_secure(self, request: web.BaseRequest) -> bool:
        if self.secure == "always":
            return True
        if self.secure == "never":
            return False
        return bool(request.secure)

    def cookie_name(self, request: web.BaseRequest) -> str:
        """``__Host-mp_<realm>`` over HTTPS, ``mp_<realm>`` over plain HTTP."""
        base = self.base_cookie_name
        return f"__Host-{base}" if self.is_secure(request) else base

    def set_cookie(
        self, request: web.BaseRequest, response: web.StreamResponse, token: str
    ) -> None:
        """Put the session cookie on ``response`` (a browser-session cookie: it also ends
        when the browser closes; the server ends it by the timeouts regardless)."""
        response.set_cookie(
            self.cookie_name(request),
            token,
            path="/",
            httponly=True,
            secure=self.is_secure(request),
            samesite="Lax",
        )

    def clear_cookie(self, request: web.BaseRequest, response: web.StreamResponse) -> None:
        response.del_cookie(
            self.cookie_name(request),
            path="/",
            secure=self.is_secure(request),
            httponly=True,
            samesite="Lax",
        )

    def token_of(self, request: web.BaseRequest) -> str | None:
        """The session token the request presents (the secure name first)."""
        for name in (f"__Host-{self.base_cookie_name}", self.base_cookie_name):
            value = request.cookies.get(name)
            if value and len(value) <= 128:
                return value
        return None
