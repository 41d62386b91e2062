"""A server-side web session, as the stores keep it."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime


@dataclass(frozen=True)
class WebSession:
    """One signed-in browser (or API client holding the cookie).

    ``token`` is the secret the cookie carries; stores keep only :func:`token_digest` of it,
    so a copy of the sessions table or of Redis holds no usable session. ``csrf_token`` is
    this session's token for state-changing requests (:mod:`.csrf`).
    """

    token: str
    realm: str
    user_id: uuid.UUID
    org_id: uuid.UUID | None
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    claims: Mapping[str, str] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        return token_digest(self.token)

    def seen(self, when: datetime) -> WebSession:
        return replace(self, last_seen_at=when)


def new_token() -> str:
    """256 random bits, URL-safe (43 characters): a session id or a CSRF token."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """SHA-256 of a session token, hex: the key under which stores keep the session.

    A fast hash is right here (unlike for passwords): the token has 256 random bits, there is
    nothing to brute-force.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
