"""Outbound HTTP safety for every connector that calls a partner's URL.

* :mod:`.addresses`: which IP addresses are public (the only ones a tenant-supplied URL
  may reach) and why the others are refused;
* :mod:`.guard`: the SSRF guard: URL rules, a resolver that refuses non-public answers,
  and a socket factory that checks the address actually connected to;
* :mod:`.client`: one pooled ``aiohttp.ClientSession`` per event loop built on the guard.

See ``docs/webhooks.md`` ("Outbound HTTP safety") for how a connector uses it.
"""

from __future__ import annotations

from monopilot_integrations.core.net.addresses import blocked_reason, is_public_address
from monopilot_integrations.core.net.client import OutboundHttp, OutboundHttpOptions
from monopilot_integrations.core.net.guard import BlockedTargetError, OutboundGuard

__all__ = [
    "BlockedTargetError",
    "OutboundGuard",
    "OutboundHttp",
    "OutboundHttpOptions",
    "blocked_reason",
    "is_public_address",
]
