"""Which IP addresses a tenant-supplied URL may reach: public unicast ones only.

``ipaddress``'s ``is_global`` is the base rule, but on its own it lets through addresses
that reach private networks or are not unicast:

* IPv4 **multicast** (``224.0.1.1``) and global-scope IPv6 multicast (``ff0e::1``) count as
  global there;
* IPv6 addresses that **embed an IPv4 address** reach that IPv4 address through a
  translator or tunnel: IPv4-mapped (``::ffff:10.0.0.1``), IPv4-compatible
  (``::10.0.0.1``), NAT64 (``64:ff9b::/96`` and the local-use ``64:ff9b:1::/48``), 6to4
  (``2002::/16``) and Teredo (``2001::/32``). They are judged by the embedded address;
* a few special-purpose IPv4 blocks are marked global by the standard library
  (``192.0.0.9/32``, ``192.0.0.10/32``) but are never a partner's web server.

Cloud metadata endpoints (``169.254.169.254``, ``fd00:ec2::254``, ``100.100.100.200``) fall
under link-local, unique-local and shared (CGNAT) space respectively, so they are refused
by the general rules; they are named in :data:`METADATA_ADDRESSES` for clear messages.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Cloud metadata services (AWS, GCP, Azure, OpenStack; AWS over IPv6; Alibaba Cloud).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)

_NAT64 = (
    ipaddress.ip_network("64:ff9b::/96"),
    ipaddress.ip_network("64:ff9b:1::/48"),
)
_EXTRA_BLOCKED_V4 = (
    ipaddress.ip_network("192.0.0.0/24"),  # IETF protocol assignments
    ipaddress.ip_network("198.18.0.0/15"),  # benchmarking
)


def blocked_reason(address: str | IPAddress) -> str | None:
    """Why ``address`` may not be reached, or ``None`` when it is a public unicast address.

    Accepts text or an ``ipaddress`` object; text that is not an IP address is refused
    (``"not an IP address"``) rather than guessed at.
    """
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "an IPv6 address with a zone (link-local)"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            reason = blocked_reason(embedded)
            return f"embeds {embedded}, which is {reason}" if reason else None
    return _reason_v4_or_v6(ip)


def is_public_address(address: str | IPAddress) -> bool:
    """True when ``address`` is a public unicast address (see :func:`blocked_reason`)."""
    return blocked_reason(address) is None


def _reason_v4_or_v6(ip: IPAddress) -> str | None:
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if isinstance(ip, ipaddress.IPv4Address):
        if ip in ipaddress.ip_network("100.64.0.0/10"):
            return "shared address space (CGNAT)"
        if any(ip in net for net in _EXTRA_BLOCKED_V4):
            return "reserved for special purposes"
    elif ip.is_site_local:
        return "site-local"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "not globally routable"
    return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address forwards to, for the translation schemes above."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # (server, client): the client is where packets go
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    packed = ip.packed
    if packed[:12] == bytes(12) and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(packed[12:])
    return None
