"""Every Comarch route, as ``Route`` records for ``register_routes``."""

from __future__ import annotations

from typing import Any

from monopilot_integrations.connectors.comarch.api import handlers
from monopilot_integrations.connectors.comarch.api.models import (
    AccountList,
    AccountQuery,
    InvoiceSync,
    PushAnswer,
    PushRequest,
    SyncAnswer,
    TestResult,
)
from monopilot_integrations.connectors.comarch.config_store import ConfigIn, ConfigOut
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.problems import ProblemDetail

BASE = "/api/integrations/comarch"
SCOPE = "comarch:manage|integrations:admin"
TAGS = ("comarch",)


def _route(method: str, path: str, handler: Any, name: str, summary: str, **options: Any) -> Route:
    return Route(
        method,
        BASE + path,
        handler,
        name=f"comarch-{name}",
        scope=SCOPE,
        summary=summary,
        tags=TAGS,
        **options,
    )


ROUTES: tuple[Route, ...] = (
    _route(
        "GET",
        "/config",
        handlers.get_config,
        "config-get",
        "The Comarch Optima configuration (the secret is never returned)",
        response_model=ConfigOut,
    ),
    _route(
        "PUT",
        "/config",
        handlers.put_config,
        "config-put",
        "Replace the configuration (the secret is write-only; omit it to keep the stored one)",
        request_model=ConfigIn,
        response_model=ConfigOut,
        responses={422: ProblemDetail},
    ),
    _route(
        "POST",
        "/test",
        handlers.test_connection,
        "test",
        "Check the configuration, the bridge's reachability, the credentials and the company",
        response_model=TestResult,
    ),
    _route(
        "POST",
        "/sync-accounts",
        handlers.sync_accounts,
        "sync-accounts",
        "Copy the chart of accounts from the bridge, or from Optima's exported file "
        "sent as the body",
        response_model=SyncAnswer,
        responses={409: ProblemDetail, 413: ProblemDetail, 422: ProblemDetail, 502: ProblemDetail},
    ),
    _route(
        "GET",
        "/accounts",
        handlers.list_accounts,
        "accounts",
        "The local copy of the chart of accounts",
        query_model=AccountQuery,
        response_model=AccountList,
    ),
    _route(
        "POST",
        "/push-invoice",
        handlers.push_invoices,
        "push-invoice",
        "Push one invoice or a list (queued; retried by the job engine)",
        request_model=PushRequest,
        response_model=PushAnswer,
        status_code=202,
        responses={404: ProblemDetail, 409: ProblemDetail},
    ),
    _route(
        "GET",
        "/invoices/{id}",
        handlers.invoice_sync,
        "invoice-sync",
        "An invoice's sync status with Optima and its document",
        response_model=InvoiceSync,
        responses={404: ProblemDetail},
    ),
)
