"""The guard's API for transports that are not HTTP, and the operator's allow-list."""

from __future__ import annotations

import pytest

from monopilot_integrations.core.net import BlockedTargetError, OutboundGuard
from monopilot_integrations.core.net.allowlist import parse_allowed_targets
from monopilot_integrations.core.settings import Settings


@pytest.mark.parametrize(
    ("entries", "address", "port", "host", "allowed"),
    [
        (["10.0.0.5"], "10.0.0.5", 22, None, True),
        (["10.0.0.5:8443"], "10.0.0.5", 8443, None, True),
        (["10.0.0.5:8443"], "10.0.0.5", 22, None, False),
        (["10.20.0.0/16"], "10.20.3.4", 443, None, True),
        (["10.20.0.0/16"], "10.21.0.1", 443, None, False),
        (["[fd00::/64]:22"], "fd00::7", 22, None, True),
        (["erp.internal:443"], "10.9.9.9", 443, "ERP.internal.", True),
        (["erp.internal:443"], "10.9.9.9", 443, "other.internal", False),
        ([], "169.254.169.254", 80, None, False),
    ],
)
def test_the_allow_list_lets_only_its_targets_through(
    entries: list[str], address: str, port: int, host: str | None, allowed: bool
) -> None:
    guard = OutboundGuard(allowed=entries)
    if allowed:
        guard.check_address(address, host=host, port=port)
    else:
        with pytest.raises(BlockedTargetError):
            guard.check_address(address, host=host, port=port)


@pytest.mark.parametrize("entry", ["10.0.0.5:99999", "[fd00::1", "a b", "10.0.0.5:x"])
def test_a_malformed_allow_list_entry_fails_at_start(entry: str) -> None:
    with pytest.raises(ValueError, match="allowed target"):
        parse_allowed_targets([entry])
    with pytest.raises(ValueError, match="allowed target"):
        Settings(allowed_private_targets=entry)  # type: ignore[arg-type]


async def test_resolve_target_returns_the_checked_address() -> None:
    target = await OutboundGuard(allow_private=True).resolve_target("localhost", 22)
    assert target.address in ("127.0.0.1", "::1") and target.port == 22
    with pytest.raises(BlockedTargetError, match="not a public address"):
        await OutboundGuard().resolve_target("localhost", 22)
    with pytest.raises(BlockedTargetError, match="nor a valid host name"):
        OutboundGuard().check_target("bad host", 22)
