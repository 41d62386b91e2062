"""Recording what happened to a message: the integration log row and the failure event.

Both are written in the caller's transaction, so a message, its log row and its
``edi.message.failed`` event commit (or roll back) together.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.edifact.errors import EdifactError, Issue
from monopilot_integrations.connectors.edi.events import MESSAGE_FAILED
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.logs.writer import LogEntry

INTEGRATION_TYPE = "edi"


def problem(
    code: str,
    message: str,
    *,
    segment_number: int | None = None,
    tag: str | None = None,
    expected: str | None = None,
    severity: str = "error",
) -> dict[str, Any]:
    """One entry of ``edi_messages.errors``."""
    return {
        "code": code,
        "message": message,
        "segment_number": segment_number,
        "tag": tag,
        "expected": expected,
        "severity": severity,
    }


def from_issue(issue: Issue) -> dict[str, Any]:
    return problem(
        issue.code,
        issue.message,
        segment_number=issue.segment_number,
        tag=issue.tag,
        expected=issue.expected,
        severity=issue.severity,
    )


def from_error(error: EdifactError) -> dict[str, Any]:
    return from_issue(error.to_issue())


def summary(errors: list[dict[str, Any]]) -> str | None:
    """``error_message``: every error, one per line (warnings left to ``errors``)."""
    texts = [str(e["message"]) for e in errors if e.get("severity", "error") == "error"]
    return "\n".join(texts) if texts else None


async def log(
    edi: EdiContext,
    session: AsyncSession,
    row: EdiMessage,
    *,
    status: str,
    detail: Any = None,
    job_id: uuid.UUID | None = None,
) -> None:
    entry = LogEntry(
        org_id=row.org_id,
        integration_type=INTEGRATION_TYPE,
        event_type=f"edi.{row.message_type.lower()}",
        direction=row.direction,
        status=status,
        request_body={
            "message_id": str(row.id),
            "message_type": row.message_type,
            "partner_id": row.partner_id,
            "reference_id": row.reference_id,
            "control_reference": row.control_reference,
        },
        response_body=detail,
        error_message=row.error_message if status != "success" else None,
        connector="edi",
        external_system=row.partner_id,
        job_id=job_id,
        timestamp=edi.runtime.clock.now(),
    )
    await edi.runtime.log_writer.write(session, entry)


async def failed(
    edi: EdiContext, session: AsyncSession, row: EdiMessage, *, file_name: str | None = None
) -> None:
    """Log ``row`` as an error and publish ``edi.message.failed``."""
    await log(edi, session, row, status="error", detail={"errors": row.errors})
    errors = [
        {
            k: v
            for k, v in e.items()
            if k in ("code", "message", "segment_number", "tag", "expected")
        }
        for e in row.errors
        if e.get("severity", "error") == "error"
    ]
    await edi.runtime.publish(
        row.org_id,
        MESSAGE_FAILED.name,
        {
            "message_id": str(row.id),
            "direction": row.direction,
            "message_type": row.message_type,
            "error": row.error_message or "failed",
            "errors": errors,
            "partner_id": row.partner_id,
            "reference_id": row.reference_id,
            "file_name": file_name,
        },
        session=session,
    )
