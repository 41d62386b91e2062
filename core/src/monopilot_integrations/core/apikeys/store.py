"""Stored API keys: create (shown once), list, change, suspend, activate, revoke, regenerate.

Only a bcrypt hash (cost 12 by default, the architecture document's figure) and the public
key id are stored. Every change of status, scopes, tier, expiry or secret bumps
``updated_at``, from which the key's *stamp* is derived; ``on_change`` receives the new
stamp so verification caches on every server process can tell a cached key is stale.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Literal

import bcrypt
from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, insert, select, update

from monopilot_integrations.core.apikeys import format as key_format
from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import ApiKeyRow
from monopilot_integrations.core.errors import NotFoundError, ValidationError

STATUSES = ("active", "suspended", "revoked")


class ApiKey(BaseModel):
    """A stored key as the management API shows it (never the secret)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    key_id: str
    masked_key: str
    scopes: list[str]
    status: Literal["active", "suspended", "revoked"]
    rate_limit_tier: str
    expires_at: datetime | None
    last_used_at: datetime | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> ApiKey:
        return cls(
            id=row.id,
            org_id=row.org_id,
            name=row.name,
            key_id=row.key_id,
            masked_key=key_format.mask(row.key_prefix, row.key_last4),
            scopes=list(row.scopes),
            status=row.status,
            rate_limit_tier=row.rate_limit_tier,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


def stamp_of(status: str, updated_at: datetime) -> str:
    return f"{status}:{updated_at.timestamp():.6f}"


def hash_key(text: str, rounds: int) -> str:
    return bcrypt.hashpw(text.encode("ascii"), bcrypt.gensalt(rounds)).decode("ascii")


OnChange = Callable[[str, str], Awaitable[None]]


class ApiKeyStore:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        known_scopes: Callable[[], Sequence[str]],
        tiers: Callable[[], Sequence[str]],
        rounds: int = 12,
        environment: Literal["live", "test"] = "live",
        on_change: OnChange | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.known_scopes = known_scopes
        self.tiers = tiers
        self.rounds = rounds
        self.environment: Literal["live", "test"] = environment
        self.on_change = on_change

    # --- validation ---------------------------------------------------------------------

    def _check(self, scopes: Sequence[str] | None, tier: str | None) -> None:
        errors: list[dict[str, str]] = []
        if scopes is not None:
            known = set(self.known_scopes())
            for i, scope in enumerate(scopes):
                if scope not in known:
                    errors.append({"path": f"/scopes/{i}", "message": f"unknown scope {scope!r}"})
            if not scopes:
                errors.append({"path": "/scopes", "message": "at least one scope is needed"})
        if tier is not None and tier not in self.tiers():
            errors.append(
                {
                    "path": "/rate_limit_tier",
                    "message": f"unknown tier {tier!r} (known: {', '.join(sorted(self.tiers()))})",
                }
            )
        if errors:
            raise ValidationError("; ".join(f"{e['path']}: {e['message']}" for e in errors), errors)

    # --- create and read ----------------------------------------------------------------

    async def create(
        self,
        org_id: uuid.UUID,
        *,
        name: str,
        scopes: Sequence[str],
        rate_limit_tier: str = "basic",
        expires_at: datetime | None = None,
        created_by: uuid.UUID | None = None,
    ) -> tuple[ApiKey, str]:
        """Create a key; returns it and its plaintext, which is never available again."""
        self._check(scopes, rate_limit_tier)
        key = key_format.generate(self.environment)
        digest = await asyncio.to_thread(hash_key, key.text, self.rounds)
        now = self.clock.now()
        key_uuid = uuid.uuid4()
        row = {
            "id": key_uuid,
            "org_id": org_id,
            "name": name,
            "key_id": key.key_id,
            "key_prefix": key.prefix,
            "key_last4": key.last4,
            "key_value_hash": digest,
            "scopes": sorted(set(scopes)),
            "status": "active",
            "rate_limit_tier": rate_limit_tier,
            "expires_at": expires_at,
            "created_by": created_by,
            "created_at": now,
            "updated_at": now,
        }
        async with self.database.session(org_id) as session:
            await session.execute(insert(ApiKeyRow), [row])
        if self.on_change is not None:
            await self.on_change(key.key_id, stamp_of("active", now))
        return await self.get(org_id, key_uuid), key.text

    async def get(self, org_id: uuid.UUID, key_uuid: uuid.UUID) -> ApiKey:
        async with self.database.session(org_id) as session:
            row = await session.scalar(
                select(ApiKeyRow).where(ApiKeyRow.id == key_uuid, ApiKeyRow.org_id == org_id)
            )
        if row is None:
            raise NotFoundError(f"API key {key_uuid} not found")
        return ApiKey.from_row(row)

    async def list(
        self,
        org_id: uuid.UUID,
        *,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[ApiKey], int]:
        conditions = [ApiKeyRow.org_id == org_id]
        if status is not None:
            conditions.append(ApiKeyRow.status == status)
        async with self.database.session(org_id) as session:
            total = await session.scalar(
                select(func.count()).where(*conditions).select_from(ApiKeyRow)
            )
            rows = (
                (
                    await session.execute(
                        select(ApiKeyRow)
                        .where(*conditions)
                        .order_by(ApiKeyRow.created_at.desc(), ApiKeyRow.id)
                        .limit(limit)
                        .offset(offset)
                    )
                )
                .scalars()
                .all()
            )
        return [ApiKey.from_row(r) for r in rows], int(total or 0)

    # --- changes ------------------------------------------------------------------------

    async def update(
        self,
        org_id: uuid.UUID,
        key_uuid: uuid.UUID,
        *,
        name: str | None = None,
        scopes: Sequence[str] | None = None,
        rate_limit_tier: str | None = None,
        expires_at: datetime | None = None,
        clear_expiry: bool = False,
    ) -> ApiKey:
        self._check(scopes, rate_limit_tier)
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = name
        if scopes is not None:
            values["scopes"] = sorted(set(scopes))
        if rate_limit_tier is not None:
            values["rate_limit_tier"] = rate_limit_tier
        if expires_at is not None or clear_expiry:
            values["expires_at"] = expires_at
        return await self._change(org_id, key_uuid, values, allowed_from=("active", "suspended"))

    async def suspend(self, org_id: uuid.UUID, key_uuid: uuid.UUID) -> ApiKey:
        return await self._change(
            org_id, key_uuid, {"status": "suspended"}, allowed_from=("active", "suspended")
        )

    async def activate(self, org_id: uuid.UUID, key_uuid: uuid.UUID) -> ApiKey:
        return await self._change(
            org_id, key_uuid, {"status": "active"}, allowed_from=("active", "suspended")
        )

    async def revoke(self, org_id: uuid.UUID, key_uuid: uuid.UUID) -> ApiKey:
        """Revoke for good; the row stays for the audit trail."""
        return await self._change(
            org_id,
            key_uuid,
            {"status": "revoked"},
            allowed_from=("active", "suspended", "revoked"),
        )

    async def regenerate(self, org_id: uuid.UUID, key_uuid: uuid.UUID) -> tuple[ApiKey, str]:
        """A new secret under the same key id; the old key stops working at once."""
        current = await self.get(org_id, key_uuid)
        key = key_format.with_new_secret(current.key_id, self.environment)
        digest = await asyncio.to_thread(hash_key, key.text, self.rounds)
        updated = await self._change(
            org_id,
            key_uuid,
            {"key_value_hash": digest, "key_prefix": key.prefix, "key_last4": key.last4},
            allowed_from=("active", "suspended"),
        )
        return updated, key.text

    async def _change(
        self,
        org_id: uuid.UUID,
        key_uuid: uuid.UUID,
        values: dict[str, Any],
        *,
        allowed_from: tuple[str, ...],
    ) -> ApiKey:
        now = self.clock.now()
        async with self.database.session(org_id) as session:
            row = await session.scalar(
                select(ApiKeyRow).where(ApiKeyRow.id == key_uuid, ApiKeyRow.org_id == org_id)
            )
            if row is None:
                raise NotFoundError(f"API key {key_uuid} not found")
            if row.status not in allowed_from:
                raise ValidationError(
                    f"API key {key_uuid} is {row.status}; this change is not possible",
                    [{"path": "/status", "message": f"key is {row.status}"}],
                )
            await session.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.id == key_uuid, ApiKeyRow.org_id == org_id)
                .values(**values, updated_at=now)
            )
            key_id, status = row.key_id, values.get("status", row.status)
        if self.on_change is not None:
            await self.on_change(key_id, stamp_of(status, now))
        return await self.get(org_id, key_uuid)

    async def touch_last_used(self, used: dict[uuid.UUID, datetime]) -> None:
        """Write ``last_used_at`` for many keys at once (batched by the verifier)."""
        if not used:
            return
        async with self.database.system_session() as session:
            for key_uuid, when in used.items():
                await session.execute(
                    update(ApiKeyRow)
                    .where(ApiKeyRow.id == key_uuid)
                    .where((ApiKeyRow.last_used_at.is_(None)) | (ApiKeyRow.last_used_at < when))
                    .values(last_used_at=when)
                )
