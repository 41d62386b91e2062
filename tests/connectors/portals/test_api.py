"""The portal API on the assembled server: every route, sessions, CSRF, lockout, suspended
users, delivery confirmation (validated, recorded, announced through the outbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.db.tables import EventRow, LogRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.web.request import KERNEL
from tests.connectors.portals.conftest import signed_in
from tests.connectors.portals.world import PASSWORD, Org

SUP = "/api/portal/supplier"
CUS = "/api/portal/customer"


async def test_supplier_signs_in_lists_reads_confirms_and_signs_out(
    kernel: Kernel, world: tuple[Org, Org], new_client: Any
) -> None:
    alfa, _ = world
    client, csrf = await signed_in(new_client, "supplier", alfa.emails["S1"])
    me = await (await client.get(f"{SUP}/me")).json()
    assert me["party_id"] == str(alfa.suppliers["S1"]) and me["org_id"] == str(alfa.id)
    assert me["portal"] == "supplier" and me["csrf_token"] == csrf

    page = await (await client.get(f"{SUP}/orders")).json()
    assert page["total"] == 5
    assert {o["number"] for o in page["items"]} == {f"PO-ALFA-S1-{n}" for n in range(1, 6)}
    assert [o["order_date"] for o in page["items"]] == sorted(
        (o["order_date"] for o in page["items"]), reverse=True
    )
    sent = await (await client.get(f"{SUP}/orders", params={"status": "sent"})).json()
    assert sent["total"] == 2
    dated = await (
        await client.get(
            f"{SUP}/orders", params={"ordered_from": "2026-02-12", "ordered_until": "2026-02-13"}
        )
    ).json()
    assert {o["number"] for o in dated["items"]} == {"PO-ALFA-S1-2", "PO-ALFA-S1-3"}
    second = await (await client.get(f"{SUP}/orders", params={"limit": 2, "offset": 2})).json()
    assert len(second["items"]) == 2 and second["offset"] == 2

    po_id = alfa.pos["PO-ALFA-S1-1"]
    order = await (await client.get(f"{SUP}/orders/{po_id}")).json()
    assert order["number"] == "PO-ALFA-S1-1" and order["expected_delivery_date"] == "2026-03-11"
    assert [line["qty"] for line in order["lines"]] == ["100.0000", "40.5000"] or [
        float(line["qty"]) for line in order["lines"]
    ] == [100, 40.5]

    line_ids = [line["id"] for line in order["lines"]]
    confirmed = await client.post(
        f"{SUP}/orders/{po_id}/confirm",
        json={
            "delivery_date": "2026-03-12",
            "lines": [{"line_id": line_ids[0], "qty": "90"}],
            "note": "Second truck on Friday",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert confirmed.status == 200, await confirmed.text()
    body = await confirmed.json()
    assert body["status"] == "confirmed" and body["confirmed_delivery_date"] == "2026-03-12"
    assert float(body["lines"][0]["qty_confirmed"]) == 90

    async with kernel.database.system_session() as s:
        events = (
            await s.scalars(select(EventRow).where(EventRow.event_type == "order.updated"))
        ).all()
        logs = (await s.scalars(select(LogRow).where(LogRow.integration_type == "portal"))).all()
    await client.server.app[KERNEL].runtime().log_writer.flush()  # the server's own kernel
    (event,) = events
    assert event.org_id == alfa.id
    data = event.payload if hasattr(event, "payload") else event.data
    assert data["po_number"] == "PO-ALFA-S1-1" and data["supplier_code"] == "S1"
    assert data["changes"]["status"] == {"old": "sent", "new": "confirmed"}
    assert data["confirmation"]["note"] == "Second truck on Friday"
    async with kernel.database.system_session() as s:
        logs = (await s.scalars(select(LogRow).where(LogRow.integration_type == "portal"))).all()
    assert len(logs) == 1 and logs[0].org_id == alfa.id

    out = await client.post(f"{SUP}/logout", headers={"X-CSRF-Token": csrf})
    assert out.status == 200
    assert (await client.get(f"{SUP}/orders")).status == 401
    assert (await client.get(f"{SUP}/me")).status == 401


async def test_customer_signs_in_lists_orders_and_follows_a_shipment(
    world: tuple[Org, Org], new_client: Any
) -> None:
    alfa, _ = world
    client, csrf = await signed_in(new_client, "customer", alfa.emails["C1"])
    page = await (await client.get(f"{CUS}/orders")).json()
    assert {o["number"] for o in page["items"]} == {"SO-ALFA-C1-1", "SO-ALFA-C1-2"}
    shipped = await (await client.get(f"{CUS}/orders", params={"status": "shipped"})).json()
    assert [o["number"] for o in shipped["items"]] == ["SO-ALFA-C1-1"]
    order = await (await client.get(f"{CUS}/orders/{alfa.sos['SO-ALFA-C1-1']}")).json()
    assert order["external_reference"] == "C1/REF/1"
    (shipment,) = order["shipments"]
    assert shipment["number"] == "WZ-ALFA-C1-1"
    tracking = await (await client.get(f"{CUS}/shipments/{shipment['id']}")).json()
    assert tracking["carrier"] == "DPD Polska" and tracking["tracking_number"] == "TRKALFAC1"
    assert [h["status"] for h in tracking["history"]] == ["planned", "dispatched"]
    assert tracking["expected_delivery"] == "2026-03-04"
    assert tracking["sales_order_number"] == "SO-ALFA-C1-1"
    me = await (await client.get(f"{CUS}/me")).json()
    assert me["party_id"] == str(alfa.customers["C1"])
    assert (await client.post(f"{CUS}/logout", headers={"X-CSRF-Token": csrf})).status == 200
    assert (await client.get(f"{CUS}/orders")).status == 401


async def test_every_route_refuses_without_a_session(server: Any, new_client: Any) -> None:
    client = await new_client()
    some = "0190a4c2-0000-7000-8000-000000000001"
    for method, path in (
        ("GET", f"{SUP}/orders"),
        ("GET", f"{SUP}/orders/{some}"),
        ("POST", f"{SUP}/orders/{some}/confirm"),
        ("GET", f"{SUP}/me"),
        ("POST", f"{SUP}/logout"),
        ("GET", f"{CUS}/orders"),
        ("GET", f"{CUS}/orders/{some}"),
        ("GET", f"{CUS}/shipments/{some}"),
        ("GET", f"{CUS}/me"),
        ("POST", f"{CUS}/logout"),
    ):
        response = await client.request(method, path)
        assert response.status == 401, (method, path)
        assert response.content_type == "application/problem+json"


async def test_a_supplier_session_is_no_customer_session(
    world: tuple[Org, Org], new_client: Any
) -> None:
    alfa, _ = world
    client, _ = await signed_in(new_client, "supplier", alfa.emails["S1"])
    assert (await client.get(f"{CUS}/orders")).status == 401
    assert (await client.get(f"{CUS}/me")).status == 401


async def test_session_expiry_idle_and_absolute(
    world: tuple[Org, Org], new_client: Any, clock: ManualClock
) -> None:
    alfa, _ = world
    client, _ = await signed_in(new_client, "supplier", alfa.emails["S1"])
    clock.advance(minutes=29)
    assert (await client.get(f"{SUP}/orders")).status == 200
    clock.advance(minutes=31)
    response = await client.get(f"{SUP}/orders")
    assert response.status == 401 and "expired" in (await response.json())["detail"]
    client, _ = await signed_in(new_client, "supplier", alfa.emails["S1"])
    for _ in range(16):
        clock.advance(minutes=29)
        assert (await client.get(f"{SUP}/me")).status == 200
    clock.advance(minutes=29)  # 8 h 3 min after sign-in
    assert (await client.get(f"{SUP}/me")).status == 401


async def test_fixation_a_planted_session_id_is_replaced_at_sign_in(
    world: tuple[Org, Org], new_client: Any
) -> None:
    alfa, _ = world
    attacker, _ = await signed_in(new_client, "supplier", alfa.emails["S2"])
    planted = attacker.session.cookie_jar.filter_cookies(attacker.make_url("/"))[
        "mp_portal_supplier"
    ].value
    victim = await new_client()
    victim.session.cookie_jar.update_cookies({"mp_portal_supplier": planted})
    response = await victim.post(
        f"{SUP}/login", json={"email": alfa.emails["S1"], "password": PASSWORD}
    )
    assert response.status == 200
    fresh = victim.session.cookie_jar.filter_cookies(victim.make_url("/"))[
        "mp_portal_supplier"
    ].value
    assert fresh != planted
    # The planted id is dead: the attacker holding it is signed out, not signed in as S1.
    assert (await attacker.get(f"{SUP}/me")).status == 401
    assert (await (await victim.get(f"{SUP}/me")).json())["party_id"] == str(alfa.suppliers["S1"])


async def test_csrf_and_origin_refusals(world: tuple[Org, Org], new_client: Any) -> None:
    alfa, _ = world
    client, csrf = await signed_in(new_client, "supplier", alfa.emails["S1"])
    po_id = alfa.pos["PO-ALFA-S1-1"]
    body = {"delivery_date": "2026-03-12"}
    missing = await client.post(f"{SUP}/orders/{po_id}/confirm", json=body)
    assert missing.status == 403 and "CSRF" in (await missing.json())["detail"]
    wrong = await client.post(
        f"{SUP}/orders/{po_id}/confirm", json=body, headers={"X-CSRF-Token": csrf[:-2] + "xx"}
    )
    assert wrong.status == 403
    foreign = await client.post(
        f"{SUP}/orders/{po_id}/confirm",
        json=body,
        headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
    )
    assert foreign.status == 403
    cross = await client.post(
        f"{SUP}/orders/{po_id}/confirm",
        json=body,
        headers={"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"},
    )
    assert cross.status == 403
    logout = await client.post(f"{SUP}/logout")
    assert logout.status == 403  # signing out needs the token too
    forged_login = await (await new_client()).post(
        f"{SUP}/login",
        json={"email": alfa.emails["S1"], "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert forged_login.status == 403
    ok = await client.post(
        f"{SUP}/orders/{po_id}/confirm", json=body, headers={"X-CSRF-Token": csrf}
    )
    assert ok.status == 200


async def test_failed_sign_ins_are_one_answer_then_a_growing_lockout(
    world: tuple[Org, Org], new_client: Any, clock: ManualClock
) -> None:
    alfa, _ = world
    client = await new_client()
    answers = []
    for email in (alfa.emails["S1"], "nobody@alfa.example"):
        response = await client.post(
            f"{SUP}/login", json={"email": email, "password": "wrong wrong wrong"}
        )
        answers.append((response.status, (await response.json())["detail"]))
    assert answers[0] == answers[1] and answers[0][0] == 401
    for _ in range(4):
        await client.post(
            f"{SUP}/login", json={"email": alfa.emails["S1"], "password": "nope nope nope"}
        )
    locked = await client.post(
        f"{SUP}/login", json={"email": alfa.emails["S1"], "password": PASSWORD}
    )
    assert locked.status == 429 and locked.headers["Retry-After"] == "60"
    clock.advance(seconds=61)
    await client.post(
        f"{SUP}/login", json={"email": alfa.emails["S1"], "password": "nope nope nope"}
    )
    again = await client.post(
        f"{SUP}/login", json={"email": alfa.emails["S1"], "password": PASSWORD}
    )
    assert again.status == 429 and again.headers["Retry-After"] == "120"
    clock.advance(seconds=121)
    ok = await client.post(f"{SUP}/login", json={"email": alfa.emails["S1"], "password": PASSWORD})
    assert ok.status == 200
    # The customer portal counts on its own.
    other = await client.post(
        f"{CUS}/login", json={"email": alfa.emails["C1"], "password": PASSWORD}
    )
    assert other.status == 200


async def test_confirmation_is_validated_against_the_order(
    kernel: Kernel, world: tuple[Org, Org], new_client: Any
) -> None:
    alfa, _ = world
    client, csrf = await signed_in(new_client, "supplier", alfa.emails["S1"])
    headers = {"X-CSRF-Token": csrf}
    po_id = alfa.pos["PO-ALFA-S1-2"]
    order = await (await client.get(f"{SUP}/orders/{po_id}")).json()
    line = order["lines"][1]["id"]
    other_line = (
        (await kernel.domain.get_purchase_order(alfa.id, alfa.pos["PO-ALFA-S1-1"])).lines[0].id
    )

    async def refused(body: dict[str, Any], order_id: Any = po_id) -> list[str]:
        response = await client.post(f"{SUP}/orders/{order_id}/confirm", json=body, headers=headers)
        assert response.status == 422, await response.text()
        problem = await response.json()
        return sorted(e["path"].lstrip("/") for e in problem["errors"])

    assert await refused({"delivery_date": "2026-03-01"}) == ["delivery_date"]  # the past
    assert await refused({"delivery_date": "2026-02-01"}) == ["delivery_date"]  # before order
    assert await refused({"delivery_date": "2027-06-01"}) == ["delivery_date"]  # > 1 year
    assert await refused({"delivery_date": "not a date"}) == ["delivery_date"]
    assert await refused(
        {
            "delivery_date": "2026-03-20",
            "lines": [
                {"line_id": line, "qty": "41"},  # more than 40.5 ordered
                {"line_id": str(other_line), "qty": "1"},  # another order's line
                {"line_id": line, "qty": "-1"},  # named twice, negative
            ],
        }
    ) == ["lines[0].qty", "lines[1].line_id", "lines[2].line_id", "lines[2].qty"]
    assert await refused(
        {"delivery_date": "2026-03-20", "lines": [{"line_id": line, "qty": "1.2345"}]}
    ) == ["lines[0].qty"]
    assert await refused({"delivery_date": "2026-03-20", "extra": 1}) == ["extra"]
    assert await refused({"delivery_date": "2026-03-20"}, alfa.pos["PO-ALFA-S1-4"]) == [
        "status"
    ]  # received
    assert await refused({"delivery_date": "2026-03-20"}, alfa.pos["PO-ALFA-S1-5"]) == [
        "status"
    ]  # draft
    bad_json = await client.post(
        f"{SUP}/orders/{po_id}/confirm",
        data=b"{",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert bad_json.status == 400
    # Nothing was recorded, nothing announced.
    unchanged = await kernel.domain.get_purchase_order(alfa.id, po_id)
    assert unchanged.status == "sent" and unchanged.confirmed_delivery_date is None
    async with kernel.database.system_session() as s:
        assert (await s.scalars(select(EventRow))).all() == []


async def test_a_suspended_user_cannot_sign_in_and_loses_its_sessions(
    kernel: Kernel, world: tuple[Org, Org], new_client: Any
) -> None:
    from monopilot_integrations.connectors.portals.admin.service import PortalUserAdmin
    from monopilot_integrations.connectors.portals.parties import SUPPLIER

    alfa, _ = world
    client, _ = await signed_in(new_client, "supplier", alfa.emails["S1"])
    await PortalUserAdmin(kernel, SUPPLIER).set_status(alfa.id, alfa.users["S1"], "suspended")
    assert (await client.get(f"{SUP}/orders")).status == 401
    response = await (await new_client()).post(
        f"{SUP}/login", json={"email": alfa.emails["S1"], "password": PASSWORD}
    )
    assert response.status == 403 and "suspended" in (await response.json())["detail"]
    wrong = await (await new_client()).post(
        f"{SUP}/login", json={"email": alfa.emails["S1"], "password": "wrong wrong wrong"}
    )
    assert wrong.status == 401
    await PortalUserAdmin(kernel, SUPPLIER).set_status(alfa.id, alfa.users["S1"], "active")
    await signed_in(new_client, "supplier", alfa.emails["S1"])


async def test_bad_input_is_a_problem_not_a_500(world: tuple[Org, Org], new_client: Any) -> None:
    alfa, _ = world
    client, _ = await signed_in(new_client, "supplier", alfa.emails["S1"])
    for params in (
        {"status": "shipped"},
        {"limit": "0"},
        {"limit": "1000"},
        {"offset": "-1"},
        {"ordered_from": "2026-13-01"},
        {"ordered_from": "2026-03-01", "ordered_until": "2026-02-01"},
        {"unknown": "1"},
    ):
        response = await client.get(f"{SUP}/orders", params=params)
        assert response.status == 422, params
        assert response.content_type == "application/problem+json"
    assert (await client.get(f"{SUP}/orders/not-a-uuid")).status == 404
    login = await (await new_client()).post(
        f"{SUP}/login", data="email=x", headers={"Content-Type": "text/plain"}
    )
    assert login.status == 415
    empty = await (await new_client()).post(f"{SUP}/login", json={"email": "", "password": ""})
    assert empty.status == 422
