"""The organisation's ``edi_config`` row: read with defaults, replaced by ``PUT``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi.profiles import ALL_TYPES, EdiConfigIn, EdiConfigOut
from monopilot_integrations.connectors.edi.tables import EdiConfig
from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.db.base import new_id


@dataclass(frozen=True)
class EffectiveConfig:
    """The configuration in force (defaults when the organisation saved none)."""

    enabled: bool
    edi_mailbox: str | None
    message_types: frozenset[str]
    test_mode: bool


async def load(session: AsyncSession, org_id: uuid.UUID) -> EdiConfig | None:
    return await session.scalar(select(EdiConfig).where(EdiConfig.org_id == org_id))


async def effective(session: AsyncSession, org_id: uuid.UUID) -> EffectiveConfig:
    row = await load(session, org_id)
    if row is None:
        return EffectiveConfig(False, None, frozenset(ALL_TYPES), True)
    return EffectiveConfig(
        row.enabled, row.edi_mailbox, frozenset(row.message_types), row.test_mode
    )


def to_out(row: EdiConfig | None) -> EdiConfigOut:
    if row is None:
        return EdiConfigOut()
    return EdiConfigOut(
        enabled=row.enabled,
        edi_mailbox=row.edi_mailbox,
        van_provider=row.van_provider,
        message_types=list(row.message_types),
        test_mode=row.test_mode,
        updated_at=row.updated_at,
    )


async def put(
    session: AsyncSession, org_id: uuid.UUID, data: EdiConfigIn, clock: Clock
) -> EdiConfig:
    now = clock.now()
    row = await load(session, org_id)
    if row is None:
        row = EdiConfig(id=new_id(), org_id=org_id, created_at=now)
        session.add(row)
    row.enabled = data.enabled
    row.edi_mailbox = data.edi_mailbox
    row.van_provider = data.van_provider
    row.message_types = list(dict.fromkeys(data.message_types))
    row.test_mode = data.test_mode
    row.updated_at = now
    await session.flush()
    return row
