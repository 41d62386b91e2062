"""A secret placed anywhere in what a handler logs never reaches an integration_logs row."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.tables import JobRow, LogRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.logs.masking import Masker
from monopilot_integrations.core.logs.writer import LogEntry, LogWriter
from tests.core.helpers import ORG_A, all_rows
from tests.support.examples import requires_acme

SECRET = "s3cr3t-Value-9f8e7d"


def row_text(row: LogRow) -> str:
    return json.dumps([row.request_body, row.response_body, row.error_message], default=str)


@requires_acme
async def test_secrets_in_an_attempts_request_body_are_masked(kernel: Kernel) -> None:
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


async def test_buffered_log_rows_are_masked_and_flushed_on_close(kernel: Kernel) -> None:
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


async def test_oversized_bodies_are_capped(kernel: Kernel) -> None:
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


# -- arbitrary documents with secrets planted at random depths -------------------------------

# Filler never holds "Q" (every secret does) nor "*" (the mask), so after masking no piece of
# a secret is left to combine with what surrounds it.
FILLER_TEXT = st.text(st.characters(exclude_characters="Q*", exclude_categories=["Cs"]), max_size=8)
FILLER = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | FILLER_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(FILLER_TEXT, children, max_size=3)
    ),
    max_leaves=10,
)
DOC_MASKER = Masker(["zx_code"], [r"ZX-\d{6}"])
SECRET_KEYS = st.sampled_from(
    ["password", "Client-Secret", "refreshToken", "X-Api-Key", "authorization", "zx_code"]
)
TOKEN = st.text(st.sampled_from("abcXYZ0189.-~"), min_size=3, max_size=12).map(lambda s: s + "Q")
WORD_TOKEN = st.text(st.sampled_from("abcXYZ0189_"), min_size=3, max_size=12).map(lambda s: s + "Q")
# Secret-looking values: the secret is masked by a text rule, with nobody telling.
LOOKS_SECRET = [
    "password={s}",
    "login failed: api_key={s} (user bob)",
    '{{"client_secret": "{s}", "id": 1}}',
    "Authorization: Bearer {s}\r\nAccept: */*",
    "sent Bearer {s} today",
    "https://user:{s}@partner.example/x",
    "<Password>{s}</Password>",
    "mp_live_{s}",
]


@st.composite
def planted(draw: st.DrawFn) -> tuple[Any, str, list[str]]:
    """(document, secret, the call's known secrets): the secret at a random depth of random
    filler, under a secret key, inside a secret-looking value, or known to the caller."""
    how = draw(st.sampled_from(["under a key", "looks secret", "known"]))
    secrets: list[str] = []
    if how == "under a key":
        secret = draw(TOKEN)
        inner = draw(st.sampled_from([secret, [secret], {"a": secret}, f"x {secret}"]))
        value: Any = {draw(SECRET_KEYS): inner}
    elif how == "looks secret":
        secret = draw(WORD_TOKEN)  # an API key is word characters only
        form = draw(st.sampled_from(LOOKS_SECRET))
        value = f"{draw(FILLER_TEXT)} {form.format(s=secret)} {draw(FILLER_TEXT)}"
    else:
        secret = draw(
            st.text(st.characters(exclude_characters="*", exclude_categories=["Cs"]), max_size=8)
        )
        secret = secret + "Q" + secret[::-1] if len(secret) >= 3 else f"{secret}Qsecret"
        secrets = [secret]
        text = draw(FILLER_TEXT) + secret + draw(FILLER_TEXT)
        value = draw(st.sampled_from([text, {text: 1}, [text]]))
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.booleans()):
            value = [draw(FILLER), value]
        else:
            value = {draw(FILLER_TEXT): value, "other": draw(FILLER)}
    return value, secret, secrets


def leaks(secret: str, text: str) -> bool:
    return any(
        form in text
        for form in (secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1])
    )


@settings(max_examples=400, deadline=None)
@given(case=planted())
def test_a_planted_secret_never_comes_out_and_masking_is_idempotent(
    case: tuple[Any, str, list[str]],
) -> None:
    document, secret, secrets = case
    masked = DOC_MASKER.mask(document, secrets=secrets)
    for ensure_ascii in (True, False):
        assert not leaks(secret, json.dumps(masked, ensure_ascii=ensure_ascii))
    assert DOC_MASKER.mask(masked, secrets=secrets) == masked
    assert DOC_MASKER.mask(masked) == masked


# The row as the writer makes it (nothing is inserted: no connection is opened).
DOC_WRITER = LogWriter(Database("sqlite+aiosqlite:///:memory:"), DOC_MASKER)


@settings(max_examples=200, deadline=None)
@given(case=planted())
def test_a_planted_secret_never_reaches_a_row_whatever_the_body_form(
    case: tuple[Any, str, list[str]],
) -> None:
    document, secret, secrets = case
    writer = DOC_WRITER
    as_json = json.dumps(document, ensure_ascii=False)
    bodies = [document, as_json.encode()]  # a value, and JSON bytes as a connector got them
    if secrets:
        bodies.append(as_json)  # JSON text kept as a string: only known secrets are sure
    for body in bodies:
        entry = LogEntry(
            org_id=ORG_A,
            integration_type="api",
            event_type="x",
            direction="outbound",
            status="error",
            request_body=body,
            error_message=f"failed with {as_json}" if secrets else None,
            secrets=secrets,
        )
        row = writer.to_row(entry)
        assert not leaks(secret, str(row["request_body"])), body
        assert not leaks(secret, str(row["error_message"]))
