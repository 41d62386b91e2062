"""CONTRL: acknowledging a partner's interchange when its profile asks for it.

Sent for every interchange from a partner with ``send_contrl`` (not for a CONTRL, which
is never acknowledged): each message accepted, or rejected with the segment and error code
of every problem the validator found; an interchange that could not be read is rejected
as a whole (when enough of its UNB was read to address the answer).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.edi.context import EdiContext
from monopilot_integrations.connectors.edi.edifact.contrl import build_contrl
from monopilot_integrations.connectors.edi.edifact.errors import EdifactError
from monopilot_integrations.connectors.edi.edifact.model import Interchange
from monopilot_integrations.connectors.edi.outbound.sending import Queued, queue_outbound
from monopilot_integrations.connectors.edi.tables import EdiPartner


async def queue_contrl(
    edi: EdiContext,
    session: AsyncSession,
    partner: EdiPartner,
    interchange: Interchange,
    issues_by_message: dict[str, list[Any]],
    rejected: EdifactError | None = None,
) -> Queued:
    """``rejected``: the interchange could not be read (``interchange`` is then what could
    be read of its header) and is rejected as a whole."""
    contrl = build_contrl(
        interchange,
        reference=f"C{interchange.control_reference}"[:14],
        issues_by_message=issues_by_message,
        rejected=rejected,
    )
    return await queue_outbound(
        edi,
        session,
        partner,
        contrl,
        record_type="interchange",
        record_id=None,
        reference_id=interchange.control_reference,
    )
