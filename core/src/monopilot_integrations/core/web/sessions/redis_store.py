"""Sessions in Redis (``MONOPILOT_REDIS_URL`` set): shared by every server process, expired
by Redis itself, no database write per request.

Layout (prefix ``mp:ws:``): ``s:<digest>`` holds the session as JSON with a time-to-live of
its remaining absolute lifetime; ``u:<realm>:<user id>`` is the set of a user's digests, so
all of them can be ended at once.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import redis.asyncio

from monopilot_integrations.core.web.sessions.model import WebSession, token_digest


class RedisSessionStore:
    def __init__(self, client: redis.asyncio.Redis, *, prefix: str = "mp:ws:") -> None:
        self.client = client
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "mp:ws:") -> RedisSessionStore:
        return cls(redis.asyncio.Redis.from_url(url, socket_connect_timeout=2), prefix=prefix)

    def _key(self, digest: str) -> str:
        return f"{self.prefix}s:{digest}"

    def _user_key(self, realm: str, user_id: uuid.UUID) -> str:
        return f"{self.prefix}u:{realm}:{user_id}"

    async def create(self, session: WebSession) -> None:
        ttl = _ttl(session.expires_at, session.created_at)
        user_key = self._user_key(session.realm, session.user_id)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.set(self._key(session.digest), _dump(session), ex=ttl)
            pipe.sadd(user_key, session.digest)
            pipe.expire(user_key, ttl, gt=True)
            pipe.expire(user_key, ttl, nx=True)
            await pipe.execute()

    async def get(self, token: str) -> WebSession | None:
        raw = await self.client.get(self._key(token_digest(token)))
        if raw is None:
            return None
        return _load(token, raw)

    async def touch(self, session: WebSession, when: datetime) -> None:
        # KEEPTTL: the absolute expiry stays where it was.
        await self.client.set(
            self._key(session.digest), _dump(session.seen(when)), keepttl=True, xx=True
        )

    async def delete(self, token: str) -> None:
        digest = token_digest(token)
        raw = await self.client.get(self._key(digest))
        await self.client.delete(self._key(digest))
        if raw is not None:
            session = _load(token, raw)
            await self.client.srem(self._user_key(session.realm, session.user_id), digest)

    async def delete_user(self, realm: str, user_id: uuid.UUID) -> int:
        user_key = self._user_key(realm, user_id)
        digests = [
            d.decode() if isinstance(d, bytes) else str(d)
            for d in await self.client.smembers(user_key)
        ]
        if not digests:
            return 0
        removed = int(await self.client.delete(*(self._key(d) for d in digests)))
        await self.client.delete(user_key)
        return removed

    async def purge(self, now: datetime) -> int:
        return 0  # Redis expires sessions itself

    async def count(self, realm: str, user_id: uuid.UUID) -> int:
        user_key = self._user_key(realm, user_id)
        digests = await self.client.smembers(user_key)
        alive = 0
        for digest in digests:
            name = digest.decode() if isinstance(digest, bytes) else str(digest)
            alive += int(await self.client.exists(self._key(name)))
        return alive

    async def close(self) -> None:
        await self.client.aclose()


def _ttl(expires_at: datetime, now: datetime) -> int:
    return max(int((expires_at - now).total_seconds()) + 1, 1)


def _dump(session: WebSession) -> str:
    return json.dumps(
        {
            "realm": session.realm,
            "user_id": str(session.user_id),
            "org_id": str(session.org_id) if session.org_id else None,
            "csrf": session.csrf_token,
            "created_at": session.created_at.isoformat(),
            "last_seen_at": session.last_seen_at.isoformat(),
            "expires_at": session.expires_at.isoformat(),
            "claims": dict(session.claims),
        }
    )


def _load(token: str, raw: Any) -> WebSession:
    data = json.loads(raw)
    return WebSession(
        token=token,
        realm=data["realm"],
        user_id=uuid.UUID(data["user_id"]),
        org_id=uuid.UUID(data["org_id"]) if data.get("org_id") else None,
        csrf_token=data["csrf"],
        created_at=datetime.fromisoformat(data["created_at"]),
        last_seen_at=datetime.fromisoformat(data["last_seen_at"]),
        expires_at=datetime.fromisoformat(data["expires_at"]),
        claims={str(k): str(v) for k, v in data.get("claims", {}).items()},
    )
