"""Partner profiles in the database: create, replace, delete, find, count control refs.

Every function works inside one organisation's session, so another organisation's profile
is "not found", never visible. Transport settings are validated against the transport's
own settings model when saved (a typo fails then, not when the first file arrives) and the
secret ones are sealed (see :mod:`.transport_secrets`).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.mailbox.sources import transport_config
from monopilot_integrations.connectors.edi.profiles import PartnerIn, PartnerOut
from monopilot_integrations.connectors.edi.tables import EdiPartner
from monopilot_integrations.connectors.edi.transport_secrets import (
    SECRET_NAMES_KEY,
    seal,
    secret_fields,
    split,
    unseal,
)
from monopilot_integrations.core.db.base import new_id
from monopilot_integrations.core.errors import ConfigError, NotFoundError, ValidationError
from monopilot_integrations.core.net import OutboundGuard


def to_out(row: EdiPartner) -> PartnerOut:
    return PartnerOut(
        id=row.id,
        name=row.name,
        partner_id=row.partner_id,
        qualifier=row.qualifier,
        customer_id=row.customer_id,
        supplier_id=row.supplier_id,
        syntax_identifier=row.syntax_identifier,
        syntax_version=row.syntax_version,
        directory=row.directory,
        message_types=list(row.message_types),
        transport=row.transport,
        transport_settings={
            k: v for k, v in row.transport_settings.items() if k != SECRET_NAMES_KEY
        },
        secrets_set=sorted(_secret_names(row)),
        test_mode=row.test_mode,
        send_contrl=row.send_contrl,
        auto_send=list(row.auto_send or []),
        active=row.active,
        transliterate=bool(row.transliterate),
        required_segments={k: list(v) for k, v in (row.required_segments or {}).items()},
        application_reference=row.application_reference,
        write_una=row.write_una,
        control_counter=row.control_counter,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _secret_names(row: EdiPartner) -> set[str]:
    # The names are kept beside the token so listing them needs no decryption.
    names = row.transport_settings.get(SECRET_NAMES_KEY, []) if row.transport_settings else []
    return {str(n) for n in names}


async def get(session: AsyncSession, org_id: uuid.UUID, partner_id: uuid.UUID) -> EdiPartner:
    row = await session.scalar(
        select(EdiPartner).where(EdiPartner.org_id == org_id, EdiPartner.id == partner_id)
    )
    if row is None:
        raise NotFoundError(f"no EDI partner {partner_id} in this organisation")
    return row


async def list_partners(
    session: AsyncSession, org_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[EdiPartner], int]:
    where = EdiPartner.org_id == org_id
    total = await session.scalar(select(func.count()).select_from(EdiPartner).where(where))
    rows = (
        await session.execute(
            select(EdiPartner).where(where).order_by(EdiPartner.name).limit(limit).offset(offset)
        )
    ).scalars()
    return list(rows), int(total or 0)


async def find_by_interchange_id(
    session: AsyncSession, org_id: uuid.UUID, interchange_id: str
) -> EdiPartner | None:
    """The profile whose partner id is ``interchange_id`` (UNB sender of an inbound file)."""
    return await session.scalar(
        select(EdiPartner).where(
            EdiPartner.org_id == org_id, EdiPartner.partner_id == interchange_id
        )
    )


async def save(
    edi: EdiContext,
    session: AsyncSession,
    org_id: uuid.UUID,
    data: PartnerIn,
    *,
    existing: EdiPartner | None = None,
) -> EdiPartner:
    """Create a profile, or replace ``existing`` with ``data`` (secrets omitted in ``data``
    keep their stored values)."""
    await _check_parties(edi, session, org_id, data)
    now = edi.runtime.clock.now()
    row = existing or EdiPartner(id=new_id(), org_id=org_id, control_counter=0, created_at=now)
    public, hidden = _validated_settings(edi, org_id, row, data)
    row.name = data.name
    row.partner_id = data.partner_id
    row.qualifier = data.qualifier
    row.customer_id = data.customer_id
    row.supplier_id = data.supplier_id
    row.syntax_identifier = data.syntax_identifier
    row.syntax_version = data.syntax_version
    row.directory = data.directory
    row.message_types = list(dict.fromkeys(data.message_types))
    row.transport = data.transport
    row.transport_settings = {**public, SECRET_NAMES_KEY: sorted(hidden)}
    row.transport_secrets = seal(edi.runtime.keyring, org_id, row.id, hidden)
    row.test_mode = data.test_mode
    row.send_contrl = data.send_contrl
    row.auto_send = list(dict.fromkeys(data.auto_send))
    row.active = data.active
    row.transliterate = data.transliterate
    row.required_segments = {
        kind: list(dict.fromkeys(tags)) for kind, tags in data.required_segments.items()
    }
    row.application_reference = data.application_reference
    row.write_una = data.write_una
    row.updated_at = now
    if existing is None:
        session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        raise ValidationError(
            f"a partner with id {data.partner_id!r} already exists in this organisation",
            [{"path": "/partner_id", "message": "already in use"}],
        ) from None
    return row


def _validated_settings(
    edi: EdiContext, org_id: uuid.UUID, row: EdiPartner, data: PartnerIn
) -> tuple[dict[str, Any], dict[str, str]]:
    registry = edi.runtime.registry
    if data.transport not in registry.transports:
        known = ", ".join(sorted(str(k) for k in registry.transports))
        raise ValidationError(
            f"unknown transport {data.transport!r} (installed: {known})",
            [{"path": "/transport", "message": f"one of {known}"}],
        )
    transport_cls = registry.transports[data.transport]
    secrets = secret_fields(transport_cls.settings_model)
    public, hidden = split(
        {k: v for k, v in data.transport_settings.items() if k != SECRET_NAMES_KEY}, secrets
    )
    if row.transport == data.transport and row.transport_secrets:
        kept = unseal(edi.runtime.keyring, org_id, row.id, row.transport_secrets)
        explicit_nulls = {k for k, v in data.transport_settings.items() if v is None}
        hidden = {**{k: v for k, v in kept.items() if k not in explicit_nulls}, **hidden}
    probe = EdiPartner(org_id=org_id, transport=data.transport)
    try:
        config = transport_config(probe, public=public, secrets=hidden, root=edi.mailbox_root)
        guard = OutboundGuard.from_settings(edi.runtime.settings)
        transport_cls.from_config(config, guard=guard).check_targets()
    except ConfigError as exc:
        raise ValidationError(
            f"invalid transport_settings: {exc}",
            [{"path": "/transport_settings", "message": str(exc)}],
        ) from None
    return public, hidden


async def _check_parties(
    edi: EdiContext, session: AsyncSession, org_id: uuid.UUID, data: PartnerIn
) -> None:
    domain = edi.runtime.domain
    problems = []
    if data.customer_id is not None and (
        await domain.get_customer(org_id, data.customer_id, session=session) is None
    ):
        problems.append({"path": "/customer_id", "message": "no such customer"})
    if data.supplier_id is not None and (
        await domain.get_supplier(org_id, data.supplier_id, session=session) is None
    ):
        problems.append({"path": "/supplier_id", "message": "no such supplier"})
    if problems:
        raise ValidationError("; ".join(f"{p['path']}: {p['message']}" for p in problems), problems)


async def next_control_reference(session: AsyncSession, partner: EdiPartner) -> str:
    """The partner's next outbound interchange control reference.

    One ``UPDATE ... SET control_counter = control_counter + 1 RETURNING`` statement:
    concurrent senders (two workers, two processes) each get their own number, and a
    rolled-back send gives its number back with the transaction.
    """
    value = await session.scalar(
        update(EdiPartner)
        .where(EdiPartner.id == partner.id, EdiPartner.org_id == partner.org_id)
        .values(control_counter=EdiPartner.control_counter + 1)
        .returning(EdiPartner.control_counter)
    )
    if value is None:
        raise NotFoundError(f"no EDI partner {partner.id} in this organisation")
    return str(int(value))
