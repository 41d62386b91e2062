"""Invoices to Optima end to end: the assembled server, the job engine, the bridge
simulator on loopback. Auto-sync from ``invoice.created``, retries on 500 and timeouts,
fatal on 401 and on documents Optima refuses, idempotency after a lost response, test
mode, corrections, and the XML route through a transport."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from sqlalchemy import select

from monopilot_integrations.connectors.comarch.offline_xml import NAMESPACE
from monopilot_integrations.connectors.comarch.tables import ComarchDocument
from monopilot_integrations.core.db.tables import JobRow
from tests.connectors.comarch.conftest import SECRET, ComarchApi

NS = {"o": NAMESPACE}


async def test_an_invoice_created_is_pushed_and_marked_synced(comarch: ComarchApi) -> None:
    await comarch.configure()
    invoice = await comarch.invoice("FV/2026/03/0100")
    assert await comarch.run() == ["succeeded"]

    (document,) = comarch.simulator.documents()
    assert document["NumerDokumentu"] == "FV/2026/03/0100"
    assert document["Kontrahent"]["NIP"] == "5220000074" and document["Firma"] == "DEMO"
    assert [p["StawkaVAT"] for p in document["Pozycje"]] == ["5", "23"]
    assert document["RazemBrutto"] == "1433.34"  # 1344 + 67.20 + 18 + 4.14
    state = await comarch.sync(invoice["id"])
    assert (state["sync_status"], state["external_id"]) == ("synced", "FS/1")
    assert state["document"]["status"] == "synced" and state["document"]["attempts"] == 1
    (updated,) = await comarch.events("invoice.updated")
    assert updated.data["changes"]["sync_status"] == {"old": "pending", "new": "synced"}
    # One shape: invoice.updated is the invoice as invoice.created carries it, plus changes.
    (created,) = await comarch.events("invoice.created")
    assert set(updated.data) == {*created.data, "changes"}
    assert updated.data["lines"] == created.data["lines"]
    assert (updated.data["number"], updated.data["external_id"]) == ("FV/2026/03/0100", "FS/1")
    comarch.kernel.registry.event_types["invoice.updated"].validate(updated.data)
    read = await comarch.call("GET", f"/api/finance/invoices/{invoice['id']}", 200)
    assert (read["sync_status"], read["external_id"]) == ("synced", "FS/1")


async def test_disabled_or_manual_configurations_plan_no_push(comarch: ComarchApi) -> None:
    await comarch.invoice("FV/2026/03/0101")  # nothing configured
    await comarch.configure(enabled=False)
    await comarch.invoice("FV/2026/03/0102")
    await comarch.configure(auto_sync=False)
    invoice = await comarch.invoice("FV/2026/03/0103")
    assert await comarch.run() == []
    assert comarch.simulator.documents() == []
    # By hand: the push route queues it, and a second push of a synced invoice is a no-op.
    answer = await comarch.call(
        "POST", "/api/integrations/comarch/push-invoice", 202, json={"invoice_id": invoice["id"]}
    )
    assert [i["state"] for i in answer["items"]] == ["queued"]
    assert await comarch.run() == ["succeeded"]
    again = await comarch.call(
        "POST", "/api/integrations/comarch/push-invoice", 202, json={"invoice_ids": [invoice["id"]]}
    )
    assert [i["state"] for i in again["items"]] == ["already_synced"]
    assert len(comarch.simulator.documents()) == 1


async def test_a_500_and_a_timeout_are_retried_then_succeed(comarch: ComarchApi) -> None:
    await comarch.configure()
    comarch.simulator.fail("500", "timeout")
    invoice = await comarch.invoice("FV/2026/03/0110")
    assert await comarch.run() == ["retrying"]
    comarch.kernel.clock.advance(seconds=10)
    assert await comarch.run() == ["retrying"]  # the timeout
    comarch.kernel.clock.advance(seconds=60)
    assert await comarch.run() == ["succeeded"]
    assert len(comarch.simulator.documents()) == 1
    state = await comarch.sync(invoice["id"])
    assert state["sync_status"] == "synced" and state["document"]["attempts"] == 3
    errors = [row.error_message for row in await comarch.logs() if row.status == "error"]
    assert any("answered 500" in (e or "") for e in errors)
    assert any("did not answer in time" in (e or "") for e in errors)


async def test_refused_credentials_are_fatal_at_once(comarch: ComarchApi) -> None:
    await comarch.configure(api_secret="not-the-secret")
    invoice = await comarch.invoice("FV/2026/03/0120")
    assert await comarch.run() == ["dead"]
    state = await comarch.sync(invoice["id"])
    assert (
        state["sync_status"] == "error" and "refused the API key and secret" in state["sync_error"]
    )
    async with comarch.kernel.session(comarch.org) as session:
        job = await session.scalar(select(JobRow).where(JobRow.connector == "comarch"))
    assert job is not None and job.dead_reason == "fatal"


async def test_a_document_optima_rejects_is_fatal_with_its_message(comarch: ComarchApi) -> None:
    await comarch.configure()
    # The bridge already holds FV/2026/03/0130 from elsewhere (another source id).
    comarch.simulator.companies["DEMO"].documents["FS/99"] = {
        "Id": "FS/99",
        "IdZrodla": "{OTHER}",
        "NumerDokumentu": "FV/2026/03/0130",
        "TrybTestowy": False,
    }
    invoice = await comarch.invoice("FV/2026/03/0130")
    assert await comarch.run() == ["dead"]
    state = await comarch.sync(invoice["id"])
    assert (
        "Optima already has another document numbered FV/2026/03/0130 (FS/99)"
        in state["sync_error"]
    )
    assert state["document"]["status"] == "rejected"


async def test_local_checks_stop_an_invalid_invoice_before_any_call(comarch: ComarchApi) -> None:
    await comarch.configure()
    async with comarch.kernel.session(comarch.org) as session:
        from monopilot_integrations.domain.tables import CustomerRow

        customer = await session.scalar(
            select(CustomerRow).where(
                CustomerRow.org_id == comarch.org, CustomerRow.code == "ORZEL"
            )
        )
        assert customer is not None
        customer.tax_id = "5220000075"
    invoice = await comarch.invoice("FV/2026/03/0140")
    requests_before = len(comarch.simulator.requests)
    assert await comarch.run() == ["dead"]
    assert len(comarch.simulator.requests) == requests_before
    state = await comarch.sync(invoice["id"])
    assert "NIP '5220000075' fails the NIP checksum" in state["sync_error"]


async def test_a_lost_response_never_makes_two_documents(comarch: ComarchApi) -> None:
    await comarch.configure()
    comarch.simulator.fail("lost")  # stored in Optima, the answer never arrives in time
    invoice = await comarch.invoice("FV/2026/03/0150")
    assert await comarch.run() == ["retrying"]
    assert len(comarch.simulator.documents()) == 1
    comarch.kernel.clock.advance(seconds=10)
    assert await comarch.run() == ["succeeded"]
    (document,) = comarch.simulator.documents()
    state = await comarch.sync(invoice["id"])
    assert state["external_id"] == document["Id"]
    # The retry asked for the document by its source id before sending anything.
    assert ("GET", "/api/faktury") in comarch.simulator.requests
    assert comarch.simulator.requests.count(("POST", "/api/faktury")) == 1


async def test_test_mode_documents_stay_apart(comarch: ComarchApi) -> None:
    await comarch.configure(test_mode=True)
    await comarch.invoice("FV/2026/03/0160")
    assert await comarch.run() == ["succeeded"]
    (document,) = comarch.simulator.documents()
    assert document["TrybTestowy"] is True


async def test_a_correction_is_pushed_as_a_correction(comarch: ComarchApi) -> None:
    await comarch.configure()
    original = await comarch.invoice("FV/2026/03/0170")
    await comarch.call(
        "POST",
        "/api/finance/invoices",
        201,
        json={
            "number": "FK/2026/03/0001",
            "kind": "correction",
            "customer_code": "ORZEL",
            "corrects_invoice_id": original["id"],
            "correction_reason": "10 loaves returned",
            "lines": [{"product_code": "CHL-ZYT-500", "qty": "-10", "unit_price": "5.60"}],
        },
    )
    outcomes = await comarch.run()
    if outcomes != ["succeeded", "succeeded"]:
        # The correction's job came first: it waited for its original without failing.
        assert sorted(outcomes) == ["retrying", "succeeded"]
        comarch.kernel.clock.advance(seconds=10)
        assert await comarch.run() == ["succeeded"]
    first, correction = comarch.simulator.documents()
    assert first["NumerDokumentu"] == "FV/2026/03/0170"
    assert (correction["Rodzaj"], correction["Id"]) == ("KOR", "KOR/2")
    assert correction["Korekta"]["NumerKorygowanego"] == "FV/2026/03/0170"
    assert correction["RazemBrutto"] == "-58.80"


async def test_the_secret_is_write_only_sealed_and_never_logged(comarch: ComarchApi) -> None:
    config = await comarch.configure()
    assert "api_secret" not in config and config["api_secret_set"] is True
    assert SECRET not in str(await comarch.call("GET", "/api/integrations/comarch/config", 200))
    comarch.simulator.fail("500")
    await comarch.invoice("FV/2026/03/0180")
    await comarch.run()
    async with comarch.kernel.database.system_session() as session:
        from sqlalchemy import text

        for table in ("comarch_optima_config", "integration_logs", "integration_jobs"):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            assert SECRET not in str(rows), table
    logs = await comarch.logs()
    assert logs and all(SECRET not in str(row.request_body) for row in logs)
    # Keeping the secret: a PUT without it leaves the sealed one in place.
    kept = await comarch.call(
        "PUT",
        "/api/integrations/comarch/config",
        200,
        json={"enabled": True, "api_url": comarch.url, "api_key": "k", "company_code": "DEMO"},
    )
    assert kept["api_secret_set"] is True


async def test_the_xml_route_writes_an_import_file_through_the_folder_transport(
    comarch: ComarchApi, tmp_path: Path
) -> None:
    folder = tmp_path / "optima-import"
    await comarch.configure(
        route="xml", xml_transport="comarch-folder", xml_transport_settings={"path": str(folder)}
    )
    invoice = await comarch.invoice("FV/2026/03/0190")
    assert await comarch.run() == ["succeeded"]
    (written,) = sorted(folder.glob("*.xml"))
    assert written.name.startswith("optima-FV_2026_03_0190-")
    root = ET.fromstring(written.read_bytes())
    number = root.findtext(
        "o:REJESTRY_SPRZEDAZY_VAT/o:REJESTR_SPRZEDAZY_VAT/o:NUMER", namespaces=NS
    )
    assert number == "FV/2026/03/0190"
    state = await comarch.sync(invoice["id"])
    assert state["sync_status"] == "synced" and state["document"]["status"] == "exported"
    assert state["document"]["reference"] == str(written)
    assert comarch.simulator.documents() == []  # nothing went to the bridge
    async with comarch.kernel.session(comarch.org) as session:
        rows = list(await session.scalars(select(ComarchDocument)))
    assert [r.route for r in rows] == ["xml"]
