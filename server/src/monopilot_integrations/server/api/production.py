"""``/api/production``: work orders, consumption of ingredients, completion.

Consumption and completion are one transaction each: the work order's change, its
inventory moves and the events they publish (``workorder.started``,
``workorder.completed``, ``inventory.low``) commit together or not at all.
"""

from __future__ import annotations

from aiohttp import web

from monopilot_integrations.core.domain.payloads import workorder
from monopilot_integrations.core.domain.production import WorkOrder, WorkOrderUpdate
from monopilot_integrations.core.domain.products import Product
from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.server.api._support import (
    caller,
    domain_errors,
    invalid,
    not_found,
    path_id,
)
from monopilot_integrations.server.api.models.common import errors
from monopilot_integrations.server.api.models.stock import (
    ConsumptionCreate,
    ConsumptionOut,
    WorkOrderComplete,
    WorkOrderCompletedOut,
    WorkOrderList,
    WorkOrderOut,
    WorkOrderQuery,
)
from monopilot_integrations.server.api.warehouse import apply_move, move_out
from monopilot_integrations.server.problems import Problem
from monopilot_integrations.server.validation import json_response, parse_body, parse_query

BASE = "/api/production/work-orders"


def _state_conflict(wo: WorkOrder, action: str, hint: str = "") -> Problem:
    return Problem(409, f"work order {wo.number} is {wo.status}: cannot {action}{hint}")


async def list_work_orders(request: web.Request) -> web.Response:
    c = caller(request)
    query = parse_query(request, WorkOrderQuery)
    product_id = None
    if query.product is not None:
        product = await c.store.find_product_by_code(c.org, query.product)
        if product is None:
            empty = WorkOrderList(items=[], total=0, limit=query.limit, offset=query.offset)
            return json_response(empty)
        product_id = product.id
    page = await c.store.list_work_orders(
        c.org, status=query.status, product_id=product_id, limit=query.limit, offset=query.offset
    )
    return json_response(WorkOrderList.model_validate(page))


async def get_work_order(request: web.Request) -> web.Response:
    c = caller(request)
    wo_id = path_id(request, "work order")
    wo = await c.store.get_work_order(c.org, wo_id)
    if wo is None:
        raise not_found("work order", wo_id)
    return json_response(WorkOrderOut.model_validate(wo))


async def record_consumption(request: web.Request) -> web.Response:
    """Optionally start the work order, then book each line as a ``consumption`` move
    referencing it. Every refused line is listed; any refusal changes nothing."""
    c = caller(request)
    body = await parse_body(request, ConsumptionCreate)
    with domain_errors():
        async with c.kernel.session(c.org) as s:
            wo = await c.store.get_work_order(c.org, body.work_order_id, session=s)
            if wo is None:
                raise not_found("work order", body.work_order_id)
            products: dict[str, Product] = {}
            problems: list[dict[str, str]] = []
            for i, line in enumerate(body.lines):
                code = line.product_code
                product = products.get(code) or await c.store.find_product_by_code(
                    c.org, code, session=s
                )
                if product is None:
                    problems.append(
                        {"path": f"/lines/{i}/product_code", "message": f"no product {code!r}"}
                    )
                else:
                    products[code] = product
            if problems:
                raise invalid(problems, "invalid consumption")
            started = False
            if body.start and wo.status == "planned":
                wo = await c.store.update_work_order(
                    c.org, wo.id, WorkOrderUpdate(status="in_progress"), session=s
                )
                await c.kernel.publish(c.org, "workorder.started", workorder(wo), session=s)
                started = True
            if wo.status != "in_progress":
                hint = " (send start: true to start it)" if wo.status == "planned" else ""
                raise _state_conflict(wo, "consume ingredients", hint)
            moves = []
            for i, line in enumerate(body.lines):
                product = products[line.product_code]
                try:
                    result = await apply_move(
                        c,
                        s,
                        product,
                        location=line.location,
                        qty=-line.qty,
                        reason="consumption",
                        reference=wo.number,
                    )
                except ValidationError as exc:
                    message = "; ".join(e["message"] for e in exc.errors) or str(exc)
                    problems.append({"path": f"/lines/{i}/qty", "message": message})
                    continue
                moves.append(move_out(result.move, product))
            if problems:
                raise invalid(problems, "consumption refused")
    out = {"work_order": wo, "started": started, "moves": moves}
    return json_response(ConsumptionOut.model_validate(out), status=201)


async def complete_work_order(request: web.Request) -> web.Response:
    """Mark the work order completed with its output; publishes ``workorder.completed``."""
    c = caller(request)
    wo_id = path_id(request, "work order")
    body = await parse_body(request, WorkOrderComplete)
    with domain_errors():
        async with c.kernel.session(c.org) as s:
            before = await c.store.get_work_order(c.org, wo_id, session=s)
            if before is None:
                raise not_found("work order", wo_id)
            if before.status in ("completed", "cancelled"):
                raise _state_conflict(before, "complete it")
            wo = await c.store.update_work_order(
                c.org,
                wo_id,
                WorkOrderUpdate(status="completed", qty_completed=body.qty_completed),
                session=s,
            )
            output_move = None
            output = wo.qty_completed - before.qty_completed
            if body.output_location is not None and output > 0:
                product = await c.store.get_product(c.org, wo.product_id, session=s)
                if product is None:
                    raise not_found("product", wo.product_id)
                result = await apply_move(
                    c,
                    s,
                    product,
                    location=body.output_location,
                    qty=output,
                    reason="production",
                    reference=wo.number,
                )
                output_move = move_out(result.move, product)
            await c.kernel.publish(c.org, "workorder.completed", workorder(wo), session=s)
    out = {"work_order": wo, "output_move": output_move}
    return json_response(WorkOrderCompletedOut.model_validate(out))


TAGS = ("production",)

ROUTES = [
    Route(
        "GET",
        BASE,
        list_work_orders,
        name="production.work_orders.list",
        scope="read:production",
        summary="List work orders (by status, product code)",
        tags=TAGS,
        query_model=WorkOrderQuery,
        response_model=WorkOrderList,
        responses=errors(422),
    ),
    Route(
        "GET",
        BASE + "/{id}",
        get_work_order,
        name="production.work_orders.get",
        scope="read:production",
        summary="One work order",
        tags=TAGS,
        response_model=WorkOrderOut,
        responses=errors(404),
    ),
    Route(
        "POST",
        "/api/production/consumption",
        record_consumption,
        name="production.consumption",
        status_code=201,
        scope="write:production",
        summary="Consume ingredients for a work order (optionally starting it); publishes "
        "workorder.started and inventory.low",
        tags=TAGS,
        request_model=ConsumptionCreate,
        response_model=ConsumptionOut,
        responses=errors(404, 409, body=True),
    ),
    Route(
        "POST",
        BASE + "/{id}/complete",
        complete_work_order,
        name="production.work_orders.complete",
        scope="write:production",
        summary="Complete a work order with its output; publishes workorder.completed",
        tags=TAGS,
        request_model=WorkOrderComplete,
        response_model=WorkOrderCompletedOut,
        responses=errors(404, 409, body=True),
    ),
]
