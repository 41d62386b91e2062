"""Sign-in, sign-out and "who am I" of both portals (the same handlers, one per portal).

* ``POST .../login`` takes ``{email, password, totp_code?}``; on success it sets the
  session cookie and answers :class:`~.models.WhoAmI` (with the session's CSRF token);
  every failure is the same 401 (a lockout is a 429 with ``Retry-After``, a suspended
  account a 403, told only to the right password).
* ``POST .../logout`` ends the session on the server (CSRF token required).
* ``GET .../me`` describes the session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from monopilot_integrations.connectors.portals import auth
from monopilot_integrations.connectors.portals.api.models import LoginRequest, SignedOut, WhoAmI
from monopilot_integrations.connectors.portals.parties import Portal
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel
from monopilot_integrations.core.web.sessions import Outcome
from monopilot_integrations.core.web.validation import json_response, parse_body

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def who_am_i(user: auth.PortalUser) -> WhoAmI:
    return WhoAmI(
        portal=user.portal.kind,
        user_id=user.user_id,
        org_id=user.org_id,
        party_id=user.party_id,
        name=user.name,
        email=user.email,
        csrf_token=user.csrf_token,
        session_expires_at=user.session.expires_at,
    )


def login_handler(portal: Portal) -> Handler:
    async def login(request: web.Request) -> web.StreamResponse:
        auth.check_origin(request)
        body = await parse_body(request, LoginRequest)
        address = await auth.admit_sign_in(request)
        response = web.Response(content_type="application/json")
        result = await auth.sign_in(request_kernel(request), portal).attempt(
            request,
            response,
            email=body.email,
            password=body.password,
            totp_code=body.totp_code,
            address=address,
        )
        if result.outcome is Outcome.LOCKED:
            raise Problem(
                429,
                result.message,
                kind="sign-in-locked",
                headers={"Retry-After": str(result.retry_after)},
            )
        if result.outcome is Outcome.SUSPENDED:
            raise Problem(403, result.message, kind="account-suspended")
        if result.outcome is not Outcome.SIGNED_IN or result.session is None:
            raise Problem(401, result.message, kind="sign-in-failed")
        response.text = who_am_i(auth.PortalUser(portal, result.session)).model_dump_json()
        return response

    return login


def logout_handler(portal: Portal) -> Handler:
    async def logout(request: web.Request) -> web.StreamResponse:
        user = await auth.require_user(request, portal)
        auth.check_csrf(request, user)
        response = json_response(SignedOut())
        await auth.sessions(request_kernel(request), portal).end(request, response)
        return response

    return logout


def me_handler(portal: Portal) -> Handler:
    async def me(request: web.Request) -> web.StreamResponse:
        return json_response(who_am_i(await auth.require_user(request, portal)))

    return me
