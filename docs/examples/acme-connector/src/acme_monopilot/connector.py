"""The ACME connector: a few class attributes and one method."""

from __future__ import annotations

from sqlalchemy import insert, select

from acme_monopilot.tables import AcmeExport
from monopilot_integrations.core import Connector, Job, OutboundMessage
from monopilot_integrations.core.jobs.retry import RetryPolicy


class AcmeConnector(Connector):
    name = "acme"
    title = "ACME order files"
    consumes = ("order.created",)
    retry_policy = RetryPolicy.EXPONENTIAL
    max_retries = 5
    external_system = "acme"

    async def handle(self, job: Job) -> None:
        document = self.mappers.find("acme", "purchase_order").to_external(job.payload)
        folder = self.context.settings.data_dir / "acme-outbox" / str(job.org_id)
        file_name = f"{job.payload['po_number']}-{job.id.hex[:8]}.txt"
        job.record(request={"file": file_name, "document": document})
        transport = self.transport("acme-folder", {"path": folder})
        receipt = await transport.send(
            OutboundMessage(name=file_name, body=document.encode(), content_type="text/plain")
        )
        job.record(response={"path": receipt.reference})
        async with self.context.database.session(job.org_id) as session:
            # The job id makes the export idempotent: a retry after a crash between the
            # rename and this insert does not record the file twice.
            seen = await session.scalar(select(AcmeExport.id).where(AcmeExport.job_id == job.id))
            if seen is None:
                await session.execute(
                    insert(AcmeExport).values(
                        org_id=job.org_id,
                        po_number=job.payload["po_number"],
                        file_name=file_name,
                        job_id=job.id,
                        created_at=self.context.clock.now(),
                    )
                )
