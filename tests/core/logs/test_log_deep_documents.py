"""A body nested deeper than the JSON parser goes still gets its log row."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from monopilot_integrations.core.db.tables import LogRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.logs.masking import DEFAULT_MASK, MAX_DEPTH
from tests.core.helpers import ORG_A

from .test_log_bulk import _entry


async def test_deep_documents_are_logged_cut_at_the_masking_depth(kernel: Kernel) -> None:
    writer = kernel.runtime().log_writer
    raw = _entry("raw", datetime.now(UTC))
    raw.request_body = ("[" * 100_000 + "]" * 100_000).encode()  # past json.loads
    parsed = _entry("parsed", datetime.now(UTC))
    nested: list[object] = []
    for _ in range(500):  # a structure, as a connector would log it
        nested = [nested]
    parsed.request_body = {"password": "s3cret-value", "deep": nested}
    writer.add(raw)
    writer.add(parsed)
    assert await writer.flush() == 2
    async with kernel.session(ORG_A) as session:
        rows = {r.id: r for r in (await session.execute(select(LogRow))).scalars()}
    assert isinstance(rows[raw.id].request_body, dict | str)  # kept, as text or a preview
    body = rows[parsed.id].request_body
    assert body["password"] == DEFAULT_MASK
    depth, node = 0, body["deep"]
    while isinstance(node, list):
        depth, node = depth + 1, node[0]
    assert node == DEFAULT_MASK and depth <= MAX_DEPTH + 1
