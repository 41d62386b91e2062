"""Queries on ``integration_webhooks`` used by delivery (the API has its own, in
:mod:`.api.service`). Every function takes an organisation's session and filters on
``org_id`` explicitly too (row-level security checks it a second time on PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.webhooks.filters import channels_match, payload_matches
from monopilot_integrations.connectors.webhooks.tables import Webhook

ACTIVE, PAUSED = "active", "paused"
#: A successful delivery rewrites ``last_triggered_at`` only when it is older than this
#: (and one attempt per process does it: ``CachedWebhook.claim_success_stamp``), so a busy
#: webhook does not cost one extra UPDATE per delivery.
TRIGGER_STAMP_RESOLUTION_SECONDS = 5.0


async def active_subscriptions(session: AsyncSession, org_id: uuid.UUID) -> Sequence[Row[Any]]:
    """The organisation's active webhooks, only the columns ``plan`` needs (one range of
    the partial index ``idx_webhooks_org_active``)."""
    result = await session.execute(
        select(
            Webhook.id,
            Webhook.events,
            Webhook.retry_policy,
            Webhook.max_retries,
            Webhook.channels,
            Webhook.payload_filter,
        ).where(Webhook.org_id == org_id, Webhook.status == ACTIVE, Webhook.deleted_at.is_(None))
    )
    return result.all()


def subscribes(events: Sequence[str] | None, event_type: str) -> bool:
    return bool(events) and (event_type in events or "*" in events)  # type: ignore[operator]


def receives(row: Any, event_type: str, channels: Sequence[str], data: Mapping[str, Any]) -> bool:
    """Whether a webhook (a row with ``events``, ``channels``, ``payload_filter``) gets an
    event: its type, one of its channels, and its payload filter."""
    return (
        subscribes(row.events, event_type)
        and channels_match(row.channels, channels)
        and payload_matches(row.payload_filter, data)
    )


async def load(session: AsyncSession, org_id: uuid.UUID, webhook_id: uuid.UUID) -> Webhook | None:
    """A webhook that is not deleted, or ``None``."""
    result = await session.execute(
        select(Webhook).where(
            Webhook.id == webhook_id, Webhook.org_id == org_id, Webhook.deleted_at.is_(None)
        )
    )
    return result.scalar_one_or_none()


async def load_many(
    session: AsyncSession, org_id: uuid.UUID, webhook_ids: Sequence[uuid.UUID]
) -> Sequence[Webhook]:
    """The webhooks among ``webhook_ids`` that are not deleted, in one query."""
    result = await session.execute(
        select(Webhook).where(
            Webhook.id.in_(webhook_ids), Webhook.org_id == org_id, Webhook.deleted_at.is_(None)
        )
    )
    return result.scalars().all()


async def record_success(
    session: AsyncSession, org_id: uuid.UUID, webhook_id: uuid.UUID, now: datetime
) -> None:
    """Stamp ``last_triggered_at`` and end a failing streak."""
    stale = now - timedelta(seconds=TRIGGER_STAMP_RESOLUTION_SECONDS)
    await session.execute(
        update(Webhook)
        .where(
            Webhook.id == webhook_id,
            Webhook.org_id == org_id,
            or_(
                Webhook.last_triggered_at.is_(None),
                Webhook.last_triggered_at < stale,
                Webhook.failing_since.is_not(None),
            ),
        )
        .values(last_triggered_at=now, failing_since=None)
    )


async def record_failure(
    session: AsyncSession, org_id: uuid.UUID, webhook_id: uuid.UUID, now: datetime
) -> datetime | None:
    """Stamp the attempt and start a failing streak if none runs; returns its start."""
    await session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id, Webhook.org_id == org_id, Webhook.failing_since.is_(None))
        .values(failing_since=now)
    )
    await session.execute(
        update(Webhook)
        .where(Webhook.id == webhook_id, Webhook.org_id == org_id)
        .values(last_triggered_at=now)
    )
    since: datetime | None = await session.scalar(
        select(Webhook.failing_since).where(Webhook.id == webhook_id, Webhook.org_id == org_id)
    )
    return since


async def pause_if_active(
    session: AsyncSession, org_id: uuid.UUID, webhook_id: uuid.UUID, now: datetime, reason: str
) -> bool:
    """Pause the webhook unless it already is; True when this call paused it (so exactly
    one caller publishes ``webhook.disabled``)."""
    result = await session.execute(
        update(Webhook)
        .where(
            and_(
                Webhook.id == webhook_id,
                Webhook.org_id == org_id,
                Webhook.status == ACTIVE,
                Webhook.deleted_at.is_(None),
            )
        )
        .values(status=PAUSED, paused_reason=reason, paused_at=now, updated_at=now)
        .returning(Webhook.id)
    )
    return result.first() is not None
