"""Polish letters to a UNOC partner: refused by default, transliterated when the profile asks.

UNOC is ISO 8859-1: it has ó but no Ł, ą, ć, ę, ł, ń, ś, ź, ż. "Piekarnia Łódź" sending an
INVOIC to a UNOC partner gets a 422 naming the character, unless the partner's profile
sets ``transliterate``: then the INVOIC goes out with 'Ł' written as 'L' and 'ź' as 'z'
('ó' fits ISO 8859-1 and stays), and the message's log says so.
"""

from __future__ import annotations

import uuid
from typing import Any

from monopilot_integrations.connectors.edi.edifact import read_interchanges
from monopilot_integrations.connectors.edi.edifact.charsets import get_charset
from monopilot_integrations.connectors.edi.edifact.transliteration import (
    Replacement,
    transliterate_text,
)
from monopilot_integrations.connectors.edi.profiles import PartnerIn
from tests.server.conftest import Server

from .support import ORZEL, inbox, seed, setup_org

PARTNER_FIELDS = set(PartnerIn.model_fields)


def test_letters_become_their_base_letters_in_the_declared_repertoire() -> None:
    found: list[Replacement] = []
    unoc = get_charset("UNOC")
    assert transliterate_text("Piekarnia Łódź", unoc, "NAD", found) == "Piekarnia Lódz"
    assert [(r.character, r.written_as) for r in found] == [("Ł", "L"), ("ź", "z")]
    text = "zażółć gęślą jaźń ŁĄĆĘŃŚŹŻ"
    assert transliterate_text(text, unoc, "FTX", []) == "zazólc gesla jazn LACENSZZ"
    assert transliterate_text(text, get_charset("UNOB"), "FTX", []) == (
        "zazolc gesla jazn LACENSZZ"
    )
    assert transliterate_text("Łódź", get_charset("UNOA"), "NAD", []) == "LODZ"
    # UNOD (ISO 8859-2) carries every Polish letter: nothing to do
    assert transliterate_text(text, get_charset("UNOD"), "FTX", []) == text
    # no base letter in the repertoire: left alone (the writer then refuses it)
    assert transliterate_text("€", get_charset("UNOC"), "FTX", []) == "€"


async def _send_invoice(server: Server, key: str, org_id: Any) -> tuple[int, Any]:
    invoice = (await server.kernel.domain.list_invoices(org_id)).items[0]
    response = await server.client.post(
        "/api/integrations/edi/send",
        headers={"Authorization": f"Bearer {key}"},
        json={"message_type": "INVOIC", "record_id": str(invoice.id)},
    )
    return response.status, await response.json(content_type=None)


async def test_piekarnia_lodz_invoices_a_unoc_partner(server: Server) -> None:
    kernel = server.kernel
    data = seed("lodz")
    data["organization"] = {**data["organization"], "name": "Piekarnia Łódź"}
    org = await setup_org(kernel, seed_data=data)
    _, key = await kernel.api_keys.create(
        org.id, name="edi", scopes=["edi:manage"], rate_limit_tier="premium"
    )
    auth = {"Authorization": f"Bearer {key}"}

    status, refused = await _send_invoice(server, key, org.id)

    assert status == 422, refused
    assert "character 'Ł' (U+0141) is not in the UNOC repertoire" in refused["detail"]
    assert "UNOD" in refused["detail"] and "transliterate" in refused["detail"]

    partner_path = f"/api/integrations/edi/partners/{org.partners['ORZEL']}"
    profile = await (await server.client.get(partner_path, headers=auth)).json()
    assert profile["transliterate"] is False
    body = {k: v for k, v in profile.items() if k in PARTNER_FIELDS}
    saved = await server.client.put(
        partner_path, headers=auth, json={**body, "transliterate": True}
    )
    assert saved.status == 200, await saved.text()

    status, queued = await _send_invoice(server, key, org.id)

    assert status == 202, queued
    outcome = await kernel.run_job(org.id, uuid.UUID(queued["job_id"]))
    assert outcome.status == "succeeded", outcome
    message = await (
        await server.client.get(f"/api/integrations/edi/messages/{queued['id']}", headers=auth)
    ).json()
    assert (message["status"], message["outcome"]) == ("processed", "sent")
    [warning] = message["errors"]
    assert (warning["code"], warning["severity"]) == ("TRANSLITERATED", "warning")
    assert "'Ł' as 'L' (NAD)" in warning["message"] and "'ź' as 'z' (NAD)" in warning["message"]
    assert "UNOC" in warning["message"]
    name = f"INVOIC_{ORZEL}_{message['control_reference']}.edi"
    written = (inbox(kernel, org.id) / "out" / name).read_bytes()
    assert b"Piekarnia L\xf3dz" in written  # ISO 8859-1: ó kept, Ł and ź transliterated
    [result] = read_interchanges(written)
    assert result.error is None and result.interchange is not None
    supplier = result.interchange.messages[0].find("NAD", "SU")
    assert supplier is not None and supplier.value(3) == "Piekarnia Lódz"
