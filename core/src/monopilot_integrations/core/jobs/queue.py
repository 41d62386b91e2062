"""The fast path: Dramatiq messages that say "job X of organisation Y may be due".

No actor exists at import time and no broker is global. :func:`build_broker` makes the
broker the settings ask for (in-process stub, Redis, RabbitMQ); :class:`DramatiqJobQueue`
declares one generic actor per installed connector, each on its own queue, so a slow
partner's backlog never starves another connector. Messages carry ids only; the job itself
is read from the database when it runs (see :mod:`.engine`), which is why a lost message
costs only latency: the sweeper re-enqueues due jobs.
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
        """Send one message per job; raise if the broker is unreachable."""
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


def actor_name(connector: str) -> str:
    return f"monopilot_run_{connector}"


class DramatiqJobQueue:
    """Declares the per-connector actors on ``broker`` and sends messages to them."""

    def __init__(
        self,
        broker: dramatiq.Broker,
        connectors: Iterable[tuple[str, str]],
        run: Callable[[uuid.UUID, uuid.UUID], Awaitable[Any]],
        *,
        time_limit_ms: int,
    ) -> None:
        self.broker = broker
        self.actors: dict[str, dramatiq.Actor[Any, Any]] = {}

        async def run_job(org_id: str, job_id: str) -> None:
            await run(uuid.UUID(org_id), uuid.UUID(job_id))

        for name, queue_name in connectors:
            self.actors[name] = make_actor(
                run_job,
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
        for job in jobs:
            actor = self.actors.get(job.connector)
            if actor is None:
                log.warning("no actor for connector %r; job %s waits", job.connector, job.job_id)
                continue
            messages.append(actor.message(str(job.org_id), str(job.job_id)))
        if isinstance(self.broker, StubBroker):
            for message in messages:
                self.broker.enqueue(message)
        else:
            # Broker clients are blocking: keep them off the event loop.
            await asyncio.to_thread(_enqueue_all, self.broker, messages)


def _enqueue_all(broker: dramatiq.Broker, messages: list[Any]) -> None:
    for message in messages:
        broker.enqueue(message)
