"""One pooled, guarded ``aiohttp.ClientSession`` per event loop.

A ``ClientSession`` and its connection pool belong to the loop they were created on (the
server loop and a Dramatiq worker loop in one process each need their own), and creating
one per request throws away keep-alive connections and TLS sessions. :class:`OutboundHttp`
hands out one session per running loop, made on first use on that loop, with

* the SSRF guard (:mod:`.guard`) as resolver and socket factory;
* a total connection limit and a per-host limit, so one partner cannot take every
  connection;
* a timeout for the whole request (default 30 s, the architecture document's figure);
* ``trust_env=False``: a proxy from the environment would connect on our behalf to an
  address the guard never saw;
* no cookie jar: a cookie one receiver sets is never sent anywhere again. The session is
  shared by every organisation's deliveries, so a jar would hand organisation A's
  receiver cookie to organisation B's deliveries to the same host (and a jar costs a
  lookup on every request);
* no redirects: :meth:`OutboundHttp.request` always passes ``allow_redirects=False``.

A connector keeps one ``OutboundHttp`` (per kernel runtime) and calls :meth:`~OutboundHttp.close`
when it is done with it; sessions of loops that are gone are dropped without I/O.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from typing import Any

import aiohttp
import yarl

from monopilot_integrations.core.net.guard import GuardedResolver, OutboundGuard

DEFAULT_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class OutboundHttpOptions:
    """How the pooled sessions are built."""

    #: Seconds for a whole request: connecting, sending, and reading the response.
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    #: Open connections per session across all hosts.
    limit: int = 100
    #: Open connections per (host, port, TLS) to one partner.
    limit_per_host: int = 10
    #: Seconds a DNS answer (already checked by the guard) is reused.
    dns_cache_seconds: int = 10
    user_agent: str = "MonoPilot-Integrations"


class OutboundHttp:
    """Guarded, pooled HTTP client sessions, one per event loop."""

    def __init__(
        self,
        guard: OutboundGuard,
        options: OutboundHttpOptions | None = None,
        *,
        resolver_inner: Any = None,
    ) -> None:
        self.guard = guard
        self.options = options or OutboundHttpOptions()
        #: An inner resolver for the guard (tests use one that answers fixed addresses).
        self._resolver_inner = resolver_inner
        self._checked: dict[str, tuple[bool, yarl.URL]] = {}
        self._sessions: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, aiohttp.ClientSession
        ] = weakref.WeakKeyDictionary()

    def session(self) -> aiohttp.ClientSession:
        """The running loop's session, made on first use."""
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = self._new_session()
            self._sessions[loop] = session
        return session

    def _new_session(self) -> aiohttp.ClientSession:
        options = self.options
        connector = aiohttp.TCPConnector(
            limit=options.limit,
            limit_per_host=options.limit_per_host,
            ttl_dns_cache=options.dns_cache_seconds,
            resolver=GuardedResolver(self.guard, self._resolver_inner),
            socket_factory=self.guard.socket_factory,
        )
        return aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=options.timeout),
            trust_env=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": options.user_agent},
            auto_decompress=True,
        )

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        """``session.request`` after the URL check, never following redirects.

        Use as ``async with http.request("POST", url, data=...) as response:``. A refused
        target raises :class:`~.guard.BlockedTargetError` (from the URL check, the resolver
        or the socket factory).
        """
        checked = self._checked.get(url)
        if checked is not None and checked[0] is self.guard.allow_private:
            parsed = checked[1]
        else:
            # Parsed and checked once per URL (a webhook posts to the same one again and
            # again); the parsed URL also spares aiohttp a second parse.
            parsed = self.guard.check_url(url)
            if len(self._checked) >= 1024:
                self._checked.clear()
            self._checked[url] = (self.guard.allow_private, parsed)
        kwargs["allow_redirects"] = False
        return self.session().request(method, parsed, **kwargs)

    async def close(self) -> None:
        """Close the running loop's session (call on the loop that used it)."""
        loop = asyncio.get_running_loop()
        session = self._sessions.pop(loop, None)
        if session is not None and not session.closed:
            await session.close()
