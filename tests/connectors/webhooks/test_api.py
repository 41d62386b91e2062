"""The webhook API on a real server with real API keys of two organisations (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from monopilot_integrations.core.clock import ManualClock
from tests.connectors.webhooks.conftest import ORG_A, connector, jobs, run_due
from tests.connectors.webhooks.receiver import Answer, Receiver
from tests.server.conftest import Server, server, server_settings  # noqa: F401

BASE = "/api/integrations/webhooks"


@pytest.fixture
async def api(server: Server) -> Any:  # noqa: F811
    yield server
    await connector(server.kernel).close()


async def create(api: Server, receiver: Receiver, **fields: Any) -> dict[str, Any]:
    body = {"name": "ERP bridge", "url": receiver.url, "events": ["order.created"], **fields}
    response = await api.client.post(BASE, json=body, headers=api.auth("a"))
    assert response.status == 201, await response.text()
    created: dict[str, Any] = await response.json()
    return created


ORDER = {
    "po_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40",
    "po_number": "PO-1",
    "supplier_code": "MLYN",
    "status": "draft",
}


async def test_create_shows_the_secret_once_and_never_again(
    api: Server, receiver: Receiver
) -> None:
    created = await create(api, receiver, custom_headers={"X-Partner": "acme"})
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert created["status"] == "active" and created["retry_policy"] == "exponential"
    hook = f"{BASE}/{created['id']}"
    auth = api.auth("a")
    answers = [
        await api.client.get(BASE, headers=auth),
        await api.client.get(hook, headers=auth),
        await api.client.put(hook, json={"name": "renamed"}, headers=auth),
        await api.client.post(f"{hook}/pause", headers=auth),
        await api.client.post(f"{hook}/resume", headers=auth),
        await api.client.post(f"{hook}/test", json={}, headers=auth),
        await api.client.get(f"{hook}/logs", headers=auth),
    ]
    for answer in answers:
        text = await answer.text()
        assert answer.status == 200, text
        assert secret not in text and "whsec_" not in text and '"secret"' not in text
    rotated = await api.client.post(f"{hook}/rotate-secret", json={}, headers=auth)
    new_secret = (await rotated.json())["secret"]
    assert new_secret != secret and new_secret.startswith("whsec_")
    listed = await (await api.client.get(BASE, headers=auth)).json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "renamed"
    assert listed["items"][0]["previous_secret_expires_at"] is not None


async def test_crud_pause_resume_delete(api: Server, receiver: Receiver) -> None:
    created = await create(api, receiver)
    hook, auth = f"{BASE}/{created['id']}", api.auth("a")
    updated = await (
        await api.client.put(
            hook,
            json={
                "events": ["order.created", "shipment.dispatched"],
                "max_retries": 3,
                "retry_policy": "immediate",
                "custom_headers": {"Authorization": "Bearer t0k"},
            },
            headers=auth,
        )
    ).json()
    assert updated["events"] == ["order.created", "shipment.dispatched"]
    assert (updated["retry_policy"], updated["max_retries"]) == ("immediate", 3)
    assert updated["custom_headers"] == ["Authorization"]  # names only, never values
    # Sending the masked value back keeps the stored one.
    await api.client.put(
        hook, json={"custom_headers": {"Authorization": "***", "X-A": "1"}}, headers=auth
    )
    paused = await (await api.client.post(f"{hook}/pause", headers=auth)).json()
    assert (paused["status"], paused["paused_reason"]) == ("paused", "manual")
    resumed = await (await api.client.post(f"{hook}/resume", headers=auth)).json()
    assert (resumed["status"], resumed["paused_reason"]) == ("active", None)
    await api.kernel.publish(ORG_A, "order.created", ORDER)
    await api.kernel.dispatch_pending()
    assert await run_due(api.kernel) == ["succeeded"]
    assert receiver.received[0].headers["Authorization"] == "Bearer t0k"
    assert receiver.received[0].headers["X-A"] == "1"
    deleted = await api.client.delete(hook, headers=auth)
    assert deleted.status == 204
    assert (await api.client.get(hook, headers=auth)).status == 404
    assert (await (await api.client.get(BASE, headers=auth)).json())["total"] == 0


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"custom_headers": {"X-MonoPilot-Signature": "sha256=forged"}}, "X-MonoPilot-Signature"),
        ({"custom_headers": {"webhook-signature": "v1,forged"}}, "webhook-signature"),
        ({"custom_headers": {"Content-Type": "text/plain"}}, "Content-Type"),
        ({"custom_headers": {"X-Bad": "line\r\nInjected: 1"}}, "line breaks"),
        ({"events": ["order.exploded"]}, "order.exploded"),
        ({"events": []}, "/events"),
        ({"url": "ftp://example.com/hook"}, "/url"),
        ({"secret": "whsec_c2hvcnQ="}, "/secret"),
        ({"retry_policy": "sometimes"}, "/retry_policy"),
    ],
)
async def test_bad_configuration_is_a_422_naming_the_problem(
    api: Server, receiver: Receiver, fields: dict[str, Any], problem: str
) -> None:
    body = {"name": "x", "url": receiver.url, "events": ["order.created"], **fields}
    response = await api.client.post(BASE, json=body, headers=api.auth("a"))
    assert response.status == 422
    assert response.content_type == "application/problem+json"
    assert problem in await response.text()


async def test_custom_headers_cannot_override_signatures_on_update(
    api: Server, receiver: Receiver
) -> None:
    created = await create(api, receiver)
    response = await api.client.put(
        f"{BASE}/{created['id']}",
        json={"custom_headers": {"x-monopilot-delivery-id": "1"}},
        headers=api.auth("a"),
    )
    assert response.status == 422
    assert "x-monopilot-delivery-id" in (await response.json())["detail"]


async def test_another_organisation_never_sees_or_touches_a_webhook(
    api: Server, receiver: Receiver
) -> None:
    created = await create(api, receiver)
    hook, other = f"{BASE}/{created['id']}", api.auth("b")
    since = {"since": "2026-01-01T00:00:00Z"}
    calls = [
        ("GET", hook, None),
        ("PUT", hook, {"name": "mine now"}),
        ("DELETE", hook, None),
        ("POST", f"{hook}/test", {}),
        ("POST", f"{hook}/pause", None),
        ("POST", f"{hook}/resume", None),
        ("GET", f"{hook}/logs", None),
        ("POST", f"{hook}/rotate-secret", {}),
        ("POST", f"{hook}/recover", since),
    ]
    for method, path, body in calls:
        response = await api.client.request(method, path, json=body, headers=other)
        assert response.status == 404, (method, path, await response.text())
    listed = await (await api.client.get(BASE, headers=other)).json()
    assert listed["items"] == [] and listed["total"] == 0
    # Org B's events never reach org A's webhook.
    await api.kernel.publish(
        uuid.UUID("00000000-0000-4000-8000-0000000000b2"), "order.created", ORDER
    )
    await api.kernel.dispatch_pending()
    assert await jobs(api.kernel) == [] and receiver.received == []
    mine = await (await api.client.get(hook, headers=api.auth("a"))).json()
    assert mine["name"] == "ERP bridge" and mine["status"] == "active"


async def test_a_key_without_the_scope_is_refused(api: Server, receiver: Receiver) -> None:
    _, reader = await api.kernel.api_keys.create(ORG_A, name="reader", scopes=["read:orders"])
    response = await api.client.get(BASE, headers={"Authorization": f"Bearer {reader}"})
    assert response.status == 403
    _, manager = await api.kernel.api_keys.create(ORG_A, name="hooks", scopes=["webhook:manage"])
    response = await api.client.get(BASE, headers={"Authorization": f"Bearer {manager}"})
    assert response.status == 200


async def test_the_test_send_goes_through_the_pipeline_and_reports_the_outcome(
    api: Server, receiver: Receiver
) -> None:
    created = await create(api, receiver, events=["shipment.dispatched", "order.created"])
    hook, auth = f"{BASE}/{created['id']}", api.auth("a")
    result = await (await api.client.post(f"{hook}/test", headers=auth)).json()
    assert result["delivered"] is True and result["http_status"] == 200
    assert result["event_type"] == "shipment.dispatched"
    assert receiver.received[0].headers["X-MonoPilot-Delivery-ID"] == result["delivery_id"]
    assert json.loads(receiver.received[0].body)["event"] == "shipment.dispatched"

    receiver.answer(Answer(500, body="boom"))
    failed = await (
        await api.client.post(f"{hook}/test", json={"event_type": "order.created"}, headers=auth)
    ).json()
    assert failed["delivered"] is False and failed["http_status"] == 500
    assert failed["response_body"] == "boom" and "500" in failed["error"]
    # A test send is not retried and does not count as the webhook failing.
    assert len(receiver.received) == 2
    state = await (await api.client.get(hook, headers=auth)).json()
    assert state["failing_since"] is None and state["status"] == "active"
    unknown = await api.client.post(f"{hook}/test", json={"event_type": "no.such"}, headers=auth)
    assert unknown.status == 422


async def test_logs_show_every_attempt_masked(
    api: Server, receiver: Receiver, clock: ManualClock
) -> None:
    created = await create(api, receiver)
    receiver.answer(Answer(503, headers={"Retry-After": "7"}, body="later"))
    await api.kernel.publish(ORG_A, "order.created", ORDER)
    await api.kernel.dispatch_pending()
    await run_due(api.kernel)
    clock.advance(7)
    await run_due(api.kernel)
    page = await (
        await api.client.get(f"{BASE}/{created['id']}/logs", headers=api.auth("a"))
    ).json()
    newest, oldest = page["items"]
    assert (oldest["http_status"], oldest["status"], oldest["retry_count"]) == (503, "error", 0)
    assert (newest["http_status"], newest["status"], newest["retry_count"]) == (200, "success", 1)
    assert oldest["delivery_id"] == newest["delivery_id"]
    assert oldest["response"]["body"] == "later" and oldest["response"]["headers"]["Retry-After"]
    assert oldest["request"]["headers"]["X-MonoPilot-Signature"] == "***"
    assert oldest["request"]["body"]["data"]["po_number"] == "PO-1"
    assert oldest["duration_ms"] is not None and oldest["error_message"]
    errors_only = await (
        await api.client.get(f"{BASE}/{created['id']}/logs?status=error", headers=api.auth("a"))
    ).json()
    assert len(errors_only["items"]) == 1


async def test_recover_resends_what_failed_in_the_window(
    api: Server,
    receiver: Receiver,
    clock: ManualClock,
) -> None:
    created = await create(api, receiver, retry_policy="manual", max_retries=0)
    hook, auth = f"{BASE}/{created['id']}", api.auth("a")
    receiver.answer(Answer(500), Answer(500))
    for n in range(2):
        await api.kernel.publish(ORG_A, "order.created", {**ORDER, "po_number": f"PO-{n}"})
    await api.kernel.dispatch_pending()
    assert await run_due(api.kernel) == ["dead", "dead"]
    await api.client.post(f"{hook}/test", headers=auth)  # a test send is never recovered
    clock.advance(60)
    window = {"since": "2026-03-02T07:00:00Z", "until": clock.now().isoformat()}
    response = await api.client.post(f"{hook}/recover", json=window, headers=auth)
    assert (await response.json()) == {"recovered": 2}
    assert await run_due(api.kernel) == ["succeeded", "succeeded"]
    redelivered = [r for r in receiver.received[-2:]]
    assert sorted(json.loads(r.body)["data"]["po_number"] for r in redelivered) == ["PO-0", "PO-1"]
    first_ids = {r.headers["X-MonoPilot-Delivery-ID"] for r in receiver.received[:2]}
    assert {r.headers["X-MonoPilot-Delivery-ID"] for r in redelivered} == first_ids
    bad = await api.client.post(
        f"{hook}/recover",
        json={"since": "2026-03-02T09:00:00Z", "until": "2026-03-02T08:00:00Z"},
        headers=auth,
    )
    assert bad.status == 422
    await api.client.post(f"{hook}/pause", headers=auth)
    paused = await api.client.post(f"{hook}/recover", json=window, headers=auth)
    assert paused.status == 409


async def test_log_pages_skip_no_attempt_logged_in_the_same_instant(
    api: Server, receiver: Receiver
) -> None:
    """The manual clock stands still: five attempts share one timestamp, as many do under
    load. Paging by the timestamp alone would show two and lose three."""
    created = await create(api, receiver)
    for n in range(5):
        await api.kernel.publish(ORG_A, "order.created", {**ORDER, "po_number": f"PO-{n}"})
    await api.kernel.dispatch_pending()
    assert await run_due(api.kernel) == ["succeeded"] * 5
    seen: list[str] = []
    params: dict[str, str] = {"limit": "2"}
    for _ in range(5):
        response = await api.client.get(
            f"{BASE}/{created['id']}/logs", params=params, headers=api.auth("a")
        )
        assert response.status == 200, await response.text()
        page = await response.json()
        seen += [item["id"] for item in page["items"]]
        if page["next_before"] is None:
            break
        params = {
            "limit": "2",
            "before": page["next_before"],
            "before_id": page["next_before_id"],
        }
    assert len(seen) == 5 and len(set(seen)) == 5


async def test_custom_header_values_are_never_shown_and_kept_when_sent_back_masked(
    api: Server, receiver: Receiver
) -> None:
    headers = {"X-Partner-Key": "pk-1234567", "X-Tenant": "42"}
    created = await create(api, receiver, custom_headers=headers)
    assert created["custom_headers"] == ["X-Partner-Key", "X-Tenant"]
    hook, auth = f"{BASE}/{created['id']}", api.auth("a")
    shown = await (await api.client.get(hook, headers=auth)).json()
    assert shown["custom_headers"] == ["X-Partner-Key", "X-Tenant"]
    # "***" under a stored name keeps the hidden value; the other one changes.
    changed = {"X-Partner-Key": "***", "X-Tenant": "43"}
    response = await api.client.put(hook, json={"custom_headers": changed}, headers=auth)
    assert response.status == 200, await response.text()
    result = await (await api.client.post(f"{hook}/test", headers=auth)).json()
    assert result["delivered"] is True
    sent = receiver.received[-1].headers
    assert (sent["X-Partner-Key"], sent["X-Tenant"]) == ("pk-1234567", "43")
    logs = await (await api.client.get(f"{hook}/logs", headers=auth)).text()
    assert "pk-1234567" not in logs
    # A mask with nothing stored under its name is refused, not sent out as "***".
    for method, path in (("PUT", hook), ("POST", BASE)):
        body: dict[str, Any] = {"custom_headers": {"X-Other-Key": "***"}}
        if method == "POST":
            body |= {"name": "copy", "url": receiver.url, "events": ["order.created"]}
        refused = await api.client.request(method, path, json=body, headers=auth)
        assert refused.status == 422 and "X-Other-Key" in await refused.text()
