"""Every import (validated or executed) as an integration log row, ``integration_type =
'import'``: the file (name, format, size, SHA-256), the counts and the first errors."""

from __future__ import annotations

import uuid
from typing import Any

from monopilot_integrations.connectors.files.context import CONNECTOR, FilesContext
from monopilot_integrations.connectors.files.imports.upload import Upload
from monopilot_integrations.core.logs.writer import LogEntry

INTEGRATION_TYPE = "import"
LOGGED_ERRORS = 20


def log_import(
    ctx: FilesContext,
    org_id: uuid.UUID,
    action: str,
    *,
    upload: Upload | None,
    status: str,
    http_status: int,
    result: dict[str, Any] | None = None,
    error: str | None = None,
    api_key_id: uuid.UUID | None = None,
    duration_ms: int | None = None,
) -> None:
    file = None
    if upload is not None:
        file = {
            "file_name": upload.file_name,
            "format": upload.format,
            "size_bytes": upload.size,
            "sha256": upload.sha256,
        }
    response = None
    if result is not None:
        response = {k: v for k, v in result.items() if k != "errors"}
        response["errors"] = list(result.get("errors") or [])[:LOGGED_ERRORS]
    ctx.runtime.log_writer.add(
        LogEntry(
            org_id=org_id,
            integration_type=INTEGRATION_TYPE,
            event_type=f"import.products.{action}",
            direction="inbound",
            status=status,
            http_status=http_status,
            request_body=file,
            response_body=response,
            error_message=error,
            connector=CONNECTOR,
            api_key_id=api_key_id,
            duration_ms=duration_ms,
            timestamp=ctx.runtime.clock.now(),
        )
    )
