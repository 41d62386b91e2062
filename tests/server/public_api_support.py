"""Scaffolding shared by the public API tests: a real kernel (SQLite and PostgreSQL), the
demo organisation plus a second one, and the public routes served on a real loopback server.

Authentication, rate limits and scope checks are the server's middlewares and are tested
with them; here a stand-in middleware says who the caller is.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from monopilot_integrations.core.db.tables import EventRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.web.request import KERNEL, ORG_ID
from monopilot_integrations.domain.seed import load_seed, parse_seed, read_seed_file
from monopilot_integrations.server.api import PUBLIC_ROUTES
from monopilot_integrations.server.problems import PROBLEM_JSON, Problem, problem_response

DEMO = Path(str(files("monopilot_integrations.server.demo") / "demo-org.json"))
ORG_HEADER = "X-Test-Org"
PRODUCTS = "/api/technical/products"
POS = "/api/planning/purchase-orders"
WOS = "/api/production/work-orders"
SHIPMENTS = "/api/shipping/shipments"
EVENTS = "/api/integrations/events"


# --- test scaffolding --------------------------------------------------------------------


@web.middleware
async def stand_in_authentication(request: web.Request, handler: Any) -> web.StreamResponse:
    """TEST SCAFFOLDING, not the server's authentication (tested elsewhere): the caller's
    organisation comes from a test header, and problems are rendered the way the server's
    error middleware renders them."""
    org = request.headers.get(ORG_HEADER)
    if org:
        request[ORG_ID] = uuid.UUID(org)
    try:
        response: web.StreamResponse = await handler(request)
    except Problem as problem:
        return problem_response(request, problem, None)
    return response


def seed_data(code: str) -> dict[str, Any]:
    """The demo organisation under ``code``, plus a planned work order and a planned
    shipment (the demo has neither)."""
    data: dict[str, Any] = read_seed_file(DEMO).model_dump(mode="json", exclude_none=True)
    data["organization"] = {**data["organization"], "code": code, "name": f"Bakery {code}"}
    data["work_orders"].append(
        {"number": "WO-2026-0103", "product_code": "CHL-RAZ-450", "qty_planned": "150"}
    )
    data["shipments"].append(
        {
            "number": "WZ-2026-0002",
            "sales_order_number": "SO-2026-00002",
            "lines": [{"product_code": "CHL-RAZ-450", "qty": "80"}],
        }
    )
    return data


@dataclass
class Api:
    client: TestClient[Any, Any]
    kernel: Kernel
    org: uuid.UUID
    other: uuid.UUID

    async def call(
        self, method: str, path: str, *, org: uuid.UUID | None = None, **kwargs: Any
    ) -> ClientResponse:
        headers = {ORG_HEADER: str(org or self.org), **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def json(
        self, method: str, path: str, status: int, *, org: uuid.UUID | None = None, **kw: Any
    ) -> Any:
        response = await self.call(method, path, org=org, **kw)
        body = await response.json(content_type=None)
        assert response.status == status, body
        if status >= 400:
            assert response.content_type == PROBLEM_JSON
            assert body["status"] == status
        return body

    async def events(
        self, event_type: str | None = None, org: uuid.UUID | None = None
    ) -> list[EventRow]:
        """The outbox's rows, each checked against its type's schema in the catalogue."""
        org = org or self.org
        async with self.kernel.session(org) as s:
            stmt = select(EventRow).where(EventRow.org_id == org)
            if event_type is not None:
                stmt = stmt.where(EventRow.event_type == event_type)
            rows = list((await s.execute(stmt)).scalars().all())
        for row in rows:
            self.kernel.registry.event_types[row.event_type].validate(row.data)
        return rows

    async def one(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        (item,) = (await self.json("GET", path, 200, params=params))["items"]
        return dict(item)


@pytest.fixture
async def api(kernel: Kernel) -> AsyncIterator[Api]:
    demo = await load_seed(kernel.database, parse_seed(seed_data("demo")))
    other = await load_seed(kernel.database, parse_seed(seed_data("other")))
    found = await kernel.domain.find_organization_by_code("demo")
    assert found is not None and found.id == demo.org_id
    app = web.Application(middlewares=[stand_in_authentication])
    app[KERNEL] = kernel
    for route in PUBLIC_ROUTES:
        app.router.add_route(route.method, route.path, route.handler, name=route.name)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield Api(client, kernel, demo.org_id, other.org_id)


def paths(problem: dict[str, Any]) -> set[str]:
    return {e["path"] for e in problem["errors"]}


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)
