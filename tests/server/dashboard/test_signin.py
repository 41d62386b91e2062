"""The dashboard's own sign-in: admins of the reference domain, with the kernel's web
sessions (the portals' password hashing, cookie, CSRF and lockout rules)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import insert

from monopilot_integrations.domain.tables import OrganizationRow
from tests.server.conftest import Server
from tests.server.test_cli import DEMO, cli

from .conftest import ORG_A, ORG_B

PASSWORD = "correct horse battery staple"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture
async def admins(dashboard: Server) -> Server:
    kernel = dashboard.kernel
    async with kernel.database.transaction() as conn:
        for org, code in ((ORG_A, "org-a"), (ORG_B, "org-b")):
            await conn.execute(insert(OrganizationRow).values(id=org, code=code, name=code.upper()))
    hashed = await kernel.password_hasher.hash(PASSWORD)
    await kernel.domain.save_user(
        ORG_A, email="Anna@A.example", name="Anna", role="admin", password_hash=hashed
    )
    await kernel.domain.save_user(
        ORG_B, email="bob@b.example", name="Bob", role="admin", password_hash=hashed
    )
    await kernel.domain.save_user(
        ORG_A, email="plan@a.example", name="Plan", role="planner", password_hash=hashed
    )
    # One e-mail, admin of both organisations: the organisation code decides.
    await kernel.domain.save_user(
        ORG_A, email="both@x.example", name="Both A", role="admin", password_hash=hashed
    )
    await kernel.domain.save_user(
        ORG_B, email="both@x.example", name="Both B", role="admin", password_hash=hashed
    )
    return dashboard


async def sign_in(client: TestClient, email: str, password: str = PASSWORD, **extra: str) -> int:
    response = await client.post(
        "/dashboard/login",
        data={"email": email, "password": password, **extra},
        headers=SAME_ORIGIN,
        allow_redirects=False,
    )
    return response.status


def token_of(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert found
    return found.group(1)


async def test_an_admin_signs_in_acts_and_signs_out(admins: Server) -> None:
    client = admins.client
    assert await sign_in(client, " anna@a.EXAMPLE ") == 303
    html = await (await client.get("/dashboard/")).text()
    assert "Anna" in html and "Sign out" in html
    token = token_of(html)
    assert token != "same-origin"

    body = {"name": "from the dashboard", "scopes": ["read:products"]}
    url = "/dashboard/api/integrations/api-keys"
    refused = await client.post(url, json=body, headers=SAME_ORIGIN)
    assert refused.status == 403  # no CSRF token
    wrong = await client.post(url, json=body, headers={**SAME_ORIGIN, "X-CSRF-Token": "x" * 43})
    assert wrong.status == 403
    created = await client.post(url, json=body, headers={**SAME_ORIGIN, "X-CSRF-Token": token})
    assert created.status == 201
    keys, _ = await admins.kernel.api_keys.list(ORG_A, status=None, limit=10, offset=0)
    assert [k.name for k in keys] == ["from the dashboard"]

    out = await client.post(
        "/dashboard/logout", data={"csrf_token": token}, headers=SAME_ORIGIN, allow_redirects=False
    )
    assert out.status == 303
    again = await client.get("/dashboard/", allow_redirects=False)
    assert again.status == 303 and again.headers["Location"] == "/dashboard/login"


async def test_failures_tell_nothing_and_lock_the_account(admins: Server) -> None:
    client = admins.client
    for email, password in (
        ("anna@a.example", "wrong password here"),
        ("nobody@a.example", PASSWORD),
        ("plan@a.example", PASSWORD),  # not an admin
    ):
        response = await client.post(
            "/dashboard/login",
            data={"email": email, "password": password},
            headers=SAME_ORIGIN,
            allow_redirects=False,
        )
        assert response.status == 401
        assert "the e-mail address, the password or the authentication code is wrong" in (
            await response.text()
        )
    for _ in range(4):
        await sign_in(client, "anna@a.example", "wrong password here")
    locked = await client.post(
        "/dashboard/login",
        data={"email": "anna@a.example", "password": PASSWORD},
        headers=SAME_ORIGIN,
        allow_redirects=False,
    )
    assert locked.status == 429 and "Retry-After" in locked.headers
    assert "try again in" in await locked.text()
    cross_site = await client.post(
        "/dashboard/login",
        data={"email": "bob@b.example", "password": PASSWORD},
        headers={"Sec-Fetch-Site": "cross-site"},
        allow_redirects=False,
    )
    assert cross_site.status == 403


async def test_an_admin_of_two_organisations_names_one(admins: Server) -> None:
    client = admins.client
    assert await sign_in(client, "both@x.example") == 401  # which one?
    assert await sign_in(client, "both@x.example", organization="nope") == 401
    assert await sign_in(client, "both@x.example", organization="org-b") == 303
    html = await (await client.get("/dashboard/")).text()
    assert "Both B" in html


async def test_a_signed_in_admin_sees_only_their_organisation(admins: Server) -> None:
    kernel = admins.kernel
    await kernel.api_keys.create(ORG_A, name="a-only key", scopes=["read:products"])
    other, _ = await kernel.api_keys.create(ORG_A, name="a second key", scopes=["read:products"])
    client = admins.client
    assert await sign_in(client, "bob@b.example") == 303
    html = await (await client.get("/dashboard/api-keys")).text()
    assert "a-only key" not in html
    token = token_of(html)
    revoke = await client.delete(
        f"/dashboard/api/integrations/api-keys/{other.id}",
        headers={**SAME_ORIGIN, "X-CSRF-Token": token},
    )
    assert revoke.status == 404
    assert (await kernel.api_keys.get(ORG_A, other.id)).status == "active"


@pytest.mark.timeout(480)  # four runs of the installed command, each loading every plugin
def test_the_cli_creates_an_admin_who_can_sign_in(tmp_path: Path) -> None:
    assert cli("migrate", data_dir=tmp_path).returncode == 0
    assert cli("seed", str(DEMO), data_dir=tmp_path).returncode == 0
    made = cli(
        "dashboard-admin", "--org", "demo", "--email", "ops@piekarnia-demo.pl", data_dir=tmp_path
    )
    assert made.returncode == 0, made.stderr
    password = made.stdout.strip()
    assert len(password) >= 12 and "/dashboard/login" in made.stderr
    unknown = cli("dashboard-admin", "--org", "nope", "--email", "x@y.z", data_dir=tmp_path)
    assert unknown.returncode == 2 and "no organisation" in unknown.stderr

    import asyncio

    from monopilot_integrations.core.kernel import Kernel
    from monopilot_integrations.core.settings import Settings

    async def check() -> None:
        kernel = Kernel(Settings(data_dir=tmp_path))
        try:
            (user,) = await kernel.domain.find_users_by_email("ops@piekarnia-demo.pl")
            assert user.role == "admin" and user.password_hash
            assert (await kernel.password_hasher.verify(password, user.password_hash)).ok
        finally:
            await kernel.close()

    asyncio.run(check())
    _ = uuid
