"""Who is calling: the portal user behind a request's session cookie, and sign-in.

Built on core's web sign-in (:mod:`monopilot_integrations.core.web.sessions`); this module
only binds it to the portals: the realm of each portal, its users table, and the claims a
session carries (the user's supplier or customer id, name and e-mail), so a request needs
no look-up of the user.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from aiohttp import web

from monopilot_integrations.connectors.portals.directory import PortalUserDirectory
from monopilot_integrations.connectors.portals.parties import Portal
from monopilot_integrations.core.apikeys.throttle import AuthenticationThrottled, client_address
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import request_kernel
from monopilot_integrations.core.web.sessions import (
    CSRF_FIELD,
    CSRF_HEADER,
    SessionManager,
    SignIn,
    WebSession,
    check_csrf_token,
    check_same_origin,
    session_policy,
)


@dataclass(frozen=True)
class PortalUser:
    """A signed-in portal user, from the session."""

    portal: Portal
    session: WebSession

    @property
    def org_id(self) -> uuid.UUID:
        assert self.session.org_id is not None  # portal users always have one
        return self.session.org_id

    @property
    def user_id(self) -> uuid.UUID:
        return self.session.user_id

    @property
    def party_id(self) -> uuid.UUID:
        """The user's supplier (supplier portal) or customer (customer portal)."""
        return uuid.UUID(self.session.claims["party_id"])

    @property
    def name(self) -> str:
        return self.session.claims.get("name", "")

    @property
    def email(self) -> str:
        return self.session.claims.get("email", "")

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token


def sessions(kernel: Kernel, portal: Portal) -> SessionManager:
    """The portal's sessions on this event loop (database or Redis, as configured)."""
    runtime = kernel.runtime()
    return SessionManager(
        runtime.web_session_store, session_policy(kernel.settings, portal.realm), kernel.clock
    )


def sign_in(kernel: Kernel, portal: Portal) -> SignIn:
    runtime = kernel.runtime()
    directory = PortalUserDirectory(portal, runtime.database, kernel.keyring)
    return SignIn(
        directory,
        sessions(kernel, portal),
        runtime.login_throttle,
        kernel.password_hasher,
        kernel.clock,
    )


async def admit_sign_in(request: web.Request) -> str:
    """The caller's address, after spending one token of its budget of unverified
    attempts (the one API keys use, ``MONOPILOT_API_KEY_ATTEMPTS_PER_ADDRESS``): one
    address trying many e-mails is slowed down as well as each e-mail being locked.
    Raises a 429 problem when the budget is spent."""
    kernel = request_kernel(request)
    runtime = kernel.runtime()
    address = client_address(request, kernel.settings.trusted_proxy_hops)
    try:
        await runtime.api_keys.throttle.admit(address)
    except AuthenticationThrottled as exc:
        raise Problem(
            429,
            f"too many sign-in attempts from this address; retry in {exc.retry_after}s",
            kind="sign-in-attempts",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    return address


async def current_user(request: web.Request, portal: Portal) -> PortalUser | None:
    session = await sessions(request_kernel(request), portal).current(request)
    return PortalUser(portal, session) if session is not None else None


async def require_user(request: web.Request, portal: Portal) -> PortalUser:
    """The signed-in user, or a 401 problem (no session, expired, signed out)."""
    user = await current_user(request, portal)
    if user is None:
        raise Problem(
            401,
            f"sign in first: POST {portal.api_base}/login (the session may have expired)",
            kind="portal-session",
        )
    return user


def check_origin(request: web.Request) -> None:
    """403 for a state-changing request sent from another site."""
    check_same_origin(request, request_kernel(request).settings.web_trusted_origins)


def check_csrf(request: web.Request, user: PortalUser, form_value: str | None = None) -> None:
    """403 unless the request carries the session's CSRF token (header or form field),
    and comes from this site."""
    check_origin(request)
    check_csrf_token(user.session, request.headers.get(CSRF_HEADER) or form_value)


__all__ = [
    "CSRF_FIELD",
    "PortalUser",
    "admit_sign_in",
    "check_csrf",
    "check_origin",
    "current_user",
    "require_user",
    "sessions",
    "sign_in",
]
