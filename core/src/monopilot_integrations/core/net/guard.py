"""The SSRF guard: a tenant-supplied URL reaches only public addresses.

A URL names a host, not an address, and the host's DNS answer can change between a check
and the connection (DNS rebinding). So the guard works at three points:

1. :meth:`OutboundGuard.check_url` refuses what is wrong in the URL itself: a scheme other
   than ``https`` (``http`` too when private targets are allowed), a missing host, a host
   that is neither an IP literal nor a DNS name, credentials (``user:pw@``), an IP
   literal that is not public. Use it when a URL is saved, for a clear error then.
2. :class:`GuardedResolver` resolves names for aiohttp and refuses the whole answer when
   any address in it is not public (a name that answers with one public and one private
   address is someone's rebinding setup, not a partner).
3. :meth:`OutboundGuard.socket_factory` is aiohttp's socket factory: it sees the exact
   address about to be connected to (resolved or literal) and refuses it if it is not
   public. This is the check that cannot be raced: it is the connection itself.

Redirects are never followed (:class:`~.client.OutboundHttp` passes
``allow_redirects=False``): a public URL redirecting to ``http://169.254.169.254/`` would
otherwise walk straight past checks 1 and 2.

``allow_private`` (``MONOPILOT_ALLOW_PRIVATE_TARGETS``) switches checks 2 and 3 off and
allows ``http``, for development and tests against loopback receivers. The operator's
allow-list (``MONOPILOT_ALLOWED_PRIVATE_TARGETS``, :mod:`.allowlist`) lets named private
targets through and nothing else.

A connector whose partner lives on the customer's own network (an ERP bridge) asks for a
guard that grants exactly one configured target: :meth:`OutboundGuard.granting` lets
*private* addresses (RFC 1918, IPv6 unique-local) through for that host and port only,
with ``http`` allowed for it. Loopback, link-local, cloud metadata and every other host or
port stay refused, so a tenant that points the target at ``169.254.169.254`` or at another
machine's port gains nothing. The grant remembers the addresses its host resolved to, so
the socket factory (which sees only an address) lets exactly those through.

Transports that are not HTTP (SFTP, a socket to an ERP bridge) use the same two steps:
:meth:`OutboundGuard.check_target` when the target is saved, and
:meth:`OutboundGuard.resolve_target` right before connecting, which resolves the name,
checks every address and returns the checked address: the caller connects to that
address, never to the name again (a second lookup could answer differently).
:data:`UNREACHABLE` is the one message a caller shows for any failure to connect, so that
a refused target, a closed port and an open one that is not the expected service cannot
be told apart (the details go to the operator's log).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yarl
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from monopilot_integrations.core.errors import FatalError
from monopilot_integrations.core.net.addresses import blocked_reason
from monopilot_integrations.core.net.allowlist import AllowedTarget, parse_allowed_targets

if TYPE_CHECKING:
    from monopilot_integrations.core.settings import Settings

#: What a caller is told when a connection could not be made, whatever the reason.
UNREACHABLE = "cannot connect to {target}"


class BlockedTargetError(FatalError):
    """The target is not allowed: a bad scheme, or a host that is (or resolves to) a
    private, loopback, link-local, metadata or otherwise non-public address.

    Fatal: retrying the same URL cannot help, and the attempt is an SSRF attempt or a
    misconfiguration an admin has to look at.
    """


#: What a grant may open: private networks, never loopback, link-local or metadata.
_GRANTABLE = frozenset({"private"})


@dataclass
class _Grant:
    host: str
    port: int
    #: Addresses the granted host was seen to resolve to (for the socket factory).
    addresses: set[str]

    def covers(self, address: str, host: str | None, port: int | None) -> bool:
        if port != self.port:
            return False
        if host is not None and host.rstrip(".").lower() == self.host:
            if len(self.addresses) < 64:
                self.addresses.add(address)
            return True
        return host is None and address in self.addresses


@dataclass(frozen=True)
class CheckedTarget:
    """A target that passed the guard: connect to ``address`` (not to ``host`` again)."""

    host: str
    port: int
    address: str
    family: socket.AddressFamily


class OutboundGuard:
    """The rules for one process: ``allow_private`` and the allow-list come from the
    settings (:meth:`from_settings`)."""

    def __init__(self, *, allow_private: bool = False, allowed: Sequence[str] = ()) -> None:
        self.allow_private = allow_private
        self.allowed: tuple[AllowedTarget, ...] = parse_allowed_targets(allowed)
        self._grant: _Grant | None = None

    def granting(self, host: str, port: int) -> OutboundGuard:
        """A guard with these rules that also lets private addresses through for exactly
        ``host:port`` (and ``http`` to it): a tenant's own ERP bridge on its network."""
        guard = OutboundGuard(allow_private=self.allow_private)
        guard.allowed = self.allowed
        literal = _ip_literal(host)
        guard._grant = _Grant(
            (literal or host).rstrip(".").lower(), port, {literal} if literal else set()
        )
        return guard

    def _grants_url(self, url: yarl.URL) -> bool:
        grant = self._grant
        if grant is None or url.raw_host is None:
            return False
        host = _ip_literal(url.raw_host) or url.raw_host.rstrip(".").lower()
        return host == grant.host and url.port == grant.port

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundGuard:
        """The guard every connector of this process uses: one rule set for all transports."""
        return cls(
            allow_private=settings.allow_private_targets,
            allowed=settings.allowed_private_targets,
        )

    @property
    def schemes(self) -> tuple[str, ...]:
        return ("https", "http") if self.allow_private else ("https",)

    def check_url(self, url: str | yarl.URL) -> yarl.URL:
        """Parse ``url`` and refuse a wrong scheme, a missing host or a non-public IP
        literal. Names are not resolved here (see :meth:`check_host`)."""
        try:
            parsed = url if isinstance(url, yarl.URL) else yarl.URL(url)
        except (ValueError, TypeError) as exc:
            raise BlockedTargetError(f"not a valid URL: {exc}") from exc
        if parsed.scheme not in self.schemes and not (
            parsed.scheme == "http" and self._grants_url(parsed)
        ):
            allowed = " or ".join(f"{s}://" for s in self.schemes)
            raise BlockedTargetError(
                f"the URL must start with {allowed} (got {parsed.scheme or 'no'} scheme)"
            )
        host = parsed.raw_host
        if not host:
            raise BlockedTargetError("the URL has no host")
        if parsed.raw_user is not None or parsed.raw_password is not None:
            # ``https://trusted.example@10.0.0.1/`` reads as the first host to a person
            # but goes to the second; and the credentials would end up in every log row.
            raise BlockedTargetError(
                "credentials in the URL are not accepted (user:password@); "
                "send them in a header instead"
            )
        literal = _ip_literal(host)
        if literal is not None:
            self.check_address(literal, host=host, port=parsed.port)
        elif _is_legacy_ipv4(host):
            raise BlockedTargetError(
                f"{host!r} is a legacy numeric IPv4 form (decimal, octal, hex or shortened) "
                "that resolvers read differently; write the address as a.b.c.d"
            )
        elif not _is_dns_name(host):
            raise BlockedTargetError(f"{host!r} is neither an IP address nor a valid host name")
        return parsed

    def check_address(
        self, address: str, *, host: str | None = None, port: int | None = None
    ) -> None:
        """Refuse ``address`` unless it is public, private targets are allowed, or the
        allow-list names it (or ``host``, the name it was reached by)."""
        if self.allow_private:
            return
        reason = blocked_reason(address)
        if reason is not None and any(t.allows(address, port, host) for t in self.allowed):
            return
        grant = self._grant
        if reason in _GRANTABLE and grant is not None and grant.covers(address, host, port):
            return
        if reason is not None:
            named = f"{host} resolves to {address}" if host and host != address else address
            raise BlockedTargetError(
                f"refused target: {named}, which is not a public address ({reason})"
            )

    async def check_host(self, host: str, port: int = 443) -> list[str]:
        """Resolve ``host`` now and refuse it unless every address is allowed; returns the
        addresses. For a clear error when a URL is saved; the connection checks again."""
        if _ip_literal(host) is None and not _is_dns_name(host):
            raise BlockedTargetError(f"{host!r} is neither an IP address nor a valid host name")
        resolver = GuardedResolver(self)
        try:
            results = await resolver.resolve(host, port, family=socket.AF_UNSPEC)
        except UnicodeError as exc:  # the system resolver's IDNA codec refused the name
            raise BlockedTargetError(f"{host!r} is not a valid host name: {exc}") from None
        finally:
            await resolver.close()
        return [r["host"] for r in results]

    def check_target(self, host: str, port: int) -> None:
        """Save-time check of a ``host:port`` target without DNS: a valid name, or an IP
        literal the rules allow. :meth:`resolve_target` checks again when connecting."""
        literal = _ip_literal(host)
        if literal is not None:
            self.check_address(literal, host=host, port=port)
        elif _is_legacy_ipv4(host):
            raise BlockedTargetError(
                f"{host!r} is a legacy numeric IPv4 form; write the address as a.b.c.d"
            )
        elif not _is_dns_name(host):
            raise BlockedTargetError(f"{host!r} is neither an IP address nor a valid host name")

    async def resolve_target(self, host: str, port: int) -> CheckedTarget:
        """Resolve ``host`` and check every address it answers with (any refused: the
        whole target is refused); returns the first, to connect to directly."""
        self.check_target(host, port)
        resolver = GuardedResolver(self)
        try:
            results = await resolver.resolve(host, port, family=socket.AF_UNSPEC)
        except UnicodeError as exc:
            raise BlockedTargetError(f"{host!r} is not a valid host name: {exc}") from None
        finally:
            await resolver.close()
        if not results:
            raise OSError(f"{host!r} has no address")
        first = results[0]
        return CheckedTarget(host, port, first["host"], socket.AddressFamily(first["family"]))

    def socket_factory(self, addr_info: tuple[Any, ...]) -> socket.socket:
        """aiohttp's ``socket_factory``: check the address about to be connected to."""
        family, type_, proto, _canonname, sockaddr = addr_info
        self.check_address(str(sockaddr[0]), port=int(sockaddr[1]))
        sock = socket.socket(family=family, type=type_, proto=proto)
        sock.setblocking(False)
        return sock


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that refuses an answer containing any non-public address."""

    def __init__(self, guard: OutboundGuard, inner: AbstractResolver | None = None) -> None:
        self.guard = guard
        self._inner = inner

    @property
    def inner(self) -> AbstractResolver:
        if self._inner is None:  # made on the running loop, as aiohttp's resolvers expect
            self._inner = DefaultResolver()
        return self._inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        literal = _ip_literal(host)
        if literal is not None:
            self.guard.check_address(literal, host=host, port=port or None)
            return [
                ResolveResult(
                    hostname=host,
                    host=literal,
                    port=port,
                    family=socket.AF_INET6 if ":" in literal else socket.AF_INET,
                    proto=0,
                    flags=socket.AI_NUMERICHOST,
                )
            ]
        results = await self.inner.resolve(host, port, family)
        for result in results:
            self.guard.check_address(result["host"], host=host, port=port or None)
        return results

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


#: One DNS label as it appears in a URL after IDNA encoding (underscores occur in real
#: names, so they are let through; the resolver has the last word anyway).
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


def _is_dns_name(host: str) -> bool:
    """True when ``host`` is a syntactically valid DNS name (a trailing dot allowed).

    Refusing anything else at save time keeps names that no resolver accepts (spaces,
    percent escapes, empty or 64+ character labels) from being stored as a URL that can
    never be delivered to, and keeps the resolver's codec errors out of the API.
    """
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > 253:
        return False
    return all(_LABEL.match(label) for label in name.split("."))


def _is_legacy_ipv4(host: str) -> bool:
    """True for ``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``: text that is not a
    dotted-quad literal but that ``inet_aton`` (and so the system resolver) turns into an
    address. Such a URL hides its target from a reader; aiohttp refuses to connect to it
    anyway, so it could only ever fail."""
    name = host[:-1] if host.endswith(".") else host
    try:
        socket.inet_aton(name)
    except OSError:
        return False
    return True


def _ip_literal(host: str) -> str | None:
    """``host`` as a canonical IP address text when it is an IP literal, else ``None``."""
    candidate = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(candidate.split("%", 1)[0]))
    except ValueError:
        return None
