"""The lines of a new invoice, from its source: a sales order, a shipment, or the body.

Products fill what a line leaves out (description, unit, price, VAT rate), so an invoice
from a sales order prices what was ordered and one from a shipment invoices what was
shipped at the order's prices. Every problem is collected with its JSON pointer and
answered as one 422.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.domain.invoices import NewInvoiceLine, VatExemption
from monopilot_integrations.core.domain.products import Product
from monopilot_integrations.server.api._support import Caller
from monopilot_integrations.server.api.models.invoices import InvoiceCreate, InvoiceLineIn

Problems = list[dict[str, str]]


def parse_vat(text: str) -> tuple[Decimal, VatExemption | None]:
    """``"23"`` -> (23, None); ``"zw"`` -> (0, "zw")."""
    if text == "zw" or text == "np" or text == "oo":
        return Decimal(0), text
    return Decimal(text), None


class LineBuilder:
    """Resolves products once per code/id within the request's transaction."""

    def __init__(self, c: Caller, s: AsyncSession) -> None:
        self.c = c
        self.s = s
        self.by_code: dict[str, Product | None] = {}
        self.by_id: dict[uuid.UUID, Product | None] = {}

    async def product_by_code(self, code: str) -> Product | None:
        if code not in self.by_code:
            self.by_code[code] = await self.c.store.find_product_by_code(
                self.c.org, code, session=self.s
            )
        return self.by_code[code]

    async def product_by_id(self, product_id: uuid.UUID) -> Product | None:
        if product_id not in self.by_id:
            self.by_id[product_id] = await self.c.store.get_product(
                self.c.org, product_id, session=self.s
            )
        return self.by_id[product_id]

    async def explicit(
        self, lines: list[InvoiceLineIn], problems: Problems
    ) -> list[NewInvoiceLine]:
        out: list[NewInvoiceLine] = []
        for i, line in enumerate(lines):
            product = None
            if line.product_code is not None:
                product = await self.product_by_code(line.product_code)
                if product is None:
                    problems.append(
                        {
                            "path": f"/lines/{i}/product_code",
                            "message": f"no product {line.product_code!r}",
                        }
                    )
                    continue
            missing = [
                name
                for name, value in (
                    ("description", line.description),
                    ("unit_price", line.unit_price),
                    ("vat_rate", line.vat_rate),
                )
                if value is None and product is None
            ]
            if missing:
                problems.append(
                    {
                        "path": f"/lines/{i}",
                        "message": f"a line without product_code needs {', '.join(missing)}",
                    }
                )
                continue
            rate, exemption = (
                parse_vat(line.vat_rate)
                if line.vat_rate is not None
                else (product.vat_rate if product else Decimal(0), None)
            )
            out.append(
                NewInvoiceLine(
                    product_id=product.id if product else None,
                    description=line.description or (product.name if product else ""),
                    qty=line.qty,
                    unit=line.unit or (product.unit if product else "pcs"),
                    unit_price=line.unit_price
                    if line.unit_price is not None
                    else (product.price if product else Decimal(0)),
                    vat_rate=rate,
                    vat_exemption=exemption,
                )
            )
        return out

    async def _priced(
        self,
        product_id: uuid.UUID | None,
        qty: Decimal,
        price: Decimal | None,
        path: str,
        problems: Problems,
    ) -> NewInvoiceLine | None:
        product = await self.product_by_id(product_id) if product_id is not None else None
        if product is None:
            problems.append({"path": path, "message": "the line names no known product"})
            return None
        return NewInvoiceLine(
            product_id=product.id,
            description=product.name,
            qty=qty,
            unit=product.unit,
            unit_price=price if price is not None else product.price,
            vat_rate=product.vat_rate,
        )

    async def from_sales_order(
        self, order_id: uuid.UUID, problems: Problems
    ) -> tuple[uuid.UUID | None, list[NewInvoiceLine], str | None]:
        order = await self.c.store.get_sales_order(self.c.org, order_id, session=self.s)
        if order is None:
            problems.append({"path": "/sales_order_id", "message": f"no sales order {order_id}"})
            return None, [], None
        out = []
        for i, line in enumerate(order.lines):
            new = await self._priced(
                line.product_id,
                line.qty,
                line.unit_price,
                f"/sales_order_id (line {i + 1})",
                problems,
            )
            if new is not None:
                out.append(new)
        if order.customer_id is None:
            problems.append(
                {"path": "/sales_order_id", "message": "the sales order has no customer"}
            )
        return order.customer_id, out, order.currency

    async def from_shipment(
        self, shipment_id: uuid.UUID, problems: Problems
    ) -> tuple[uuid.UUID | None, list[NewInvoiceLine], uuid.UUID | None]:
        shipment = await self.c.store.get_shipment(self.c.org, shipment_id, session=self.s)
        if shipment is None:
            problems.append({"path": "/shipment_id", "message": f"no shipment {shipment_id}"})
            return None, [], None
        prices: dict[uuid.UUID, Decimal] = {}
        if shipment.sales_order_id is not None:
            order = await self.c.store.get_sales_order(
                self.c.org, shipment.sales_order_id, session=self.s
            )
            for line in order.lines if order is not None else []:
                if line.product_id is not None and line.unit_price is not None:
                    prices.setdefault(line.product_id, line.unit_price)
        out = []
        for i, line in enumerate(shipment.lines):
            new = await self._priced(
                line.product_id,
                line.qty,
                prices.get(line.product_id),
                f"/shipment_id (line {i + 1})",
                problems,
            )
            if new is not None:
                out.append(new)
        return shipment.customer_id, out, shipment.sales_order_id


async def build_lines(
    c: Caller, s: AsyncSession, body: InvoiceCreate, problems: Problems
) -> tuple[uuid.UUID | None, list[NewInvoiceLine], uuid.UUID | None, str | None]:
    """(customer id from the source, lines, sales order id, currency from the source)."""
    builder = LineBuilder(c, s)
    if body.sales_order_id is not None:
        customer_id, lines, currency = await builder.from_sales_order(body.sales_order_id, problems)
        return customer_id, lines, body.sales_order_id, currency
    if body.shipment_id is not None:
        customer_id, lines, order_id = await builder.from_shipment(body.shipment_id, problems)
        return customer_id, lines, order_id, None
    assert body.lines is not None
    return None, await builder.explicit(body.lines, problems), None, None
