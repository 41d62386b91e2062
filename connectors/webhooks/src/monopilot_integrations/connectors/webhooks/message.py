"""What a receiver gets: the body (exactly ``{"event", "timestamp", "org_id", "data"}``)
and the headers, including the rules for a webhook's own custom headers."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from monopilot_integrations.connectors.webhooks.signing import signature_headers
from monopilot_integrations.core.logs.masking import DEFAULT_MASK

#: Headers the sender owns; custom headers may not set them (case-insensitive), so a
#: webhook's configuration can never forge or drop a signature, redirect the request to
#: another virtual host, or change how the message is framed on the connection.
RESERVED_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "proxy-connection",
        "host",
        "user-agent",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
)
RESERVED_PREFIXES = ("x-monopilot-", "webhook-")
MAX_CUSTOM_HEADERS = 20
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$")
_VALUE = re.compile(r"^[\t\x20-\x7e\x80-\xff]{0,2000}$")


#: Name fragments (lower case, without ``-``, ``_`` and spaces) that make a custom header a
#: credential, on top of the kernel masker's list: partners name their keys freely
#: (``X-Partner-Key``, ``X-Auth``, ``Session-Id``), and the kernel's list, shared by every
#: log, cannot mask everything called "key".
CREDENTIAL_NAME_PARTS = ("key", "auth", "session", "pass", "sig", "secret", "token", "cookie")


@functools.lru_cache(maxsize=1024)  # header names are few; asked on every attempt
def is_credential_header(name: str) -> bool:
    """Whether a custom header's value is treated as a credential: never shown by the API
    and never written to a log row."""
    normalised = name.lower().replace("-", "").replace("_", "").replace(" ", "")
    return any(part in normalised for part in CREDENTIAL_NAME_PARTS)


def masked_headers(
    headers: Mapping[str, str], custom: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``headers`` as a log shows them: the values of the webhook's ``custom`` headers
    (every one is stored as a secret) and of credential-like ones replaced by ``***``."""
    hidden = {name.lower() for name in custom or ()}
    return {
        k: (DEFAULT_MASK if k.lower() in hidden or is_credential_header(k) else v)
        for k, v in headers.items()
    }


def custom_header_problems(headers: Mapping[str, str]) -> list[str]:
    """Every problem with a webhook's custom headers (empty: acceptable)."""
    problems: list[str] = []
    if len(headers) > MAX_CUSTOM_HEADERS:
        problems.append(f"at most {MAX_CUSTOM_HEADERS} custom headers")
    seen: set[str] = set()
    for name, value in headers.items():
        lowered = name.lower()
        if not _TOKEN.match(name):
            problems.append(f"{name!r} is not a valid header name")
        elif lowered in RESERVED_HEADERS or lowered.startswith(RESERVED_PREFIXES):
            problems.append(
                f"{name!r} is set by the sender (signature, Standard Webhooks and framing "
                "headers cannot be overridden)"
            )
        elif lowered in seen:
            problems.append(f"{name!r} is given twice (header names are case-insensitive)")
        seen.add(lowered)
        if not isinstance(value, str) or not _VALUE.match(value):
            problems.append(f"the value of {name!r} must be text without line breaks")
    return problems


def event_body(
    event_type: str, occurred_at: datetime | str, org_id: str, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The document's request format, field for field."""
    timestamp = occurred_at if isinstance(occurred_at, str) else iso_utc(occurred_at)
    return {"event": event_type, "timestamp": timestamp, "org_id": org_id, "data": dict(data)}


def envelope_schema(event_type: str, data_schema: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a whole request body for ``event_type`` (what a receiver
    validates): the envelope of :func:`event_body` around the type's ``data`` schema."""
    return {
        "type": "object",
        "required": ["event", "timestamp", "org_id", "data"],
        "properties": {
            "event": {"const": event_type},
            "timestamp": {"type": "string", "format": "date-time"},
            "org_id": {"type": "string", "format": "uuid"},
            "data": dict(data_schema),
        },
        "additionalProperties": False,
    }


def encode_body(body: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON: the exact bytes that are signed and sent."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def human_duration(seconds: float) -> str:
    """``432000`` -> ``"5 days"``, ``5400`` -> ``"1 hour 30 minutes"``, ``45`` -> ``"45
    seconds"``: the two largest units, for messages people read."""
    remaining = round(seconds)
    parts: list[str] = []
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    return " ".join(parts[:2]) or "0 seconds"


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def delivery_headers(
    *,
    event_type: str,
    delivery_id: str,
    timestamp: int,
    body: bytes,
    secrets_newest_first: Sequence[str],
    custom: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Custom headers first, then the sender's own (which win, though validation already
    keeps custom ones away from them)."""
    headers = {
        k: v
        for k, v in (custom or {}).items()
        if k.lower() not in RESERVED_HEADERS and not k.lower().startswith(RESERVED_PREFIXES)
    }
    headers["Content-Type"] = "application/json"
    headers["X-MonoPilot-Event"] = event_type
    headers["X-MonoPilot-Delivery-ID"] = delivery_id
    headers.update(signature_headers(secrets_newest_first, delivery_id, timestamp, body))
    return headers
