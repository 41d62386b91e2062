"""``POST /export/{products,orders,inventory}``, ``GET /export/{id}/status``,
``GET /export/{id}/download``, ``GET /export/formats`` and ``GET /export/schema.xsd``."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from monopilot_integrations.connectors.files.context import FilesContext
from monopilot_integrations.connectors.files.export.kinds import KINDS, ExportKind
from monopilot_integrations.connectors.files.export.models import ExportOut
from monopilot_integrations.connectors.files.export.service import (
    create_export,
    describe,
    export_formats,
    find_export,
)
from monopilot_integrations.connectors.files.formats.xml_format import schema_text
from monopilot_integrations.connectors.files.tables import FileExport
from monopilot_integrations.core.web.middlewares import VERIFIED_KEY
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import API_KEY_ID, request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response, parse_body

ADMIN = "integrations:admin"


def files_of(request: web.Request) -> FilesContext:
    return FilesContext.of(request_kernel(request))


def creator(kind: ExportKind, model: type[Any]) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def create(request: web.Request) -> web.Response:
        org_id = request_org(request)
        body = await parse_body(request, model) if request.body_exists else model()
        out = await create_export(
            files_of(request), org_id, kind, body, api_key_id=request.get(API_KEY_ID)
        )
        response = json_response(out, status=202)
        response.headers["Location"] = out.status_url
        return response

    create.__name__ = f"export_{kind.name}"
    return create


async def _export_for(request: web.Request) -> tuple[FilesContext, FileExport]:
    """The caller's export named in the path, readable with the caller's scopes."""
    org_id = request_org(request)
    try:
        export_id = uuid.UUID(request.match_info["id"])
    except ValueError:
        raise Problem(404, f"no export {request.match_info['id']!r} here") from None
    ctx = files_of(request)
    async with ctx.runtime.database.session(org_id) as session:
        row = await find_export(session, org_id, export_id)
    if row is None:
        raise Problem(404, f"no export {export_id} in this organisation")
    key = request.get(VERIFIED_KEY)
    kind = KINDS.get(row.kind)
    if key is not None and kind is not None and not ({kind.scope, ADMIN} & key.scopes):
        raise Problem(
            403, f"this API key lacks the scope {kind.scope}", missing_scopes=[kind.scope]
        )
    return ctx, row


async def status(request: web.Request) -> web.Response:
    _, row = await _export_for(request)
    return json_response(describe(row))


async def download(request: web.Request) -> web.StreamResponse:
    ctx, row = await _export_for(request)
    now = ctx.runtime.clock.now()
    expired = row.status == "expired" or (row.expires_at is not None and row.expires_at <= now)
    if expired:
        raise Problem(
            410,
            f"export {row.id} expired at {row.expires_at:%Y-%m-%d %H:%M} UTC; request a new one",
            kind="export-expired",
            title="Gone",
        )
    if row.status == "failed":
        raise Problem(409, f"export {row.id} failed: {row.error}", kind="export-failed")
    if row.status != "done" or row.path is None:
        raise Problem(
            409,
            f"export {row.id} is {row.status} ({row.rows_written} rows written so far); "
            "download it once its status is done",
            kind="export-not-ready",
            headers={"Retry-After": "2"},
        )
    path = ctx.export_path(row.path)
    if not path.is_file():
        raise Problem(
            410, f"the file of export {row.id} is gone", kind="export-expired", title="Gone"
        )
    headers = {
        "Content-Type": row.content_type,
        "Content-Disposition": f'attachment; filename="{row.file_name}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return web.FileResponse(path, headers=headers)


async def formats(request: web.Request) -> web.Response:
    listed = [
        {"format": f.format, "media_type": f.media_type, "extension": f.extension, "title": f.title}
        for f in sorted(export_formats(files_of(request)).values(), key=lambda f: f.format)
    ]
    kinds = {
        k.name: {"scope": k.scope, "columns": [{"name": c.name, "type": c.type} for c in k.columns]}
        for k in KINDS.values()
    }
    return web.json_response({"formats": listed, "kinds": kinds})


async def schema(request: web.Request) -> web.Response:
    return web.Response(body=schema_text(), content_type="application/xml")


__all__ = ["ExportOut", "creator", "download", "formats", "schema", "status"]
