"""``serve --demo`` with the portals installed: the portals' ``seed_demo`` adds a supplier
and a customer portal user, the demo prints their logins, and a person signs in to both
portals with exactly what was printed, over the assembled server on loopback."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from monopilot_integrations.core.clock import ManualClock
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.server.app import create_app
from monopilot_integrations.server.demo.setup import describe, prepare_demo, write_credentials

PRINTED_LOGIN = re.compile(
    r"^  (?P<realm>supplier portal|customer portal) \(for (?P<party>\S+)\): "
    r"(?P<url>http://\S+)  sign in as (?P<email>\S+) / (?P<password>\S+)   \(shown once\)$",
    re.MULTILINE,
)


@pytest.fixture
async def browser(kernel: Kernel, clock: ManualClock) -> AsyncIterator[Any]:
    """A client of the assembled server (one cookie jar), on the kernel's database."""
    app = create_app(kernel.settings, plugins=kernel.plugins, clock=clock, embedded_worker=False)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client


def printed_logins(text: str, base_url: str) -> dict[str, dict[str, str]]:
    """The portal logins of the printed block, by portal kind, with the page's path."""
    found: dict[str, dict[str, str]] = {}
    for match in PRINTED_LOGIN.finditer(text):
        login = match.groupdict()
        assert login["url"].startswith(base_url + "/"), login["url"]
        login["path"] = login["url"][len(base_url) :]
        found[login["realm"].split()[0]] = login
    return found


async def party_id(kernel: Kernel, org_id: uuid.UUID, kind: str, code: str) -> uuid.UUID:
    if kind == "supplier":
        party = await kernel.domain.find_supplier_by_code(org_id, code)
    else:
        party = await kernel.domain.find_customer_by_code(org_id, code)
    assert party is not None, (kind, code)
    return party.id


async def sign_in_on_the_page(browser: Any, login: dict[str, str]) -> Any:
    """Post the portal's sign-in form at the printed address, as a browser would."""
    form = await browser.get(login["path"])
    assert form.status == 200, await form.text()
    return await browser.post(
        login["path"],
        data={"email": login["email"], "password": login["password"]},
        allow_redirects=False,
    )


async def test_the_printed_portal_logins_sign_in_and_a_second_demo_run_renews_them(
    kernel: Kernel, browser: Any, tmp_path: Path
) -> None:
    base_url = str(browser.make_url("")).rstrip("/")
    first = await prepare_demo(kernel)
    org_id = uuid.UUID(first["org_id"])
    text = describe(first, base_url)
    logins = printed_logins(text, base_url)

    assert sorted(logins) == ["customer", "supplier"], text
    assert "none" not in text
    for kind, login in logins.items():
        assert login["path"] == f"/portal/{kind}/login"
        response = await sign_in_on_the_page(browser, login)
        assert response.status == 303, await response.text()
        assert response.headers["Location"] == f"/portal/{kind}/orders"
        orders = await browser.get(response.headers["Location"])
        assert orders.status == 200
        me = await browser.get(f"/api/portal/{kind}/me")
        assert me.status == 200, await me.text()
        who = await me.json()
        assert who["email"] == login["email"] and who["org_id"] == str(org_id)
        assert who["party_id"] == str(await party_id(kernel, org_id, kind, login["party"]))

    # The credentials file carries the same logins.
    path = tmp_path / "demo.json"
    write_credentials(path, first, base_url)
    written = json.loads(path.read_text())["portal_logins"]
    assert {(w["email"], w["password"], w["url_path"]) for w in written} == {
        (login["email"], login["password"], login["path"]) for login in logins.values()
    }

    # A second start: the same users with fresh passwords; the old ones and the sessions
    # signed in with them no longer work.
    second = await prepare_demo(kernel)
    again = printed_logins(describe(second, base_url), base_url)
    assert sorted(again) == ["customer", "supplier"]
    for kind, login in again.items():
        assert login["email"] == logins[kind]["email"]
        assert login["password"] != logins[kind]["password"]
        assert (await browser.get(f"/api/portal/{kind}/me")).status == 401
        stale = await sign_in_on_the_page(browser, logins[kind])
        assert stale.status == 401
        response = await sign_in_on_the_page(browser, login)
        assert response.status == 303, await response.text()
        assert (await browser.get(f"/api/portal/{kind}/me")).status == 200
