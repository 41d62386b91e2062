"""Hook implementations only: what the webhooks connector contributes to the kernel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monopilot_integrations.connectors.webhooks.connector import WebhooksConnector
from monopilot_integrations.connectors.webhooks.events import WEBHOOK_DISABLED
from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.connector import Connector
from monopilot_integrations.core.plugins.registration import (
    EventType,
    LogMask,
    MigrationBranch,
    Route,
    SealedColumn,
)
from monopilot_integrations.core.web.panels import DashboardPanel


@hookimpl
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    register(WebhooksConnector)


@hookimpl
def register_event_types(register: Callable[[EventType], None]) -> None:
    register(WEBHOOK_DISABLED)


@hookimpl
def register_routes(register: Callable[[Route], None]) -> None:
    from monopilot_integrations.connectors.webhooks.api.routes import ROUTES

    for route in ROUTES:
        register(route)


@hookimpl
def register_migrations(register: Callable[[MigrationBranch], None]) -> None:
    register(MigrationBranch("webhooks", Path(__file__).with_name("migrations")))


@hookimpl
def register_log_masks(register: Callable[[LogMask], None]) -> None:
    # Signature headers are masked by the kernel's "signature" key rule already; a webhook
    # secret is masked wherever its text shows up, even under an innocent key. The values
    # of ``custom_headers`` (in the management requests that set them) are credentials
    # whatever their names: the log keeps the names only.
    register(
        LogMask(
            keys=("webhook-signature",),
            value_patterns=(r"whsec_[A-Za-z0-9+/=]{20,}",),
            mapping_keys=("custom_headers",),
        )
    )


@hookimpl
def register_sealed_columns(register: Callable[[SealedColumn], None]) -> None:
    from monopilot_integrations.connectors.webhooks import secret_box
    from monopilot_integrations.connectors.webhooks.tables import Webhook

    table = Webhook.__tablename__
    register(SealedColumn(table, "secret", secret_box.SECRET_PURPOSE))
    register(SealedColumn(table, "previous_secret", secret_box.PREVIOUS_PURPOSE))
    register(SealedColumn(table, "custom_headers_sealed", secret_box.HEADERS_PURPOSE))


@hookimpl
def register_dashboard_panels(register: Callable[[DashboardPanel], None]) -> None:
    from monopilot_integrations.connectors.webhooks.dashboard import PANEL

    register(PANEL)
