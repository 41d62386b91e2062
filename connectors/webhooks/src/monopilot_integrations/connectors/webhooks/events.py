"""The event type this connector publishes itself."""

from __future__ import annotations

from monopilot_integrations.core.plugins.registration import EventType

WEBHOOK_DISABLED = EventType(
    "webhook.disabled",
    {
        "type": "object",
        "required": ["webhook_id", "name", "url", "reason", "disabled_at"],
        "properties": {
            "webhook_id": {"type": "string", "format": "uuid"},
            "name": {"type": "string"},
            "url": {"type": "string"},
            "reason": {"type": "string", "enum": ["gone", "failing"]},
            "failing_since": {"type": ["string", "null"], "format": "date-time"},
            "disabled_at": {"type": "string", "format": "date-time"},
            "detail": {"type": "string"},
        },
        "additionalProperties": True,
    },
    "A webhook was paused automatically: its receiver answered 410 Gone (reason 'gone') "
    "or kept failing for longer than the configured time (reason 'failing').",
    {
        "webhook_id": "0196a3e2-7c1d-7b8e-9f00-1a2b3c4d5e6f",
        "name": "ERP bridge",
        "url": "https://erp.example.com/hooks/monopilot",
        "reason": "failing",
        "failing_since": "2026-03-01T08:00:00Z",
        "disabled_at": "2026-03-06T08:00:00Z",
        "detail": "no successful delivery for 5 days",
    },
    owner="webhooks",  # what delivery saw: never published through the API
)
