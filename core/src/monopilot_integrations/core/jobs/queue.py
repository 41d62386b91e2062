"""The fast path: Dramatiq messages that say "these jobs of organisation Y may be due".

No actor exists at import time and no broker is global. :func:`build_broker` makes the
broker the settings ask for (in-process stub, Redis, RabbitMQ); :class:`DramatiqJobQueue`
declares one generic actor per installed connector, each on its own queue, so a slow
partner's backlog never starves another connector. Messages carry ids only, up to
``job_batch_size`` of one organisation and connector per message; the jobs themselves are
read from the database when they run (see :mod:`.batch`), which is why a lost message costs
only latency: the sweeper re-enqueues due jobs.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware.asyncio import AsyncIO

from monopilot_integrations.core.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedJob:
    org_id: uuid.UUID
    job_id: uuid.UUID
    connector: str


class JobQueue(Protocol):
    async def enqueue(self, jobs: Sequence[QueuedJob]) -> None:
        """Send the jobs (batched per organisation and connector); raise if the broker is
        unreachable."""
        ...


def build_broker(settings: Settings) -> dramatiq.Broker:
    """The broker named by ``settings.broker_url``, with the AsyncIO middleware added."""
    url = settings.broker_url
    broker: dramatiq.Broker
    if not url or url.startswith("stub:"):
        broker = StubBroker()
    elif url.startswith(("redis://", "rediss://", "unix://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url, namespace=settings.broker_namespace)  # type: ignore[no-untyped-call]
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    else:
        raise ValueError(
            f"MONOPILOT_BROKER_URL {url!r}: expected redis://, amqp:// or unset (in-process)"
        )
    broker.add_middleware(AsyncIO())
    return broker


#: ``dramatiq.actor`` with its overloads erased: it is called with keyword options here.
make_actor: Any = dramatiq.actor


def queue_name(namespace: str, connector: str) -> str:
    """A connector's queue, named within the deployment's ``broker_namespace``: RabbitMQ has
    no key prefix of its own, so two deployments on one vhost share nothing but the vhost."""
    return f"{namespace}.{connector}"


def actor_name(connector: str) -> str:
    return f"monopilot_run_{connector}"


class DramatiqJobQueue:
    """Declares the per-connector actors on ``broker`` and sends messages to them."""

    def __init__(
        self,
        broker: dramatiq.Broker,
        connectors: Iterable[tuple[str, str]],
        run: Callable[[uuid.UUID, list[uuid.UUID], str], Awaitable[Any]],
        *,
        time_limit_ms: int,
        batch_size: int = 100,
    ) -> None:
        self.broker = broker
        self.batch_size = batch_size
        self.actors: dict[str, dramatiq.Actor[Any, Any]] = {}

        def runner(connector: str) -> Callable[[str, list[str] | str], Awaitable[None]]:
            async def run_jobs(org_id: str, job_ids: list[str] | str) -> None:
                # A plain string: a message of the one-job-per-message format, still queued.
                ids = [job_ids] if isinstance(job_ids, str) else job_ids
                await run(uuid.UUID(org_id), [uuid.UUID(job_id) for job_id in ids], connector)

            return run_jobs

        for name, queue_name in connectors:
            self.actors[name] = make_actor(
                runner(name),
                broker=broker,
                actor_name=actor_name(name),
                queue_name=queue_name,
                max_retries=0,  # retries are the job engine's, with its own schedule
                time_limit=time_limit_ms,
            )

    @property
    def queue_names(self) -> list[str]:
        return sorted({a.queue_name for a in self.actors.values()})

    async def enqueue(self, jobs: Sequence[QueuedJob]) -> None:
        if not jobs:
            return
        messages = []
        for (connector, org_id), ids in batches(jobs, self.batch_size):
            actor = self.actors.get(connector)
            if actor is None:
                log.warning("no actor for connector %r; %d jobs wait", connector, len(ids))
                continue
            messages.append(actor.message(str(org_id), [str(job_id) for job_id in ids]))
        if isinstance(self.broker, StubBroker):
            for message in messages:
                self.broker.enqueue(message)
        else:
            # Broker clients are blocking: keep them off the event loop.
            await asyncio.to_thread(_enqueue_all, self.broker, messages)


def batches(
    jobs: Iterable[QueuedJob], size: int
) -> list[tuple[tuple[str, uuid.UUID], list[uuid.UUID]]]:
    """The jobs grouped by connector and organisation, in chunks of at most ``size``, in
    the order they came."""
    groups: dict[tuple[str, uuid.UUID], list[uuid.UUID]] = {}
    for job in jobs:
        groups.setdefault((job.connector, job.org_id), []).append(job.job_id)
    return [
        (key, ids[start : start + size])
        for key, ids in groups.items()
        for start in range(0, len(ids), size)
    ]


def _enqueue_all(broker: dramatiq.Broker, messages: list[Any]) -> None:
    for message in messages:
        broker.enqueue(message)
