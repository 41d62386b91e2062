"""Seed files: one organisation's reference data as JSON, loaded idempotently.

A seed file fills the reference domain for a demo, a test or a first run of the standalone
server. The format is the models below (``extra="forbid"`` everywhere, so a misspelled field
is an error, not silently ignored). Records refer to one another by natural key (supplier,
customer and product ``code``; order, shipment and invoice ``number``), and every reference
must name a record listed in the same file: a seed file is self-contained.

**Idempotency.** :func:`load_seed` finds each record by its natural key: a missing record is
created, an existing one gets the file's values for the fields that differ, and one that
already matches is left alone; lines are matched by position. So loading a file twice
creates nothing the second time, and editing a price and reloading updates that one product.
The one exception is an invoice's accounting-sync state (``sync_status`` and what goes with
it): the seed sets it when it creates the invoice, and after that it belongs to the sync.
Records in the database that the file does not list are never touched.
"""

from __future__ import annotations

import difflib
import json
import types
from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pydantic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from monopilot_integrations.core.clock import Clock
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.domain.invoices import InvoiceSyncStatus
from monopilot_integrations.core.domain.orders import (
    PurchaseOrderStatus,
    SalesOrderSource,
    SalesOrderStatus,
)
from monopilot_integrations.core.domain.production import WorkOrderStatus
from monopilot_integrations.core.domain.shipments import (
    DEFAULT_PACKAGE_TYPE,
    PackageType,
    ShipmentStatus,
)
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.domain.seed_loader import SeedCount, SeedLoader, SeedReport

__all__ = [
    "SeedCount",
    "SeedFile",
    "SeedReport",
    "load_seed",
    "read_seed_file",
]

Code = Annotated[str, Field(min_length=1, max_length=64)]
GLN = Annotated[str, Field(pattern=r"^\d{13}$", description="GS1 Global Location Number")]
GTIN = Annotated[str, Field(pattern=r"^(\d{8}|\d{12,14})$", description="GS1 GTIN-8/12/13/14")]
SSCC = Annotated[str, Field(pattern=r"^\d{18}$", description="GS1 Serial Shipping Container")]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Quantity = Annotated[Decimal, Field(ge=0)]


class SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeedOrganization(SeedModel):
    code: Code
    name: str = Field(min_length=1, max_length=255)
    gln: GLN | None = None
    tax_id: str | None = Field(default=None, max_length=32)
    currency: Currency = "PLN"


class SeedUser(SeedModel):
    email: str = Field(min_length=3, max_length=255)
    name: str = Field(min_length=1, max_length=255)
    role: str = Field(default="user", max_length=50)


class SeedParty(SeedModel):
    """A supplier or a customer."""

    code: Code
    name: str = Field(min_length=1, max_length=255)
    gln: GLN | None = None
    tax_id: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=50)
    address_line: str | None = Field(default=None, max_length=255)
    postal_code: str | None = Field(default=None, max_length=20)
    city: str | None = Field(default=None, max_length=100)
    country: str | None = Field(default="PL", pattern=r"^[A-Z]{2}$")


class SeedProduct(SeedModel):
    code: Code
    name: str = Field(min_length=1, max_length=255)
    unit: str = Field(min_length=1, max_length=16)
    price: Quantity
    vat_rate: Decimal = Field(ge=0, le=100)
    gtin: GTIN | None = None
    #: ``None``: the organisation's currency.
    currency: Currency | None = None
    reorder_level: Quantity = Decimal(0)
    active: bool = True


class SeedPurchaseOrderLine(SeedModel):
    product_code: Code
    qty: Decimal = Field(gt=0)
    unit_price: Quantity
    qty_confirmed: Quantity | None = None
    qty_received: Quantity = Decimal(0)


class SeedPurchaseOrder(SeedModel):
    number: Code
    supplier_code: Code
    status: PurchaseOrderStatus = "draft"
    order_date: date
    expected_delivery_date: date | None = None
    confirmed_delivery_date: date | None = None
    currency: Currency | None = None
    notes: str | None = None
    lines: list[SeedPurchaseOrderLine] = Field(min_length=1)


