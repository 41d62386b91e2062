"""The Comarch Optima connector: ``invoice.created`` -> a document in Optima.

``plan`` turns an invoice into one push job when the organisation's configuration is
enabled with ``auto_sync``; otherwise the invoice is skipped and the reason logged. A
push (:mod:`.pushing`) goes through the bridge (``rest``) or as an import file (``xml``),
from the same mapping and the same checks. At most ``max_concurrency`` pushes run at once
per worker loop (``MONOPILOT_CONNECTOR_CONCURRENCY`` overrides it), so a slow Optima never
takes the slots of webhooks or EDI.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from monopilot_integrations.connectors.comarch import config_store
from monopilot_integrations.connectors.comarch.bridge_client import (
    BridgeClient,
    bridge_target,
    guarded,
)
from monopilot_integrations.connectors.comarch.pushing import push
from monopilot_integrations.connectors.comarch.settings import comarch_settings
from monopilot_integrations.connectors.comarch.tables import ComarchConfig
from monopilot_integrations.core.connector import Connector, ConnectorContext, JobSpec
from monopilot_integrations.core.errors import ConfigError
from monopilot_integrations.core.events import Event
from monopilot_integrations.core.jobs.model import Job
from monopilot_integrations.core.jobs.retry import RetryPolicy
from monopilot_integrations.core.net import OutboundGuard, OutboundHttp, OutboundHttpOptions

log = logging.getLogger(__name__)


class ComarchConnector(Connector):
    name = "comarch"
    title = "Comarch ERP Optima"
    consumes = ("invoice.created",)
    retry_policy = RetryPolicy.EXPONENTIAL
    max_retries = 5
    max_concurrency = 4
    external_system = "comarch-optima"

    def __init__(self, context: ConnectorContext) -> None:
        super().__init__(context)
        self._http: dict[tuple[str, int, float], OutboundHttp] = {}

    async def plan(self, event: Event) -> Sequence[JobSpec]:
        async with self.context.database.session(event.org_id) as session:
            config = await config_store.load(session, event.org_id)
        number = event.data.get("number")
        if config is None or not config.enabled:
            log.info(
                "comarch: invoice %s not pushed: the connector is disabled for %s",
                number,
                event.org_id,
            )
            return []
        if not config.auto_sync:
            log.info(
                "comarch: invoice %s not pushed: auto_sync is off for %s", number, event.org_id
            )
            return []
        return [JobSpec(payload={"invoice_id": event.data["invoice_id"]}, subject_id=str(number))]

    async def handle(self, job: Job) -> None:
        await push(self, job)

    def guard(self) -> OutboundGuard:
        return OutboundGuard.from_settings(self.context.settings)

    def client(self, config: ComarchConfig, secret: str) -> BridgeClient:
        """A client for the configured bridge; its pool is kept per bridge and timeout."""
        if not config.api_url or not config.api_key:
            raise ConfigError("the bridge URL and API key are not configured")
        settings = comarch_settings()
        host, port = bridge_target(config.api_url)
        key = (host, port, settings.timeout)
        http = self._http.get(key)
        if http is None:
            http = OutboundHttp(
                guarded(self.guard(), config.api_url),
                OutboundHttpOptions(
                    timeout=settings.timeout, limit_per_host=settings.connections_per_bridge
                ),
            )
            self._http[key] = http
        else:
            http.guard.check_url(config.api_url)  # every connection is checked again
        return BridgeClient(http, config.api_url, config.api_key, secret, config.company_code)

    async def close(self) -> None:
        for http in self._http.values():
            await http.close()
        self._http.clear()
