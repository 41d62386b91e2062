"""The base class a connector author subclasses.

A connector sets a few class attributes and overrides one or two methods, as in the Singer
SDK::

    class AcmeConnector(Connector):
        name = "acme"
        consumes = ("order.created",)

        async def handle(self, job: Job) -> None:
            document = self.mappers.find("acme", "purchase_order").to_external(job.payload)
            await self.transport("folder", {"path": "/srv/acme"}).send(document)

``plan`` turns an event into jobs (default: one job carrying the event's data); ``handle``
carries out one attempt of a job and raises :class:`~.errors.RetriableError` or
:class:`~.errors.FatalError` when it fails. The kernel does the rest: persisting jobs,
queueing, retries on the connector's policy, the dead-letter queue and the integration log.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from monopilot_integrations.core.jobs.retry import RetryPolicy

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from monopilot_integrations.core.clock import Clock
    from monopilot_integrations.core.crypto import Keyring
    from monopilot_integrations.core.db.database import Database
    from monopilot_integrations.core.domain.port import DomainStore
    from monopilot_integrations.core.events import Event
    from monopilot_integrations.core.jobs.model import Job
    from monopilot_integrations.core.plugins.registry import MapperCatalog, Registry
    from monopilot_integrations.core.settings import Settings
    from monopilot_integrations.core.transport import Transport


class ConnectorContext(Protocol):
    """What a connector may use of the running kernel."""

    settings: Settings
    registry: Registry
    database: Database
    clock: Clock
    #: The kernel's AES-256-GCM keyring, for secrets a connector stores in its own tables.
    keyring: Keyring

    @property
    def domain(self) -> DomainStore: ...

    async def publish(
        self,
        org_id: uuid.UUID,
        event_type: str,
        data: Mapping[str, Any],
        *,
        session: AsyncSession | None = None,
        channels: Sequence[str] = (),
    ) -> uuid.UUID: ...


@dataclass(frozen=True)
class JobSpec:
    """A job a connector wants created for an event (see :meth:`Connector.plan`).

    ``subject_id`` names what the job is about on the connector's side (a webhook id, a
    partner id); it is stored, shown in the management API and filterable.
    ``max_retries`` / ``retry_policy`` override the connector's defaults for this job.
    ``run_at`` delays the first attempt.
    """

    payload: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "default"
    subject_id: str | None = None
    max_retries: int | None = None
    retry_policy: RetryPolicy | None = None
    run_at: datetime | None = None


class Connector:
    """A named integration. Subclass, set the class attributes, override ``handle``."""

    #: Unique name; also the job queue's suffix and the ``connector`` column in logs.
    name: ClassVar[str]
    #: Human title for listings.
    title: ClassVar[str] = ""
    #: Event types this connector turns into jobs; ``"*"`` means every type.
    consumes: ClassVar[tuple[str, ...]] = ()
    #: Default retry policy and budget for this connector's jobs.
    retry_policy: ClassVar[RetryPolicy] = RetryPolicy.EXPONENTIAL
    max_retries: ClassVar[int] = 5
    #: ``integration_logs.integration_type`` for attempts; default: the name.
    integration_type: ClassVar[str | None] = None
    #: ``integration_logs.external_system`` for attempts, when there is one.
    external_system: ClassVar[str | None] = None
    #: Log direction of this connector's attempts.
    direction: ClassVar[str] = "outbound"
    #: Attempts of this connector running at once on one worker loop (``None``: bounded
    #: by ``job_concurrency`` only); ``MONOPILOT_CONNECTOR_CONCURRENCY`` overrides it.
    max_concurrency: ClassVar[int | None] = None

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context

    # --- what authors override ----------------------------------------------------------

    async def plan(self, event: Event) -> Sequence[JobSpec]:
        """Jobs to create for ``event``. Default: one job carrying the event's data.

        Return an empty sequence to ignore the event (a connector disabled for this
        organisation, a webhook not subscribed). Reads only: the dispatcher writes the jobs
        and marks the event dispatched in one transaction after every consumer planned.
        """
        return [JobSpec(payload=event.data)]

    async def handle(self, job: Job) -> None:
        """Carry out one attempt of ``job``. Raise Retriable/FatalError on failure.

        Record what should appear in the integration log with ``job.record(...)``.
        """
        raise NotImplementedError(f"connector {self.name!r} does not handle jobs")

    # --- conveniences -------------------------------------------------------------------

    @classmethod
    def queue_name(cls) -> str:
        return f"monopilot.{cls.name}"

    @classmethod
    def log_type(cls) -> str:
        return cls.integration_type or cls.name

    @property
    def mappers(self) -> MapperCatalog:
        return self.context.registry.mappers

    @property
    def domain(self) -> DomainStore:
        return self.context.domain

    def transport(self, name: str, config: Mapping[str, Any]) -> Transport:
        """Build the transport ``name`` from a (validated) configuration mapping."""
        return self.context.registry.transports[name].from_config(config)
