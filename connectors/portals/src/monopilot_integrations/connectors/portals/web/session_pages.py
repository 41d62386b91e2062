"""Sign-in and sign-out pages of both portals."""

from __future__ import annotations

from aiohttp import web

from monopilot_integrations.connectors.portals import auth
from monopilot_integrations.connectors.portals.parties import Portal
from monopilot_integrations.connectors.portals.web.pages import Handler, context
from monopilot_integrations.connectors.portals.web.render import render
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel
from monopilot_integrations.core.web.sessions import Outcome

FORM_LIMIT = 4096


def _login_page(
    portal: Portal,
    *,
    email: str = "",
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> web.Response:
    return render(
        "login.html",
        context(
            portal, None, title=f"Sign in: {portal.title}", email=email, error=error, notice=notice
        ),
        status=status,
    )


def index_handler(portal: Portal) -> Handler:
    async def index(request: web.Request) -> web.StreamResponse:
        user = await auth.current_user(request, portal)
        target = "/orders" if user is not None else "/login"
        raise web.HTTPSeeOther(portal.page_base + target)

    return index


def login_form_handler(portal: Portal) -> Handler:
    async def login_form(request: web.Request) -> web.StreamResponse:
        if await auth.current_user(request, portal) is not None:
            raise web.HTTPSeeOther(portal.page_base + "/orders")
        notice = None
        if "signed_out" in request.query:
            notice = "You are signed out."
        elif "expired" in request.query:
            notice = "Please sign in (your session may have expired)."
        return _login_page(portal, notice=notice)

    return login_form


def login_handler(portal: Portal) -> Handler:
    async def login(request: web.Request) -> web.StreamResponse:
        try:
            auth.check_origin(request)
        except Problem as problem:
            return _login_page(portal, error=problem.detail, status=403)
        if (request.content_length or 0) > FORM_LIMIT:
            return _login_page(portal, error="The form is too large.", status=413)
        form = await request.post()
        email = str(form.get("email", ""))[:255]
        password = str(form.get("password", ""))[:1024]
        code = str(form.get("totp_code", "")).strip()[:16] or None
        if not email.strip() or not password:
            return _login_page(
                portal, email=email, error="Enter your e-mail address and password.", status=422
            )
        try:
            address = await auth.admit_sign_in(request)
        except Problem as problem:
            return _login_page(portal, email=email, error=problem.detail, status=429)
        redirect = web.HTTPSeeOther(portal.page_base + "/orders")
        result = await auth.sign_in(request_kernel(request), portal).attempt(
            request, redirect, email=email, password=password, totp_code=code, address=address
        )
        if result.outcome is Outcome.SIGNED_IN:
            raise redirect
        status = {Outcome.LOCKED: 429, Outcome.SUSPENDED: 403}.get(result.outcome, 401)
        return _login_page(portal, email=email, error=result.message, status=status)

    return login


def logout_handler(portal: Portal) -> Handler:
    async def logout(request: web.Request) -> web.StreamResponse:
        user = await auth.current_user(request, portal)
        redirect = web.HTTPSeeOther(portal.page_base + "/login?signed_out=1")
        if user is None:
            raise redirect
        form = await request.post()
        try:
            auth.check_csrf(request, user, str(form.get(auth.CSRF_FIELD, "")))
        except Problem as problem:
            return render(
                "refused.html",
                context(portal, user, title="Refused", message=problem.detail),
                status=403,
            )
        await auth.sessions(request_kernel(request), portal).end(request, redirect)
        raise redirect

    return logout
