"""``POST /test``: which part of the way to Optima works, and precisely which does not.

For the bridge, in order, each only when the previous passed: the configuration is
complete and its URL allowed (``configuration``); the bridge answers at all
(``reachability``: refused, timed out, 5xx); it accepts the key and secret
(``credentials``: 401/403); Optima has the configured company (``company``). For the XML
route: the configured transport builds from its settings and takes a probe file
(``transport``).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from monopilot_integrations.connectors.comarch import config_store
from monopilot_integrations.connectors.comarch.api.models import CheckResult, TestResult
from monopilot_integrations.connectors.comarch.errors import (
    BridgeUnreachable,
    CredentialsRefused,
    UnknownCompany,
)
from monopilot_integrations.connectors.comarch.tables import ComarchConfig
from monopilot_integrations.core.errors import IntegrationError
from monopilot_integrations.core.transport import OutboundMessage

if TYPE_CHECKING:
    from monopilot_integrations.connectors.comarch.connector import ComarchConnector


def _result(checks: list[CheckResult]) -> TestResult:
    failed = next((c.check for c in checks if not c.ok), None)
    return TestResult(ok=failed is None, failed=failed, checks=checks)


async def run_checks(
    connector: ComarchConnector, org_id: uuid.UUID, row: ComarchConfig | None
) -> TestResult:
    if row is None:
        return _result(
            [CheckResult(check="configuration", ok=False, detail="nothing is configured yet")]
        )
    if row.route == "xml":
        return await _transport(connector, org_id, row)
    missing = [n for n in ("api_url", "api_key", "company_code") if not getattr(row, n)]
    if not row.api_secret_encrypted:
        missing.append("api_secret")
    if missing:
        return _result(
            [CheckResult(check="configuration", ok=False, detail=f"missing: {', '.join(missing)}")]
        )
    checks = [
        CheckResult(
            check="configuration",
            ok=True,
            detail=f"bridge {row.api_url}, company {row.company_code}",
        )
    ]
    try:
        secret = config_store.api_secret(connector.context.keyring, org_id, row)
        status = await connector.client(row, secret).status()
    except BridgeUnreachable as exc:
        return _result([*checks, CheckResult(check="reachability", ok=False, detail=str(exc))])
    except CredentialsRefused as exc:
        return _result(
            [
                *checks,
                CheckResult(check="reachability", ok=True, detail="the bridge answers"),
                CheckResult(check="credentials", ok=False, detail=str(exc)),
            ]
        )
    except IntegrationError as exc:  # the guard refused the URL, an odd answer
        return _result([*checks, CheckResult(check="reachability", ok=False, detail=str(exc))])
    checks.append(
        CheckResult(
            check="reachability",
            ok=True,
            detail=f"the bridge answers ({status.get('Wersja', '?')})",
        )
    )
    checks.append(
        CheckResult(check="credentials", ok=True, detail="the API key and secret are accepted")
    )
    companies = status.get("Firmy") or []
    if row.company_code not in companies:
        checks.append(
            CheckResult(
                check="company",
                ok=False,
                detail=f"Optima has no company {row.company_code!r} "
                f"(it has: {', '.join(map(str, companies)) or 'none'})",
            )
        )
    else:
        checks.append(
            CheckResult(check="company", ok=True, detail=f"company {row.company_code} found")
        )
    return _result(checks)


async def _transport(
    connector: ComarchConnector, org_id: uuid.UUID, row: ComarchConfig
) -> TestResult:
    name = row.xml_transport or config_store.DEFAULT_TRANSPORT
    try:
        settings = config_store.transport_config(connector.context.keyring, org_id, row)
        transport = connector.transport(name, settings)
        try:
            receipt = await transport.send(
                OutboundMessage(name=".monopilot-probe", body=b"probe", content_type="text/plain")
            )
        finally:
            await transport.close()
    except (IntegrationError, UnknownCompany) as exc:
        return _result([CheckResult(check="transport", ok=False, detail=f"{name}: {exc}")])
    return _result(
        [CheckResult(check="transport", ok=True, detail=f"{name} wrote {receipt.reference}")]
    )
