"""The event catalog reaches webhooks: every registered type (the document's seven, the
connector's own ``webhook.disabled``, and any other plugin's) is delivered to a ``*``
subscriber with its example as ``data``, and a list subscription gets only its types."""

from __future__ import annotations

import json

from monopilot_integrations.core.kernel import Kernel
from tests.connectors.webhooks.conftest import ORG_A, create_webhook, run_due
from tests.connectors.webhooks.receiver import Receiver

DOCUMENT_CATALOG = {
    "order.created",
    "order.updated",
    "workorder.started",
    "workorder.completed",
    "shipment.dispatched",
    "inventory.low",
    "product.created",
}


async def test_every_registered_type_reaches_subscribers_of_it(
    hooks: Kernel, receiver: Receiver
) -> None:
    registered = hooks.registry.event_types
    names = sorted(registered)
    assert DOCUMENT_CATALOG | {"webhook.disabled"} <= set(names)
    picky = await Receiver().start()
    try:
        await create_webhook(hooks, receiver.url, events=["*"])
        await create_webhook(hooks, picky.url, events=["order.created", "inventory.low"])
        for name in names:
            kind = registered[name]
            assert kind.schema and kind.example is not None, name
            await hooks.publish(ORG_A, name, kind.example)  # the example fits its schema
        await hooks.dispatch_pending()
        assert set(await run_due(hooks)) == {"succeeded"}
    finally:
        await picky.stop()

    got = {json.loads(r.body)["event"]: r for r in receiver.received}
    assert sorted(got) == names and len(receiver.received) == len(names)
    for name, request in got.items():
        assert request.headers["X-MonoPilot-Event"] == name
        assert json.loads(request.body)["data"] == registered[name].example
    assert sorted(json.loads(r.body)["event"] for r in picky.received) == [
        "inventory.low",
        "order.created",
    ]
