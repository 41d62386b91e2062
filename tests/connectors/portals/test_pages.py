"""The portals' pages over HTTP without a browser (the browser tests drive the same pages
in Chromium): forms work without JavaScript, errors sit next to their fields, pages carry
no outside assets and strict security headers."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import ClientResponse

from monopilot_integrations.core.kernel import Kernel
from tests.connectors.portals.conftest import signed_in
from tests.connectors.portals.world import PASSWORD, Org

SUP = "/portal/supplier"
CUS = "/portal/customer"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


async def _sign_in(client: Any, base: str, email: str) -> str:
    form = await client.get(base + "/login")
    assert form.status == 200
    response = await client.post(
        base + "/login", data={"email": email, "password": PASSWORD}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == base + "/orders"
    page = await client.get(base + "/orders")
    assert page.status == 200
    return await page.text()


def _no_outside_assets(html: str) -> None:
    for tag in re.findall(r"<(?:link|script|img|iframe|source)\b[^>]*>", html):
        assert "http://" not in tag and "https://" not in tag and "//" not in tag, tag
    assert "<script" not in html  # the pages need no JavaScript


def _headers(response: ClientResponse) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


async def test_supplier_pages_sign_in_list_detail_confirm_sign_out(
    kernel: Kernel, world: tuple[Org, Org], new_client: Any
) -> None:
    alfa, _ = world
    client = await new_client()
    assert (await client.get(SUP + "/orders", allow_redirects=False)).status == 303
    html = await _sign_in(client, SUP, alfa.emails["S1"])
    _no_outside_assets(html)
    assert "PO-ALFA-S1-1" in html and "PO-ALFA-S2-1" not in html
    filtered = await client.get(SUP + "/orders", params={"status": "sent"})
    text = await filtered.text()
    assert "PO-ALFA-S1-1" in text and "PO-ALFA-S1-4" not in text
    bad = await client.get(SUP + "/orders", params={"ordered_from": "yesterday"})
    assert bad.status == 422 and 'id="ordered_from-error"' in await bad.text()

    po_id = alfa.pos["PO-ALFA-S1-1"]
    detail = await client.get(f"{SUP}/orders/{po_id}")
    _headers(detail)
    html = await detail.text()
    _no_outside_assets(html)
    assert "Flour type 750" in html and 'name="delivery_date"' in html
    csrf = _csrf(html)
    order = await kernel.domain.get_purchase_order(alfa.id, po_id)
    first = order.lines[0].id

    refused = await client.post(
        f"{SUP}/orders/{po_id}/confirm",
        data={"csrf_token": csrf, "delivery_date": "2026-01-01", f"qty_{first}": "500"},
    )
    assert refused.status == 422
    html = await refused.text()
    # Each error next to its field, tied to it for screen readers.
    assert re.search(r'id="delivery_date"[^>]*aria-invalid="true"', html, re.S)
    assert 'id="delivery_date-error"' in html and "Before the order date" in html
    assert f'id="qty_{first}-error"' in html and "More than ordered" in html
    assert 'value="500"' in html  # what the supplier typed is kept

    no_token = await client.post(
        f"{SUP}/orders/{po_id}/confirm", data={"delivery_date": "2026-03-12"}
    )
    assert no_token.status == 403
    done = await client.post(
        f"{SUP}/orders/{po_id}/confirm",
        data={
            "csrf_token": csrf,
            "delivery_date": "2026-03-12",
            f"qty_{first}": "95,5",
            "note": "ok",
        },
        allow_redirects=False,
    )
    assert done.status == 303, await done.text()
    after = await client.get(done.headers["Location"])
    assert "the delivery is confirmed" in await after.text()
    stored = await kernel.domain.get_purchase_order(alfa.id, po_id)
    assert stored.status == "confirmed" and str(stored.confirmed_delivery_date) == "2026-03-12"
    assert float(stored.lines[0].qty_confirmed) == 95.5

    assert (await client.get(f"{SUP}/orders/{alfa.pos['PO-ALFA-S2-1']}")).status == 404
    assert (await client.get(f"{SUP}/orders/not-an-id")).status == 404

    out = await client.post(f"{SUP}/logout", data={"csrf_token": csrf}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"].endswith("signed_out=1")
    assert (await client.get(SUP + "/orders", allow_redirects=False)).status == 303


async def test_sign_in_page_errors(world: tuple[Org, Org], new_client: Any) -> None:
    alfa, _ = world
    client = await new_client()
    wrong = await client.post(
        SUP + "/login", data={"email": alfa.emails["S1"], "password": "no no no no"}
    )
    assert wrong.status == 401
    html = await wrong.text()
    assert "is wrong" in html and 'role="alert"' in html and alfa.emails["S1"] in html
    empty = await client.post(SUP + "/login", data={"email": "", "password": ""})
    assert empty.status == 422
    forged = await client.post(
        SUP + "/login",
        data={"email": alfa.emails["S1"], "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status == 403
    css = await client.get("/portal/static/portal.css")
    assert css.status == 200 and css.content_type == "text/css"
    assert "http" not in await css.text()


async def test_customer_pages_order_and_shipment_tracking(
    world: tuple[Org, Org], new_client: Any
) -> None:
    alfa, _ = world
    client = await new_client()
    html = await _sign_in(client, CUS, alfa.emails["C1"])
    assert "SO-ALFA-C1-1" in html and "SO-ALFA-C2-1" not in html
    order = await client.get(f"{CUS}/orders/{alfa.sos['SO-ALFA-C1-1']}")
    html = await order.text()
    assert "WZ-ALFA-C1-1" in html
    shipment = await client.get(f"{CUS}/shipments/{alfa.shipments['WZ-ALFA-C1-1']}")
    html = await shipment.text()
    _no_outside_assets(html)
    assert "DPD Polska" in html and "TRKALFAC1" in html and "Left the warehouse" in html
    assert "2026-03-04" in html  # expected delivery
    assert (await client.get(f"{CUS}/shipments/{alfa.shipments['WZ-ALFA-C2-1']}")).status == 404
    # A customer session opens no supplier page.
    assert (await client.get(SUP + "/orders", allow_redirects=False)).status == 303


async def test_a_page_refused_before_its_handler_is_an_html_page(
    world: tuple[Org, Org], new_client: Any
) -> None:
    """A refusal around a page (a sign-out form without the session's token, an id the
    router cannot match) is told to the person in a page, not in a JSON document; the JSON
    API's refusals stay problem details."""
    alfa, _ = world
    client, _token = await signed_in(new_client, "supplier", alfa.emails["S1"])
    forged = await client.post(SUP + "/logout", data={"csrf_token": "wrong"})
    assert forged.status == 403 and forged.content_type == "text/html"
    api = await client.post("/api/portal/supplier/logout", headers={"X-CSRF-Token": "wrong"})
    assert api.status == 403 and api.content_type == "application/problem+json"
    # No route matches an id with a brace in it: the server's 404, not "missing API key".
    unmatched = await client.get(SUP + "/orders/a%7Bb")
    assert unmatched.status == 404, await unmatched.text()
