"""Portal user administration through the management API (scope ``integrations:admin``):
create (invite) with a temporary password shown once, list, get, suspend (sessions end),
reactivate, reset password, two factors; organisations apart; bad input as problems."""

from __future__ import annotations

import uuid
from typing import Any

from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.testing.kernel import create_org_with_admin_key
from monopilot_integrations.core.web.sessions import totp as totp_codes
from tests.connectors.portals.conftest import signed_in
from tests.connectors.portals.world import Org

USERS = "/api/integrations/portals/supplier/users"
CUSTOMERS = "/api/integrations/portals/customer/users"


async def test_invite_sign_in_suspend_reactivate_reset(
    kernel: Kernel, world: tuple[Org, Org], new_client: Any, clock: Any
) -> None:
    alfa, beta = world
    admin = await new_client()
    key = {"Authorization": f"Bearer {(await create_org_with_admin_key(kernel, alfa.id)).api_key}"}
    other_key = {
        "Authorization": f"Bearer {(await create_org_with_admin_key(kernel, beta.id)).api_key}"
    }

    created = await admin.post(
        USERS,
        json={
            "email": "Nowa@Supplier.Example",
            "name": "Nowa",
            "party_id": str(alfa.suppliers["S2"]),
        },
        headers=key,
    )
    assert created.status == 201, await created.text()
    body = await created.json()
    temporary = body["temporary_password"]
    assert len(temporary) >= 16 and body["email"] == "nowa@supplier.example"
    assert body["status"] == "active" and body["two_factor"] is False
    user_id = body["id"]
    assert created.headers["Location"].endswith(user_id)

    listed = await (
        await admin.get(USERS, params={"party_id": str(alfa.suppliers["S2"])}, headers=key)
    ).json()
    assert {u["email"] for u in listed["items"]} == {"nowa@supplier.example", alfa.emails["S2"]}
    assert "temporary_password" not in listed["items"][0]
    got = await (await admin.get(f"{USERS}/{user_id}", headers=key)).json()
    assert got["last_login_at"] is None

    # Another organisation's administrator sees none of it.
    assert (await admin.get(f"{USERS}/{user_id}", headers=other_key)).status == 404
    assert (await admin.post(f"{USERS}/{user_id}/suspend", headers=other_key)).status == 404
    theirs = await (await admin.get(USERS, headers=other_key)).json()
    assert "nowa@supplier.example" not in {u["email"] for u in theirs["items"]}

    portal, _ = await signed_in(new_client, "supplier", "nowa@supplier.example", temporary)
    me = await (await portal.get("/api/portal/supplier/me")).json()
    assert me["party_id"] == str(alfa.suppliers["S2"])
    got = await (await admin.get(f"{USERS}/{user_id}", headers=key)).json()
    assert got["last_login_at"] is not None

    suspended = await admin.post(f"{USERS}/{user_id}/suspend", headers=key)
    assert (await suspended.json())["status"] == "suspended"
    assert (await portal.get("/api/portal/supplier/me")).status == 401  # the session ended
    only_active = await (await admin.get(USERS, params={"status": "suspended"}, headers=key)).json()
    assert [u["id"] for u in only_active["items"]] == [user_id]
    reactivated = await admin.post(f"{USERS}/{user_id}/reactivate", headers=key)
    assert (await reactivated.json())["status"] == "active"

    portal, _ = await signed_in(new_client, "supplier", "nowa@supplier.example", temporary)
    reset = await admin.post(f"{USERS}/{user_id}/reset-password", json={}, headers=key)
    new_password = (await reset.json())["temporary_password"]
    assert new_password and new_password != temporary
    assert (await portal.get("/api/portal/supplier/me")).status == 401
    failed = await (await new_client()).post(
        "/api/portal/supplier/login", json={"email": "nowa@supplier.example", "password": temporary}
    )
    assert failed.status == 401
    await signed_in(new_client, "supplier", "nowa@supplier.example", new_password)
    chosen = await admin.post(
        f"{USERS}/{user_id}/reset-password", json={"password": "chosen by admin 1"}, headers=key
    )
    assert (await chosen.json())["temporary_password"] is None
    await signed_in(new_client, "supplier", "nowa@supplier.example", "chosen by admin 1")

    setup = await (await admin.post(f"{USERS}/{user_id}/two-factor", headers=key)).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    client = await new_client()
    without = await client.post(
        "/api/portal/supplier/login",
        json={"email": "nowa@supplier.example", "password": "chosen by admin 1"},
    )
    assert without.status == 401
    code = totp_codes.code_at(setup["secret"], clock.now())
    with_code = await client.post(
        "/api/portal/supplier/login",
        json={"email": "nowa@supplier.example", "password": "chosen by admin 1", "totp_code": code},
    )
    assert with_code.status == 200
    off = await (await admin.delete(f"{USERS}/{user_id}/two-factor", headers=key)).json()
    assert off["two_factor"] is False


async def test_admin_bad_input_and_scopes(
    kernel: Kernel, world: tuple[Org, Org], new_client: Any
) -> None:
    alfa, beta = world
    admin = await new_client()
    key = {"Authorization": f"Bearer {(await create_org_with_admin_key(kernel, alfa.id)).api_key}"}
    base = {"name": "X", "party_id": str(alfa.suppliers["S1"])}
    for body, status in (
        ({**base, "email": "not-an-email"}, 422),
        ({**base, "email": "a@b.example", "password": "short"}, 422),
        ({**base, "email": alfa.emails["S1"]}, 409),  # the e-mail is taken
        ({**base, "email": "c@d.example", "party_id": str(beta.suppliers["S1"])}, 422),
        ({**base, "email": "e@f.example", "party_id": str(alfa.customers["C1"])}, 422),
        ({**base, "email": "g@h.example", "extra": 1}, 422),
    ):
        response = await admin.post(USERS, json=body, headers=key)
        assert response.status == status, (body, await response.text())
        assert response.content_type == "application/problem+json"
    customer = await admin.post(
        CUSTOMERS,
        json={"email": "buyer@c.example", "name": "Buyer", "party_id": str(alfa.customers["C2"])},
        headers=key,
    )
    assert customer.status == 201
    assert (await admin.get(f"{USERS}/{uuid.uuid4()}", headers=key)).status == 404
    assert (await admin.get(f"{USERS}/nope", headers=key)).status == 404
    assert (await admin.get(USERS)).status == 401  # no key
    _, narrow = await kernel.api_keys.create(alfa.id, name="reader", scopes=["read:orders"])
    refused = await admin.get(USERS, headers={"Authorization": f"Bearer {narrow}"})
    assert refused.status == 403
