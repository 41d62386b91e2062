"""Every route of the files connector, as ``Route`` records for ``register_routes``."""

from __future__ import annotations

from monopilot_integrations.connectors.files.export import routes as export
from monopilot_integrations.connectors.files.export.kinds import INVENTORY, ORDERS, PRODUCTS
from monopilot_integrations.connectors.files.export.models import (
    ExportOut,
    InventoryExportRequest,
    OrderExportRequest,
    ProductExportRequest,
)
from monopilot_integrations.connectors.files.imports import routes as imports
from monopilot_integrations.connectors.files.imports.models import (
    ImportQuery,
    ImportResult,
    TemplateQuery,
)
from monopilot_integrations.core.plugins.registration import Route
from monopilot_integrations.core.web.problems import ProblemDetail

EXPORT = "/api/integrations/export"
IMPORT = "/api/integrations/import/products"
ADMIN = "integrations:admin"
READ_ANY = "read:products|read:orders|read:inventory|" + ADMIN
WRITE_PRODUCTS = "write:products|" + ADMIN
TAGS = ("files",)

_UPLOAD = (
    "Request body: the file itself (Content-Type text/csv or application/json) or a "
    "multipart/form-data form with the file in a file field; at most "
    "MONOPILOT_FILES_MAX_IMPORT_BYTES."
)

ROUTES: tuple[Route, ...] = (
    *(
        Route(
            "POST",
            f"{EXPORT}/{kind.name}",
            export.creator(kind, model),
            name=f"files-export-{kind.name}",
            scope=f"{kind.scope}|{ADMIN}",
            summary=f"Export {kind.name} as a file (a job; answers at once with its id)",
            tags=TAGS,
            request_model=model,
            response_model=ExportOut,
            status_code=202,
            responses={422: ProblemDetail},
        )
        for kind, model in (
            (PRODUCTS, ProductExportRequest),
            (ORDERS, OrderExportRequest),
            (INVENTORY, InventoryExportRequest),
        )
    ),
    Route(
        "GET",
        f"{EXPORT}/formats",
        export.formats,
        name="files-export-formats",
        scope=READ_ANY,
        summary="Export formats installed, and the columns of each kind",
        tags=TAGS,
    ),
    Route(
        "GET",
        f"{EXPORT}/schema.xsd",
        export.schema,
        name="files-export-schema",
        scope=READ_ANY,
        summary="The XML Schema of XML exports",
        tags=TAGS,
    ),
    Route(
        "GET",
        f"{EXPORT}/{{id}}/status",
        export.status,
        name="files-export-status",
        scope=READ_ANY,
        summary="Where an export stands: queued, running, done, failed or expired; progress",
        tags=TAGS,
        response_model=ExportOut,
        responses={404: ProblemDetail},
    ),
    Route(
        "GET",
        f"{EXPORT}/{{id}}/download",
        export.download,
        name="files-export-download",
        scope=READ_ANY,
        summary="The export's file, streamed (409 until done, 410 Gone once expired)",
        tags=TAGS,
        responses={404: ProblemDetail, 409: ProblemDetail, 410: ProblemDetail},
    ),
    Route(
        "GET",
        f"{IMPORT}/template",
        imports.template,
        name="files-products-importing-template",
        scope="read:products|" + WRITE_PRODUCTS,
        summary="The CSV template (header and an example row) or the JSON Schema of an import",
        tags=TAGS,
        query_model=TemplateQuery,
    ),
    Route(
        "POST",
        f"{IMPORT}/validate",
        imports.validate_file,
        name="files-products-importing-validate",
        scope=WRITE_PRODUCTS,
        summary="Check an import file: counts and every error (row, column, value, "
        "message); writes nothing. " + _UPLOAD,
        tags=TAGS,
        query_model=ImportQuery,
        response_model=ImportResult,
        responses={413: ProblemDetail, 415: ProblemDetail, 422: ProblemDetail},
    ),
    Route(
        "POST",
        f"{IMPORT}/execute",
        imports.execute_file,
        name="files-products-importing-execute",
        scope=WRITE_PRODUCTS,
        summary="Import products: all or nothing, insert or update by code, product.created "
        "for new ones; safe to run twice. " + _UPLOAD,
        tags=TAGS,
        query_model=ImportQuery,
        response_model=ImportResult,
        responses={
            409: ProblemDetail,
            413: ProblemDetail,
            415: ProblemDetail,
            422: ProblemDetail,
        },
    ),
)
