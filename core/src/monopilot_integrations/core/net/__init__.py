"""Outbound connection safety for every connector that calls a partner (HTTP, SFTP, ...).

* :mod:`.addresses`: which IP addresses are public (the only ones a tenant-supplied URL
  may reach) and why the others are refused;
* :mod:`.guard`: the SSRF guard: URL rules, a resolver that refuses non-public answers,
  a socket factory that checks the address actually connected to, and
  ``resolve_target`` for transports that are not HTTP (resolve, check, connect to the
  checked address);
* :mod:`.allowlist`: the operator's allow-list of private targets;
* :mod:`.client`: one pooled ``aiohttp.ClientSession`` per event loop built on the guard.

See ``docs/webhooks.md`` ("Outbound HTTP safety") for how a connector uses it.
"""

from __future__ import annotations

from monopilot_integrations.core.net.addresses import blocked_reason, is_public_address
from monopilot_integrations.core.net.client import OutboundHttp, OutboundHttpOptions
from monopilot_integrations.core.net.guard import (
    UNREACHABLE,
    BlockedTargetError,
    CheckedTarget,
    OutboundGuard,
)

__all__ = [
    "UNREACHABLE",
    "BlockedTargetError",
    "CheckedTarget",
    "OutboundGuard",
    "OutboundHttp",
    "OutboundHttpOptions",
    "blocked_reason",
    "is_public_address",
]
