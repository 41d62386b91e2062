"""The dashboard's own sign-in: organisation admins of the reference domain, through the
kernel's web sessions (the same password hashing, sessions, CSRF and lockouts as the
portals; ``docs/web-sessions.md``).

Available when the domain store keeps users (:class:`UserAccounts`); with MonoPilot's own
store, MonoPilot hands its signed-in user in through ``provide_dashboard_user`` and the
page says so.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from monopilot_integrations.core.domain.users import UserAccounts
from monopilot_integrations.core.web.error_pages import web_page
from monopilot_integrations.core.web.panels import DashboardUser
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel
from monopilot_integrations.core.web.scopes import public
from monopilot_integrations.core.web.sessions import (
    CSRF_FIELD,
    Outcome,
    SessionManager,
    SignIn,
    check_same_origin,
    session_policy,
)
from monopilot_integrations.server.dashboard.accounts import REALM, DashboardAccounts
from monopilot_integrations.server.dashboard.csrf import check_request_csrf
from monopilot_integrations.server.dashboard.identity import OWN_SIGN_IN, admin_scopes
from monopilot_integrations.server.dashboard.render import PREFIX, render

MAX_FIELD = 256
STATUS = {Outcome.INVALID: 401, Outcome.LOCKED: 429, Outcome.SUSPENDED: 403}


def sessions(kernel: Any) -> SessionManager:
    return SessionManager(
        kernel.runtime().web_session_store, session_policy(kernel.settings, REALM), kernel.clock
    )


def user_store(kernel: Any) -> UserAccounts | None:
    store = kernel.domain
    return store if isinstance(store, UserAccounts) else None


async def signed_in_user(request: web.Request) -> DashboardUser | None:
    """The user of the request's dashboard session, if any."""
    kernel = request_kernel(request)
    session = await sessions(kernel).current(request)
    if session is None or session.org_id is None:
        return None
    return DashboardUser(
        org_id=session.org_id,
        user_id=session.user_id,
        display_name=session.claims.get("name") or "admin",
        scopes=admin_scopes(kernel),
    )


def _form_page(
    request: web.Request, *, error: str | None, email: str = "", org: str = "", status: int = 200
) -> web.Response:
    available = user_store(request_kernel(request)) is not None
    context = {"error": error, "available": available, "email": email, "org": org}
    return render(request, "login.html", context, status=status)


@web_page
@public
async def login_page(request: web.Request) -> web.Response:
    return _form_page(request, error=None)


@web_page
@public
async def login(request: web.Request) -> web.StreamResponse:
    kernel = request_kernel(request)
    check_same_origin(request, kernel.settings.web_trusted_origins)
    store = user_store(kernel)
    if store is None:
        raise Problem(404, "this dashboard is opened from MonoPilot: sign in there")
    form = await request.post()
    email = str(form.get("email", ""))[:MAX_FIELD]
    password = str(form.get("password", ""))[: MAX_FIELD + 1]
    org_code = str(form.get("organization", "")).strip()[:64]
    org_id: uuid.UUID | None = None
    if org_code:
        org = await kernel.domain.find_organization_by_code(org_code)
        # An unknown code is the generic failure: it tells no stranger which codes exist.
        org_id = org.id if org is not None else uuid.UUID(int=0)
    response = web.Response(status=303, headers={"Location": f"{PREFIX}/"})
    sign_in = SignIn(
        DashboardAccounts(store, org_id),
        sessions(kernel),
        kernel.runtime().login_throttle,
        kernel.password_hasher,
        kernel.clock,
    )
    result = await sign_in.attempt(
        request, response, email=email, password=password, address=request.remote or "unknown"
    )
    if result.outcome is not Outcome.SIGNED_IN:
        page = _form_page(
            request, error=result.message, email=email, org=org_code, status=STATUS[result.outcome]
        )
        if result.retry_after:
            page.headers["Retry-After"] = str(result.retry_after)
        return page
    return response


@web_page
@public
async def logout(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    await check_request_csrf(request, str(form.get(CSRF_FIELD, "")) or None)
    response = web.Response(status=303, headers={"Location": f"{PREFIX}/login"})
    await sessions(request_kernel(request)).end(request, response)
    return response


def install(app: web.Application, kernel: Any) -> None:
    app[OWN_SIGN_IN] = signed_in_user
    app.router.add_get("/login", login_page, name="dashboard.login")
    app.router.add_post("/login", login, name="dashboard.sign_in")
    app.router.add_post("/logout", logout, name="dashboard.logout")
