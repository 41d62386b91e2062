"""A worker process of the lease tests: runs one batch of jobs and lives on until killed.

python -m tests.core.jobs.lease_worker DATABASE_URL DATA_DIR LEASE_SECONDS ORG_ID JOB_ID...
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from tests.support import plugin


async def main(url: str, data_dir: str, lease: str, org: str, *job_ids: str) -> None:
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    settings = Settings(
        database_url=url,
        data_dir=Path(data_dir),
        embedded_worker=False,
        job_lease_seconds=float(lease),
        job_batch_hold=0.2,
    )
    kernel = await Kernel.start(settings, plugins=plugins)
    await kernel.runtime().batches.run(uuid.UUID(org), [uuid.UUID(j) for j in job_ids])
    await asyncio.Event().wait()  # attempts still running go on; the test kills the process


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5], *sys.argv[5:]))
