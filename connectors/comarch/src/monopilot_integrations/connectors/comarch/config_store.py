"""The organisation's Comarch configuration: validated, sealed, saved; read back masked.

The API secret is write-only: ``PUT`` takes it (omitted: the stored one is kept), the row
keeps it as a keyring token bound to the organisation, and no answer or log row ever
carries it. The bridge URL is checked against the SSRF guard with a grant for its own host
and port when saved (and again at every connection by the client). The XML route's
transport is any registered transport (``comarch-folder`` by default, an SFTP transport by
name); its secret settings (``SecretStr`` fields) are sealed the same way.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.comarch.bridge_client import guarded
from monopilot_integrations.connectors.comarch.document import Postings
from monopilot_integrations.connectors.comarch.tables import (
    MAPPING_KINDS,
    ComarchConfig,
    ComarchPostingMapping,
)
from monopilot_integrations.core.crypto import Keyring
from monopilot_integrations.core.errors import ConfigError, ValidationError
from monopilot_integrations.core.net import BlockedTargetError, OutboundGuard
from monopilot_integrations.core.plugins.registry import Registry

SECRET_PURPOSE = "comarch.api_secret"  # noqa: S105 - a keyring purpose, not a secret
TRANSPORT_PURPOSE = "comarch.xml_transport"
DEFAULT_TRANSPORT = "comarch-folder"

MappingKind = Literal[
    "vat_register",
    "revenue_account",
    "vat_account",
    "receivable_account",
    "payment_form",
    "category",
]


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: MappingKind
    key: str = Field(
        min_length=1, max_length=64, description="VAT label, product group, customer code or *"
    )
    value: str = Field(min_length=1, max_length=100)


class ConfigIn(BaseModel):
    """``PUT /api/integrations/comarch/config``."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    route: Literal["rest", "xml"] = "rest"
    api_url: str | None = Field(default=None, max_length=500)
    api_key: str | None = Field(default=None, min_length=1, max_length=255)
    api_secret: SecretStr | None = Field(
        default=None, description="Write-only; omit to keep the stored secret"
    )
    company_code: str | None = Field(default=None, min_length=1, max_length=50)
    test_mode: bool = True
    auto_sync: bool = False
    source_db_id: str = Field(default="MONOPILOT", min_length=1, max_length=50)
    target_db_id: str = Field(default="KSIEG", min_length=1, max_length=50)
    xml_transport: str | None = Field(default=None, max_length=64)
    xml_transport_settings: dict[str, Any] | None = None
    mappings: list[MappingIn] | None = Field(
        default=None, max_length=500, description="Replaces every mapping when given"
    )


class ConfigOut(BaseModel):
    enabled: bool = False
    route: str = "rest"
    api_url: str | None = None
    api_key: str | None = None
    api_secret_set: bool = False
    company_code: str | None = None
    test_mode: bool = True
    auto_sync: bool = False
    source_db_id: str = "MONOPILOT"
    target_db_id: str = "KSIEG"
    xml_transport: str | None = None
    xml_transport_settings: dict[str, Any] | None = None
    xml_transport_secrets_set: list[str] = []
    mappings: list[MappingIn] = []
    last_sync_at: datetime | None = None
    accounts_synced_at: datetime | None = None
    updated_at: datetime | None = None


async def load(session: AsyncSession, org_id: uuid.UUID) -> ComarchConfig | None:
    return await session.scalar(select(ComarchConfig).where(ComarchConfig.org_id == org_id))


async def postings(session: AsyncSession, org_id: uuid.UUID) -> Postings:
    rows = await session.scalars(
        select(ComarchPostingMapping).where(ComarchPostingMapping.org_id == org_id)
    )
    by_kind: dict[str, dict[str, str]] = {kind: {} for kind in MAPPING_KINDS}
    for row in rows:
        by_kind.setdefault(row.kind, {})[row.key] = row.value
    return Postings(
        vat_register=by_kind["vat_register"],
        revenue_account=by_kind["revenue_account"],
        payment_form=by_kind["payment_form"],
    )


async def to_out(session: AsyncSession, org_id: uuid.UUID, row: ComarchConfig | None) -> ConfigOut:
    rows = await session.scalars(
        select(ComarchPostingMapping)
        .where(ComarchPostingMapping.org_id == org_id)
        .order_by(ComarchPostingMapping.kind, ComarchPostingMapping.key)
    )
    mappings = [MappingIn(kind=r.kind, key=r.key, value=r.value) for r in rows]
    if row is None:
        return ConfigOut(mappings=mappings)
    settings = dict(row.xml_transport_settings or {})
    secret_names = settings.pop("_secrets", [])
    return ConfigOut(
        enabled=row.enabled,
        route=row.route,
        api_url=row.api_url,
        api_key=row.api_key,
        api_secret_set=bool(row.api_secret_encrypted),
        company_code=row.company_code,
        test_mode=row.test_mode,
        auto_sync=row.auto_sync,
        source_db_id=row.source_db_id,
        target_db_id=row.target_db_id,
        xml_transport=row.xml_transport,
        xml_transport_settings=settings or None,
        xml_transport_secrets_set=list(secret_names),
        mappings=mappings,
        last_sync_at=row.last_sync_at,
        accounts_synced_at=row.accounts_synced_at,
        updated_at=row.updated_at,
    )


