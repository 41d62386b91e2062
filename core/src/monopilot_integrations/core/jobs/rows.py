"""The one place a job row is built, for the dispatcher and for jobs created directly."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from monopilot_integrations.core.connector import Connector, JobSpec

QUEUED = "queued"


def job_row(
    org_id: uuid.UUID,
    connector: type[Connector],
    spec: JobSpec,
    now: datetime,
    *,
    event_id: uuid.UUID | None = None,
    event_type: str | None = None,
) -> dict[str, Any]:
    """A new ``integration_jobs`` row: the spec's overrides, else the connector's defaults."""
    return {
        "id": uuid.uuid4(),
        "org_id": org_id,
        "connector": connector.name,
        "kind": spec.kind,
        "event_id": event_id,
        "event_type": event_type,
        "subject_id": spec.subject_id,
        "payload": dict(spec.payload),
        "status": QUEUED,
        "retry_policy": str(spec.retry_policy or connector.retry_policy),
        "max_retries": spec.max_retries if spec.max_retries is not None else connector.max_retries,
        "retries": 0,
        "attempts": 0,
        "next_run_at": spec.run_at or now,
        "enqueued_at": None,
        "created_at": now,
        "updated_at": now,
    }
