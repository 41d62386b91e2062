"""With private targets not allowed (the production default): the API refuses such URLs
and a delivery whose host resolves to one is refused at connection time."""

from __future__ import annotations

from typing import Any

import pytest

from monopilot_integrations.core.net import OutboundGuard, OutboundHttp
from monopilot_integrations.core.settings import Settings
from tests.connectors.webhooks.conftest import (
    ORG_A,
    connector,
    create_webhook,
    run_due,
    webhook_logs,
)
from tests.core.net.test_ssrf_guard import FixedDns
from tests.server.conftest import Server, server  # noqa: F401

BASE = "/api/integrations/webhooks"


@pytest.fixture
def server_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"api_key_bcrypt_rounds": 4, "allow_private_targets": False})


@pytest.fixture
async def api(server: Server) -> Any:  # noqa: F811
    yield server
    await connector(server.kernel).close()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://10.0.0.1/hook", "private"),
        ("https://[::ffff:10.0.0.1]/hook", "10.0.0.1"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("http://hooks.example.com/hook", "https://"),
        ("https://user:pw@hooks.example.com/hook", "credentials"),
        ("https://hooks.example.com@10.0.0.1/hook", "credentials"),
        ("https://2130706433/hook", "legacy numeric IPv4"),
        ("https://0x7f.1/hook", "legacy numeric IPv4"),
        ("https://a..b/hook", "valid host name"),  # was a 500 (the resolver's IDNA codec)
        ("https://" + "a" * 64 + ".example.com/hook", "valid host name"),
        ("https://[::ffff:7f00:1]/hook", "loopback"),
    ],
)
async def test_the_api_refuses_urls_that_are_not_public_https(
    api: Server, url: str, reason: str
) -> None:
    body = {"name": "x", "url": url, "events": ["order.created"]}
    response = await api.client.post(BASE, json=body, headers=api.auth("a"))
    assert response.status == 422, await response.text()
    problem = await response.json()
    assert reason in problem["detail"] and problem["errors"][0]["path"] == "/url"


@pytest.mark.parametrize("answer", ["169.254.169.254", "10.0.0.1"])
async def test_a_delivery_to_a_name_that_resolves_to_a_private_address_is_refused(
    api: Server, answer: str
) -> None:
    kernel = api.kernel
    hook = await create_webhook(kernel, "https://hooks.partner.example/in")
    webhooks = connector(kernel)
    await webhooks.http.close()
    dns = FixedDns({"hooks.partner.example": [answer]})  # DNS changed after the save
    webhooks.http = OutboundHttp(OutboundGuard(), webhooks.http.options, resolver_inner=dns)
    await kernel.publish(
        ORG_A,
        "order.created",
        {
            "po_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40",
            "po_number": "PO-1",
            "supplier_code": "MLYN",
            "status": "draft",
        },
    )
    await kernel.dispatch_pending()
    assert await run_due(kernel) == ["dead"]  # refused: fatal, in the dead-letter queue
    (log,) = await webhook_logs(kernel)
    assert log.webhook_id == hook.id and log.error_class == "BlockedTargetError"
    assert answer in (log.error_message or "") and log.http_status is None
    assert dns.asked == ["hooks.partner.example"]
