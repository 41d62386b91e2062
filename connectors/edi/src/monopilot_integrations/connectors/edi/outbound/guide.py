"""What a partner's guide requires beyond the EANCOM subset: its required optional segments.

A partner profile lists them per message type (``required_segments``: ``{"INVOIC":
["NAD+IV", "RFF+DQ"]}``), so onboarding a retailer with a stricter guide is configuration.
A message without one of them is refused before anything is stored or sent, naming what
is missing and where the data would come from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from monopilot_integrations.connectors.edi.edifact.model import OutMessage
from monopilot_integrations.core.errors import ValidationError


class GuideRequirementMissing(ValidationError):
    """An outbound message lacks a segment the partner's guide requires."""


def _present(message: OutMessage, requirement: str) -> bool:
    tag, _, qualifier = requirement.partition("+")
    for segment_tag, elements in message.segments:
        if segment_tag != tag:
            continue
        if not qualifier:
            return True
        first = elements[0] if elements else ""
        code = first if isinstance(first, str) else (first[0] if first else "")
        if code == qualifier:
            return True
    return False


def check_required_segments(
    message: OutMessage, required: Mapping[str, Sequence[Any]], partner_id: str
) -> None:
    """Raise :class:`GuideRequirementMissing` listing every required segment not present."""
    wanted = [str(r) for r in required.get(message.type, [])]
    missing = [r for r in wanted if not _present(message, r)]
    if not missing:
        return
    raise GuideRequirementMissing(
        f"partner {partner_id}'s guide requires {', '.join(missing)} in {message.type}, and"
        ' this message has none: fill in the data it comes from (see docs/edi.md, "Required'
        " segments\") or remove it from the profile's required_segments",
        [
            {"path": f"/required_segments/{message.type}", "message": f"{r} missing"}
            for r in missing
        ],
    )
