"""The port through which integrations read and write MonoPilot's own records.

Connectors never touch MonoPilot's tables: they call a :class:`DomainStore`. The kernel
ships a SQL implementation over its reference tables (:mod:`.sql_store`); MonoPilot,
importing this module as a library, supplies its own through the ``provide_domain_store``
hook, backed by its real tables or its services.

Conventions every implementation follows:

* Every method takes ``org_id`` first (the two exceptions, :meth:`find_organization_by_code`
  and :meth:`list_organizations`, are how an organisation is found in the first place) and
  only ever sees that organisation's records.
* ``session`` lets a caller make the domain write and an outbox event one transaction: pass
  the session opened with ``Database.session(org_id)`` and the store uses it instead of
  opening its own. An implementation that does not live in this database may ignore it.
* ``get_*`` and ``find_*`` return ``None`` when nothing matches. Changes to a missing id
  raise :class:`~monopilot_integrations.core.errors.NotFoundError`, the same whether the id
  does not exist or belongs to another organisation. Invalid input raises
  :class:`~monopilot_integrations.core.errors.ValidationError` listing every problem.
* Lists return a :class:`~.records.Page` (``limit`` 1..1000, ``offset`` from 0).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.domain.base import Page
from monopilot_integrations.core.domain.bulk import BulkReads
from monopilot_integrations.core.domain.inventory import (
    InventoryLevel,
    InventoryMoveResult,
    NewInventoryMove,
)
from monopilot_integrations.core.domain.invoices import Invoice, InvoiceSyncStatus, NewInvoice
from monopilot_integrations.core.domain.orders import (
    NewPurchaseOrder,
    NewSalesOrder,
    PurchaseOrder,
    PurchaseOrderStatus,
    PurchaseOrderUpdate,
    SalesOrder,
    SalesOrderSource,
    SalesOrderStatus,
)
from monopilot_integrations.core.domain.parties import Customer, Organization, Supplier
from monopilot_integrations.core.domain.production import (
    WorkOrder,
    WorkOrderStatus,
    WorkOrderUpdate,
)
from monopilot_integrations.core.domain.products import NewProduct, Product, ProductUpdate
from monopilot_integrations.core.domain.shipments import (
    NewShipment,
    NewShipmentReceipt,
    Shipment,
    ShipmentReceipt,
    ShipmentStatus,
)

#: Default page size of every ``list_*`` method.
DEFAULT_LIMIT = 50
#: Largest page a ``list_*`` method returns.
MAX_LIMIT = 1000


@runtime_checkable
class DomainStore(BulkReads, Protocol):
    """MonoPilot's records, one organisation at a time (bulk reads: :mod:`.bulk`)."""

    # --- organisations -------------------------------------------------------------------

    async def get_organization(
        self, org_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Organization | None:
        """The organisation itself (name, GLN, tax id, currency)."""
        ...

    async def find_organization_by_code(
        self, code: str, *, session: AsyncSession | None = None
    ) -> Organization | None:
        """Resolve an organisation by its code (CLI, seed); looks across organisations."""
        ...

    async def list_organizations(
        self, *, limit: int = DEFAULT_LIMIT, offset: int = 0
    ) -> Page[Organization]:
        """Every organisation, by code (the operator's ``orgs list``); across organisations."""
        ...

    # --- suppliers -----------------------------------------------------------------------

    async def get_supplier(
        self, org_id: uuid.UUID, supplier_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Supplier | None:
        """One supplier by id."""
        ...

    async def find_supplier_by_code(
        self, org_id: uuid.UUID, code: str, *, session: AsyncSession | None = None
    ) -> Supplier | None:
        """One supplier by its code in MonoPilot."""
        ...

    async def find_supplier_by_gln(
        self, org_id: uuid.UUID, gln: str, *, session: AsyncSession | None = None
    ) -> Supplier | None:
        """One supplier by GLN (EDI NAD+SU)."""
        ...

    async def list_suppliers(
        self,
        org_id: uuid.UUID,
        *,
        search: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[Supplier]:
        """Suppliers by code; ``search`` matches code, name or GLN."""
        ...

    # --- customers -----------------------------------------------------------------------

    async def get_customer(
        self, org_id: uuid.UUID, customer_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Customer | None:
        """One customer by id."""
        ...

    async def find_customer_by_code(
        self, org_id: uuid.UUID, code: str, *, session: AsyncSession | None = None
    ) -> Customer | None:
        """One customer by its code in MonoPilot."""
        ...

    async def find_customer_by_gln(
        self, org_id: uuid.UUID, gln: str, *, session: AsyncSession | None = None
    ) -> Customer | None:
        """One customer by GLN (EDI NAD+BY)."""
        ...

    async def find_customer_by_tax_id(
        self, org_id: uuid.UUID, tax_id: str, *, session: AsyncSession | None = None
    ) -> Customer | None:
        """One customer by tax id (NIP), ignoring spaces, dashes and a country prefix."""
        ...

    async def list_customers(
        self,
        org_id: uuid.UUID,
        *,
        search: str | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[Customer]:
        """Customers by code; ``search`` matches code, name or GLN."""
        ...

    # --- products ------------------------------------------------------------------------

    async def get_product(
        self, org_id: uuid.UUID, product_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Product | None:
        """One product by id, active or not."""
        ...

    async def find_product_by_code(
        self, org_id: uuid.UUID, code: str, *, session: AsyncSession | None = None
    ) -> Product | None:
        """One product by its code."""
        ...

    async def find_product_by_gtin(
        self, org_id: uuid.UUID, gtin: str, *, session: AsyncSession | None = None
    ) -> Product | None:
        """One product by GTIN; GTIN-8/12/13/14 forms of one number match each other."""
        ...

    async def list_products(
        self,
        org_id: uuid.UUID,
        *,
        search: str | None = None,
        active: bool | None = None,
        updated_since: datetime | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[Product]:
        """Products by code; ``search`` matches code, name or GTIN."""
        ...

    async def create_product(
        self, org_id: uuid.UUID, data: NewProduct, *, session: AsyncSession | None = None
    ) -> Product:
        """Create a product; a code already in use is a ValidationError."""
        ...

    async def update_product(
        self,
        org_id: uuid.UUID,
        product_id: uuid.UUID,
        changes: ProductUpdate,
        *,
        session: AsyncSession | None = None,
    ) -> Product:
        """Change the fields set in ``changes``."""
        ...

    async def delete_product(
        self, org_id: uuid.UUID, product_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Product:
        """Deactivate a product (orders and stock keep referring to it)."""
        ...

    # --- purchase orders -----------------------------------------------------------------

    async def list_purchase_orders(
        self,
        org_id: uuid.UUID,
        *,
        supplier_id: uuid.UUID | None = None,
        status: PurchaseOrderStatus | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
        ordered_from: date | None = None,
        ordered_until: date | None = None,
    ) -> Page[PurchaseOrder]:
        """Purchase orders with lines, newest order date first; ``ordered_from`` and
        ``ordered_until`` bound the order date (both inclusive)."""
        ...

    async def get_purchase_order(
        self,
        org_id: uuid.UUID,
        purchase_order_id: uuid.UUID,
        *,
        session: AsyncSession | None = None,
    ) -> PurchaseOrder | None:
        """One purchase order with its lines."""
        ...

    async def create_purchase_order(
        self, org_id: uuid.UUID, data: NewPurchaseOrder, *, session: AsyncSession | None = None
    ) -> PurchaseOrder:
        """Create a purchase order with its lines."""
        ...

    async def update_purchase_order(
        self,
        org_id: uuid.UUID,
        purchase_order_id: uuid.UUID,
        changes: PurchaseOrderUpdate,
        *,
        session: AsyncSession | None = None,
    ) -> PurchaseOrder:
        """Change status, dates or notes."""
        ...

    async def confirm_purchase_order_delivery(
        self,
        org_id: uuid.UUID,
        purchase_order_id: uuid.UUID,
        confirmed_delivery_date: date,
        *,
        line_qty: Mapping[uuid.UUID, Decimal] | None = None,
        session: AsyncSession | None = None,
    ) -> PurchaseOrder:
        """The supplier's confirmation: delivery date and, optionally, quantity per line id."""
        ...

    # --- sales orders --------------------------------------------------------------------

    async def create_sales_order(
        self, org_id: uuid.UUID, data: NewSalesOrder, *, session: AsyncSession | None = None
    ) -> SalesOrder:
        """Create a confirmed or a pending_review sales order with its lines."""
        ...

    async def get_sales_order(
        self, org_id: uuid.UUID, sales_order_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> SalesOrder | None:
        """One sales order with its lines."""
        ...

    async def find_sales_order_by_external_reference(
        self,
        org_id: uuid.UUID,
        customer_id: uuid.UUID,
        reference: str,
        *,
        session: AsyncSession | None = None,
    ) -> SalesOrder | None:
        """The customer's order with that order number, to refuse duplicates."""
        ...

    async def list_sales_orders(
        self,
        org_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None = None,
        status: SalesOrderStatus | None = None,
        source: SalesOrderSource | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[SalesOrder]:
        """Sales orders with lines, newest order date first."""
        ...

    # --- work orders ---------------------------------------------------------------------

    async def list_work_orders(
        self,
        org_id: uuid.UUID,
        *,
        status: WorkOrderStatus | None = None,
        product_id: uuid.UUID | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[WorkOrder]:
        """Work orders by number."""
        ...

    async def get_work_order(
        self, org_id: uuid.UUID, work_order_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> WorkOrder | None:
        """One work order."""
        ...

    async def update_work_order(
        self,
        org_id: uuid.UUID,
        work_order_id: uuid.UUID,
        changes: WorkOrderUpdate,
        *,
        session: AsyncSession | None = None,
    ) -> WorkOrder:
        """Change status or completed quantity; stamps started_at / completed_at."""
        ...

    # --- inventory -----------------------------------------------------------------------

    async def list_inventory(
        self,
        org_id: uuid.UUID,
        *,
        product_id: uuid.UUID | None = None,
        location: str | None = None,
        below_reorder: bool | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[InventoryLevel]:
        """Stock levels; ``below_reorder`` compares the product's total with its level."""
        ...

    async def apply_inventory_move(
        self, org_id: uuid.UUID, move: NewInventoryMove, *, session: AsyncSession | None = None
    ) -> InventoryMoveResult:
        """Record a move and change the level in one step; refuses negative stock."""
        ...

    # --- shipments -----------------------------------------------------------------------

    async def list_shipments(
        self,
        org_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None = None,
        sales_order_id: uuid.UUID | None = None,
        status: ShipmentStatus | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[Shipment]:
        """Shipments with packages, lines and customer, newest first."""
        ...

    async def get_shipment(
        self, org_id: uuid.UUID, shipment_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Shipment | None:
        """One shipment with its packages and lines, customer and tracking."""
        ...

    async def find_shipment_by_number(
        self, org_id: uuid.UUID, number: str, *, session: AsyncSession | None = None
    ) -> Shipment | None:
        """One shipment by number (a RECADV names the despatch advice it answers)."""
        ...

    async def create_shipment(
        self, org_id: uuid.UUID, data: NewShipment, *, session: AsyncSession | None = None
    ) -> Shipment:
        """A planned shipment of a sales order (its customer), with packages and lines."""
        ...

    async def update_shipment_status(
        self,
        org_id: uuid.UUID,
        shipment_id: uuid.UUID,
        status: ShipmentStatus,
        *,
        at: datetime | None = None,
        carrier: str | None = None,
        tracking_number: str | None = None,
        tracking_url: str | None = None,
        session: AsyncSession | None = None,
    ) -> Shipment:
        """Move a shipment forward (planned, dispatched, delivered) and set its tracking."""
        ...

    async def record_shipment_receipt(
        self,
        org_id: uuid.UUID,
        receipt: NewShipmentReceipt,
        *,
        session: AsyncSession | None = None,
    ) -> ShipmentReceipt:
        """Store a receiving advice; the shipment becomes delivered."""
        ...

    # --- invoices ------------------------------------------------------------------------

    async def get_invoice(
        self, org_id: uuid.UUID, invoice_id: uuid.UUID, *, session: AsyncSession | None = None
    ) -> Invoice | None:
        """One invoice with lines and customer."""
        ...

    async def find_invoice_by_number(
        self, org_id: uuid.UUID, number: str, *, session: AsyncSession | None = None
    ) -> Invoice | None:
        """One invoice by its number (a correction names the invoice it corrects so)."""
        ...

    async def create_invoice(
        self, org_id: uuid.UUID, data: NewInvoice, *, session: AsyncSession | None = None
    ) -> Invoice:
        """Store an invoice or a correction; the store computes line and total amounts
        (:mod:`.money`) and refuses a number already used or a correction of an unknown
        invoice (ValidationError)."""
        ...

    async def list_invoices(
        self,
        org_id: uuid.UUID,
        *,
        customer_id: uuid.UUID | None = None,
        sync_status: InvoiceSyncStatus | None = None,
        limit: int = DEFAULT_LIMIT,
        offset: int = 0,
        session: AsyncSession | None = None,
    ) -> Page[Invoice]:
        """Invoices with lines and customer, newest issue date first."""
        ...

    async def set_invoice_sync_status(
        self,
        org_id: uuid.UUID,
        invoice_id: uuid.UUID,
        status: InvoiceSyncStatus,
        *,
        error: str | None = None,
        external_id: str | None = None,
        session: AsyncSession | None = None,
    ) -> Invoice:
        """Record the accounting sync outcome (Comarch Optima)."""
        ...
