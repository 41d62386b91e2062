"""What a partner's guide asks of our messages is profile configuration, not code:
required optional segments, the UNB application reference, UNA."""

from __future__ import annotations

import pytest

from monopilot_integrations.connectors.edi.edifact import read_interchanges
from monopilot_integrations.connectors.edi.outbound.guide import GuideRequirementMissing
from monopilot_integrations.connectors.edi.outbound.records import send_record
from monopilot_integrations.core.kernel import Kernel

from .conftest import EdiApi
from .support import edi_context, setup_org
from .test_outbound import out_file, send


async def test_a_message_without_a_segment_the_guide_requires_is_refused(
    kernel: Kernel,
) -> None:
    org = await setup_org(
        kernel, required_segments={"INVOIC": ["RFF+ON", "NAD+SU", "FTX+AAI", "PAT"]}
    )
    invoice = (await kernel.domain.list_invoices(org.id)).items[0]

    with pytest.raises(GuideRequirementMissing) as refused:
        async with kernel.session(org.id) as session:
            await send_record(
                edi_context(kernel), session, org.id, message_type="INVOIC", record_id=invoice.id
            )

    assert "guide requires FTX+AAI in INVOIC" in str(refused.value)
    assert refused.value.errors == [
        {"path": "/required_segments/INVOIC", "message": "FTX+AAI missing"}
    ]
    shipment = (await kernel.domain.list_shipments(org.id)).items[0]
    sent = await send(kernel, org, "DESADV", shipment.id)  # nothing required of a DESADV
    assert sent.outcome == "sent"


async def test_required_segments_are_checked_when_the_profile_is_saved(edi_api: EdiApi) -> None:
    base = {"name": "Strict retailer", "partner_id": "5909999000013"}
    bad = await edi_api.call(
        "POST", "/partners", 422, json={**base, "required_segments": {"INVOIC": ["nad+iv"]}}
    )
    assert bad["errors"][0]["path"].startswith("/required_segments")
    unknown = await edi_api.call(
        "POST", "/partners", 422, json={**base, "required_segments": {"ORDERS": ["NAD+IV"]}}
    )
    assert unknown["errors"][0]["path"].startswith("/required_segments")
    saved = await edi_api.call(
        "POST",
        "/partners",
        201,
        json={
            **base,
            "required_segments": {"INVOIC": ["NAD+IV", "RFF+DQ"], "DESADV": ["DTM+17"]},
            "application_reference": "EANCOM",
            "write_una": True,
            "transliterate": True,
        },
    )
    assert saved["required_segments"] == {"INVOIC": ["NAD+IV", "RFF+DQ"], "DESADV": ["DTM+17"]}
    assert (saved["application_reference"], saved["write_una"], saved["transliterate"]) == (
        "EANCOM",
        True,
        True,
    )


@pytest.mark.parametrize("write_una", [True, False])
async def test_ordrsp_carries_the_application_reference_and_una_the_profile_asks_for(
    kernel: Kernel, write_una: bool
) -> None:
    org = await setup_org(kernel, application_reference="ORDRSP", write_una=write_una)
    order = next(
        o
        for o in (await kernel.domain.list_sales_orders(org.id)).items
        if o.customer_id == org.customers["ORZEL"]
    )

    row = await send(kernel, org, "ORDRSP", order.id)

    data = out_file(kernel, org, row)
    assert data.startswith(b"UNA:+.? '") is write_una
    [result] = read_interchanges(data)
    assert result.interchange is not None
    assert result.interchange.application_reference == "ORDRSP"
