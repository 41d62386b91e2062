"""Where sessions live: the :class:`SessionStore` protocol and its database implementation.

The database store is the embedded default (and fine for production on PostgreSQL); with
Redis configured, :class:`~.redis_store.RedisSessionStore` keeps them there instead (no
write to the database per request, expiry by Redis itself). Both key a session by the
SHA-256 of its token (:func:`~.model.token_digest`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, select, update

from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.web_sessions import WebSessionRow
from monopilot_integrations.core.web.sessions.model import WebSession, token_digest


class SessionStore(Protocol):
    """Server-side sessions, by token. Expiry is the manager's decision
    (:class:`~.manager.SessionManager`); a store only keeps, finds and forgets."""

    async def create(self, session: WebSession) -> None: ...

    async def get(self, token: str) -> WebSession | None:
        """The session of ``token`` (expired or not), or ``None``."""
        ...

    async def touch(self, session: WebSession, when: datetime) -> None:
        """Record activity: ``last_seen_at = when``."""
        ...

    async def delete(self, token: str) -> None: ...

    async def delete_user(self, realm: str, user_id: uuid.UUID) -> int:
        """End every session of one user (suspension, new password, sign out everywhere);
        returns how many ended."""
        ...

    async def purge(self, now: datetime) -> int:
        """Forget sessions whose absolute expiry passed."""
        ...

    async def close(self) -> None: ...


class DatabaseSessionStore:
    """Sessions in ``integration_web_sessions``, on the kernel's own connections."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def create(self, session: WebSession) -> None:
        async with self.database.system_session() as db:
            db.add(
                WebSessionRow(
                    token_digest=session.digest,
                    realm=session.realm,
                    user_id=session.user_id,
                    organization_id=session.org_id,
                    csrf_token=session.csrf_token,
                    claims=dict(session.claims),
                    created_at=session.created_at,
                    last_seen_at=session.last_seen_at,
                    expires_at=session.expires_at,
                )
            )

    async def get(self, token: str) -> WebSession | None:
        async with self.database.system_session() as db:
            row = await db.get(WebSessionRow, token_digest(token))
            if row is None:
                return None
            return WebSession(
                token=token,
                realm=row.realm,
                user_id=row.user_id,
                org_id=row.organization_id,
                csrf_token=row.csrf_token,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                expires_at=row.expires_at,
                claims={str(k): str(v) for k, v in (row.claims or {}).items()},
            )

    async def touch(self, session: WebSession, when: datetime) -> None:
        async with self.database.system_session() as db:
            await db.execute(
                update(WebSessionRow)
                .where(WebSessionRow.token_digest == session.digest)
                .values(last_seen_at=when)
            )

    async def delete(self, token: str) -> None:
        async with self.database.system_session() as db:
            await db.execute(
                delete(WebSessionRow).where(WebSessionRow.token_digest == token_digest(token))
            )

    async def delete_user(self, realm: str, user_id: uuid.UUID) -> int:
        async with self.database.system_session() as db:
            result = await db.execute(
                delete(WebSessionRow).where(
                    WebSessionRow.realm == realm, WebSessionRow.user_id == user_id
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def purge(self, now: datetime) -> int:
        async with self.database.system_session() as db:
            result = await db.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))
            return int(getattr(result, "rowcount", 0) or 0)

    async def count(self, realm: str, user_id: uuid.UUID) -> int:
        """How many sessions a user has (administration pages, tests)."""
        async with self.database.system_session() as db:
            rows = await db.execute(
                select(WebSessionRow.token_digest).where(
                    WebSessionRow.realm == realm, WebSessionRow.user_id == user_id
                )
            )
            return len(rows.all())

    async def close(self) -> None:
        return None
