"""The reference domain's contract: MonoPilot's own records, as the integrations read and
write them.

Integrations talk to MonoPilot through the :class:`DomainStore` port, in the vocabulary of
:mod:`.records`. Core holds only this contract, which MonoPilot implements and supplies
through the ``provide_domain_store`` hook. The reference implementation (its tables, the
SQL store and seed files) is a distribution of its own, ``monopilot-integrations-domain``
(:mod:`monopilot_integrations.domain`), plugged in the same way when MonoPilot brings none.
"""

from monopilot_integrations.core.domain.base import Page
from monopilot_integrations.core.domain.inventory import (
    InventoryLevel,
    InventoryMove,
    InventoryMoveReason,
    InventoryMoveResult,
    NewInventoryMove,
)
from monopilot_integrations.core.domain.invoices import (
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceSyncStatus,
    NewInvoice,
    NewInvoiceLine,
)
from monopilot_integrations.core.domain.orders import (
    NewPurchaseOrder,
    NewPurchaseOrderLine,
    NewSalesOrder,
    NewSalesOrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    PurchaseOrderUpdate,
    SalesOrder,
    SalesOrderLine,
    SalesOrderSource,
    SalesOrderStatus,
)
from monopilot_integrations.core.domain.parties import Customer, Organization, Supplier
from monopilot_integrations.core.domain.port import DEFAULT_LIMIT, MAX_LIMIT, DomainStore
from monopilot_integrations.core.domain.production import (
    WorkOrder,
    WorkOrderStatus,
    WorkOrderUpdate,
)
from monopilot_integrations.core.domain.products import NewProduct, Product, ProductUpdate
from monopilot_integrations.core.domain.shipments import (
    NewShipmentReceipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    ShipmentReceipt,
    ShipmentStatus,
)

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "Customer",
    "DomainStore",
    "InventoryLevel",
    "InventoryMove",
    "InventoryMoveReason",
    "InventoryMoveResult",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceSyncStatus",
    "NewInventoryMove",
    "NewInvoice",
    "NewInvoiceLine",
    "NewProduct",
    "NewPurchaseOrder",
    "NewPurchaseOrderLine",
    "NewSalesOrder",
    "NewSalesOrderLine",
    "NewShipmentReceipt",
    "Organization",
    "Page",
    "Product",
    "ProductUpdate",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderStatus",
    "PurchaseOrderUpdate",
    "ReceiptLine",
    "SalesOrder",
    "SalesOrderLine",
    "SalesOrderSource",
    "SalesOrderStatus",
    "Shipment",
    "ShipmentLine",
    "ShipmentReceipt",
    "ShipmentStatus",
    "Supplier",
    "WorkOrder",
    "WorkOrderStatus",
    "WorkOrderUpdate",
]
