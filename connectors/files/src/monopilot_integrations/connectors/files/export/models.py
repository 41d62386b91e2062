"""The export API's bodies: what a client asks for and what it is told."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from monopilot_integrations.connectors.files.formats.base import FormatOptions
from monopilot_integrations.core.domain.bulk import InventoryFilter, OrderFilter, ProductFilter

ExportStatus = Literal["queued", "running", "done", "failed", "expired"]


class _ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: str = Field(
        default="csv", description="csv, json, xml, or a format a plugin registered"
    )
    columns: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Columns in the order wanted (default: every column of the kind)",
    )
    options: FormatOptions = Field(default_factory=FormatOptions)


class ProductExportRequest(_ExportRequest):
    filters: ProductFilter = Field(default_factory=ProductFilter)


class OrderExportRequest(_ExportRequest):
    filters: OrderFilter = Field(default_factory=OrderFilter)


class InventoryExportRequest(_ExportRequest):
    filters: InventoryFilter = Field(default_factory=InventoryFilter)


class ExportOut(BaseModel):
    """An export and where it stands."""

    id: uuid.UUID
    kind: str
    format: str
    status: ExportStatus
    rows_written: int
    rows_total: int | None = Field(description="Rows the export will hold (known once running)")
    progress: float | None = Field(description="0..1, once the total is known")
    file_name: str
    content_type: str
    size_bytes: int | None = None
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    expires_at: datetime | None = None
    request: dict[str, Any]
    status_url: str
    download_url: str