def _secret_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name for name, f in model.model_fields.items() if "SecretStr" in str(f.annotation)
    )


def transport_config(keyring: Keyring, org_id: uuid.UUID, row: ComarchConfig) -> dict[str, Any]:
    """The XML transport's full configuration (secrets unsealed) for ``from_config``."""
    settings = dict(row.xml_transport_settings or {})
    settings.pop("_secrets", None)
    if row.xml_transport_secrets:
        settings.update(
            json.loads(
                keyring.decrypt(row.xml_transport_secrets, org_id=org_id, purpose=TRANSPORT_PURPOSE)
            )
        )
    return settings


def api_secret(keyring: Keyring, org_id: uuid.UUID, row: ComarchConfig) -> str:
    if not row.api_secret_encrypted:
        raise ConfigError("the Comarch API secret is not configured")
    return keyring.decrypt(row.api_secret_encrypted, org_id=org_id, purpose=SECRET_PURPOSE)


def _problems(
    data: ConfigIn, has_secret: bool, guard: OutboundGuard, registry: Registry
) -> list[dict[str, str]]:
    problems: list[dict[str, str]] = []
    if data.api_url:
        try:
            guarded(guard, data.api_url)
        except BlockedTargetError as exc:
            problems.append({"path": "/api_url", "message": str(exc)})
    if data.enabled and data.route == "rest":
        for name, value in (
            ("api_url", data.api_url),
            ("api_key", data.api_key),
            ("company_code", data.company_code),
        ):
            if not value:
                problems.append(
                    {"path": f"/{name}", "message": "needed to send through the bridge"}
                )
        if not has_secret:
            problems.append({"path": "/api_secret", "message": "needed to send through the bridge"})
    if data.route == "xml" and data.xml_transport and data.xml_transport not in registry.transports:
        known = ", ".join(sorted(str(name) for name in registry.transports))
        problems.append(
            {
                "path": "/xml_transport",
                "message": f"no transport {data.xml_transport!r} is installed (installed: {known})",
            }
        )
    return problems


async def put(
    session: AsyncSession,
    org_id: uuid.UUID,
    data: ConfigIn,
    *,
    keyring: Keyring,
    guard: OutboundGuard,
    registry: Registry,
    default_folder: str,
    now: datetime,
) -> ComarchConfig:
    row = await load(session, org_id)
    has_secret = data.api_secret is not None or bool(row and row.api_secret_encrypted)
    problems = _problems(data, has_secret, guard, registry)
    transport = data.xml_transport or DEFAULT_TRANSPORT
    settings = dict(data.xml_transport_settings or {})
    if data.route == "xml" and transport == DEFAULT_TRANSPORT and "path" not in settings:
        settings["path"] = default_folder
    sealed: str | None = row.xml_transport_secrets if row is not None else None
    if data.route == "xml" and not problems:
        cls = registry.transports[transport]
        try:
            full = {
                **(
                    transport_config(keyring, org_id, row)
                    if row and row.xml_transport == transport
                    else {}
                ),
                **settings,
            }
            cls.from_config(full)
        except ConfigError as exc:
            problems.append({"path": "/xml_transport_settings", "message": str(exc)})
        else:
            secrets = _secret_fields(cls.settings_model)
            hidden = {k: str(v) for k, v in full.items() if k in secrets and v is not None}
            settings = {k: v for k, v in settings.items() if k not in secrets}
            settings["_secrets"] = sorted(hidden)
            sealed = (
                keyring.encrypt(
                    json.dumps(hidden, sort_keys=True), org_id=org_id, purpose=TRANSPORT_PURPOSE
                )
                if hidden
                else None
            )
    if problems:
        summary = "; ".join(f"{p['path']}: {p['message']}" for p in problems[:3])
        raise ValidationError(f"invalid Comarch configuration: {summary}", problems)
    if row is None:
        row = ComarchConfig(org_id=org_id, created_at=now)
        session.add(row)
    row.enabled = data.enabled
    row.route = data.route
    row.api_url = data.api_url
    row.api_key = data.api_key
    if data.api_secret is not None:
        row.api_secret_encrypted = keyring.encrypt(
            data.api_secret.get_secret_value(), org_id=org_id, purpose=SECRET_PURPOSE
        )
    row.company_code = data.company_code
    row.test_mode = data.test_mode
    row.auto_sync = data.auto_sync
    row.source_db_id = data.source_db_id
    row.target_db_id = data.target_db_id
    row.xml_transport = transport if data.route == "xml" else data.xml_transport
    row.xml_transport_settings = settings if data.route == "xml" else data.xml_transport_settings
    row.xml_transport_secrets = sealed if data.route == "xml" else None
    row.updated_at = now
    if data.mappings is not None:
        await session.execute(
            delete(ComarchPostingMapping).where(ComarchPostingMapping.org_id == org_id)
        )
        unique = {(m.kind, m.key): m for m in data.mappings}
        for m in unique.values():
            session.add(
                ComarchPostingMapping(
                    org_id=org_id, kind=m.kind, key=m.key, value=m.value, updated_at=now
                )
            )
    await session.flush()
    return row