class SeedSalesOrderLine(SeedModel):
    product_code: Code
    qty: Decimal = Field(gt=0)
    unit_price: Quantity | None = None


class SeedSalesOrder(SeedModel):
    number: Code
    customer_code: Code
    status: SalesOrderStatus = "confirmed"
    order_date: date
    requested_delivery_date: date | None = None
    currency: Currency | None = None
    source: SalesOrderSource = "manual"
    external_reference: str | None = Field(default=None, max_length=64)
    delivery_party_gln: GLN | None = None
    invoicee_gln: GLN | None = None
    review_errors: list[str] = Field(default_factory=list)
    lines: list[SeedSalesOrderLine] = Field(min_length=1)


class SeedWorkOrder(SeedModel):
    number: Code
    product_code: Code
    qty_planned: Decimal = Field(gt=0)
    qty_completed: Quantity = Decimal(0)
    status: WorkOrderStatus = "planned"
    started_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None


class SeedInventoryLevel(SeedModel):
    """Stock of one product at one location; a change is booked as an adjustment move."""

    product_code: Code
    location: str = Field(min_length=1, max_length=64)
    qty: Quantity


class SeedPackageLine(SeedModel):
    """A line of a package."""

    product_code: Code
    qty: Decimal = Field(gt=0)
    batch: str | None = Field(default=None, max_length=64)
    best_before: date | None = None


class SeedShipmentLine(SeedPackageLine):
    """A line listed on the shipment itself. ``sscc`` is how older files packed: the line
    travels on the package with that SSCC, one of ``packages`` or else a pallet (type
    201) created for it; lines sharing an SSCC share the package. No ``sscc``: unpacked."""

    sscc: SSCC | None = None


class SeedPackage(SeedModel):
    """A package (a pallet) and the lines it carries; several lines: a mixed pallet."""

    sscc: SSCC | None = None
    package_type: PackageType = DEFAULT_PACKAGE_TYPE
    gross_weight: Decimal | None = Field(default=None, gt=0, description="Kilograms")
    lines: list[SeedPackageLine] = Field(min_length=1)


class SeedShipment(SeedModel):
    """The customer is the sales order's."""

    number: Code
    sales_order_number: Code
    status: ShipmentStatus = "planned"
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    tracking_url: str | None = Field(default=None, max_length=500)
    dispatched_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None
    #: Lines are numbered through the packages' lines first, then ``lines``.
    packages: list[SeedPackage] = Field(default_factory=list)
    lines: list[SeedShipmentLine] = Field(default_factory=list)


class SeedInvoiceLine(SeedModel):
    """A product line (``product_code``; description, unit and VAT rate default to the
    product's) or a free line (no ``product_code``; those three are then required).
    Net and VAT amounts are computed, rounded half up to the grosz."""

    product_code: Code | None = None
    description: str | None = Field(default=None, max_length=255)
    qty: Decimal = Field(gt=0)
    unit: str | None = Field(default=None, max_length=16)
    unit_price: Quantity
    vat_rate: Decimal | None = Field(default=None, ge=0, le=100)


class SeedInvoice(SeedModel):
    number: Code
    customer_code: Code
    sales_order_number: Code | None = None
    shipment_number: Code | None = None
    issue_date: date
    due_date: date | None = None
    currency: Currency | None = None
    #: Applied when the invoice is created only (afterwards the accounting sync owns it).
    sync_status: InvoiceSyncStatus = "not_synced"
    lines: list[SeedInvoiceLine] = Field(min_length=1)


