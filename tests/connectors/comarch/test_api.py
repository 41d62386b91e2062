"""The Comarch routes: configuration validation, the connection test naming the check
that failed, the chart of accounts from the bridge and from Optima's exported file, bad
input answered 4xx, organisation isolation and scopes."""

from __future__ import annotations

import socket

from tests.connectors.comarch.conftest import KEY, SECRET, ComarchApi

BASE = "/api/integrations/comarch"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_configuration_is_validated_when_saved(comarch: ComarchApi) -> None:
    incomplete = await comarch.call("PUT", f"{BASE}/config", 422, json={"enabled": True})
    paths = {e["path"] for e in incomplete["errors"]}
    assert {"/api_url", "/api_key", "/company_code", "/api_secret"} <= paths
    # (The guard's grant for the bridge's host and port is tested in tests/core/net; this
    # server allows private targets, so here only what is wrong in any mode shows.)
    for url, message in (
        ("ftp://optima.lan/", "must start with"),
        ("http://admin:pw@optima.lan:8080/", "credentials in the URL"),
        ("http://optima..lan/", "neither an IP address nor a valid host name"),
        ("http://[::1", "not a valid URL"),
    ):
        refused = await comarch.call("PUT", f"{BASE}/config", 422, json={"api_url": url})
        assert message in refused["detail"], refused
    typo = await comarch.call("PUT", f"{BASE}/config", 422, json={"enabld": True})
    assert typo["status"] == 422
    unknown = await comarch.call(
        "PUT", f"{BASE}/config", 422, json={"route": "xml", "xml_transport": "carrier-pigeon"}
    )
    assert "no transport 'carrier-pigeon'" in unknown["detail"]
    bad_settings = await comarch.call(
        "PUT",
        f"{BASE}/config",
        422,
        json={
            "route": "xml",
            "xml_transport": "comarch-folder",
            "xml_transport_settings": {"pth": "/x"},
        },
    )
    assert bad_settings["errors"][0]["path"] == "/xml_transport_settings"
    saved = await comarch.configure(
        mappings=[
            {"kind": "vat_register", "key": "*", "value": "SPRZEDAŻ"},
            {"kind": "revenue_account", "key": "CHL", "value": "701-1"},
        ]
    )
    assert [m["value"] for m in saved["mappings"]] == ["701-1", "SPRZEDAŻ"]
    assert (saved["api_key"], saved["api_secret_set"]) == (KEY, True)


async def test_the_connection_test_names_the_check_that_failed(comarch: ComarchApi) -> None:
    nothing = await comarch.call("POST", f"{BASE}/test", 200)
    assert (nothing["ok"], nothing["failed"]) == (False, "configuration")
    await comarch.configure()
    ok = await comarch.call("POST", f"{BASE}/test", 200)
    assert ok["ok"] is True and [c["check"] for c in ok["checks"]] == [
        "configuration",
        "reachability",
        "credentials",
        "company",
    ]
    await comarch.configure(api_secret="wrong-secret")
    assert (await comarch.call("POST", f"{BASE}/test", 200))["failed"] == "credentials"
    await comarch.configure(api_secret=SECRET, company_code="NOPE")
    company = await comarch.call("POST", f"{BASE}/test", 200)
    assert (
        company["failed"] == "company"
        and "has no company 'NOPE'" in company["checks"][-1]["detail"]
    )
    await comarch.configure(company_code="DEMO", api_url=f"http://127.0.0.1:{_closed_port()}")
    assert (await comarch.call("POST", f"{BASE}/test", 200))["failed"] == "reachability"
    comarch.simulator.fail("503")
    await comarch.configure()
    assert (await comarch.call("POST", f"{BASE}/test", 200))["failed"] == "reachability"


