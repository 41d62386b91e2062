"""The EDI API on a real server: configuration, partners, inbox, outbox, send, isolation."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from monopilot_integrations.connectors.edi.tables import EdiPartner

from .conftest import EdiApi
from .support import ORZEL, sample

EDIFACT = {"Content-Type": "application/EDIFACT"}


async def test_config_is_read_and_replaced_per_organisation(edi_api: EdiApi) -> None:
    config = await edi_api.call("GET", "/config", 200)
    assert config["enabled"] is True and config["test_mode"] is False

    changed = await edi_api.call(
        "PUT",
        "/config",
        200,
        json={
            "enabled": True,
            "edi_mailbox": "MONOPILOT@EANCOM",
            "van_provider": "Seeburger",
            "message_types": ["ORDERS", "INVOIC"],
            "test_mode": True,
        },
    )

    assert changed["edi_mailbox"] == "MONOPILOT@EANCOM" and changed["message_types"] == [
        "ORDERS",
        "INVOIC",
    ]
    other = await edi_api.call("GET", "/config", 200, key="b")
    assert other["edi_mailbox"] is None
    bad = await edi_api.call("PUT", "/config", 422, json={"message_types": ["ORDERZ"]})
    assert bad["errors"][0]["path"].startswith("/message_types")


async def test_partner_secrets_are_encrypted_at_rest_and_never_returned(edi_api: EdiApi) -> None:
    from monopilot_integrations.connectors.edi.mailbox.sftp import SftpMailboxSettings  # noqa: F401

    host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    created = await edi_api.call(
        "POST",
        "/partners",
        201,
        json={
            "name": "VAN Seeburger",
            "partner_id": "5909999000006",
            "transport": "edi-sftp",
            "transport_settings": {
                "host": "sftp.example.com",
                "username": "monopilot",
                "password": "s3cret-Passw0rd",
                "host_key": host_key,
            },
        },
    )

    assert created["secrets_set"] == ["password"]
    assert "password" not in created["transport_settings"]
    assert "s3cret-Passw0rd" not in str(created)
    async with edi_api.server.kernel.session(edi_api.a.id) as s:
        row = await s.scalar(select(EdiPartner).where(EdiPartner.id == uuid.UUID(created["id"])))
    assert row is not None and row.transport_secrets is not None
    assert "s3cret" not in row.transport_secrets and "s3cret" not in str(row.transport_settings)
    # Replacing the profile without the password keeps it.
    body = {**created}
    for key in ("id", "secrets_set", "control_counter", "created_at", "updated_at"):
        body.pop(key)
    body["name"] = "VAN Seeburger (renamed)"
    replaced = await edi_api.call("PUT", f"/partners/{created['id']}", 200, json=body)
    assert replaced["secrets_set"] == ["password"] and replaced["name"].endswith("(renamed)")
    listed = await edi_api.call("GET", "/partners", 200)
    assert listed["total"] == 4 and "s3cret" not in str(listed)


async def test_partner_profiles_are_validated_when_saved(edi_api: EdiApi) -> None:
    unknown_transport = await edi_api.call(
        "POST",
        "/partners",
        422,
        json={"name": "X", "partner_id": "1", "transport": "carrier-pigeon"},
    )
    assert "carrier-pigeon" in unknown_transport["detail"]
    escaping = await edi_api.call(
        "POST",
        "/partners",
        422,
        json={"name": "X", "partner_id": "2", "transport_settings": {"path": "../../etc"}},
    )
    assert "subfolder" in escaping["detail"]
    no_credentials = await edi_api.call(
        "POST",
        "/partners",
        422,
        json={
            "name": "X",
            "partner_id": "3",
            "transport": "edi-sftp",
            "transport_settings": {"host": "h", "username": "u", "host_key": "nonsense"},
        },
    )
    assert "password or a private_key" in no_credentials["detail"]
    duplicate = await edi_api.call(
        "POST", "/partners", 422, json={"name": "Again", "partner_id": ORZEL}
    )
    assert "already exists" in duplicate["detail"]
    foreign_customer = await edi_api.call(
        "POST",
        "/partners",
        422,
        json={"name": "X", "partner_id": "4", "customer_id": str(edi_api.b.customers["ORZEL"])},
    )
    assert foreign_customer["errors"][0]["path"] == "/customer_id"


async def test_posting_a_raw_interchange_answers_with_the_outcome(edi_api: EdiApi) -> None:
    receipt = await edi_api.call(
        "POST", "/inbox", 201, data=sample("orders_d96a.edi"), headers=EDIFACT
    )

    (message,) = receipt["messages"]
    assert message["status"] == "processed" and message["outcome"] == "sales_order_created"
    assert message["sales_order_id"] and message["partner_id"] == ORZEL
    again = await edi_api.call(
        "POST", "/inbox", 200, data=sample("orders_d96a.edi"), headers=EDIFACT
    )
    assert again["already_received"] is True and again["messages"][0]["id"] == message["id"]
    inbox = await edi_api.call("GET", "/inbox", 200, params={"outcome": "sales_order_created"})
    assert [m["id"] for m in inbox["items"]] == [message["id"]] and inbox["total"] == 1
    detail = await edi_api.call("GET", f"/messages/{message['id']}", 200)
    assert detail["message_content"].startswith("UNH+ME000001+ORDERS")


async def test_posting_garbage_is_stored_as_an_error_with_a_precise_message(
    edi_api: EdiApi,
) -> None:
    receipt = await edi_api.call("POST", "/inbox", 201, data=b"UNB+UNOC:3+x", headers=EDIFACT)

    (message,) = receipt["messages"]
    assert message["status"] == "error" and message["outcome"] == "rejected"
    assert [e["code"] for e in message["errors"]] == ["SYNTAX"]
    assert message["errors"][0]["segment_number"] == 1 and message["errors"][0]["tag"] == "UNB"
    assert message["error_message"] == (
        "segment 1 (UNB): segment is not terminated: the data ends before the segment "
        'terminator "\'"'
    )
    errors = await edi_api.call("GET", "/inbox", 200, params={"status": "error"})
    assert errors["total"] == 1
    empty = await edi_api.call("POST", "/inbox", 422, data=b"", headers=EDIFACT)
    assert "empty" in empty["detail"]


async def test_reprocessing_after_the_cause_is_fixed(edi_api: EdiApi) -> None:
    """An order from a partner without a profile fails; the admin adds the profile and
    processes the message again."""
    kernel = edi_api.server.kernel
    partner_id = str(edi_api.a.partners["ORZEL"])
    profile = await edi_api.call("GET", f"/partners/{partner_id}", 200)
    await edi_api.call("DELETE", f"/partners/{partner_id}", 204)
    receipt = await edi_api.call(
        "POST", "/inbox", 201, data=sample("orders_d96a.edi"), headers=EDIFACT
    )
    (failed,) = receipt["messages"]
    assert failed["errors"][0]["code"] == "UNKNOWN_PARTNER"
    body = {
        k: v
        for k, v in profile.items()
        if k not in ("id", "secrets_set", "control_counter", "created_at", "updated_at")
    }
    await edi_api.call("POST", "/partners", 201, json=body)

    processed = await edi_api.call("POST", f"/process/{failed['id']}", 200)

    assert processed["status"] == "processed" and processed["outcome"] == "sales_order_created"
    order = await kernel.domain.get_sales_order(
        edi_api.a.id, uuid.UUID(processed["sales_order_id"])
    )
    assert order is not None and order.external_reference == "ORZ/2030/03/0457"
    twice = await edi_api.call("POST", f"/process/{failed['id']}", 409)
    assert "not processed twice" in twice["detail"]


async def test_every_route_keeps_organisations_apart(edi_api: EdiApi) -> None:
    receipt = await edi_api.call(
        "POST", "/inbox", 201, data=sample("orders_d96a.edi"), headers=EDIFACT
    )
    message_id = receipt["messages"][0]["id"]
    partner_id = str(edi_api.a.partners["ORZEL"])

    for method, path in (
        ("GET", f"/messages/{message_id}"),
        ("POST", f"/process/{message_id}"),
        ("GET", f"/partners/{partner_id}"),
        ("DELETE", f"/partners/{partner_id}"),
    ):
        problem = await edi_api.call(method, path, 404, key="b")
        assert problem["status"] == 404
    await edi_api.call(
        "PUT", f"/partners/{partner_id}", 404, key="b", json={"name": "x", "partner_id": "9"}
    )
    assert (await edi_api.call("GET", "/inbox", 200, key="b"))["total"] == 0
    sent = await edi_api.call(
        "POST",
        "/send",
        404,
        key="b",
        json={"message_type": "ORDRSP", "record_id": receipt["messages"][0]["sales_order_id"]},
    )
    assert sent["status"] == 404
    # b's own record, but a's partner profile: the profile is not found either.
    b_invoice = (await edi_api.server.kernel.domain.list_invoices(edi_api.b.id)).items[0]
    foreign_partner = await edi_api.call(
        "POST",
        "/send",
        404,
        key="b",
        json={"message_type": "INVOIC", "record_id": str(b_invoice.id), "partner_id": partner_id},
    )
    assert partner_id in foreign_partner["detail"]
    assert (await edi_api.call("GET", "/outbox", 200, key="b"))["total"] == 0
    assert (await edi_api.call("GET", "/outbox", 200, key="a"))["total"] == 0
    a_partners = await edi_api.call("GET", "/partners", 200, key="a")
    b_partners = await edi_api.call("GET", "/partners", 200, key="b")
    assert not {p["id"] for p in a_partners["items"]} & {p["id"] for p in b_partners["items"]}
    await edi_api.call("GET", "/messages/not-a-uuid", 404)


async def test_scopes_guard_the_edi_routes(edi_api: EdiApi) -> None:
    problem = await edi_api.call("GET", "/inbox", 403, key="reader")
    assert problem["status"] == 403
    admin = await edi_api.server.client.get(
        "/api/integrations/edi/config", headers=edi_api.server.auth("a")
    )
    assert admin.status == 200  # integrations:admin is enough too


async def test_a_duplicate_interchange_is_never_processed_even_on_request(
    edi_api: EdiApi,
) -> None:
    await edi_api.call("POST", "/inbox", 201, data=sample("orders_d96a.edi"), headers=EDIFACT)
    copy = await edi_api.call(
        "POST",
        "/inbox",
        201,
        data=sample("orders_d96a.edi"),
        headers={**EDIFACT, "X-File-Name": "resent.edi"},
    )
    (duplicate,) = copy["messages"]
    assert duplicate["errors"][0]["code"] == "DUPLICATE_INTERCHANGE"

    refused = await edi_api.call("POST", f"/process/{duplicate['id']}", 409)

    assert "duplicate interchange" in refused["detail"]


async def test_the_openapi_document_describes_the_edi_routes_and_the_raw_inbox_body(
    edi_api: EdiApi,
) -> None:
    response = await edi_api.server.client.get("/api/openapi.json")
    document = await response.json()
    paths = document["paths"]

    receive = paths["/api/integrations/edi/inbox"]["post"]
    assert "Request body: the interchange bytes" in receive["summary"]
    assert "X-File-Name" in receive["summary"]
    assert set(receive["responses"]) >= {"200", "201", "409", "413", "422"}
    partner = document["components"]["schemas"]["PartnerIn"]["properties"]
    assert partner["auto_send"]["items"] == {"enum": ["DESADV", "INVOIC"], "type": "string"}


async def test_auto_send_is_saved_shown_and_checked_against_the_message_types(
    edi_api: EdiApi,
) -> None:
    partner_id = str(edi_api.a.partners["ORZEL"])
    profile = await edi_api.call("GET", f"/partners/{partner_id}", 200)
    assert profile["auto_send"] == []
    body = {
        k: v
        for k, v in profile.items()
        if k not in ("id", "secrets_set", "control_counter", "created_at", "updated_at")
    }

    saved = await edi_api.call(
        "PUT", f"/partners/{partner_id}", 200, json={**body, "auto_send": ["DESADV"]}
    )
    refused = await edi_api.call(
        "PUT",
        f"/partners/{partner_id}",
        422,
        json={**body, "message_types": ["ORDERS"], "auto_send": ["DESADV"]},
    )
    unknown = await edi_api.call(
        "PUT", f"/partners/{partner_id}", 422, json={**body, "auto_send": ["ORDRSP"]}
    )

    assert saved["auto_send"] == ["DESADV"]
    assert "auto_send DESADV is not in message_types" in str(refused)
    assert "auto_send" in str(unknown)
    assert (await edi_api.call("GET", f"/partners/{partner_id}", 200))["auto_send"] == ["DESADV"]
