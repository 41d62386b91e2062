"""Malformed requests to every webhook route get a problem-details 4xx, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.connectors.webhooks.conftest import connector
from tests.connectors.webhooks.receiver import Receiver
from tests.server.conftest import Server, server, server_settings  # noqa: F401

BASE = "/api/integrations/webhooks"

#: (method, path under the webhook, raw body or None, extra query string)
BAD_REQUESTS: list[tuple[str, str, Any, str]] = [
    ("POST", "", "not json", ""),
    ("POST", "", "[]", ""),
    ("POST", "", '{"name": "x", "url": 5, "events": ["order.created"]}', ""),
    ("POST", "", '{"name": "x", "url": "https://a..b/", "events": ["order.created"]}', ""),
    ("POST", "", '{"name": "x", "url": "https://x.example/", "events": []}', ""),
    ("POST", "", '{"name": "x", "url": "https://x.example/", "events": [""]}', ""),
    ("POST", "", '{"name": "x", "url": "https://x.example/", "events": ["*"], "x": 1}', ""),
    (
        "POST",
        "",
        '{"name": "x", "url": "https://x.example/", "events": ["*"], "custom_headers": {"A": 1}}',
        "",
    ),
    ("POST", "", '{"name": "x", "url": "https://x.example/", "events": ["*"], "secret": 5}', ""),
    ("PUT", "/{id}", '{"url": null}', ""),
    ("PUT", "/{id}", '{"url": "https://exa mple.com/"}', ""),
    ("PUT", "/{id}", '{"max_retries": -1}', ""),
    ("PUT", "/{id}", '{"retry_policy": "sometimes"}', ""),
    ("PUT", "/{id}", "[1]", ""),
    ("POST", "/{id}/test", '{"event_type": 5}', ""),
    ("POST", "/{id}/test", '{"event_type": "no.such"}', ""),
    ("POST", "/{id}/test", "{", ""),
    ("POST", "/{id}/rotate-secret", '{"grace_seconds": -1}', ""),
    ("POST", "/{id}/rotate-secret", '{"grace_seconds": "soon"}', ""),
    ("POST", "/{id}/recover", None, ""),
    ("POST", "/{id}/recover", '{"since": "yesterday"}', ""),
    ("POST", "/{id}/recover", '{"since": "2026-03-01T00:00:00"}', ""),  # no time zone
    ("GET", "/{id}/logs", None, "?limit=abc"),
    ("GET", "/{id}/logs", None, "?before=x"),
    ("GET", "/{id}/logs", None, "?before_id=not-a-uuid"),
    ("GET", "", None, "?status=deleted"),
    ("GET", "", None, "?offset=-1"),
    ("GET", "/not-a-uuid", None, ""),
    ("POST", "/not-a-uuid/pause", None, ""),
]


@pytest.fixture
async def api(server: Server) -> Any:  # noqa: F811
    yield server
    await connector(server.kernel).close()


@pytest.mark.parametrize(("method", "path", "body", "query"), BAD_REQUESTS)
async def test_bad_input_is_a_problem_details_4xx(
    api: Server, receiver: Receiver, method: str, path: str, body: Any, query: str
) -> None:
    created = await api.client.post(
        BASE,
        json={"name": "x", "url": receiver.url, "events": ["order.created"]},
        headers=api.auth("a"),
    )
    assert created.status == 201
    webhook_id = (await created.json())["id"]
    headers = {**api.auth("a"), "Content-Type": "application/json"}
    response = await api.client.request(
        method,
        BASE + path.format(id=webhook_id) + query,
        data=body.encode() if body is not None else None,
        headers=headers,
    )
    text = await response.text()
    assert 400 <= response.status < 500, (response.status, text)
    assert response.content_type == "application/problem+json", text
