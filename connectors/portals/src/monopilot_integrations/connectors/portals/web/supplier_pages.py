"""The supplier portal's pages: purchase orders (filtered, paged), one order, and the
delivery confirmation form, whose errors are shown next to the field that caused them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from pydantic import ValidationError as PydanticError

from monopilot_integrations.connectors.portals import auth, reads
from monopilot_integrations.connectors.portals.confirm import (
    CONFIRMABLE,
    DeliveryConfirmation,
    LineConfirmation,
    confirm_delivery,
)
from monopilot_integrations.connectors.portals.parties import SUPPLIER
from monopilot_integrations.connectors.portals.web.pages import context, signed_in_page
from monopilot_integrations.connectors.portals.web.render import render
from monopilot_integrations.core.domain.orders import PurchaseOrder
from monopilot_integrations.core.errors import NotFoundError, ValidationError
from monopilot_integrations.core.web.request import request_kernel

PAGE_SIZE = 25
STATUSES = ("draft", "sent", "confirmed", "partially_received", "received", "cancelled")
FORM_LIMIT = 64 * 1024


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _order_id(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["id"])
    except ValueError:
        raise NotFoundError("no such order") from None


@signed_in_page(SUPPLIER)
async def orders_page(request: web.Request, user: auth.PortalUser) -> web.StreamResponse:
    q = request.query
    errors: dict[str, str] = {}
    status = q.get("status", "")
    if status and status not in STATUSES:
        errors["status"] = "Choose a status from the list."
    ordered_from, ordered_until = (
        _date(q.get("ordered_from", "")),
        _date(q.get("ordered_until", "")),
    )
    if q.get("ordered_from") and ordered_from is None:
        errors["ordered_from"] = "Enter a date as YYYY-MM-DD."
    if q.get("ordered_until") and ordered_until is None:
        errors["ordered_until"] = "Enter a date as YYYY-MM-DD."
    if ordered_from and ordered_until and ordered_until < ordered_from:
        errors["ordered_until"] = "This date is before the first one."
    try:
        page_no = max(1, min(int(q.get("page", "1")), 40_000))
    except ValueError:
        page_no = 1
    filters = {
        "status": status,
        "ordered_from": q.get("ordered_from", ""),
        "ordered_until": q.get("ordered_until", ""),
    }
    items: list[PurchaseOrder] = []
    total = 0
    if not errors:
        page = await reads.supplier_orders(
            request_kernel(request),
            user,
            status=status or None,  # type: ignore[arg-type]
            ordered_from=ordered_from,
            ordered_until=ordered_until,
            limit=PAGE_SIZE,
            offset=(page_no - 1) * PAGE_SIZE,
        )
        items, total = list(page.items), page.total
    pages = max(1, -(-total // PAGE_SIZE))
    kept = {k: v for k, v in filters.items() if v}

    def link(n: int) -> str:
        return "?" + urlencode({**kept, "page": n})

    return render(
        "supplier_orders.html",
        context(
            SUPPLIER,
            user,
            title="Purchase orders",
            orders=items,
            total=total,
            page_no=page_no,
            pages=pages,
            prev_link=link(page_no - 1) if page_no > 1 else None,
            next_link=link(page_no + 1) if page_no < pages else None,
            filters=filters,
            statuses=STATUSES,
            errors=errors,
        ),
        status=422 if errors else 200,
    )


def _detail(
    user: auth.PortalUser,
    order: PurchaseOrder,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> web.Response:
    return render(
        "supplier_order.html",
        context(
            SUPPLIER,
            user,
            title=f"Purchase order {order.number}",
            order=order,
            confirmable=order.status in CONFIRMABLE,
            errors=errors or {},
            values=values or {},
            notice=notice,
        ),
        status=status,
    )


@signed_in_page(SUPPLIER)
async def order_page(request: web.Request, user: auth.PortalUser) -> web.StreamResponse:
    order = await reads.supplier_order(request_kernel(request), user, _order_id(request))
    notice = "Thank you: the delivery is confirmed." if "confirmed" in request.query else None
    return _detail(user, order, notice=notice)


@signed_in_page(SUPPLIER)
async def confirm_post(request: web.Request, user: auth.PortalUser) -> web.StreamResponse:
    kernel = request_kernel(request)
    order_id = _order_id(request)
    if (request.content_length or 0) > FORM_LIMIT:
        raise web.HTTPRequestEntityTooLarge(
            max_size=FORM_LIMIT, actual_size=request.content_length or 0
        )
    form = await request.post()
    auth.check_csrf(request, user, str(form.get(auth.CSRF_FIELD, "")))
    order = await reads.supplier_order(kernel, user, order_id)
    values = {key: str(form.get(key, "")) for key in form}
    errors: dict[str, str] = {}
    delivery = _date(values.get("delivery_date", "").strip())
    if delivery is None:
        errors["delivery_date"] = "Enter the delivery date as YYYY-MM-DD."
    lines: list[LineConfirmation] = []
    for line in order.lines:
        raw = values.get(f"qty_{line.id}", "").strip().replace(",", ".")
        if not raw:
            continue
        try:
            qty = Decimal(raw)
        except InvalidOperation:
            errors[f"qty_{line.id}"] = "Enter a number, e.g. 12.5."
            continue
        lines.append(LineConfirmation(line_id=line.id, qty=qty))
    note = values.get("note", "").strip() or None
    if note is not None and len(note) > 1000:
        errors["note"] = "Keep the note under 1000 characters."
    if not errors and delivery is not None:
        try:
            body = DeliveryConfirmation(delivery_date=delivery, lines=lines, note=note)
            await confirm_delivery(kernel, user, order_id, body)
        except PydanticError as exc:
            errors["form"] = "; ".join(e["msg"] for e in exc.errors()[:3])
        except ValidationError as exc:
            errors.update(_field_errors(lines, exc.errors))
        else:
            raise web.HTTPSeeOther(f"{SUPPLIER.page_base}/orders/{order_id}?confirmed=1")
    return _detail(user, order, errors=errors, values=values, status=422)


def _field_errors(lines: list[LineConfirmation], problems: list[dict[str, str]]) -> dict[str, str]:
    """Problems of :func:`~..confirm.problems_with` by form field: ``lines[i]`` is the
    i-th line given a quantity, whose field is ``qty_<line id>``."""
    out: dict[str, str] = {}
    for problem in problems:
        path, message = problem["path"], problem["message"]
        field = path
        if path.startswith("lines["):
            index = int(path[6 : path.index("]")])
            field = f"qty_{lines[index].line_id}" if index < len(lines) else "form"
        elif path == "status":
            field = "form"
        out.setdefault(field, message[:1].upper() + message[1:] + ".")
    return out
