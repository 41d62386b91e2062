"""``GET /import/products/template``, ``POST /import/products/validate`` and
``POST /import/products/execute``.

Every bad file is answered with problem details (413, 415, 422, or 409 for a conflict with
a concurrent change) listing what is wrong where, and logged; never a 500.
"""

from __future__ import annotations

import json
import time
import uuid

from aiohttp import web

from monopilot_integrations.connectors.files.context import FilesContext
from monopilot_integrations.connectors.files.imports.columns import csv_template, json_schema
from monopilot_integrations.connectors.files.imports.execute import ImportRejected, execute
from monopilot_integrations.connectors.files.imports.journal import log_import
from monopilot_integrations.connectors.files.imports.models import (
    ImportQuery,
    ImportResult,
    TemplateQuery,
)
from monopilot_integrations.connectors.files.imports.problems import FileProblem
from monopilot_integrations.connectors.files.imports.upload import Upload, receive
from monopilot_integrations.connectors.files.imports.validate import validate
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.request import API_KEY_ID, request_kernel, request_org
from monopilot_integrations.core.web.validation import json_response, parse_query


def files_of(request: web.Request) -> FilesContext:
    return FilesContext.of(request_kernel(request))


async def template(request: web.Request) -> web.Response:
    query = parse_query(request, TemplateQuery)
    if query.format == "json":
        return web.Response(
            text=json.dumps(json_schema(), indent=2),
            content_type="application/schema+json",
            headers={"Content-Disposition": 'attachment; filename="products-import.schema.json"'},
        )
    if query.format != "csv":
        raise Problem(422, f"format must be csv or json, not {query.format!r}")
    return web.Response(
        text=csv_template(query.delimiter),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="products-import-template.csv"'},
    )


async def validate_file(request: web.Request) -> web.Response:
    return await _handle(request, "validate")


async def execute_file(request: web.Request) -> web.Response:
    return await _handle(request, "execute")


async def _handle(request: web.Request, action: str) -> web.Response:
    org_id = request_org(request)
    query = parse_query(request, ImportQuery)
    ctx = files_of(request)
    key_id: uuid.UUID | None = request.get(API_KEY_ID)
    started = time.perf_counter()
    upload: Upload | None = None

    def log(status: str, http_status: int, result: ImportResult | None, error: str | None) -> None:
        log_import(
            ctx,
            org_id,
            action,
            upload=upload,
            status=status,
            http_status=http_status,
            result=result.model_dump(mode="json") if result is not None else None,
            error=error,
            api_key_id=key_id,
            duration_ms=int((time.perf_counter() - started) * 1000),
        )

    try:
        upload = await receive(request, ctx.settings.max_import_bytes, query.format)
        if action == "validate":
            report = await validate(
                ctx.runtime.domain,
                org_id,
                upload,
                max_errors=ctx.settings.max_listed_errors,
                delimiter=query.delimiter,
            )
            result = ImportResult.of(report, upload, written=False)
            log("success" if not report.errors_total else "warning", 200, result, None)
            return json_response(result)
        report = await execute(ctx, org_id, upload, delimiter=query.delimiter)
        result = ImportResult.of(report, upload, written=True)
        log("success", 200, result, None)
        return json_response(result)
    except FileProblem as exc:
        log("error", exc.status, None, exc.message)
        raise Problem(exc.status, exc.message, kind=exc.kind, errors=exc.errors or None) from None
    except ImportRejected as rejected:
        result = ImportResult.of(rejected.report, upload, written=False)
        message = (
            f"the file has {result.errors_total} errors in {result.invalid} of its "
            f"{result.rows} rows; nothing was written"
        )
        log("error", 422, result, message)
        raise Problem(
            422,
            message,
            kind="import-rejected",
            errors=result.errors,
            **result.model_dump(mode="json", exclude={"errors"}),
        ) from None
    finally:
        if upload is not None:
            upload.remove()
