"""The files connector: export jobs run by the kernel's job engine.

It consumes no events. An export request creates a job directly (``kernel.jobs.create``),
which runs on this connector's queue with its retry policy; each attempt is logged with
``integration_type = 'export'``. Imports run inside their request and log as ``import``.
"""

from __future__ import annotations

from monopilot_integrations.connectors.files.context import CONNECTOR, FilesContext
from monopilot_integrations.connectors.files.export.runner import run_export
from monopilot_integrations.core import Connector, Job
from monopilot_integrations.core.jobs.retry import RetryPolicy


class FilesConnector(Connector):
    name = CONNECTOR
    title = "Data export (CSV, JSON, XML) and product import"
    retry_policy = RetryPolicy.EXPONENTIAL
    max_retries = 3
    integration_type = "export"
    direction = "outbound"

    async def handle(self, job: Job) -> None:
        await run_export(FilesContext.of(self.context), job)
