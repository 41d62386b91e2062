"""A worker process of the webhook crash test: a real Dramatiq worker on the Redis broker.

python -m tests.connectors.webhooks.worker_main DATABASE_URL DATA_DIR REDIS_URL NAMESPACE
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from tests.support import plugin


def settings_for(url: str, data_dir: str, redis_url: str, namespace: str) -> Settings:
    """The settings both the test and its worker processes use."""
    return Settings(
        database_url=url,
        data_dir=Path(data_dir),
        broker_url=redis_url,
        redis_url=redis_url,  # the shared rate limiter (per-webhook rate limits)
        broker_namespace=namespace,
        embedded_worker=False,
        job_lease_seconds=3,
        requeue_after=2,
        worker_threads=4,
        allow_private_targets=True,
        retry_jitter=0,
        environment="test",
    )


async def main(url: str, data_dir: str, redis_url: str, namespace: str) -> None:
    plugins = PluginManager()
    plugins.register(plugin, "kernel-tests")
    kernel = await Kernel.start(settings_for(url, data_dir, redis_url, namespace), plugins=plugins)
    kernel.start_worker()
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
