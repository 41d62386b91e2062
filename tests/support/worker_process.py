"""Run one attempt of a job in a separate process, so a test can kill it mid-attempt.

python -m tests.support.worker_process DATABASE_URL DATA_DIR ORG_ID JOB_ID
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


async def main(url: str, data_dir: str, org: str, job: str) -> None:
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    settings = Settings(
        database_url=url, data_dir=Path(data_dir), embedded_worker=False, job_lease_seconds=30
    )
    kernel = await Kernel.start(settings, plugins=plugins)
    await kernel.run_job(uuid.UUID(org), uuid.UUID(job))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
