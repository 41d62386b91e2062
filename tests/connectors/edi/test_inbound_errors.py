"""Each way an inbound file goes wrong gets its own precise, stored error."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from monopilot_integrations.connectors.edi.inbound.storage import store_file
from monopilot_integrations.connectors.edi.tables import EdiMessage
from monopilot_integrations.core.kernel import Kernel

from .support import edi_context, sample, setup_org

ORDERS = sample("orders_d96a.edi")
CASES = {
    "wrong UNT count": (
        ORDERS.replace(b"UNT+39+", b"UNT+38+"),
        "UNT_COUNT",
        "segment 40 (UNT): UNT declares 38 segments but message ME000001 has 39",
    ),
    "wrong UNZ count": (
        ORDERS.replace(b"UNZ+1+ORZ", b"UNZ+2+ORZ"),
        "UNZ_COUNT",
        "UNZ declares 2 messages but the interchange has 1",
    ),
    "wrong character set": (
        sample("orders_unoa.edi").replace(b"CHLEB ZYTNI", "Chleb żytni".encode()),
        "CHARSET",
        "segment 10 (IMD): bytes c5 are not valid UNOA",
    ),
    "wrong recipient": (
        ORDERS.replace(b"+5901234000000:14+", b"+5901234000017:14+", 1),
        "WRONG_RECIPIENT",
        "recipient 5901234000017 is not this organisation",
    ),
    "a type we do not receive": (
        sample("invoic_d96a.edi").replace(
            b"+5901234000000:14+5901234000048:14+", b"+5901234000048:14+5901234000000:14+"
        ),
        "MESSAGE_TYPE",
        "INVOIC is not a message we receive",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_each_fault_is_stored_with_its_code_and_position(kernel: Kernel, case: str) -> None:
    body, code, text = CASES[case]
    org = await setup_org(kernel)

    stored = await store_file(edi_context(kernel), org.id, name="bad.edi", body=body, source="t")

    assert stored.failed
    async with kernel.session(org.id) as session:
        (row,) = (
            await session.execute(select(EdiMessage).where(EdiMessage.org_id == org.id))
        ).scalars()
    assert row.status == "error" and row.raw_bytes == body.strip()
    assert [e["code"] for e in row.errors] == [code]
    assert text in (row.error_message or "")
