"""The job a handler receives, and what the handler reports back for the log."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class AttemptRecord:
    """What a handler wants in this attempt's integration log row.

    Bodies are masked and capped by the log writer; the handler passes them as they are.
    """

    request_body: Any = None
    response_body: Any = None
    http_status: int | None = None
    external_system: str | None = None
    event_type: str | None = None
    webhook_id: uuid.UUID | None = None
    warning: str | None = None
    #: Known secret values to scrub from this attempt's log row wherever they appear.
    secrets: list[str] = field(default_factory=list)


@dataclass
class Job:
    """One attempt's view of a job. ``id`` is the stable delivery id across retries."""

    id: uuid.UUID
    org_id: uuid.UUID
    connector: str
    kind: str
    #: The job's input as planned, parsed for this attempt alone (the handler may change it).
    payload: dict[str, Any]
    event_id: uuid.UUID | None
    event_type: str | None
    subject_id: str | None
    #: Attempts made so far, this one included (across redrives and lease expiries).
    attempt: int
    #: Retries already spent in the current run (the log's ``retry_count``).
    retries: int
    max_retries: int
    retry_policy: str
    created_at: datetime
    attempt_record: AttemptRecord = field(default_factory=AttemptRecord)

    def record(
        self,
        *,
        request: Any = None,
        response: Any = None,
        http_status: int | None = None,
        external_system: str | None = None,
        webhook_id: uuid.UUID | None = None,
        warning: str | None = None,
        secrets: list[str] | None = None,
    ) -> None:
        """Attach details to this attempt's log row (call any number of times)."""
        r = self.attempt_record
        if request is not None:
            r.request_body = request
        if response is not None:
            r.response_body = response
        if http_status is not None:
            r.http_status = http_status
        if external_system is not None:
            r.external_system = external_system
        if webhook_id is not None:
            r.webhook_id = webhook_id
        if warning is not None:
            r.warning = warning
        if secrets:
            r.secrets.extend(secrets)
