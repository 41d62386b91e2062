"""The import API's answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from monopilot_integrations.connectors.files.imports.problems import RowError
from monopilot_integrations.connectors.files.imports.validate import ImportReport

Delimiter = Literal[",", ";", "\t", "|"]


class ImportQuery(BaseModel):
    format: Literal["csv", "json"] | None = Field(
        default=None, description="csv or json (default: from Content-Type or file name)"
    )
    delimiter: Delimiter | None = Field(
        default=None,
        description="CSV field separator (default: detected from the header: , ; tab |)",
    )


class TemplateQuery(BaseModel):
    format: Literal["csv", "json"] = Field(
        default="csv",
        description="csv (header and an example row) or json (the JSON Schema of an import file)",
    )
    delimiter: Delimiter = ","


class ImportResult(BaseModel):
    """What the file holds (validate) or what was done (execute)."""

    file_name: str | None
    format: str
    size_bytes: int
    sha256: str
    rows: int
    valid: int
    invalid: int
    created: int = Field(description="New products (validate: that would be created)")
    updated: int = Field(description="Products changed (validate: that would change)")
    unchanged: int = Field(description="Rows equal to the stored product")
    errors_total: int
    errors_listed: int
    errors: list[RowError]
    written: bool = Field(description="Whether anything was written")

    @classmethod
    def of(cls, report: ImportReport, upload: object, *, written: bool) -> ImportResult:
        return cls(
            file_name=getattr(upload, "file_name", None),
            format=getattr(upload, "format", "csv"),
            size_bytes=getattr(upload, "size", 0),
            sha256=getattr(upload, "sha256", ""),
            rows=report.rows,
            valid=report.valid,
            invalid=report.invalid,
            created=report.to_create,
            updated=report.to_update,
            unchanged=report.unchanged,
            errors_total=report.errors_total,
            errors_listed=len(report.errors),
            errors=report.errors,
            written=written,
        )
