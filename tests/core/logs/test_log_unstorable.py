"""Text no database stores (NUL, unpaired surrogates) never blocks the integration log."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from monopilot_integrations.core.db.tables import LogRow
from monopilot_integrations.core.kernel import Kernel
from tests.core.helpers import ORG_A

from .test_log_bulk import _entry


async def test_unpaired_surrogates_and_nul_become_replacement_characters(
    kernel: Kernel,
) -> None:
    writer = kernel.runtime().log_writer
    # What json.loads makes of '{"x": "\\ud800"}' posted by a client, and worse.
    odd = _entry("odd", datetime.now(UTC))
    odd.request_body = json.loads('{"x": "lone \\ud800 surrogate", "nul": "a\\u0000b"}')
    odd.response_body = "text \udfff"
    odd.error_message = "error \ud800 with NUL \x00"
    odd.external_system = "ACME \udc80"
    good = _entry("good", datetime.now(UTC))
    writer.add(odd)
    writer.add(good)
    assert await writer.flush() == 2
    async with kernel.session(ORG_A) as session:
        rows = {r.id: r for r in (await session.execute(select(LogRow))).scalars()}
    stored = rows[odd.id]
    assert stored.request_body == {"x": "lone \ufffd surrogate", "nul": "a\ufffdb"}
    assert stored.response_body == "text \ufffd"
    assert stored.error_message == "error \ufffd with NUL \ufffd"
    assert stored.external_system == "ACME \ufffd"
    assert good.id in rows
