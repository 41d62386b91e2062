"""The public REST API over the reference domain, as ``Route`` records.

The server mounts :data:`PUBLIC_ROUTES` and wraps them in API key authentication, rate
limiting, the scope check (each route's ``scope``) and request logging; the handlers read
the caller's organisation with ``request_org`` and the kernel with ``request_kernel``.

Conventions of every route: lists answer ``{"items", "total", "limit", "offset"}``
(``limit`` 1..200, default 50); decimals are JSON strings (see
:mod:`.models.common`); an id that is malformed, unknown or another organisation's is the
same 404; bad input is a 422 problem listing every error; writes that publish an event do
so in the write's own transaction.
"""

from __future__ import annotations

from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api import (
    events,
    finance_invoices,
    invoices,
    parties,
    production,
    products,
    purchase_orders,
    sales_orders,
    shipping,
    warehouse,
)

PUBLIC_ROUTES: list[Route] = [
    *products.ROUTES,
    *purchase_orders.ROUTES,
    *sales_orders.ROUTES,
    *parties.ROUTES,
    *invoices.ROUTES,
    *finance_invoices.ROUTES,
    *warehouse.ROUTES,
    *production.ROUTES,
    *shipping.ROUTES,
    *events.ROUTES,
]

__all__ = ["PUBLIC_ROUTES"]
