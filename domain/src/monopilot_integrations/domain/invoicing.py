"""The SQL store's invoice creation: lines priced and taxed by :mod:`...core.domain.money`.

The store computes every amount itself (line net, line VAT, totals with VAT per rate), so
an invoice's totals always add up whoever created it; a correction keeps the number of the
invoice it corrects, which must exist in the same organisation and not be a correction.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.core.domain.invoices import Invoice, NewInvoice
from monopilot_integrations.core.domain.money import invoice_totals, line_net, vat_label, vat_of
from monopilot_integrations.domain.shipping import ShippingStore
from monopilot_integrations.domain.store_base import raise_if
from monopilot_integrations.domain.tables import (
    CustomerRow,
    InvoiceLineRow,
    InvoiceRow,
    ProductRow,
    SalesOrderRow,
    ShipmentRow,
)


class InvoicingStore(ShippingStore):
    async def find_invoice_by_number(
        self, org_id: uuid.UUID, number: str, *, session: AsyncSession | None = None
    ) -> Invoice | None:
        async with self._use(org_id, session) as s:
            row = await s.scalar(self._invoice_select(org_id).where(InvoiceRow.number == number))
            return Invoice.model_validate(row) if row is not None else None

    async def create_invoice(
        self, org_id: uuid.UUID, data: NewInvoice, *, session: AsyncSession | None = None
    ) -> Invoice:
        async with self._use(org_id, session) as s:
            problems = await self._invoice_problems(s, org_id, data)
            corrected = None
            if data.corrects_invoice_id is not None:
                corrected = await s.scalar(
                    select(InvoiceRow).where(
                        InvoiceRow.org_id == org_id, InvoiceRow.id == data.corrects_invoice_id
                    )
                )
                if corrected is None:
                    problems.append({"path": "corrects_invoice_id", "message": "no such invoice"})
                elif corrected.kind == "correction":
                    problems.append(
                        {
                            "path": "corrects_invoice_id",
                            "message": f"{corrected.number} is itself a correction: "
                            "correct the original invoice",
                        }
                    )
                elif corrected.customer_id != data.customer_id:
                    problems.append(
                        {"path": "customer_id", "message": "differs from the corrected invoice's"}
                    )
            raise_if(problems, "invalid invoice")
            now = self.clock.now()
            lines = []
            priced = []
            for i, line in enumerate(data.lines, start=1):
                net = line_net(line.qty, line.unit_price)
                label = vat_label(line.vat_rate, line.vat_exemption)
                priced.append((label, line.vat_rate, net))
                lines.append(
                    InvoiceLineRow(
                        org_id=org_id,
                        line_no=i,
                        product_id=line.product_id,
                        description=line.description,
                        qty=line.qty,
                        unit=line.unit,
                        unit_price=line.unit_price,
                        vat_rate=line.vat_rate,
                        vat_exemption=line.vat_exemption,
                        net_amount=net,
                        vat_amount=vat_of(net, line.vat_rate),
                    )
                )
            totals = invoice_totals(priced)
            row = InvoiceRow(
                org_id=org_id,
                **data.model_dump(exclude={"lines", "currency"}),
                corrects_number=corrected.number if corrected is not None else None,
                currency=data.currency or await self._org_currency(s, org_id),
                net_total=totals.net,
                vat_total=totals.vat,
                gross_total=totals.gross,
                sync_status="not_synced",
                created_at=now,
                updated_at=now,
                lines=lines,
            )
            s.add(row)
            await s.flush()
            created = await s.scalar(self._invoice_select(org_id).where(InvoiceRow.id == row.id))
            return Invoice.model_validate(created)

    async def _invoice_problems(
        self, s: AsyncSession, org_id: uuid.UUID, data: NewInvoice
    ) -> list[dict[str, str]]:
        problems: list[dict[str, str]] = []
        for path, table, record_id in (
            ("customer_id", CustomerRow, data.customer_id),
            ("sales_order_id", SalesOrderRow, data.sales_order_id),
            ("shipment_id", ShipmentRow, data.shipment_id),
        ):
            if record_id is not None and not await self._existing_ids(
                s, org_id, table, [record_id]
            ):
                problems.append({"path": path, "message": f"no such {path.removesuffix('_id')}"})
        wanted = {line.product_id for line in data.lines if line.product_id is not None}
        known = await self._existing_ids(s, org_id, ProductRow, wanted)
        problems += [
            {"path": f"lines[{i}].product_id", "message": "no such product"}
            for i, line in enumerate(data.lines)
            if line.product_id is not None and line.product_id not in known
        ]
        taken = await s.scalar(
            select(InvoiceRow.id).where(
                InvoiceRow.org_id == org_id, InvoiceRow.number == data.number
            )
        )
        if taken is not None:
            problems.append({"path": "number", "message": f"{data.number!r} is already used"})
        return problems
