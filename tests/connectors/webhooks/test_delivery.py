"""Deliveries to a real receiver on loopback, driven attempt by attempt with a manual
clock (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook as StandardWebhook

from monopilot_integrations.connectors.webhooks.signing import verify_body_signature
from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import EventRow
from monopilot_integrations.core.kernel import Kernel
from tests.connectors.webhooks.conftest import (
    ORG_A,
    all_rows,
    create_webhook,
    jobs,
    run_due,
    webhook_logs,
)
from tests.connectors.webhooks.receiver import Answer, Receiver

ORDER = {
    "po_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40",
    "po_number": "PO-1",
    "supplier_code": "MLYN",
    "status": "draft",
}


async def publish_and_dispatch(kernel: Kernel, data: dict[str, Any] | None = None) -> None:
    await kernel.publish(ORG_A, "order.created", data or ORDER)
    await kernel.dispatch_pending()


async def test_a_delivery_carries_the_documented_body_and_both_verifiable_signatures(
    hooks: Kernel, receiver: Receiver
) -> None:
    hook = await create_webhook(hooks, receiver.url, events=["order.created"])
    await publish_and_dispatch(hooks)
    assert await run_due(hooks) == ["succeeded"]

    (got,) = receiver.received
    body = json.loads(got.body)
    assert set(body) == {"event", "timestamp", "org_id", "data"}
    assert body["event"] == "order.created" and body["org_id"] == str(ORG_A)
    assert body["data"] == ORDER
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-MonoPilot-Event"] == "order.created"
    (job,) = await jobs(hooks)
    assert got.headers["X-MonoPilot-Delivery-ID"] == str(job.id) == got.headers["webhook-id"]
    assert verify_body_signature(hook.secret, got.body, got.headers["X-MonoPilot-Signature"])
    assert not verify_body_signature(
        hook.secret + "x", got.body, got.headers["X-MonoPilot-Signature"]
    )
    # The published receiver library accepts it (signature and timestamp).
    assert StandardWebhook(hook.secret).verify(got.body, got.headers) == body

    (log,) = await webhook_logs(hooks)
    assert (log.integration_type, log.status, log.http_status) == ("webhook", "success", 200)
    assert log.webhook_id == hook.id and log.retry_count == 0 and log.duration_ms is not None
    async with hooks.database.system_session() as session:
        row = (await session.execute(select(Webhook))).scalar_one()
    assert row.last_triggered_at == hooks.clock.now() and row.failing_since is None


async def test_500_500_200_is_three_attempts_on_the_policy_schedule(
    hooks: Kernel, receiver: Receiver, clock: ManualClock
) -> None:
    receiver.answer(Answer(500), Answer(500))
    hook = await create_webhook(hooks, receiver.url, retry_policy="exponential", max_retries=3)
    await publish_and_dispatch(hooks)
    start = clock.now()

    assert await run_due(hooks) == ["retrying"]
    (job,) = await jobs(hooks)
    assert job.next_run_at == start + timedelta(seconds=5)
    clock.advance(4)
    assert await run_due(hooks) == ["skipped"]  # not due yet: nothing is sent
    assert len(receiver.received) == 1
    clock.advance(1)
    assert await run_due(hooks) == ["retrying"]
    (job,) = await jobs(hooks)
    assert job.next_run_at == clock.now() + timedelta(seconds=30)
    clock.advance(30)
    assert await run_due(hooks) == ["succeeded"]

    assert len(set(receiver.delivery_ids())) == 1 and len(receiver.received) == 3
    assert len({r.body for r in receiver.received}) == 1  # the same bytes every time
    logs = sorted(await webhook_logs(hooks), key=lambda r: r.retry_count)
    assert [(r.http_status, r.retry_count, r.status) for r in logs] == [
        (500, 0, "error"),
        (500, 1, "error"),
        (200, 2, "success"),
    ]
    assert all(r.webhook_id == hook.id for r in logs)
    assert "500" in (logs[0].error_message or "")


async def test_410_pauses_the_webhook_dead_letters_the_delivery_and_tells(
    hooks: Kernel, receiver: Receiver
) -> None:
    receiver.answer(Answer(410, body="gone for good"))
    hook = await create_webhook(hooks, receiver.url, events=["order.created"])
    await publish_and_dispatch(hooks)
    assert await run_due(hooks) == ["dead"]
    async with hooks.database.system_session() as session:
        row = (await session.execute(select(Webhook))).scalar_one()
    assert (row.status, row.paused_reason) == ("paused", "gone")
    disabled = [e for e in await all_rows(hooks, EventRow) if e.event_type == "webhook.disabled"]
    assert len(disabled) == 1 and disabled[0].data["webhook_id"] == str(hook.id)
    assert disabled[0].data["reason"] == "gone"
    # Nothing more is planned for it.
    await publish_and_dispatch(hooks)
    assert len(await jobs(hooks)) == 1


@pytest.mark.usefixtures("fast_webhooks")
async def test_a_receiver_that_hangs_past_the_timeout_is_retried(
    hooks: Kernel, receiver: Receiver, clock: ManualClock
) -> None:
    receiver.answer(Answer(200, delay=3))
    await create_webhook(hooks, receiver.url)
    await publish_and_dispatch(hooks)
    assert await run_due(hooks) == ["retrying"]
    (log,) = await webhook_logs(hooks)
    assert log.status == "error" and "timeout" in (log.error_message or "")
    clock.advance(5)
    assert await run_due(hooks) == ["succeeded"]
    assert len(set(receiver.delivery_ids())) == 1


async def test_429_retry_after_is_honoured(
    hooks: Kernel, receiver: Receiver, clock: ManualClock
) -> None:
    receiver.answer(Answer(429, headers={"Retry-After": "120"}), Answer(503))
    await create_webhook(hooks, receiver.url)
    await publish_and_dispatch(hooks)
    assert await run_due(hooks) == ["retrying"]
    (job,) = await jobs(hooks)
    assert job.next_run_at == clock.now() + timedelta(seconds=120)


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    hooks: Kernel, receiver: Receiver
) -> None:
    other = await Receiver().start()
    try:
        receiver.answer(Answer(302, headers={"Location": other.url}))
        await create_webhook(hooks, receiver.url)
        await publish_and_dispatch(hooks)
        assert await run_due(hooks) == ["retrying"]
        assert other.received == []
        (log,) = await webhook_logs(hooks)
        assert log.http_status == 302 and "redirect" in (log.error_message or "")
    finally:
        await other.stop()


async def test_the_secret_never_reaches_a_log_row(hooks: Kernel, receiver: Receiver) -> None:
    receiver.answer(Answer(500, body="bad"), Answer(200))
    receiver.default = Answer(200, body="echo: partner-key-456")  # a receiver echoing a header
    hook = await create_webhook(
        hooks,
        receiver.url,
        custom_headers={
            "Authorization": "Bearer partner-token-123",
            "X-Partner-Key": "partner-key-456",  # not a kernel-masked name
            "X-Auth": "a1b",  # too short for the masker's text scrub: masked by name
            "X-Tenant": "tenant-42",
        },
    )
    await publish_and_dispatch(hooks)
    await run_due(hooks)
    logs = await webhook_logs(hooks)
    text = json.dumps([[r.request_body, r.response_body, r.error_message] for r in logs])
    assert hook.secret not in text
    assert hook.secret.removeprefix("whsec_") not in text
    assert "partner-token-123" not in text and "partner-key-456" not in text
    assert '"a1b"' not in text
    request = logs[0].request_body
    assert isinstance(request, dict)
    headers = request["headers"]
    assert headers["X-MonoPilot-Signature"] == "***" and headers["webhook-signature"] == "***"
    assert headers["X-MonoPilot-Delivery-ID"]  # what is not secret stays readable
    assert "tenant-42" not in text  # every custom header value is stored as a secret
    assert headers["X-Tenant"] == "***"
    assert headers["X-Partner-Key"] == "***" and headers["X-Auth"] == "***"
    sent = receiver.received[0].headers
    assert sent["Authorization"] == "Bearer partner-token-123"
    assert (sent["X-Partner-Key"], sent["X-Auth"]) == ("partner-key-456", "a1b")
