"""A secret placed anywhere in what a handler logs never reaches an integration_logs row."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monopilot_integrations.core.integrations import Integrations
from monopilot_integrations.core.logs.writer import LogEntry
from monopilot_integrations.core.tables import JobRow, LogRow
from tests.support.examples import requires_acme

from .helpers import ORG_A, all_rows

SECRET = "s3cr3t-Value-9f8e7d"


def row_text(row: LogRow) -> str:
    return json.dumps([row.request_body, row.response_body, row.error_message], default=str)


@requires_acme
async def test_secrets_in_an_attempts_request_body_are_masked(kernel: Integrations) -> None:
    body = {
        "order": {"number": "PO-1", "note": f"the partner password={SECRET} was rotated"},
        "login": {"password": SECRET, "user": "edi"},
        "headers": {"Authorization": f"Bearer {SECRET}"},
        "list": [{"api_key": SECRET}, f"token={SECRET}&x=1"],
        "acme_pin": "4711-acme",  # a key registered by the ACME plugin's log mask
        "free text": f"…{SECRET}…",  # only known as a secret by the handler
    }
    # The handler tells the log which values are secret for this attempt ("secrets").
    await kernel.publish(ORG_A, "test.ping", {"echo": body, "fail_times": 1, "secrets": [SECRET]})
    await kernel.dispatch_pending()
    (job,) = await all_rows(kernel, JobRow)
    await kernel.run_job(ORG_A, job.id)
    (row,) = await all_rows(kernel, LogRow)
    text = row_text(row)
    assert SECRET not in text
    assert "4711-acme" not in text
    assert row.request_body["order"]["number"] == "PO-1"  # the rest is kept
    assert row.request_body["login"] == {"password": "***", "user": "edi"}


async def test_buffered_log_rows_are_masked_and_flushed_on_close(kernel: Integrations) -> None:
    writer = kernel.runtime().log_writer
    for i in range(3):
        writer.add(
            LogEntry(
                org_id=ORG_A,
                integration_type="api",
                event_type="GET /api/technical/products",
                direction="inbound",
                status="success",
                request_body={"query": f"?page={i}&api_key=mp_live_abcDEF123_xyz"},
                http_status=200,
            )
        )
    assert writer.pending == 3
    await kernel.close_runtime()  # a clean shutdown flushes
    rows = await all_rows(kernel, LogRow)
    assert len(rows) == 3
    assert all("mp_live_abcDEF123" not in row_text(r) for r in rows)


async def test_oversized_bodies_are_capped(kernel: Integrations) -> None:
    writer = kernel.runtime().log_writer
    writer.body_limit = 1000
    entry = LogEntry(
        org_id=ORG_A,
        integration_type="api",
        event_type="x",
        direction="inbound",
        status="success",
        request_body={"blob": "x" * 5000},
    )
    stored = json.loads(writer.to_row(entry)["request_body"])  # serialized once, as stored
    assert stored["_truncated"] is True
    assert stored["size"] > 5000
    assert len(stored["preview"]) == 1000


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.lists(
        st.sampled_from(["a", "data", "items", 0, 1, "password", "x-api-key"]), max_size=6
    ),
    wrapper=st.sampled_from(["{}", "pre {} post", "password={}", "Bearer {}", "?token={}&a=1"]),
)
def test_a_known_secret_is_masked_at_any_depth(kernel_masker, path, wrapper) -> None:  # type: ignore[no-untyped-def]
    value: object = wrapper.format(SECRET)
    for step in reversed(path):
        value = [value] if isinstance(step, int) else {step: value}
    masked = kernel_masker.mask(value, secrets=[SECRET])
    assert SECRET not in json.dumps(masked)
