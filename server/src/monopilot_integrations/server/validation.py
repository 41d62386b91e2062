"""Request parsing lives in the kernel; re-exported here for the server's modules."""

from monopilot_integrations.core.web.validation import (
    json_response,
    parse_body,
    parse_query,
    validate,
)

__all__ = ["json_response", "parse_body", "parse_query", "validate"]
