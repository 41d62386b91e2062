"""One HTTP attempt and what its outcome means for the retry engine.

=========================== ==========================================================
receiver's answer           outcome
=========================== ==========================================================
2xx                         delivered
410 Gone                    :class:`GoneError` (fatal: dead-lettered, webhook paused)
429, 503                    retriable, ``Retry-After`` honoured (seconds or HTTP date)
3xx                         retriable: redirects are never followed
any other status            retriable
timeout, connection error   retriable
refused by the SSRF guard   fatal (:class:`~monopilot_integrations.core.net.BlockedTargetError`)
=========================== ==========================================================
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp

from monopilot_integrations.core.errors import FatalError, RetriableError
from monopilot_integrations.core.net import BlockedTargetError, OutboundHttp


class GoneError(FatalError):
    """The receiver answered ``410 Gone``: it wants no more deliveries."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: str


async def post(
    http: OutboundHttp, url: str, body: bytes, headers: Mapping[str, str], *, body_limit: int
) -> Reply:
    """POST ``body``; a network failure or timeout becomes a :class:`RetriableError`."""
    try:
        async with http.request("POST", url, data=body, headers=dict(headers)) as response:
            raw = await response.content.read(body_limit) if body_limit else b""
            return Reply(
                response.status,
                {k: v for k, v in response.headers.items()},
                raw.decode("utf-8", "replace"),
            )
    except BlockedTargetError:
        raise
    except TimeoutError as exc:
        raise RetriableError(f"no response within {http.options.timeout:g}s (timeout)") from exc
    except aiohttp.ClientError as exc:
        raise RetriableError(f"connection failed: {type(exc).__name__}: {exc}") from exc
    except OSError as exc:
        raise RetriableError(f"connection failed: {exc}") from exc


def check_reply(reply: Reply) -> None:
    """Return for a 2xx, raise what the status means otherwise (see the module table)."""
    status = reply.status
    if 200 <= status < 300:
        return
    if status == 410:
        raise GoneError("the receiver answered 410 Gone: the webhook is paused", http_status=410)
    if status in (429, 503):
        wait = retry_after_seconds(reply.headers.get("Retry-After"))
        hint = f"; Retry-After {wait:g}s" if wait is not None else ""
        raise RetriableError(
            f"the receiver answered {status}{hint}", retry_after=wait, http_status=status
        )
    if 300 <= status < 400:
        where = reply.headers.get("Location", "?")
        raise RetriableError(
            f"the receiver answered {status} (redirect to {where}); redirects are not followed",
            http_status=status,
        )
    raise RetriableError(f"the receiver answered {status}", http_status=status)


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP date; ``None`` when
    absent or unreadable (the policy's schedule applies then)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


def http_date(moment: datetime) -> str:
    """An HTTP date (for tests and docs)."""
    from email.utils import format_datetime

    return format_datetime(moment.astimezone(UTC), usegmt=True)
