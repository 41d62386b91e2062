"""Benchmark: the CPU cost of one integration log row for a webhook delivery.

``LogWriter.to_row`` masks and serializes the request (method, URL, headers, the ~1 KB
event body as the webhooks connector records it) and the response, with the masks the
webhooks and EDI connectors register and two known secrets, as on every attempt. Ten
events are each logged for ten webhooks, like a fan-out. Nothing is inserted.

    .venv/bin/python bench/log_row.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid

from _webhook_plugin import sample_data

from monopilot_integrations.connectors.edi import plugin as edi_plugin
from monopilot_integrations.connectors.webhooks import plugin as webhooks_plugin
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.logs.masking import Masker
from monopilot_integrations.core.logs.writer import LogEntry, LogWriter
from monopilot_integrations.core.plugins.registration import LogMask

ORG = uuid.uuid4()
SECRETS = ["whsec_A1b2C3d4E5f6G7h8I9j0K1l2", "custom-header-value-1234"]


def delivery_entry(n: int) -> LogEntry:
    fields = {
        "event": "workorder.completed",
        "timestamp": "2026-11-26T09:30:00Z",
        "org_id": str(ORG),
        "data": sample_data(n),
    }
    request = {
        "method": "POST",
        "url": "http://127.0.0.1:8080/hooks/3",
        "headers": {
            "Content-Type": "application/json",
            "X-MonoPilot-Event": "workorder.completed",
            "X-MonoPilot-Delivery-ID": str(uuid.uuid4()),
            "X-MonoPilot-Signature": "***",
            "webhook-id": "msg_1",
            "webhook-timestamp": "1764149400",
            "webhook-signature": "***",
        },
        "body": fields,
    }
    response = {
        "status": 200,
        "headers": {"Content-Type": "text/plain; charset=utf-8", "Content-Length": "2"},
        "body": "ok",
    }
    return LogEntry(
        org_id=ORG,
        integration_type="webhook",
        event_type="workorder.completed",
        direction="outbound",
        status="success",
        request_body=request,
        response_body=response,
        http_status=200,
        connector="webhooks",
        external_system="http://127.0.0.1:8080/hooks/3",
        duration_ms=3,
        secrets=SECRETS,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    masks: list[LogMask] = []
    webhooks_plugin.register_log_masks(masks.append)
    edi_plugin.register_log_masks(masks.append)
    writer = LogWriter(Database("sqlite+aiosqlite:///:memory:"), Masker.from_log_masks(masks))
    entries = [delivery_entry(n) for n in range(10) for _ in range(10)]
    per_row: list[float] = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for entry in entries:
            writer.to_row(entry)
        per_row.append((time.perf_counter() - started) / len(entries) * 1e6)
    size = len(json.dumps(entries[0].request_body))
    print(
        f"to_row, webhook delivery ({size} characters of request): "
        f"median {statistics.median(per_row):.1f} us, best {min(per_row):.1f} us per row"
    )


if __name__ == "__main__":
    main()
