"""``/api/integrations/portals/{supplier,customer}/users``: portal user administration.

Scope ``integrations:admin``. Every handler works in the API key's organisation only;
another organisation's user id answers 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from monopilot_integrations.connectors.portals.admin.models import (
    PasswordReset,
    PortalUserCreate,
    PortalUserList,
    PortalUserOut,
    PortalUserQuery,
    PortalUserWithPassword,
    TwoFactorSetup,
)
from monopilot_integrations.connectors.portals.admin.service import PortalUserAdmin
from monopilot_integrations.connectors.portals.directory import ACTIVE, SUSPENDED
from monopilot_integrations.connectors.portals.parties import PORTALS, Portal
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.problems import Problem, ProblemDetail
from monopilot_integrations.core.web.request import request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response, parse_body, parse_query

SCOPE = "integrations:admin"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _user_id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["id"])
    except ValueError:
        raise Problem(404, f"no portal user {request.match_info['id'][:64]!r} here") from None


def _handlers(portal: Portal) -> dict[str, Handler]:
    def admin(request: web.Request) -> PortalUserAdmin:
        return PortalUserAdmin(request_kernel(request), portal)

    async def list_users(request: web.Request) -> web.StreamResponse:
        query = parse_query(request, PortalUserQuery)
        items, total = await admin(request).list(
            request_org(request),
            status=query.status,
            party_id=query.party_id,
            limit=query.limit,
            offset=query.offset,
        )
        return json_response(
            PortalUserList(items=items, total=total, limit=query.limit, offset=query.offset)
        )

    async def create_user(request: web.Request) -> web.StreamResponse:
        body = await parse_body(request, PortalUserCreate)
        created = await admin(request).create(request_org(request), body)
        response = json_response(created, status=201)
        response.headers["Location"] = f"{request.path}/{created.id}"
        return response

    async def get_user(request: web.Request) -> web.StreamResponse:
        return json_response(await admin(request).get(request_org(request), _user_id(request)))

    async def suspend(request: web.Request) -> web.StreamResponse:
        user_id = _user_id(request)
        return json_response(
            await admin(request).set_status(request_org(request), user_id, SUSPENDED)
        )

    async def reactivate(request: web.Request) -> web.StreamResponse:
        user_id = _user_id(request)
        return json_response(await admin(request).set_status(request_org(request), user_id, ACTIVE))

    async def reset_password(request: web.Request) -> web.StreamResponse:
        user_id = _user_id(request)
        body = await parse_body(request, PasswordReset) if request.body_exists else PasswordReset()
        return json_response(
            await admin(request).reset_password(request_org(request), user_id, body)
        )

    async def enable_2fa(request: web.Request) -> web.StreamResponse:
        user_id = _user_id(request)
        return json_response(await admin(request).enable_two_factor(request_org(request), user_id))

    async def disable_2fa(request: web.Request) -> web.StreamResponse:
        user_id = _user_id(request)
        return json_response(await admin(request).disable_two_factor(request_org(request), user_id))

    return {
        "list": list_users,
        "create": create_user,
        "get": get_user,
        "suspend": suspend,
        "reactivate": reactivate,
        "reset_password": reset_password,
        "enable_2fa": enable_2fa,
        "disable_2fa": disable_2fa,
    }


def _routes(portal: Portal) -> list[Route]:
    h = _handlers(portal)
    base = f"/api/integrations/portals/{portal.kind}/users"
    one = base + "/{id}"
    tags = ("portal users",)
    name = f"portal_users_{portal.kind}"
    who = f"{portal.kind} portal user"
    problems = {404: ProblemDetail}
    return [
        Route(
            "GET",
            base,
            h["list"],
            name=f"{name}.list",
            scope=SCOPE,
            tags=tags,
            summary=f"List {who}s",
            query_model=PortalUserQuery,
            response_model=PortalUserList,
        ),
        Route(
            "POST",
            base,
            h["create"],
            name=f"{name}.create",
            scope=SCOPE,
            tags=tags,
            status_code=201,
            summary=f"Create (invite) a {who}; a temporary password is "
            "returned once unless one is given",
            request_model=PortalUserCreate,
            response_model=PortalUserWithPassword,
            responses={409: ProblemDetail},
        ),
        Route(
            "GET",
            one,
            h["get"],
            name=f"{name}.get",
            scope=SCOPE,
            tags=tags,
            summary=f"One {who}",
            response_model=PortalUserOut,
            responses=problems,
        ),
        Route(
            "POST",
            one + "/suspend",
            h["suspend"],
            name=f"{name}.suspend",
            scope=SCOPE,
            tags=tags,
            summary=f"Suspend a {who}: sign-in refused, sessions ended",
            response_model=PortalUserOut,
            responses=problems,
        ),
        Route(
            "POST",
            one + "/reactivate",
            h["reactivate"],
            name=f"{name}.reactivate",
            scope=SCOPE,
            tags=tags,
            summary=f"Reactivate a suspended {who}",
            response_model=PortalUserOut,
            responses=problems,
        ),
        Route(
            "POST",
            one + "/reset-password",
            h["reset_password"],
            name=f"{name}.reset_password",
            scope=SCOPE,
            tags=tags,
            summary="Set a new password (or make a temporary one); sessions ended",
            request_model=PasswordReset,
            response_model=PortalUserWithPassword,
            responses=problems,
        ),
        Route(
            "POST",
            one + "/two-factor",
            h["enable_2fa"],
            name=f"{name}.enable_2fa",
            scope=SCOPE,
            tags=tags,
            summary="Turn on TOTP two-factor sign-in (new secret)",
            response_model=TwoFactorSetup,
            responses=problems,
        ),
        Route(
            "DELETE",
            one + "/two-factor",
            h["disable_2fa"],
            name=f"{name}.disable_2fa",
            scope=SCOPE,
            tags=tags,
            summary="Turn off two-factor sign-in",
            response_model=PortalUserOut,
            responses=problems,
        ),
    ]


ROUTES: list[Route] = [route for portal in PORTALS.values() for route in _routes(portal)]
