"""Calls to the Optima REST bridge, through the kernel's SSRF guard.

The guard grants exactly the configured bridge's host and port
(:meth:`~monopilot_integrations.core.net.OutboundGuard.granting`): a bridge on the
customer's network (``http://10.0.0.5:8080``) is reachable, nothing else private is.
``MONOPILOT_ALLOW_PRIVATE_TARGETS=true`` also admits loopback (development, tests).
Every call sends the key and secret as ``X-Api-Key``/``X-Api-Secret`` and the company as
``X-Firma``; errors come back classified (:mod:`.errors`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
import yarl

from monopilot_integrations.connectors.comarch.errors import (
    BridgeUnreachable,
    CredentialsRefused,
    DocumentRejected,
    UnknownCompany,
    optima_message,
)
from monopilot_integrations.core.net import BlockedTargetError, OutboundGuard, OutboundHttp


@dataclass(frozen=True)
class BridgeAnswer:
    status: int
    body: Any


def bridge_target(api_url: str) -> tuple[str, int]:
    try:
        url = yarl.URL(api_url)
    except (ValueError, TypeError) as exc:
        raise BlockedTargetError(f"{api_url!r} is not a valid URL: {exc}") from exc
    if url.raw_host is None or url.port is None:
        raise BlockedTargetError(f"{api_url!r} has no host")
    return url.raw_host, url.port


def guarded(guard: OutboundGuard, api_url: str) -> OutboundGuard:
    """The process's guard plus a grant for the bridge's host and port; checks the URL."""
    host, port = bridge_target(api_url)
    granted = guard.granting(host, port)
    granted.check_url(api_url)
    return granted


class BridgeClient:
    def __init__(
        self, http: OutboundHttp, api_url: str, api_key: str, api_secret: str, company: str | None
    ) -> None:
        self.http = http
        self.base = api_url.rstrip("/")
        self.headers = {
            "X-Api-Key": api_key,
            "X-Api-Secret": api_secret,
            "X-Firma": company or "",
            "Accept": "application/json",
        }

    async def call(self, method: str, path: str, body: Any = None, **params: str) -> BridgeAnswer:
        """One request; transport failures, 5xx and 429 raise BridgeUnreachable."""
        url = self.base + path
        if params:
            url = str(yarl.URL(url).with_query(params))
        if body is None or isinstance(body, str):
            data = body.encode() if body is not None else None
        else:
            data = json.dumps(body, ensure_ascii=False).encode()
        headers = {**self.headers, "Content-Type": "application/json"} if data else self.headers
        try:
            async with self.http.request(method, url, data=data, headers=headers) as response:
                text = await response.text()
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except BlockedTargetError:
            raise
        except TimeoutError as exc:
            raise BridgeUnreachable(
                f"the Optima bridge at {self.base} did not answer in time"
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise BridgeUnreachable(
                f"cannot reach the Optima bridge at {self.base}: {exc}"
            ) from exc
        try:
            parsed: Any = json.loads(text) if text else None
        except ValueError:
            parsed = text[:500]
        if status == 429 or status >= 500:
            after = float(retry_after) if retry_after and retry_after.isdigit() else None
            raise BridgeUnreachable(
                f"the Optima bridge answered {status}: {optima_message(parsed)}",
                retry_after=after,
                http_status=status,
            )
        if status in (401, 403):
            raise CredentialsRefused(
                f"the Optima bridge refused the API key and secret ({status}): "
                f"{optima_message(parsed)}",
                http_status=status,
            )
        if status == 404 and isinstance(parsed, dict) and parsed.get("Kod") == "FIRMA":
            raise UnknownCompany(
                f"Optima has no such company: {optima_message(parsed)}", http_status=404
            )
        return BridgeAnswer(status, parsed)

    async def status(self) -> dict[str, Any]:
        answer = await self.call("GET", "/api/status")
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise DocumentRejected(
                f"unexpected answer to /api/status: {answer.status}", http_status=answer.status
            )
        return answer.body

    async def find(self, source_guid: str) -> list[dict[str, Any]]:
        answer = await self.call("GET", "/api/faktury", IdZrodla=source_guid)
        if answer.status != 200 or not isinstance(answer.body, list):
            return []
        return [d for d in answer.body if isinstance(d, dict)]

    async def accounts(self) -> Any:
        answer = await self.call("GET", "/api/plan-kont")
        if answer.status != 200:
            raise DocumentRejected(
                f"the bridge refused the plan of accounts: {optima_message(answer.body)}",
                http_status=answer.status,
            )
        return answer.body

    async def push(self, document: dict[str, Any] | str) -> BridgeAnswer:
        """``document`` as a dict, or already serialised (the text the log row shows)."""
        return await self.call("POST", "/api/faktury", document)