class SeedFile(SeedModel):
    """One organisation and its records. Every list is optional."""

    description: str | None = Field(default=None, description="Free text for people.")
    organization: SeedOrganization
    users: list[SeedUser] = Field(default_factory=list)
    suppliers: list[SeedParty] = Field(default_factory=list)
    customers: list[SeedParty] = Field(default_factory=list)
    products: list[SeedProduct] = Field(default_factory=list)
    purchase_orders: list[SeedPurchaseOrder] = Field(default_factory=list)
    sales_orders: list[SeedSalesOrder] = Field(default_factory=list)
    work_orders: list[SeedWorkOrder] = Field(default_factory=list)
    inventory: list[SeedInventoryLevel] = Field(default_factory=list)
    shipments: list[SeedShipment] = Field(default_factory=list)
    invoices: list[SeedInvoice] = Field(default_factory=list)

    def problems(self) -> list[dict[str, str]]:
        """Duplicate keys and references to records this file does not list."""
        found: list[dict[str, str]] = []

        def unique(kind: str, keys: Iterable[Any], what: str) -> set[Any]:
            keys = list(keys)
            for key, count in Counter(keys).items():
                if count > 1:
                    found.append(
                        {"path": f"$.{kind}", "message": f"{what} {key!r} is listed {count} times"}
                    )
            return set(keys)

        def ref(path: str, value: str | None, known: set[Any], what: str) -> None:
            if value is not None and value not in known:
                found.append(
                    {
                        "path": path,
                        "message": f"unknown {what} {value!r}: it must be listed in this file",
                    }
                )

        unique("users", (u.email for u in self.users), "email")
        suppliers = unique("suppliers", (p.code for p in self.suppliers), "supplier code")
        customers = unique("customers", (p.code for p in self.customers), "customer code")
        products = unique("products", (p.code for p in self.products), "product code")
        unique("purchase_orders", (o.number for o in self.purchase_orders), "order number")
        orders = unique("sales_orders", (o.number for o in self.sales_orders), "order number")
        unique("work_orders", (w.number for w in self.work_orders), "work order number")
        unique(
            "inventory",
            ((i.product_code, i.location) for i in self.inventory),
            "product and location",
        )
        shipments = unique("shipments", (s.number for s in self.shipments), "shipment number")
        unique("invoices", (i.number for i in self.invoices), "invoice number")

        for i, po in enumerate(self.purchase_orders):
            ref(f"$.purchase_orders[{i}].supplier_code", po.supplier_code, suppliers, "supplier")
            for j, line in enumerate(po.lines):
                path = f"$.purchase_orders[{i}].lines[{j}].product_code"
                ref(path, line.product_code, products, "product")
        for i, so in enumerate(self.sales_orders):
            ref(f"$.sales_orders[{i}].customer_code", so.customer_code, customers, "customer")
            for j, sol in enumerate(so.lines):
                path = f"$.sales_orders[{i}].lines[{j}].product_code"
                ref(path, sol.product_code, products, "product")
        for i, wo in enumerate(self.work_orders):
            ref(f"$.work_orders[{i}].product_code", wo.product_code, products, "product")
        for i, level in enumerate(self.inventory):
            ref(f"$.inventory[{i}].product_code", level.product_code, products, "product")
        for i, sh in enumerate(self.shipments):
            path = f"$.shipments[{i}].sales_order_number"
            ref(path, sh.sales_order_number, orders, "sales order")
            for j, shl in enumerate(sh.lines):
                path = f"$.shipments[{i}].lines[{j}].product_code"
                ref(path, shl.product_code, products, "product")
            for j, package in enumerate(sh.packages):
                for k, pl in enumerate(package.lines):
                    path = f"$.shipments[{i}].packages[{j}].lines[{k}].product_code"
                    ref(path, pl.product_code, products, "product")
            if not sh.lines and not sh.packages:
                found.append({"path": f"$.shipments[{i}]", "message": "no packages and no lines"})
        found += _sscc_problems(self.shipments)
        for i, inv in enumerate(self.invoices):
            ref(f"$.invoices[{i}].customer_code", inv.customer_code, customers, "customer")
            path = f"$.invoices[{i}].sales_order_number"
            ref(path, inv.sales_order_number, orders, "sales order")
            path = f"$.invoices[{i}].shipment_number"
            ref(path, inv.shipment_number, shipments, "shipment")
            for j, il in enumerate(inv.lines):
                path = f"$.invoices[{i}].lines[{j}]"
                ref(f"{path}.product_code", il.product_code, products, "product")
                if il.product_code is None:
                    missing = [
                        f for f in ("description", "unit", "vat_rate") if getattr(il, f) is None
                    ]
                    if missing:
                        found.append(
                            {
                                "path": path,
                                "message": "a line without product_code needs "
                                + ", ".join(missing),
                            }
                        )
        return found


