"""Validating an import file: every row checked, codes compared with what is stored.

One pass over the file, a batch of rows at a time: the rows' rules (:mod:`.checks`),
duplicate codes within the file (the later row is the error, naming the first), and one
look-up per batch of codes (``DomainStore.find_products_by_codes``) to say how many
products the import would create, update or leave as they are. Nothing is written. Every
error is counted; the first ``max_errors`` are listed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from monopilot_integrations.connectors.files.imports.checks import check_row
from monopilot_integrations.connectors.files.imports.problems import RowError, row_error
from monopilot_integrations.connectors.files.imports.reader import read_rows
from monopilot_integrations.connectors.files.imports.upload import Upload
from monopilot_integrations.core.domain.bulk import MAX_CODES
from monopilot_integrations.core.domain.port import DomainStore
from monopilot_integrations.core.domain.products import Product


@dataclass
class ImportReport:
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    to_create: int = 0
    to_update: int = 0
    unchanged: int = 0
    errors_total: int = 0
    errors: list[RowError] = field(default_factory=list)

    def add_errors(self, errors: list[RowError], limit: int) -> None:
        self.errors_total += len(errors)
        room = limit - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])


def changes(product: Product, fields: dict[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from the stored product's."""
    return {k: v for k, v in fields.items() if k != "code" and getattr(product, k) != v}


def valid_batches(
    upload: Upload,
    report: ImportReport,
    *,
    max_errors: int,
    delimiter: str | None = None,
    on_row: Callable[[int], None] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """The file's valid rows as product fields, in batches of at most ``MAX_CODES``;
    counts and errors go into ``report``."""
    first_row: dict[str, int] = {}
    batch: list[dict[str, Any]] = []
    for number, values, structural in read_rows(upload.path, upload.format, delimiter):
        report.rows += 1
        # A row that could not be split into columns has nothing more to check.
        fields, errors = check_row(number, values) if values or not structural else ({}, [])
        errors = structural + errors
        code = fields.get("code")
        if code is not None:
            seen = first_row.setdefault(code, number)
            if seen != number:
                errors.append(
                    row_error(number, "code", code, f"the code appears again (first on row {seen})")
                )
        if errors:
            report.invalid += 1
            report.add_errors(errors, max_errors)
        else:
            report.valid += 1
            batch.append(fields)
            if len(batch) == MAX_CODES:
                yield batch
                batch = []
        if on_row is not None:
            on_row(report.rows)
    if batch:
        yield batch


async def off_the_loop(
    batches: Iterator[list[dict[str, Any]]],
) -> AsyncIterator[list[dict[str, Any]]]:
    """The batches, each read and checked in a worker thread: parsing a large file must not
    hold up the event loop's other requests."""
    while (batch := await asyncio.to_thread(next, batches, None)) is not None:
        yield batch


async def validate(
    store: DomainStore,
    org_id: uuid.UUID,
    upload: Upload,
    *,
    max_errors: int,
    delimiter: str | None = None,
    on_row: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    batches = valid_batches(
        upload, report, max_errors=max_errors, delimiter=delimiter, on_row=on_row
    )
    async for batch in off_the_loop(batches):
        stored = await store.find_products_by_codes(org_id, [f["code"] for f in batch])
        for fields in batch:
            product = stored.get(fields["code"])
            if product is None:
                report.to_create += 1
            elif changes(product, fields):
                report.to_update += 1
            else:
                report.unchanged += 1
    return report
