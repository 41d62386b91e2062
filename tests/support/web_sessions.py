"""Signed-in web users of a live server (:mod:`tests.support.live_server`), made the way
real clients get them: portal users invited through the administration API with the
demo's admin key, then signed in through the portal's login; the dashboard's admin
signed in through the dashboard's form. No row is written behind the server's back.

A :class:`WebUser` is a ``requests`` session (its cookie jar holds the session cookie)
plus the headers every state-changing request needs: the session's CSRF token and the
server's own ``Origin``.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.live_server import LiveServer

TIMEOUT = 30


@dataclass
class WebUser:
    """A signed-in user of one realm (``supplier``, ``customer`` or ``dashboard``)."""

    realm: str
    base_url: str
    session: requests.Session
    csrf_token: str
    sign_in: Callable[[], WebUser] = field(repr=False)
    party_id: str = ""

    @property
    def headers(self) -> dict[str, str]:
        """What a page of the server's own origin sends with a change."""
        return {"X-CSRF-Token": self.csrf_token, "Origin": self.base_url}

    def still_signed_in(self) -> bool:
        path = (
            "/dashboard/api/integrations/event-types"
            if self.realm == "dashboard"
            else (f"/api/portal/{self.realm}/me")
        )
        answer = self.session.get(self.base_url + path, timeout=TIMEOUT)
        return answer.status_code == 200

    def again(self) -> WebUser:
        """The same account signed in anew (after a fuzzed sign-out ended the session)."""
        return self.sign_in()


def admin_call(server: LiveServer, method: str, path: str, **kwargs: Any) -> Any:
    """One call of the JSON API with the demo's admin key; the answer's JSON."""
    answer = requests.request(
        method,
        server.base_url + path,
        headers={"Authorization": f"Bearer {server.key}"},
        timeout=TIMEOUT,
        **kwargs,
    )
    assert answer.status_code < 300, (method, path, answer.status_code, answer.text)
    return answer.json()


def parties(server: LiveServer, portal: str) -> list[dict[str, Any]]:
    """The organisation's suppliers (or customers), as the API lists them."""
    path = "/api/planning/suppliers" if portal == "supplier" else "/api/sales/customers"
    items: list[dict[str, Any]] = admin_call(server, "GET", path, params={"limit": 200})["items"]
    assert items, f"the demo has no {portal}s"
    return items


def invite_portal_user(server: LiveServer, portal: str, party_id: str) -> tuple[str, str]:
    """A new portal user of ``party_id`` through the administration API: (e-mail,
    password)."""
    email = f"fuzz-{portal}-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(18)
    admin_call(
        server,
        "POST",
        f"/api/integrations/portals/{portal}/users",
        json={"email": email, "name": f"Fuzz {portal}", "party_id": party_id, "password": password},
    )
    return email, password


def portal_user(server: LiveServer, portal: str, party_id: str) -> WebUser:
    """A signed-in portal user of ``party_id`` (invited first)."""
    email, password = invite_portal_user(server, portal, party_id)

    def sign_in() -> WebUser:
        session = requests.Session()
        answer = session.post(
            f"{server.base_url}/api/portal/{portal}/login",
            json={"email": email, "password": password},
            headers={"Origin": server.base_url},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 200, answer.text
        token = answer.json()["csrf_token"]
        return WebUser(portal, server.base_url, session, token, sign_in, party_id)

    return sign_in()


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


def dashboard_user(server: LiveServer) -> WebUser:
    """The demo organisation's admin, signed in through the dashboard's form."""
    login = server.credentials["dashboard_login"]
    assert login, "the demo printed no dashboard login"

    def sign_in() -> WebUser:
        session = requests.Session()
        answer = session.post(
            f"{server.base_url}/dashboard/login",
            data={"email": login["email"], "password": login["password"]},
            headers={"Origin": server.base_url},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert answer.status_code == 303, answer.text
        page = session.get(f"{server.base_url}/dashboard/", timeout=TIMEOUT)
        assert page.status_code == 200, page.text
        found = CSRF_META.search(page.text)
        assert found, "the dashboard page carries no CSRF token"
        token = html.unescape(found.group(1))
        return WebUser("dashboard", server.base_url, session, token, sign_in)

    return sign_in()