def _sscc_problems(shipments: list[SeedShipment]) -> list[dict[str, str]]:
    """An SSCC names one package: two packages of a shipment, or two shipments, sharing
    one is an error (lines of one shipment sharing one share its package)."""
    found: list[dict[str, str]] = []
    owner: dict[str, str] = {}
    for i, sh in enumerate(shipments):
        listed = [p.sscc for p in sh.packages if p.sscc]
        for sscc, count in Counter(listed).items():
            if count > 1:
                message = f"SSCC {sscc} is on {count} packages"
                found.append({"path": f"$.shipments[{i}].packages", "message": message})
        for sscc in dict.fromkeys([*listed, *(line.sscc for line in sh.lines if line.sscc)]):
            first = owner.setdefault(sscc, sh.number)
            if first != sh.number:
                message = f"SSCC {sscc} is also on shipment {first!r}"
                found.append({"path": f"$.shipments[{i}]", "message": message})
    return found


# --- reading -----------------------------------------------------------------------------


def read_seed_file(path: str | Path) -> SeedFile:
    """Parse and check a seed file; every problem is listed in one ValidationError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _file_error(path, [{"path": "$", "message": f"cannot read the file: {exc}"}]) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        problem = {"path": "$", "message": f"invalid JSON at {where}: {exc.msg}"}
        raise _file_error(path, [problem]) from exc
    return parse_seed(data, source=str(path))


def parse_seed(data: Any, *, source: str = "seed") -> SeedFile:
    """Validate already-parsed JSON as a seed file (schema, then cross-references)."""
    try:
        seed = SeedFile.model_validate(data)
    except pydantic.ValidationError as exc:
        raise _file_error(source, [_describe(e) for e in exc.errors()]) from exc
    problems = seed.problems()
    if problems:
        raise _file_error(source, problems)
    return seed


def _file_error(source: str | Path, problems: list[dict[str, str]]) -> ValidationError:
    for problem in problems:
        problem["file"] = str(source)
    listed = "\n".join(f"  {p['path']}: {p['message']}" for p in problems)
    noun = "problem" if len(problems) == 1 else "problems"
    return ValidationError(
        f"{source}: {len(problems)} {noun} in the seed file:\n{listed}", problems
    )


def _describe(error: Any) -> dict[str, str]:
    loc = tuple(error["loc"])
    path = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        allowed = _fields_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        message = f"unknown field {loc[-1]!r}{hint}; allowed: {', '.join(allowed)}"
    elif error["type"] == "missing":
        message = "required field is missing"
    return {"path": path, "message": message}


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model found at ``loc`` inside a seed file."""
    model: Any = SeedFile
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        model = _model_in(annotation)
        if model is None:
            return []
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (list, Union, types.UnionType):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


async def load_seed(
    database: Database, seed: SeedFile, *, clock: Clock | None = None
) -> SeedReport:
    """Create or update the seed's organisation and records; see the module docstring.

    ``clock`` stamps ``created_at`` / ``updated_at`` (default: the system clock). The
    organisation row is written in a system session (it is what tenant sessions are
    scoped by), everything else in one transaction of that organisation.
    """
    problems = seed.problems()
    if problems:
        raise _file_error(f"seed for {seed.organization.code!r}", problems)
    return await SeedLoader(database, seed, clock=clock).load()
