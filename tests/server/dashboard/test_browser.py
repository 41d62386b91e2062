"""A real headless Chromium (Debian's ``chromium``, driven by Playwright) uses the
dashboard as an admin would: signs in, reads the overview, creates and revokes an API key,
creates and pauses a webhook, redrives a dead letter; an admin of another organisation then
sees none of it. Screenshots of each page go to ``test-results/dashboard/`` (pytest-
playwright's output folder; ``--output`` moves it)."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from monopilot_integrations.core.connector import JobSpec
from monopilot_integrations.domain.tables import OrganizationRow
from tests.server.conftest import Server
from tests.support import plugin

from .conftest import ORG_A, ORG_B

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install -y chromium): "
    "the browser tests need it; Playwright's own browsers are never downloaded",
)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def shots(pytestconfig: pytest.Config) -> Path:
    try:
        output = Path(str(pytestconfig.getoption("--output")))
    except ValueError:
        output = Path("test-results")
    folder = output / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def chromium_browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def site(dashboard: Server) -> str:
    kernel = dashboard.kernel
    async with kernel.database.transaction() as conn:
        for org, code in ((ORG_A, "org-a"), (ORG_B, "org-b")):
            await conn.execute(insert(OrganizationRow).values(id=org, code=code, name=code.upper()))
    hashed = await kernel.password_hasher.hash(PASSWORD)
    await kernel.domain.save_user(
        ORG_A, email="anna@a.example", name="Anna", role="admin", password_hash=hashed
    )
    await kernel.domain.save_user(
        ORG_B, email="bob@b.example", name="Bob", role="admin", password_hash=hashed
    )
    return str(dashboard.client.make_url("/dashboard/"))


async def signed_in_page(browser: Any, site: str, email: str, shots: Path | None = None) -> Any:
    context = await browser.new_context()
    page = await context.new_page()
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.goto(site)
    assert page.url.endswith("/dashboard/login")
    if shots is not None:
        await page.screenshot(path=str(shots / "01-sign-in.png"), full_page=True)
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.login button[type=submit]")
    await page.wait_for_url(re.compile(r".*/dashboard/$"))
    return page


async def test_an_admin_steers_the_integrations_in_a_real_browser(
    dashboard: Server, site: str, chromium_browser: Any, shots: Path
) -> None:
    kernel = dashboard.kernel
    (dead,) = await kernel.jobs.create(
        ORG_A, plugin.FlakyConnector, [JobSpec(payload={"fatal": True})]
    )
    assert (await kernel.run_job(ORG_A, dead)).status == "dead"
    browser = chromium_browser
    page = await signed_in_page(browser, site, "anna@a.example", shots)

    # The overview.
    assert await page.text_content("h1") == "Overview"
    flaky = page.locator(f"#integration-{plugin.FlakyConnector.name}")
    assert await flaky.locator(".dead-letters").text_content() == "1"
    assert await page.locator("svg.chart").count() >= 4
    await page.screenshot(path=str(shots / "02-overview.png"), full_page=True)

    # An API key: created and shown once, then revoked.
    await page.click("text=API keys")
    await page.fill("#create-key input[name=name]", "browser key")
    await page.check("#create-key input[value='read:products']")
    await page.click("#create-key button[type=submit]")
    await page.wait_for_selector("#reveal:not([hidden])")
    secret = (await page.text_content("#reveal-value")) or ""
    assert len(secret) > 20
    await page.screenshot(path=str(shots / "03-api-key-created.png"), full_page=True)
    await page.click("#reveal-done")
    row = page.locator("tr[data-key-name='browser key']")
    await row.wait_for()
    assert await row.locator(".status").text_content() == "active"
    assert secret not in await page.content()  # shown once only
    await row.locator("button:has-text('Revoke')").click()
    # (A locator, not wait_for_function: the page's CSP refuses eval, as it should.)
    await row.locator(".status:has-text('revoked')").wait_for()
    await page.screenshot(path=str(shots / "04-api-key-revoked.png"), full_page=True)
    (key,) = (await kernel.api_keys.list(ORG_A, status=None, limit=5, offset=0))[0]
    assert key.status == "revoked"

    # A webhook: created from its panel, then paused.
    await page.click("nav >> text=Webhooks")
    form = page.locator("form.api[data-path='/api/integrations/webhooks']")
    await form.locator("input[name=name]").fill("shop")
    await form.locator("input[name=url]").fill("https://shop.example/hooks")
    await form.locator("input[name=events]").fill("order.created")
    await form.locator("button[type=submit]").click()
    await page.wait_for_selector("#reveal:not([hidden])")
    assert ((await page.text_content("#reveal-value")) or "").startswith("whsec_")
    await page.click("#reveal-done")
    await page.locator("button:has-text('Pause')").click()
    await page.wait_for_selector("button:has-text('Resume')")
    assert "paused (manual)" in await page.content()
    await page.screenshot(path=str(shots / "05-webhook-paused.png"), full_page=True)

    # The dead letter: redriven.
    await page.click("nav >> text=Dead letters")
    await page.locator(f"tr[data-job='{dead}'] button:has-text('Redrive')").click()
    await page.wait_for_selector(f"tr[data-job='{dead}']", state="detached")
    await page.screenshot(path=str(shots / "06-dead-letter-redriven.png"), full_page=True)
    assert (await kernel.run_job(ORG_A, dead)).status in ("dead", "retrying", "succeeded")

    # Another organisation's admin sees nothing of it.
    other = await signed_in_page(browser, site, "bob@b.example")
    html = await other.content()
    assert "browser key" not in html and "shop.example" not in html
    other_flaky = other.locator(f"#integration-{plugin.FlakyConnector.name} .dead-letters")
    assert await other_flaky.text_content() == "0"  # installed for B too, with B's figures
    await other.goto(site + "api-keys")
    assert "browser key" not in await other.content()
    await other.screenshot(path=str(shots / "07-other-organisation.png"), full_page=True)
