"""Starting, finding and ending sessions: the one place that decides whether a session is
still good.

* :meth:`SessionManager.start` (after a successful sign-in) always makes a **new** token and
  ends the session the request presented, if any: a token planted before sign-in (session
  fixation) never becomes a signed-in session.
* :meth:`SessionManager.current` returns the request's session when it exists, belongs to
  the policy's realm and has passed neither timeout; an expired one is deleted on sight.
* :meth:`SessionManager.end` (sign out) deletes the session on the server, so the cookie is
  worthless even if a copy of it survives; :meth:`end_user` ends all of a user's sessions.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from aiohttp import web

from monopilot_integrations.core.clock import Clock, SystemClock
from monopilot_integrations.core.web.sessions.model import WebSession, new_token
from monopilot_integrations.core.web.sessions.policy import SessionPolicy
from monopilot_integrations.core.web.sessions.store import SessionStore

#: Where :meth:`SessionManager.current` leaves the session it found, for the request.
CURRENT: web.RequestKey[WebSession] = web.RequestKey("monopilot.web_session", WebSession)


class SessionManager:
    """Sessions of one realm, in ``store``, under ``policy``."""

    def __init__(
        self, store: SessionStore, policy: SessionPolicy, clock: Clock | None = None
    ) -> None:
        self.store = store
        self.policy = policy
        self.clock: Clock = clock or SystemClock()

    @property
    def realm(self) -> str:
        return self.policy.realm

    async def start(
        self,
        request: web.BaseRequest,
        response: web.StreamResponse,
        *,
        user_id: uuid.UUID,
        org_id: uuid.UUID | None,
        claims: Mapping[str, str] | None = None,
    ) -> WebSession:
        """A new session for a user who just signed in; sets its cookie on ``response``."""
        previous = self.policy.token_of(request)
        if previous is not None:
            await self.store.delete(previous)
        now = self.clock.now()
        session = WebSession(
            token=new_token(),
            realm=self.realm,
            user_id=user_id,
            org_id=org_id,
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
            expires_at=now + self.policy.absolute_timeout,
            claims=dict(claims or {}),
        )
        await self.store.create(session)
        self.policy.set_cookie(request, response, session.token)
        return session

    async def current(self, request: web.Request) -> WebSession | None:
        """The request's live session of this realm, or ``None`` (no cookie, unknown,
        another realm's, idle too long, past its absolute lifetime)."""
        found: WebSession | None = request.get(CURRENT)
        if found is not None and found.realm == self.realm:
            return found
        token = self.policy.token_of(request)
        if token is None:
            return None
        session = await self.store.get(token)
        if session is None or session.realm != self.realm:
            return None
        now = self.clock.now()
        if now >= session.expires_at or now - session.last_seen_at >= self.policy.idle_timeout:
            await self.store.delete(token)
            return None
        if now - session.last_seen_at >= self.policy.touch_interval:
            await self.store.touch(session, now)
            session = session.seen(now)
        request[CURRENT] = session
        return session

    async def end(self, request: web.BaseRequest, response: web.StreamResponse) -> None:
        """Sign out: delete the session on the server and clear the cookie."""
        token = self.policy.token_of(request)
        if token is not None:
            await self.store.delete(token)
        self.policy.clear_cookie(request, response)

    async def end_user(self, user_id: uuid.UUID) -> int:
        """End every session of a user of this realm (suspension, password reset)."""
        return await self.store.delete_user(self.realm, user_id)

    async def purge(self) -> int:
        """Forget sessions past their absolute lifetime (a periodic task calls it)."""
        return await self.store.purge(self.clock.now())
