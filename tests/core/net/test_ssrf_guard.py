"""The outbound SSRF guard: address classes, URL rules, resolution and connection checks.

Names are resolved by a stand-in DNS (``FixedDns``): no real resolver here can be made to
answer 169.254.169.254 for a name. Everything after the answer (aiohttp's connector, the
guard's resolver and socket factory, a real loopback server) is the real thing.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from monopilot_integrations.core.errors import FatalError
from monopilot_integrations.core.net import (
    BlockedTargetError,
    OutboundGuard,
    OutboundHttp,
    OutboundHttpOptions,
    blocked_reason,
    is_public_address,
)


class FixedDns(AbstractResolver):
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in self.answers[host]
        ]

    async def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("169.254.169.254", "a cloud metadata address"),
        ("169.254.1.1", "link-local"),
        ("100.64.0.1", "shared address space (CGNAT)"),
        ("100.100.100.200", "a cloud metadata address"),
        ("224.0.1.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("255.255.255.255", "reserved"),
        ("240.0.0.1", "reserved"),
        ("192.0.0.9", "reserved for special purposes"),
        ("198.18.0.1", "reserved for special purposes"),
        ("192.0.2.1", "private"),  # documentation
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("ff0e::1", "multicast"),
        ("fec0::1", "site-local"),
        ("2001:db8::1", "private"),  # documentation
    ],
)
def test_non_public_addresses_are_refused_with_their_reason(address: str, reason: str) -> None:
    assert blocked_reason(address) == reason
    assert not is_public_address(address)


@pytest.mark.parametrize(
    ("address", "embedded"),
    [
        ("::ffff:10.0.0.1", "10.0.0.1"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "169.254.169.254"),
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("64:ff9b::a00:1", "10.0.0.1"),  # NAT64
        ("64:ff9b:1::a9fe:a9fe", "169.254.169.254"),  # local-use NAT64
        ("2002:a00:1::1", "10.0.0.1"),  # 6to4
        ("::10.0.0.1", "10.0.0.1"),  # IPv4-compatible (deprecated)
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "10.0.0.1"),  # Teredo, client 10.0.0.1
    ],
)
def test_ipv6_addresses_embedding_a_private_ipv4_address_are_refused(
    address: str, embedded: str
) -> None:
    reason = blocked_reason(address)
    assert reason is not None and embedded in reason


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "1.1.1.1",
        "8.8.8.8",
        "2606:4700:4700::1111",
        "::ffff:1.1.1.1",
        "64:ff9b::101:101",
    ],
)
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(address) is None


def test_text_that_is_not_an_address_is_refused_not_guessed() -> None:
    assert blocked_reason("localhost") == "not an IP address"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com/hook", "https://"),
        ("ftp://example.com/hook", "https://"),
        ("https:///nohost", "no host"),
        ("https://10.0.0.1/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://[::ffff:169.254.169.254]/", "metadata"),
        ("https://127.0.0.1:8443/", "loopback"),
    ],
)
def test_urls_that_cannot_be_allowed_are_refused_before_any_lookup(url: str, message: str) -> None:
    with pytest.raises(BlockedTargetError, match=message):
        OutboundGuard().check_url(url)


def test_a_refused_target_is_a_fatal_error() -> None:
    assert issubclass(BlockedTargetError, FatalError)


def test_allowing_private_targets_allows_http_and_loopback() -> None:
    guard = OutboundGuard(allow_private=True)
    assert str(guard.check_url("http://127.0.0.1:8080/hook")) == "http://127.0.0.1:8080/hook"
    with pytest.raises(BlockedTargetError):
        guard.check_url("gopher://127.0.0.1/")


@pytest.mark.parametrize("answer", ["169.254.169.254", "10.0.0.1", "::ffff:10.0.0.1"])
async def test_a_name_resolving_to_a_non_public_address_is_refused(answer: str) -> None:
    dns = FixedDns({"hooks.example.com": [answer]})
    http = OutboundHttp(OutboundGuard(), resolver_inner=dns)
    try:
        with pytest.raises(BlockedTargetError, match=r"hooks\.example\.com resolves to"):
            async with http.request("POST", "https://hooks.example.com/x", data=b"{}"):
                pass
        assert dns.asked == ["hooks.example.com"]
    finally:
        await http.close()


async def test_one_private_address_in_an_answer_refuses_the_whole_answer() -> None:
    dns = FixedDns({"rebind.example.com": ["93.184.215.14", "10.0.0.1"]})
    guard = OutboundGuard()
    http = OutboundHttp(guard, resolver_inner=dns)
    try:
        with pytest.raises(BlockedTargetError, match=r"10\.0\.0\.1"):
            async with http.request("POST", "https://rebind.example.com/", data=b"{}"):
                pass
    finally:
        await http.close()


async def test_the_connection_itself_is_checked_even_when_the_url_check_is_skipped() -> None:
    """The socket factory sees the address actually dialled: a caller that went around
    ``request`` (straight to the pooled session) is still stopped."""
    http = OutboundHttp(OutboundGuard())
    try:
        with pytest.raises(BlockedTargetError, match="loopback"):
            async with http.session().post("https://127.0.0.1:9/", data=b"{}"):
                pass
    finally:
        await http.close()


async def test_check_host_resolves_and_refuses_for_a_clear_error_at_save_time() -> None:
    guard = OutboundGuard()
    with pytest.raises(BlockedTargetError, match="metadata"):
        await guard.check_host("169.254.169.254")
    with pytest.raises(BlockedTargetError, match="loopback"):
        await guard.check_host("localhost")  # the real system resolver


@asynccontextmanager
async def receiver_on_loopback(
    handler: Callable[[web.Request], Awaitable[web.Response]],
) -> AsyncIterator[int]:
    """An aiohttp server answering ``POST /hook`` on 127.0.0.1; yields its port."""
    app = web.Application()
    app.router.add_post("/hook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def test_redirects_are_never_followed() -> None:
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    http = OutboundHttp(OutboundGuard(allow_private=True), OutboundHttpOptions(timeout=5))
    async with receiver_on_loopback(redirect) as port:
        try:
            url = f"http://127.0.0.1:{port}/hook"
            async with http.request("POST", url, data=b"{}") as resp:
                assert resp.status == 302
                assert resp.headers["Location"].startswith("http://169.254.169.254")
        finally:
            await http.close()


async def test_cookies_a_receiver_sets_are_never_sent_back() -> None:
    """One session serves every organisation's deliveries: a cookie kept from one
    receiver's answer would travel with the next delivery to that host, whoever's."""
    seen: list[str | None] = []

    async def hook(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Cookie"))
        response = web.Response(text="ok")
        response.set_cookie("session", "org-a-secret", path="/")
        return response

    # A host name: cookie jars keep no cookies of bare IP addresses anyway.
    dns = FixedDns({"receiver.example.com": ["127.0.0.1"]})
    http = OutboundHttp(
        OutboundGuard(allow_private=True), OutboundHttpOptions(timeout=5), resolver_inner=dns
    )
    async with receiver_on_loopback(hook) as port:
        try:
            for _ in range(3):
                url = f"http://receiver.example.com:{port}/hook"
                async with http.request("POST", url, data=b"{}") as r:
                    assert r.status == 200
                    assert r.cookies["session"].value == "org-a-secret"  # it was offered
        finally:
            await http.close()
    assert seen == [None, None, None]


async def test_one_pooled_session_per_loop_with_the_configured_limits() -> None:
    options = OutboundHttpOptions(timeout=12, limit=50, limit_per_host=4)
    http = OutboundHttp(OutboundGuard(), options)
    try:
        session = http.session()
        assert http.session() is session
        assert session.timeout.total == 12
        assert session.connector is not None
        assert session.connector.limit == 50 and session.connector.limit_per_host == 4
        assert session.trust_env is False
    finally:
        await http.close()
    assert session.closed


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://hooks.example.com@10.0.0.1/", "credentials"),  # reads as the first host
        ("https://user:pw@hooks.example.com/", "credentials"),
        ("https://:pw@hooks.example.com/", "credentials"),
        ("https://a..b/hook", "valid host name"),
        ("https://exa mple.com/hook", "valid host name"),
        ("https://%31%32%37.0.0.1/hook", "valid host name"),
        ("https://" + "a" * 64 + ".example.com/", "valid host name"),
        ("https://[::ffff:7f00:1]/", "loopback"),  # IPv4-mapped, hex form
        ("https://[0:0:0:0:0:ffff:127.0.0.1]/", "loopback"),
        ("https://[::1]/", "loopback"),
        ("https://[fe80::1%25eth0]/", "link-local"),
    ],
)
def test_tricky_urls_are_refused_by_the_url_check(url: str, message: str) -> None:
    with pytest.raises(BlockedTargetError, match=message):
        OutboundGuard().check_url(url)


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0"])
async def test_decimal_octal_hex_and_short_ip_forms_are_refused(host: str) -> None:
    """The system resolver reads these as IPv4 addresses (``inet_aton``): refused as such
    at save time, and by the URL check in front of every connection."""
    guard = OutboundGuard()
    with pytest.raises(BlockedTargetError, match="resolves to"):
        await guard.check_host(host)  # the real system resolver
    with pytest.raises(BlockedTargetError, match="legacy numeric IPv4"):
        guard.check_url(f"https://{host}/")
    with pytest.raises(BlockedTargetError, match="legacy numeric IPv4"):
        OutboundGuard(allow_private=True).check_url(f"http://{host}:9/")
    http = OutboundHttp(guard)
    try:
        with pytest.raises(BlockedTargetError, match="legacy numeric IPv4"):
            async with http.request("POST", f"https://{host}:9/", data=b"{}"):
                pass
    finally:
        await http.close()


async def test_a_name_the_resolver_cannot_encode_is_a_refusal_not_a_crash() -> None:
    with pytest.raises(BlockedTargetError, match="valid host name"):
        await OutboundGuard().check_host("a..b")


def test_ordinary_names_pass_the_url_check() -> None:
    guard = OutboundGuard()
    for url in (
        "https://hooks.example.com/in",
        "https://Hooks.Example.COM./in",
        "https://bücher.example/in",  # IDNA: checked in its xn-- form
        "https://a_b.example.com:8443/in?x=1",
    ):
        guard.check_url(url)
