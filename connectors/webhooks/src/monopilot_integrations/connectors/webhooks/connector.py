"""The webhooks connector: an event becomes one job per subscribed active webhook, and a
job's attempt is one signed POST.

Concurrency: the kernel may run many ``handle`` calls at once on one event loop. All
state here is per instance, and the kernel makes one instance per event loop (its
``Runtime``), so the pooled HTTP session and the per-webhook semaphores are created on the
loop that uses them, and so is the cache of webhook rows ``handle`` reads (``cache.py``:
at most ``row_cache_seconds`` old, invalidated when a change through the API commits).
Each webhook gets at most ``max_in_flight_per_webhook`` attempts at a
time; an attempt that cannot get a slot within ``busy_wait_seconds`` is deferred (run
again later without spending a retry), so a slow receiver holds at most that many slots
and never all of them, and a burst to it cannot use up its deliveries' retry budgets.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from monopilot_integrations.connectors.webhooks import cache, replays, store
from monopilot_integrations.connectors.webhooks.cache import CachedWebhook, WebhookCache
from monopilot_integrations.connectors.webhooks.delivery import GoneError, Reply, check_reply, post
from monopilot_integrations.connectors.webhooks.events import WEBHOOK_DISABLED
from monopilot_integrations.connectors.webhooks.inflight import BusyError, InFlightLimit
from monopilot_integrations.connectors.webhooks.message import (
    delivery_headers,
    encode_body,
    event_body,
    human_duration,
    iso_utc,
    masked_headers,
)
from monopilot_integrations.connectors.webhooks.pacing import Pacer
from monopilot_integrations.connectors.webhooks.replays import REPLAY
from monopilot_integrations.connectors.webhooks.secret_box import SecretBox
from monopilot_integrations.connectors.webhooks.settings import WebhookSettings
from monopilot_integrations.connectors.webhooks.subscriptions import SubscriptionCache
from monopilot_integrations.core.connector import Connector, ConnectorContext, JobSpec
from monopilot_integrations.core.crypto import DecryptionError
from monopilot_integrations.core.errors import DeferredError, FatalError, RetriableError
from monopilot_integrations.core.events import Event
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.jobs.retry import RetryPolicy
from monopilot_integrations.core.net import (
    BlockedTargetError,
    OutboundGuard,
    OutboundHttp,
    OutboundHttpOptions,
)

#: ``job.payload`` keys: the body to send, and whether this is a test send from the API.
BODY, TEST = "body", "test"
#: The encoded bodies kept for an event's other deliveries: at most this many bytes in all,
#: and none larger than the second bound.
BODY_CACHE_BYTES, BODY_CACHE_ENTRY_BYTES = 8 * 1024 * 1024, 256 * 1024


class WebhooksConnector(Connector):
    name = "webhooks"
    title = "Outbound webhooks"
    consumes = ("*",)
    retry_policy = RetryPolicy.EXPONENTIAL
    #: The whole exponential schedule: 5 s, 30 s, 5 min, 30 min, 2 h (about 2.5 hours,
    #: as the receiver's guide promises).
    max_retries = 5
    integration_type = "webhook"

    def __init__(self, context: ConnectorContext) -> None:
        super().__init__(context)
        self.options = WebhookSettings()
        self.http = OutboundHttp(
            OutboundGuard.from_settings(context.settings),
            OutboundHttpOptions(
                timeout=self.options.timeout_seconds,
                limit=self.options.connections_total,
                limit_per_host=self.options.connections_per_host,
                user_agent="MonoPilot-Webhooks/1.0",
            ),
        )
        self.secrets = SecretBox(context.keyring)
        self.in_flight = InFlightLimit(
            self.options.max_in_flight_per_webhook, self.options.busy_wait_seconds
        )
        self.pacer = Pacer(context, self.options.rate_limit_wait_seconds)
        self.webhooks = WebhookCache(context.database, self.options.row_cache_seconds, self.secrets)
        self.subscriptions = SubscriptionCache(
            context.database, context.clock, enabled=self.options.row_cache_seconds > 0
        )
        # The bytes of an event's body, by event id: every webhook subscribed to an event
        # gets the same body (built once in ``plan``), so it is serialized once, not once
        # per delivery. Bounded by bytes (a burst's events, not history); large bodies are
        # not kept at all.
        self._bodies: dict[uuid.UUID, bytes] = {}
        self._body_bytes = 0

    # --- events -> jobs -----------------------------------------------------------------

    async def plan(self, event: Event) -> Sequence[JobSpec]:
        """One job per active webhook of the organisation that receives the event: its
        type, channels and payload filter (:mod:`.filters`).

        Runs for every event: the subscriptions come from :mod:`.subscriptions` (one
        indexed query serves the organisation's events published before it began, so a
        webhook paused or deleted before an event was published gets no job from it).
        """
        rows = await self.subscriptions.active(event.org_id, event.occurred_at)
        matching = [
            row for row in rows if store.receives(row, event.type, event.channels, event.data)
        ]
        if not matching:
            return []
        body = event_body(event.type, event.occurred_at, str(event.org_id), event.data)
        return [
            JobSpec(
                payload={BODY: body},
                subject_id=str(row.id),
                retry_policy=RetryPolicy(row.retry_policy),
                max_retries=row.max_retries,
            )
            for row in matching
        ]

    # --- one attempt --------------------------------------------------------------------

    async def handle(self, job: Job) -> None:
        if REPLAY in job.payload:  # a replay's pages, not a delivery
            await replays.run(self.context, job)
            return
        webhook_id = _webhook_id(job)
        job.record(webhook_id=webhook_id)
        is_test = bool(job.payload.get(TEST))
        webhook = await self.webhooks.get(job.org_id, webhook_id)
        if webhook is None or (webhook.status != store.ACTIVE and not is_test):
            # Never refuse on a cached row: it may predate a resume in another process.
            webhook = await self.webhooks.get(job.org_id, webhook_id, fresh=True)
        if webhook is None:
            job.record(warning="the webhook was deleted; nothing was sent")
            return
        if webhook.status != store.ACTIVE and not is_test:
            raise FatalError(
                f"the webhook is paused ({webhook.paused_reason or 'manual'}); the delivery "
                "waits in the dead-letter queue: resume the webhook, then recover"
            )
        if webhook.rate_limit and not is_test:  # before signing: the timestamp stays fresh
            await self.pacer.wait_turn(webhook_id, webhook.rate_limit)
        now = self.context.clock.now()
        try:
            secrets = self.webhooks.signing_secrets(webhook, now)
            custom = self.webhooks.custom_headers(webhook)
        except DecryptionError as exc:  # a key taken out of the keyring too early
            raise FatalError(
                f"{exc}; nothing was sent: restore the key, then recover the webhook"
            ) from exc
        body_fields = job.payload.get(BODY)
        if not isinstance(body_fields, dict):
            raise FatalError(f"job {job.id} carries no webhook body; nothing was sent")
        body = self._encoded(job, body_fields, is_test)
        headers = delivery_headers(
            event_type=str(body_fields.get("event") or job.event_type or ""),
            delivery_id=str(job.id),
            timestamp=int(time.time()),  # the receiver compares it with its own wall clock
            body=body,
            secrets_newest_first=secrets,
            custom=custom,
        )
        job.record(
            request={
                "method": "POST",
                "url": webhook.url,
                "headers": masked_headers(headers, custom),
                # The fields the signed bytes encode. An event's data is stored once, in
                # the outbox, not masked and copied into every subscriber's log row: the
                # row names the event, and the delivery log API shows its data.
                "body": body_fields
                if is_test or job.event_id is None
                else logged_body(body_fields, job.event_id),
            },
            # Scrubbed wherever they show up, e.g. a receiver echoing the request back.
            secrets=secrets + [value for value in custom.values() if value],
        )
        try:
            async with self.in_flight.slot(webhook_id):
                reply = await post(
                    self.http,
                    webhook.url,
                    body,
                    headers,
                    body_limit=self.options.response_body_limit,
                )
            _record_reply(job, reply)
            check_reply(reply)
        except BusyError as busy:
            # Not the receiver's failure: run again later without spending a retry.
            raise DeferredError(str(busy), retry_after=busy.retry_after) from None
        except GoneError as gone:
            if not is_test:
                await self._disable(job.org_id, webhook, "gone", str(gone))
            raise
        except (RetriableError, BlockedTargetError) as failure:
            if not is_test:
                await self._record_failure(job.org_id, webhook, str(failure))
            raise
        resolution = store.TRIGGER_STAMP_RESOLUTION_SECONDS
        if not is_test and webhook.claim_success_stamp(now, resolution):
            # One write per webhook and process per resolution, plus one to end a streak.
            async with self.context.database.session(job.org_id) as session:
                await store.record_success(session, job.org_id, webhook_id, now)

    def _encoded(self, job: Job, body_fields: dict[str, Any], is_test: bool) -> bytes:
        if job.event_id is None or is_test:
            return encode_body(body_fields)
        body = self._bodies.get(job.event_id)
        if body is None:
            body = encode_body(body_fields)
            if len(body) <= BODY_CACHE_ENTRY_BYTES:
                if self._body_bytes + len(body) > BODY_CACHE_BYTES:
                    self._bodies.clear()
                    self._body_bytes = 0
                self._bodies[job.event_id] = body
                self._body_bytes += len(body)
        return body

    async def _record_failure(self, org_id: uuid.UUID, webhook: CachedWebhook, error: str) -> None:
        now = self.context.clock.now()
        async with self.context.database.session(org_id) as session:
            since = await store.record_failure(session, org_id, webhook.id, now)
        # The next success in this process must end the streak (and write it).
        webhook.failing_since = since or now
        self.webhooks.forget(org_id, webhook.id)
        limit = timedelta(seconds=self.options.failure_pause_after_seconds)
        if since is not None and now - since >= limit:
            await self._disable(
                org_id,
                webhook,
                "failing",
                f"no successful delivery for "
                f"{human_duration(self.options.failure_pause_after_seconds)}; "
                f"last error: {error}",
                failing_since=since,
            )
            raise FatalError(
                f"the webhook was paused: it kept failing since {iso_utc(since)} ({error})"
            )

    async def _disable(
        self,
        org_id: uuid.UUID,
        webhook: CachedWebhook,
        reason: str,
        detail: str,
        *,
        failing_since: Any = None,
    ) -> None:
        """Pause the webhook and, if this call paused it, publish ``webhook.disabled`` in
        the same transaction (the event exists exactly when the pause committed)."""
        now = self.context.clock.now()
        async with self.context.database.session(org_id) as session:
            if await store.pause_if_active(session, org_id, webhook.id, now, reason):
                await self.context.publish(
                    org_id,
                    WEBHOOK_DISABLED.name,
                    {
                        "webhook_id": str(webhook.id),
                        "name": webhook.name,
                        "url": webhook.url,
                        "reason": reason,
                        "failing_since": iso_utc(failing_since) if failing_since else None,
                        "disabled_at": iso_utc(now),
                        "detail": detail[:500],
                    },
                    session=session,
                )
        cache.invalidate()  # committed: this process's attempts read the row again

    async def close(self) -> None:
        """Close this loop's pooled HTTP session."""
        await self.http.close()


def logged_body(body_fields: dict[str, Any], event_id: uuid.UUID) -> dict[str, Any]:
    """The body as a delivery's log row keeps it: the envelope and the event's id, without
    the event's ``data`` (the outbox holds it once for every subscriber)."""
    logged = {key: value for key, value in body_fields.items() if key != "data"}
    logged["event_id"] = str(event_id)
    return logged


def _record_reply(job: Job, reply: Reply) -> None:
    job.record(
        http_status=reply.status,
        response={"status": reply.status, "headers": reply.headers, "body": reply.body},
    )


def _webhook_id(job: Job) -> uuid.UUID:
    try:
        return uuid.UUID(str(job.subject_id))
    except ValueError:
        raise FatalError(f"job {job.id} names no webhook (subject_id {job.subject_id!r})") from None
