"""The tables of web sign-in (:mod:`monopilot_integrations.core.web.sessions`).

Neither is tenant data under row-level security: a session is looked up by its cookie before
anyone knows the organisation, and lockout counters exist for e-mails nobody has. Both are
read and written by the kernel's own sessions only, keyed by SHA-256 digests (of the session
token; of the realm and e-mail), so a copy of them holds no usable session and no list of
addresses tried. The organisation column is named ``organization_id`` (not ``org_id``) for
that reason: ``org_id`` marks a table as under row-level security.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base


class WebSessionRow(Base):
    """One server-side web session (``integration_web_sessions``)."""

    __tablename__ = "integration_web_sessions"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    realm: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[uuid.UUID] = mapped_column()
    organization_id: Mapped[uuid.UUID | None] = mapped_column()
    csrf_token: Mapped[str] = mapped_column(String(64))
    claims: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    last_seen_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()

    __table_args__ = (
        # Revoking every session of a user (logout everywhere, suspension, new password).
        Index("ix_integration_web_sessions_user", "realm", "user_id"),
        # The purge of expired sessions.
        Index("ix_integration_web_sessions_expires", "expires_at"),
    )


class LoginThrottleRow(Base):
    """Failed sign-ins of one (realm, e-mail), for growing lockouts
    (``integration_login_throttle``)."""

    __tablename__ = "integration_login_throttle"

    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column()
    locked_until: Mapped[datetime | None] = mapped_column()
