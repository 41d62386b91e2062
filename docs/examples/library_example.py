"""MonoPilot Integrations used as a library: a complete, runnable round trip.

1. migrate a SQLite database under ``data_dir`` (core's tables and every plugin's branch);
2. start the kernel with the embedded worker, with a tiny connector of this file's own
   that consumes ``workorder.completed`` and remembers what it received;
3. complete a work order in the reference domain and publish ``workorder.completed`` in
   the same transaction (the transactional outbox);
4. wait for the job to succeed and read the attempt's integration log row.

Run it with ``python docs/examples/library_example.py`` (from the workspace's virtual
environment); it prints the summary that ``main`` returns.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from monopilot_integrations.core import Connector, Job, hookimpl
from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.db.tables import JobRow, LogRow
from monopilot_integrations.core.domain import WorkOrderUpdate
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.domain.seed import load_seed, parse_seed

#: What the connector received, one payload per attempt. The embedded worker runs jobs on
#: its own thread and event loop, so the connector reports through this list.
RECEIVED: list[dict[str, Any]] = []


class ProductionLedger(Connector):
    """Sends every completed work order to a (pretend) production ledger."""

    name = "ledger"
    title = "Production ledger (library example)"
    consumes = ("workorder.completed",)
    external_system = "ledger"

    async def handle(self, job: Job) -> None:
        RECEIVED.append(dict(job.payload))
        job.record(request=job.payload, response={"accepted": True}, http_status=200)


class LedgerPlugin:
    """A plugin object registered by hand instead of through an entry point."""

    @hookimpl
    def register_connectors(self, register: Any) -> None:
        register(ProductionLedger)


#: One organisation with one work order in production, as a seed file (docs/domain.md).
SEED = {
    "organization": {"code": "lib-demo", "name": "Library Demo Bakery"},
    "products": [
        {"code": "CHLEB", "name": "Chleb 500 g", "unit": "szt", "price": "6.50", "vat_rate": "5"}
    ],
    "work_orders": [
        {
            "number": "WO-1",
            "product_code": "CHLEB",
            "qty_planned": "120",
            "status": "in_progress",
            "started_at": "2026-03-09T02:00:00+01:00",
        }
    ],
}


async def main(data_dir: Path) -> dict[str, Any]:
    RECEIVED.clear()
    # Embedded mode: a SQLite file under data_dir and the in-process broker. The explicit
    # None values keep MONOPILOT_DATABASE_URL / MONOPILOT_BROKER_URL from redirecting it.
    settings = Settings(
        data_dir=data_dir,
        database_url=None,
        broker_url=None,
        dispatch_interval=0.1,
        sweep_interval=0.1,
    )
    # Register the plugin *before* the kernel starts: the kernel declares one queue per
    # connector it knows when it starts.
    plugins = PluginManager(allow=settings.plugins, block=settings.disable_plugins)
    plugins.register(LedgerPlugin(), "library-example")

    await migrate.upgrade(
        settings.resolved_database_url,
        Registry(plugins),
        tenant_role=settings.database_tenant_role,
        tenant_password=settings.tenant_database_password,
    )
    kernel = await Kernel.start(settings, plugins=plugins, embedded_worker=True)
    try:
        report = await load_seed(kernel.database, parse_seed(SEED))
        org_id = report.org_id
        (work_order,) = (await kernel.domain.list_work_orders(org_id)).items

        # The domain write and the event commit together, or not at all.
        async with kernel.session(org_id) as session:
            done = await kernel.domain.update_work_order(
                org_id,
                work_order.id,
                WorkOrderUpdate(status="completed", qty_completed=Decimal("118")),
                session=session,
            )
            data: dict[str, Any] = {
                "wo_id": str(done.id),
                "wo_number": done.number,
                "product_code": done.product_code,
                "qty_completed": float(done.qty_completed),  # JSON has no Decimal
            }
            if done.completed_at is not None:  # stamped by the store on completion
                data["completed_at"] = done.completed_at.isoformat()
            event_id = await kernel.publish(org_id, "workorder.completed", data, session=session)

        async with asyncio.timeout(30):
            job = await wait_for_job(kernel, org_id, event_id)
        async with kernel.session(org_id) as session:
            logs = (
                (await session.execute(select(LogRow).where(LogRow.job_id == job.id)))
                .scalars()
                .all()
            )
        return {
            "org_id": str(org_id),
            "event_id": str(event_id),
            "job_id": str(job.id),
            "job_status": job.status,
            "attempts": job.attempts,
            "received": list(RECEIVED),
            "logs": [
                {
                    "status": row.status,
                    "integration_type": row.integration_type,
                    "event_type": row.event_type,
                    "external_system": row.external_system,
                    "http_status": row.http_status,
                    "request_body": row.request_body,
                }
                for row in logs
            ],
        }
    finally:
        await kernel.close()


async def wait_for_job(kernel: Kernel, org_id: uuid.UUID, event_id: uuid.UUID) -> JobRow:
    """Poll until the event's job has finished (succeeded or dead)."""
    while True:
        async with kernel.session(org_id) as session:
            job = await session.scalar(select(JobRow).where(JobRow.event_id == event_id))
        if job is not None and job.status in ("succeeded", "dead"):
            return job
        await asyncio.sleep(0.05)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(asyncio.run(main(Path(folder))), indent=2))