async def test_the_chart_of_accounts_from_the_bridge_and_from_a_file(comarch: ComarchApi) -> None:
    refused = await comarch.call("POST", f"{BASE}/sync-accounts", 409)
    assert "configure the bridge first" in refused["detail"]
    await comarch.configure()
    synced = await comarch.call("POST", f"{BASE}/sync-accounts", 200)
    assert (synced["source"], synced["created"], synced["total"]) == ("bridge", 7, 7)
    accounts = await comarch.call("GET", f"{BASE}/accounts", 200, params={"active": "true"})
    assert [a["number"] for a in accounts["items"]][:2] == ["201", "221-1"]
    assert accounts["total"] == 6  # 731 is inactive in Optima

    csv_file = (
        "Numer;Nazwa;Typ\n201;Rozrachunki z odbiorcami;Bilansowe\n702;Przychody - usługi;Wynikowe\n"
    )
    from_csv = await comarch.call(
        "POST",
        f"{BASE}/sync-accounts",
        200,
        data=csv_file.encode("cp1250"),
        headers={"Content-Type": "text/csv"},
    )
    assert (from_csv["source"], from_csv["created"], from_csv["updated"]) == ("file", 1, 1)
    assert from_csv["deactivated"] == 5  # no longer in Optima's plan: kept, inactive
    xml_file = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ROOT xmlns="http://www.comarch.pl/cdn/optima/offline"><PLAN_KONT>'
        "<KONTO><NUMER>701-1</NUMER><NAZWA>Przychody ze sprzedaży pieczywa</NAZWA>"
        "<TYP>Wynikowe</TYP></KONTO>"
        "<KONTO><NUMER>201</NUMER><NAZWA>Rozrachunki</NAZWA><TYP>Bilansowe</TYP>"
        "<NIEAKTYWNE>Nie</NIEAKTYWNE></KONTO>"
        "</PLAN_KONT></ROOT>"
    )
    from_xml = await comarch.call(
        "POST",
        f"{BASE}/sync-accounts",
        200,
        data=xml_file,
        headers={"Content-Type": "application/xml"},
    )
    assert (from_xml["created"], from_xml["updated"], from_xml["total"]) == (0, 2, 2)
    # Bytes neither UTF-8 nor cp1250 can hold, and a NUL: read (replaced), never a 500.
    odd = await comarch.call(
        "POST",
        f"{BASE}/sync-accounts",
        200,
        data=b"Numer;Nazwa\n9\x81\x00;Konto \x98\n",
        headers={"Content-Type": "text/plain"},
    )
    assert odd["created"] == 1
    for body, ctype, message in (
        ("Konto,Opis\n1,2\n", "text/csv", "the first row must name the columns"),
        ("<ROOT><KONTO><NAZWA>x</NAZWA></KONTO></ROOT>", "application/xml", "needs a number"),
        ("<ROOT><KONTO>", "application/xml", "not well-formed"),
        ('<!DOCTYPE r [<!ENTITY a "a">]><ROOT/>', "application/xml", "DOCTYPE"),
    ):
        problem = await comarch.call(
            "POST", f"{BASE}/sync-accounts", 422, data=body, headers={"Content-Type": ctype}
        )
        assert message in problem["detail"], problem


async def test_bad_pushes_and_lookups_are_4xx(comarch: ComarchApi) -> None:
    not_configured = await comarch.call(
        "POST",
        f"{BASE}/push-invoice",
        409,
        json={"invoice_id": "2b4d6f80-1a3c-4e5f-9a7b-c9d1e3f5a7b9"},
    )
    assert "not configured" in not_configured["detail"]
    await comarch.configure(auto_sync=False)
    unknown = await comarch.call(
        "POST",
        f"{BASE}/push-invoice",
        404,
        json={"invoice_ids": ["2b4d6f80-1a3c-4e5f-9a7b-c9d1e3f5a7b9"]},
    )
    assert unknown["errors"][0]["path"] == "/invoice_ids/0"
    await comarch.call("POST", f"{BASE}/push-invoice", 422, json={})
    await comarch.call("POST", f"{BASE}/push-invoice", 422, json={"invoice_id": "x"})
    await comarch.call("GET", f"{BASE}/invoices/not-a-uuid", 404)
    await comarch.call("GET", f"{BASE}/invoices/2b4d6f80-1a3c-4e5f-9a7b-c9d1e3f5a7b9", 404)


async def test_organisations_are_isolated_and_scopes_enforced(comarch: ComarchApi) -> None:
    await comarch.configure()
    invoice = await comarch.invoice("FV/2026/03/0200")
    other = await comarch.call("GET", f"{BASE}/config", 200, key="b")
    assert other["enabled"] is False and other["api_url"] is None
    await comarch.call("GET", f"{BASE}/invoices/{invoice['id']}", 404, key="b")
    await comarch.call("PUT", f"{BASE}/config", 200, key="b", json={"auto_sync": False})
    await comarch.call(
        "POST", f"{BASE}/push-invoice", 404, key="b", json={"invoice_id": invoice["id"]}
    )
    await comarch.call("GET", f"{BASE}/config", 403, key="reader")
