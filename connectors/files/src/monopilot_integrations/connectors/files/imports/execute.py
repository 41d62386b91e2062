"""Executing an import: all or nothing, in one transaction.

The file is validated first (:mod:`.validate`); with any error nothing is written and the
report says why. Then one transaction inserts the new products (publishing
``product.created`` for each through the transactional outbox, so the events exist exactly
when the products do) and updates the changed ones, by code. Rows equal to what is stored
are left alone, so running the same file twice changes nothing the second time and
publishes no event.
"""

from __future__ import annotations

import uuid

from sqlalchemy import exc as sa_exc

from monopilot_integrations.connectors.files.context import FilesContext
from monopilot_integrations.connectors.files.imports.problems import FileProblem
from monopilot_integrations.connectors.files.imports.upload import Upload
from monopilot_integrations.connectors.files.imports.validate import (
    ImportReport,
    changes,
    off_the_loop,
    valid_batches,
    validate,
)
from monopilot_integrations.core.domain.payloads import product_created
from monopilot_integrations.core.domain.products import NewProduct, ProductUpdate
from monopilot_integrations.core.errors import ValidationError


class ImportRejected(Exception):
    """The file has errors: nothing was written."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{report.errors_total} errors in {report.invalid} rows")
        self.report = report


async def execute(
    ctx: FilesContext,
    org_id: uuid.UUID,
    upload: Upload,
    *,
    delimiter: str | None = None,
) -> ImportReport:
    """Apply the file; :class:`ImportRejected` (nothing written) when it has errors."""
    runtime = ctx.runtime
    store = runtime.domain
    limit = ctx.settings.max_listed_errors
    checked = await validate(store, org_id, upload, max_errors=limit, delimiter=delimiter)
    if checked.errors_total:
        raise ImportRejected(checked)
    report = ImportReport()
    try:
        async with runtime.database.session(org_id) as session:
            batches = valid_batches(upload, report, max_errors=limit, delimiter=delimiter)
            async for batch in off_the_loop(batches):
                stored = await store.find_products_by_codes(
                    org_id, [f["code"] for f in batch], session=session
                )
                for fields in batch:
                    product = stored.get(fields["code"])
                    if product is None:
                        created = await store.create_product(
                            org_id, NewProduct(**fields), session=session
                        )
                        await runtime.publish(
                            org_id, "product.created", product_created(created), session=session
                        )
                        report.to_create += 1
                        continue
                    changed = changes(product, fields)
                    if changed:
                        await store.update_product(
                            org_id, product.id, ProductUpdate(**changed), session=session
                        )
                        report.to_update += 1
                    else:
                        report.unchanged += 1
            if report.errors_total:  # the file changed between the two passes
                raise ImportRejected(report)
    except (ValidationError, sa_exc.IntegrityError) as exc:
        # Someone else wrote one of these codes meanwhile: nothing of this import stays.
        raise FileProblem(
            409,
            "import-conflict",
            f"the products changed while the import ran ({exc}); nothing was written: "
            "send the file again",
        ) from None
    return report
