"""Both signature schemes reproduce the published test vectors
(``shared/reference/webhook-signatures.md``), and the pure pieces of delivery behave."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook as StandardWebhook

from monopilot_integrations.connectors.webhooks.delivery import (
    GoneError,
    Reply,
    check_reply,
    http_date,
    retry_after_seconds,
)
from monopilot_integrations.connectors.webhooks.message import (
    custom_header_problems,
    delivery_headers,
    encode_body,
    event_body,
)
from monopilot_integrations.connectors.webhooks.signing import (
    InvalidSecretError,
    body_signature,
    generate_secret,
    secret_key,
    signature_headers,
    standard_signature,
    verify_body_signature,
)
from monopilot_integrations.core.errors import FatalError, RetriableError


def test_github_vector() -> None:
    assert (
        body_signature("It's a Secret to Everybody", b"Hello, World!")
        == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


@pytest.mark.parametrize(
    ("secret", "msg_id", "timestamp", "payload", "signature"),
    [
        (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            b'{"test": 2432232314}',
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        ),
        (
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            b'{"email":"test@example.com","username":"test_user"}',
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
        ),
    ],
)
def test_standard_webhooks_vectors(
    secret: str, msg_id: str, timestamp: int, payload: bytes, signature: str
) -> None:
    assert standard_signature(secret_key(secret), msg_id, timestamp, payload) == signature
    assert signature_headers([secret], msg_id, timestamp, payload)["webhook-signature"] == signature


def test_generated_secrets_are_standard_and_accepted_by_the_receiver_library() -> None:
    secret = generate_secret()
    assert len(secret_key(secret)) == 32 and generate_secret() != secret
    body = encode_body(event_body("order.created", datetime.now(UTC), "org", {"a": 1}))
    headers = delivery_headers(
        event_type="order.created",
        delivery_id="d-1",
        timestamp=int(datetime.now(UTC).timestamp()),
        body=body,
        secrets_newest_first=[secret],
    )
    parsed = StandardWebhook(secret).verify(body, headers)
    assert (parsed["event"], parsed["org_id"], parsed["data"]) == ("order.created", "org", {"a": 1})
    assert verify_body_signature(secret, body, headers["X-MonoPilot-Signature"])


@pytest.mark.parametrize(
    "secret",
    [
        "nope",
        "whsec_!!!",
        "whsec_" + base64.b64encode(b"x" * 10).decode(),
        "whsec_" + base64.b64encode(b"x" * 65).decode(),
    ],
)
def test_malformed_secrets_are_refused(secret: str) -> None:
    with pytest.raises(InvalidSecretError):
        secret_key(secret)


def test_the_body_has_exactly_the_documented_fields() -> None:
    when = datetime(2025, 12, 10, 14, 30, tzinfo=UTC)
    assert event_body("workorder.completed", when, "o-1", {"wo_number": "WO-1"}) == {
        "event": "workorder.completed",
        "timestamp": "2025-12-10T14:30:00Z",
        "org_id": "o-1",
        "data": {"wo_number": "WO-1"},
    }


def test_sender_headers_win_over_custom_ones() -> None:
    headers = delivery_headers(
        event_type="e.x",
        delivery_id="d",
        timestamp=1,
        body=b"{}",
        secrets_newest_first=[generate_secret()],
        custom={"X-MonoPilot-Signature": "forged", "Webhook-Id": "forged", "X-Partner": "1"},
    )
    assert headers["X-MonoPilot-Signature"].startswith("sha256=")
    assert "Webhook-Id" not in headers and headers["webhook-id"] == "d"
    assert headers["X-Partner"] == "1"


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"X-MonoPilot-Event": "x"}, "set by the sender"),
        ({"WEBHOOK-TIMESTAMP": "1"}, "set by the sender"),
        ({"Host": "evil"}, "set by the sender"),
        ({"transfer-encoding": "chunked"}, "set by the sender"),
        ({"Expect": "100-continue"}, "set by the sender"),
        ({"Upgrade": "websocket"}, "set by the sender"),
        ({"x-monopilot-anything": "x"}, "set by the sender"),
        ({"Bad Name": "x"}, "not a valid header name"),
        ({"X-A": "a\nb"}, "line breaks"),
        ({"X-A": "1", "x-a": "2"}, "twice"),
        ({f"X-{i}": "v" for i in range(21)}, "at most 20"),
    ],
)
def test_custom_header_rules(headers: dict[str, str], fragment: str) -> None:
    assert any(fragment in p for p in custom_header_problems(headers))


def test_acceptable_custom_headers() -> None:
    assert custom_header_problems({"Authorization": "Bearer x", "X-Tenant": "42"}) == []


def test_reply_classification() -> None:
    check_reply(Reply(204, {}, ""))
    with pytest.raises(GoneError) as gone:
        check_reply(Reply(410, {}, ""))
    assert isinstance(gone.value, FatalError) and gone.value.http_status == 410
    for status in (400, 401, 404, 500, 502, 301, 307):
        with pytest.raises(RetriableError) as retriable:
            check_reply(Reply(status, {"Location": "https://x"}, ""))
        assert retriable.value.http_status == status and retriable.value.retry_after is None
    with pytest.raises(RetriableError) as limited:
        check_reply(Reply(429, {"Retry-After": "30"}, ""))
    assert limited.value.retry_after == 30


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120
    later = http_date(now + timedelta(seconds=90))
    assert retry_after_seconds(later, now=now.timestamp()) == 90
    assert retry_after_seconds(http_date(now - timedelta(hours=1)), now=now.timestamp()) == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_the_receiver_guide_verification_code_accepts_real_signatures() -> None:
    """The Python snippets of docs/webhook-receivers.md work on what the sender sends,
    including the two signatures of a rotation."""
    import re
    import time
    from pathlib import Path

    guide = Path(__file__).resolve().parents[3] / "docs" / "webhook-receivers.md"
    blocks = re.findall(r"```python\n(.*?)```", guide.read_text(), re.S)
    namespace: dict[str, object] = {}
    for block in blocks:
        if "def verify_" in block:
            exec(block, namespace)
    verify_standard, verify_body = namespace["verify_standard"], namespace["verify_body"]
    old, new = generate_secret(), generate_secret()
    body = b'{"event":"order.created","timestamp":"2026-03-02T08:00:00Z","org_id":"o","data":{}}'
    headers = signature_headers([new, old], "d-1", int(time.time()), body)
    for secret in (old, new):
        assert verify_standard(secret, headers, body)  # type: ignore[operator]
        assert verify_body(secret, body, headers["X-MonoPilot-Signature"])  # type: ignore[operator]
    other = generate_secret()
    assert not verify_standard(other, headers, body)  # type: ignore[operator]
    assert not verify_body(other, body, headers["X-MonoPilot-Signature"])  # type: ignore[operator]
    stale = signature_headers([new], "d-1", int(time.time()) - 600, body)
    assert not verify_standard(new, stale, body)  # type: ignore[operator]
