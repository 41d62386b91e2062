"""MonoPilot's records as the integrations see them, and the inputs that create or change them.

These pydantic models are the port's vocabulary: a :class:`~.port.DomainStore` returns
records and accepts inputs, whatever it stores underneath. Records are frozen (changing a
returned record changes nothing in the database, so it should not look as if it could) and
built ``from_attributes`` so the SQL store can validate its rows directly. Inputs forbid
unknown fields: a misspelled field in an API payload or a mapper's output fails loudly
instead of being dropped.

Money and quantities are :class:`~decimal.Decimal` (never floats: invoice totals must add
up to the grosz). Statuses are ``Literal`` types so they appear as enums in JSON Schema.

The models live in one module per concept (:mod:`.parties`, :mod:`.products`,
:mod:`.orders`, :mod:`.production`, :mod:`.inventory`, :mod:`.shipments`,
:mod:`.invoices`, on the shared bases of :mod:`.base`); this module gathers them under the
one import path MonoPilot and connector authors use,
``monopilot_integrations.core.domain.records``.
"""

from monopilot_integrations.core.domain.base import (
    Code,
    Input,
    Page,
    Record,
)
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
    VatExemption,
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
from monopilot_integrations.core.domain.parties import (
    Customer,
    Organization,
    Party,
    Supplier,
)
from monopilot_integrations.core.domain.production import (
    WorkOrder,
    WorkOrderStatus,
    WorkOrderUpdate,
)
from monopilot_integrations.core.domain.products import (
    NewProduct,
    Product,
    ProductUpdate,
)
from monopilot_integrations.core.domain.shipments import (
    DEFAULT_PACKAGE_TYPE,
    NewShipment,
    NewShipmentLine,
    NewShipmentPackage,
    NewShipmentReceipt,
    PackageType,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    ShipmentPackage,
    ShipmentReceipt,
    ShipmentStatus,
)

__all__ = [
    "DEFAULT_PACKAGE_TYPE",
    "Code",
    "Customer",
    "Input",
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
    "NewShipment",
    "NewShipmentLine",
    "NewShipmentPackage",
    "NewShipmentReceipt",
    "Organization",
    "PackageType",
    "Page",
    "Party",
    "Product",
    "ProductUpdate",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderStatus",
    "PurchaseOrderUpdate",
    "ReceiptLine",
    "Record",
    "SalesOrder",
    "SalesOrderLine",
    "SalesOrderSource",
    "SalesOrderStatus",
    "Shipment",
    "ShipmentLine",
    "ShipmentPackage",
    "ShipmentReceipt",
    "ShipmentStatus",
    "Supplier",
    "VatExemption",
    "WorkOrder",
    "WorkOrderStatus",
    "WorkOrderUpdate",
]
