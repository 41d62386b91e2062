"""What a portal user may read, and nothing else.

Every read runs in a tenant transaction of the user's organisation (row-level security on
PostgreSQL) that is also restricted to the user's supplier or customer
(:func:`~monopilot_integrations.core.db.tenancy.restrict_to_portal_party`: the reference
store's ``portal_party`` policies), and filters by that party explicitly as well, so SQLite
(no policies) and a domain store without such policies hold the same line. A record of
another supplier or customer, or of another organisation, is simply not found: 404, the
same answer as for an id that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.portals.auth import PortalUser
from monopilot_integrations.core.db.tenancy import restrict_to_portal_party
from monopilot_integrations.core.domain.base import Page
from monopilot_integrations.core.domain.orders import (
    PurchaseOrder,
    PurchaseOrderStatus,
    SalesOrder,
    SalesOrderStatus,
)
from monopilot_integrations.core.domain.shipments import Shipment
from monopilot_integrations.core.errors import NotFoundError
from monopilot_integrations.core.kernel import Kernel


@asynccontextmanager
async def party_session(kernel: Kernel, user: PortalUser) -> AsyncIterator[AsyncSession]:
    """A transaction of the user's organisation, limited to the user's party."""
    async with kernel.session(user.org_id) as session:
        if user.portal.kind == "supplier":
            await restrict_to_portal_party(session, supplier_id=user.party_id)
        else:
            await restrict_to_portal_party(session, customer_id=user.party_id)
        yield session


def _not_found(what: str, record_id: object) -> NotFoundError:
    return NotFoundError(f"no {what} {record_id} here")


async def supplier_orders(
    kernel: Kernel,
    user: PortalUser,
    *,
    status: PurchaseOrderStatus | None,
    ordered_from: date | None,
    ordered_until: date | None,
    limit: int,
    offset: int,
) -> Page[PurchaseOrder]:
    async with party_session(kernel, user) as s:
        page: Page[PurchaseOrder] = await kernel.domain.list_purchase_orders(
            user.org_id,
            supplier_id=user.party_id,
            status=status,
            ordered_from=ordered_from,
            ordered_until=ordered_until,
            limit=limit,
            offset=offset,
            session=s,
        )
        return page


async def supplier_order(
    kernel: Kernel, user: PortalUser, order_id: uuid.UUID, session: AsyncSession | None = None
) -> PurchaseOrder:
    if session is None:
        async with party_session(kernel, user) as s:
            return await supplier_order(kernel, user, order_id, s)
    order: PurchaseOrder | None = await kernel.domain.get_purchase_order(
        user.org_id, order_id, session=session
    )
    if order is None or order.supplier_id != user.party_id:
        raise _not_found("purchase order", order_id)
    return order


async def customer_orders(
    kernel: Kernel,
    user: PortalUser,
    *,
    status: SalesOrderStatus | None,
    limit: int,
    offset: int,
) -> Page[SalesOrder]:
    async with party_session(kernel, user) as s:
        page: Page[SalesOrder] = await kernel.domain.list_sales_orders(
            user.org_id,
            customer_id=user.party_id,
            status=status,
            limit=limit,
            offset=offset,
            session=s,
        )
        return page


async def customer_order(
    kernel: Kernel, user: PortalUser, order_id: uuid.UUID
) -> tuple[SalesOrder, list[Shipment]]:
    """A customer's order and the shipments that carry it."""
    async with party_session(kernel, user) as s:
        order: SalesOrder | None = await kernel.domain.get_sales_order(
            user.org_id, order_id, session=s
        )
        if order is None or order.customer_id != user.party_id:
            raise _not_found("order", order_id)
        shipments: Page[Shipment] = await kernel.domain.list_shipments(
            user.org_id, customer_id=user.party_id, sales_order_id=order.id, limit=200, session=s
        )
        return order, list(shipments.items)


async def customer_shipment(
    kernel: Kernel, user: PortalUser, shipment_id: uuid.UUID
) -> tuple[Shipment, date | None]:
    """A customer's shipment and the delivery date its order requested."""
    async with party_session(kernel, user) as s:
        shipment: Shipment | None = await kernel.domain.get_shipment(
            user.org_id, shipment_id, session=s
        )
        if shipment is None or shipment.customer_id != user.party_id:
            raise _not_found("shipment", shipment_id)
        requested = None
        if shipment.sales_order_id is not None:
            order = await kernel.domain.get_sales_order(
                user.org_id, shipment.sales_order_id, session=s
            )
            requested = order.requested_delivery_date if order is not None else None
        return shipment, requested
