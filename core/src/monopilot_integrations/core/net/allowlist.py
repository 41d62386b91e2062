"""The operator's allow-list of private targets (``MONOPILOT_ALLOWED_PRIVATE_TARGETS``).

A deployment sometimes has to reach one machine on its own network: an ERP bridge on
``10.0.0.5:8443``, a VAN gateway behind a VPN. Rather than switching the SSRF guard off for
every address (``allow_private_targets``), the operator names those targets, and only them:

* ``10.0.0.5`` or ``10.0.0.5:8443``: one address, any port or one port;
* ``10.20.0.0/16`` or ``[fd00::/64]:22``: a network;
* ``erp.internal`` or ``erp.internal:8443``: a host name; its private addresses are allowed
  when the connection was asked for by that name.

Entries are set by the operator only, never by a tenant: an organisation's admin can point
a webhook or a mailbox at an allowed target, but cannot add one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class AllowedTarget:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None
    name: str | None
    port: int | None

    def allows(self, address: str, port: int | None, host: str | None) -> bool:
        if self.port is not None and port != self.port:
            return False
        if self.network is not None:
            try:
                return ipaddress.ip_address(address.split("%", 1)[0]) in self.network
            except ValueError:
                return False
        return host is not None and self.name == host.rstrip(".").lower()


def parse_allowed_targets(entries: Iterable[str]) -> tuple[AllowedTarget, ...]:
    """Parse the entries; a malformed one raises ``ValueError`` naming it."""
    return tuple(_parse(entry.strip()) for entry in entries if entry.strip())


def _parse(entry: str) -> AllowedTarget:
    host, port = entry, None
    if entry.startswith("["):  # [v6 or v6 network]:port
        end = entry.find("]")
        if end < 0:
            raise ValueError(f"allowed target {entry!r}: missing ']'")
        host, rest = entry[1:end], entry[end + 1 :]
        if rest:
            port = _port(entry, rest.removeprefix(":"))
    elif entry.count(":") == 1:
        host, text = entry.split(":")
        port = _port(entry, text)
    try:
        return AllowedTarget(ipaddress.ip_network(host, strict=False), None, port)
    except ValueError:
        pass
    name = host.rstrip(".").lower()
    if not name or any(c in name for c in "/ @") or ":" in name:
        raise ValueError(f"allowed target {entry!r} is neither an address, a network nor a name")
    return AllowedTarget(None, name, port)


def _port(entry: str, text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"allowed target {entry!r}: bad port {text!r}")
    return int(text)
