"""What the webhook tests that go through the HTTP API share (with the ``api`` fixture of
``conftest.py``): a purchase order to publish, a webhook created by POST."""

from __future__ import annotations

import uuid
from typing import Any

from tests.server.conftest import Server

BASE = "/api/integrations/webhooks"


def order(n: int, status: str = "draft", supplier: str = "MLYN", **more: Any) -> dict[str, Any]:
    return {
        "po_id": str(uuid.uuid4()),
        "po_number": f"PO-{n}",
        "supplier_code": supplier,
        "status": status,
        **more,
    }


async def hook(api: Server, url: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "h", "url": url, "events": ["order.created"], **fields}
    answer = await api.client.post(BASE, json=body, headers=api.auth())
    assert answer.status == 201, await answer.text()
    created: dict[str, Any] = await answer.json()
    return created
