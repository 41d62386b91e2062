"""``GET /api/acme/exports``: the caller's organisation's exported files."""

from __future__ import annotations

import uuid
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel
from sqlalchemy import select

from acme_monopilot.tables import AcmeExport
from monopilot_integrations.core.web.request import request_kernel, request_org


class AcmeExportOut(BaseModel):
    id: uuid.UUID
    po_number: str
    file_name: str
    created_at: datetime


class AcmeExportList(BaseModel):
    items: list[AcmeExportOut]


async def list_exports(request: web.Request) -> web.Response:
    org_id = request_org(request)
    kernel = request_kernel(request)
    async with kernel.session(org_id) as session:
        rows = (
            (
                await session.execute(
                    select(AcmeExport)
                    .where(AcmeExport.org_id == org_id)
                    .order_by(AcmeExport.created_at.desc())
                    .limit(100)
                )
            )
            .scalars()
            .all()
        )
    body = AcmeExportList(
        items=[AcmeExportOut.model_validate(r, from_attributes=True) for r in rows]
    )
    return web.json_response(text=body.model_dump_json())
