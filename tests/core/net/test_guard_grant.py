"""A guard that grants one configured private target (an ERP bridge on the customer's own
network) lets exactly that host and port through, with http, and nothing else."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web

from monopilot_integrations.core.net import BlockedTargetError, OutboundGuard, OutboundHttp


def test_the_grant_covers_that_host_and_port_only() -> None:
    strict = OutboundGuard()
    bridge = strict.granting("10.0.0.5", 8443)
    bridge.check_url("http://10.0.0.5:8443/api/faktury")
    bridge.check_url("https://10.0.0.5:8443/api/faktury")
    bridge.check_target("10.0.0.5", 8443)
    for url in (
        "http://10.0.0.5:8444/",  # another port
        "https://10.0.0.6:8443/",  # another private machine
        "http://127.0.0.1:8443/",  # loopback is never grantable
        "http://169.254.169.254:80/",  # nor metadata
        "http://example.com:8443/",  # http stays refused for anything else
    ):
        with pytest.raises(BlockedTargetError):
            bridge.check_url(url)
    with pytest.raises(BlockedTargetError):
        strict.check_url("https://10.0.0.5:8443/")  # the process guard is unchanged
    with pytest.raises(BlockedTargetError):
        OutboundGuard().granting("169.254.169.254", 80).check_url("http://169.254.169.254:80/")


def test_a_granted_name_opens_the_addresses_it_resolved_to_at_connect_time() -> None:
    guard = OutboundGuard().granting("optima.lan", 8080)
    guard.check_address("192.168.1.20", host="optima.lan", port=8080)
    # The socket factory sees only the address: the one the name resolved to passes ...
    guard.check_address("192.168.1.20", port=8080)
    sock = guard.socket_factory((socket.AF_INET, socket.SOCK_STREAM, 0, "", ("192.168.1.20", 8080)))
    sock.close()
    # ... another private address or port does not.
    with pytest.raises(BlockedTargetError):
        guard.check_address("192.168.1.21", port=8080)
    with pytest.raises(BlockedTargetError):
        guard.check_address("192.168.1.20", port=22)
    with pytest.raises(BlockedTargetError):
        guard.check_address("127.0.0.1", host="optima.lan", port=8080)


async def test_a_loopback_bridge_needs_allow_private_even_when_granted() -> None:
    async def ok(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        refused = OutboundHttp(OutboundGuard().granting("127.0.0.1", port))
        with pytest.raises(BlockedTargetError):
            async with refused.request("GET", f"http://127.0.0.1:{port}/"):
                pass
        await refused.close()
        allowed = OutboundHttp(OutboundGuard(allow_private=True).granting("127.0.0.1", port))
        async with allowed.request("GET", f"http://127.0.0.1:{port}/") as response:
            assert await response.text() == "ok"
        await allowed.close()
    finally:
        await runner.cleanup()
