"""What the webhook API does, apart from HTTP: validation, persistence, secrets.

Every function takes the caller's organisation and opens that organisation's session, so a
webhook id of another organisation is simply not found (404), on SQLite by the explicit
``org_id`` filter and on PostgreSQL by row-level security as well.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from monopilot_integrations.connectors.webhooks import cache, store
from monopilot_integrations.connectors.webhooks.api.models import (
    WebhookCreate,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)
from monopilot_integrations.connectors.webhooks.filters import channel_problems, filter_problems
from monopilot_integrations.connectors.webhooks.message import (
    custom_header_problems,
    human_duration,
)
from monopilot_integrations.connectors.webhooks.secret_box import SecretBox
from monopilot_integrations.connectors.webhooks.signing import (
    InvalidSecretError,
    generate_secret,
    secret_key,
)
from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.crypto import DecryptionError
from monopilot_integrations.core.jobs.retry import SCHEDULES, RetryPolicy
from monopilot_integrations.core.logs.masking import DEFAULT_MASK
from monopilot_integrations.core.net import BlockedTargetError, OutboundGuard
from monopilot_integrations.core.web.problems import Problem

MAX_WEBHOOKS_PER_ORG = 500


class WebhookService:
    def __init__(self, kernel: Any) -> None:
        self.kernel = kernel
        self.secrets = SecretBox(kernel.keyring)
        self.guard = OutboundGuard.from_settings(kernel.settings)

    # --- validation ---------------------------------------------------------------------

    async def _check(
        self,
        *,
        url: str | None,
        events: list[str] | None,
        custom_headers: dict[str, str] | None,
        secret: str | None = None,
        retries: tuple[str, int] | None = None,
        channels: list[str] | None = None,
        payload_filter: tuple[dict[str, Any], list[str]] | None = None,
    ) -> None:
        """Raise a 422 listing every problem in the given fields. ``retries``: the policy
        and max_retries in effect; ``payload_filter``: the filter and the event types it
        applies to."""
        errors: list[dict[str, str]] = []
        if retries is not None:
            policy, count = retries
            schedule = SCHEDULES[RetryPolicy(policy)]
            if count > len(schedule):
                steps = ", ".join(human_duration(s) for s in schedule) or "none"
                errors.append(
                    {
                        "path": "/max_retries",
                        "message": f"the {policy} policy retries at most {len(schedule)} "
                        f"times ({steps}); {count} would never be used",
                    }
                )
        if channels is not None:
            errors += [{"path": "/channels", "message": m} for m in channel_problems(channels)]
        if payload_filter is not None:
            conditions, types = payload_filter
            known = self.kernel.registry.event_types
            schemas = None if "*" in types else [known[t].schema for t in types if t in known]
            errors += [
                {"path": "/filter", "message": m} for m in filter_problems(conditions, schemas)
            ]
        if url is not None:
            errors += [{"path": "/url", "message": m} for m in await self._url_problems(url)]
        if events is not None:
            known = self.kernel.registry.event_types
            unknown = [e for e in events if e != "*" and e not in known]
            if unknown:
                errors.append(
                    {"path": "/events", "message": f"unknown event types: {', '.join(unknown)}"}
                )
            if len(set(events)) != len(events):
                errors.append({"path": "/events", "message": "an event type is listed twice"})
        if custom_headers is not None:
            errors += [
                {"path": "/custom_headers", "message": m}
                for m in custom_header_problems(custom_headers)
            ]
        if secret is not None:
            try:
                secret_key(secret)
            except InvalidSecretError as exc:
                errors.append({"path": "/secret", "message": str(exc)})
        if errors:
            summary = "; ".join(f"{e['path']}: {e['message']}" for e in errors[:3])
            raise Problem(422, f"invalid webhook: {summary}", errors=errors)

    async def _url_problems(self, url: str) -> list[str]:
        try:
            parsed = self.guard.check_url(url)
        except BlockedTargetError as exc:  # scheme, credentials, host syntax, IP literal
            return [str(exc)]
        if self.guard.allow_private:
            return []
        try:  # a clear error now; the connection is checked again at every delivery
            await self.guard.check_host(parsed.raw_host or "", parsed.port or 443)
        except BlockedTargetError as exc:
            return [str(exc)]
        except OSError:
            pass  # not resolvable yet: deliveries fail (and retry) until it is
        return []

    # --- reads --------------------------------------------------------------------------

    async def list(
        self, org_id: uuid.UUID, *, status: str | None, limit: int, offset: int
    ) -> tuple[list[WebhookOut], int]:
        conditions = [Webhook.org_id == org_id, Webhook.deleted_at.is_(None)]
        if status is not None:
            conditions.append(Webhook.status == status)
        async with self.kernel.session(org_id) as session:
            total = await session.scalar(
                select(func.count()).select_from(Webhook).where(*conditions)
            )
            rows = (
                await session.execute(
                    select(Webhook)
                    .where(*conditions)
                    .order_by(Webhook.created_at, Webhook.id)
                    .limit(limit)
                    .offset(offset)
                )
            ).scalars()
            return [self.view(row) for row in rows], int(total or 0)

    async def get(self, org_id: uuid.UUID, webhook_id: uuid.UUID) -> Webhook:
        async with self.kernel.session(org_id) as session:
            return await _existing(session, org_id, webhook_id)

    def view(self, row: Webhook) -> WebhookOut:
        return WebhookOut(
            id=row.id,
            name=row.name,
            url=row.url,
            events=list(row.events or []),
            status=row.status,
            paused_reason=row.paused_reason,
            paused_at=row.paused_at,
            retry_policy=row.retry_policy,
            max_retries=row.max_retries,
            custom_headers=list(row.custom_headers or []),
            channels=list(row.channels or []),
            filter=row.payload_filter or None,
            rate_limit=row.rate_limit,
            last_triggered_at=row.last_triggered_at,
            failing_since=row.failing_since,
            previous_secret_expires_at=row.previous_secret_expires_at,
            older_secrets_expire_at=self._older_expiries(row),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def _older_expiries(self, row: Webhook) -> builtins.list[datetime]:
        if not row.older_secrets:
            return []
        now = self.kernel.clock.now()
        try:
            older = self.secrets.open_older(row.org_id, row.older_secrets)
        except DecryptionError:  # a key taken out of the keyring: they sign nothing
            return []
        return [expires for _secret, expires in older if expires > now]

    def _store_headers(self, row: Webhook, headers: dict[str, str]) -> None:
        """The names in clear (the API shows them), the values sealed (it never does)."""
        row.custom_headers = list(headers)
        row.custom_headers_sealed = self.secrets.seal_headers(row.org_id, headers)

    # --- writes -------------------------------------------------------------------------

    async def create(self, org_id: uuid.UUID, body: WebhookCreate) -> WebhookWithSecret:
        retries = body.max_retries
        if retries is None:  # the whole schedule of the policy
            retries = len(SCHEDULES[RetryPolicy(body.retry_policy)])
        await self._check(
            url=body.url,
            events=body.events,
            custom_headers=body.custom_headers,
            secret=body.secret,
            retries=(body.retry_policy, retries),
            channels=body.channels,
            payload_filter=(body.filter, body.events) if body.filter else None,
        )
        _unmask(body.custom_headers, {})  # a "***" copied from another webhook: a 422
        secret = body.secret or generate_secret()
        now = self.kernel.clock.now()
        row = Webhook(
            id=uuid.uuid4(),
            org_id=org_id,
            name=body.name,
            url=body.url,
            events=list(body.events),
            status=store.ACTIVE,
            secret=self.secrets.seal(org_id, secret),
            retry_policy=body.retry_policy,
            max_retries=retries,
            channels=list(body.channels) or None,
            payload_filter=body.filter or None,
            rate_limit=body.rate_limit,
            created_at=now,
            updated_at=now,
        )
        self._store_headers(row, dict(body.custom_headers))
        async with self.kernel.session(org_id) as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Webhook)
                .where(Webhook.org_id == org_id, Webhook.deleted_at.is_(None))
            )
            if int(count or 0) >= MAX_WEBHOOKS_PER_ORG:
                raise Problem(
                    409, f"an organisation may have at most {MAX_WEBHOOKS_PER_ORG} webhooks"
                )
            session.add(row)
        cache.invalidate()  # committed: the next dispatch here plans for it
        return WebhookWithSecret(**self.view(row).model_dump(), secret=secret)

    async def update(
        self, org_id: uuid.UUID, webhook_id: uuid.UUID, body: WebhookUpdate
    ) -> WebhookOut:
        changes = body.model_dump(exclude_unset=True)
        for name in ("name", "url", "events", "retry_policy", "max_retries", "channels"):
            if name in changes and changes[name] is None:
                raise Problem(
                    422, f"{name} cannot be null", errors=[{"path": f"/{name}", "message": "null"}]
                )
        async with self.kernel.session(org_id) as session:
            row = await _existing(session, org_id, webhook_id)
            headers = changes.pop("custom_headers", None) if "custom_headers" in changes else None
            if "custom_headers" in body.model_fields_set and headers is None:
                headers = {}  # null: no custom headers any more
            if headers is not None:  # "***" sent for a stored header keeps its value
                stored = self.secrets.open_headers(org_id, row.custom_headers_sealed)
                headers = _unmask(headers, stored)
            payload_filter = changes.pop("filter") if "filter" in changes else row.payload_filter
            events = changes.get("events", row.events)
            await self._check(
                url=changes.get("url"),
                events=changes.get("events"),
                custom_headers=headers,
                retries=(
                    changes.get("retry_policy", row.retry_policy),
                    changes.get("max_retries", row.max_retries),
                ),
                channels=changes.get("channels"),
                payload_filter=(payload_filter, list(events)) if payload_filter else None,
            )
            if "channels" in changes:
                changes["channels"] = list(changes["channels"] or []) or None
            for name, value in changes.items():
                setattr(row, name, value)
            row.payload_filter = payload_filter or None
            if headers is not None:
                self._store_headers(row, headers)
            row.updated_at = self.kernel.clock.now()
            out = self.view(row)
        cache.invalidate()  # after the commit: deliveries here read the row again
        return out

    async def delete(self, org_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
        """Soft delete: in-flight deliveries find it gone; the secrets and the custom
        headers (names and values) are wiped."""
        now = self.kernel.clock.now()
        async with self.kernel.session(org_id) as session:
            row = await _existing(session, org_id, webhook_id)
            row.deleted_at = now
            row.updated_at = now
            row.secret = ""
            row.previous_secret = None
            row.previous_secret_expires_at = None
            row.older_secrets = None
            row.custom_headers = None
            row.custom_headers_sealed = None
        cache.invalidate()

    async def pause(self, org_id: uuid.UUID, webhook_id: uuid.UUID) -> WebhookOut:
        now = self.kernel.clock.now()
        async with self.kernel.session(org_id) as session:
            row = await _existing(session, org_id, webhook_id)
            if row.status != store.PAUSED:
                row.status, row.paused_reason, row.paused_at = store.PAUSED, "manual", now
                row.updated_at = now
            out = self.view(row)
        cache.invalidate()
        return out

    async def resume(self, org_id: uuid.UUID, webhook_id: uuid.UUID) -> WebhookOut:
        """Active again, with a fresh failure streak (so it is not paused again at once)."""
        now = self.kernel.clock.now()
        async with self.kernel.session(org_id) as session:
            row = await _existing(session, org_id, webhook_id)
            row.status, row.paused_reason, row.paused_at = store.ACTIVE, None, None
            row.failing_since = None
            row.updated_at = now
            out = self.view(row)
        cache.invalidate()
        return out

    async def rotate_secret(
        self, org_id: uuid.UUID, webhook_id: uuid.UUID, grace_seconds: int
    ) -> WebhookWithSecret:
        secret = generate_secret()
        now = self.kernel.clock.now()
        async with self.kernel.session(org_id) as session:
            row = await _existing(session, org_id, webhook_id)
            grace = now + timedelta(seconds=grace_seconds) if grace_seconds > 0 else None
            self.secrets.rotate(row, secret, now, grace)
            row.updated_at = now
            out = WebhookWithSecret(**self.view(row).model_dump(), secret=secret)
        cache.invalidate()
        return out


def _unmask(sent: dict[str, str], stored: dict[str, str]) -> dict[str, str]:
    """``sent`` with each ``***`` replaced by the stored value of that header; a ``***``
    with nothing stored under that name is a 422 rather than a literal mask sent out."""
    unknown = [k for k, v in sent.items() if v == DEFAULT_MASK and k not in stored]
    if unknown:
        raise Problem(
            422,
            f"invalid webhook: /custom_headers: {', '.join(map(repr, unknown))} is "
            f"{DEFAULT_MASK!r}, the API's mask, but no value is stored under that name",
            errors=[
                {"path": "/custom_headers", "message": f"{k!r}: send the real value"}
                for k in unknown
            ],
        )
    return {k: (stored[k] if v == DEFAULT_MASK else v) for k, v in sent.items()}


async def _existing(session: Any, org_id: uuid.UUID, webhook_id: uuid.UUID) -> Webhook:
    row = await store.load(session, org_id, webhook_id)
    if row is None:
        raise Problem(404, f"no webhook {webhook_id} here")
    return row
