"""The portals in a real headless Chromium (Debian's ``chromium``, driven by Playwright):
a supplier signs in, finds an order, gets a validation error next to the field, confirms
the delivery and signs out; a customer signs in and follows a shipment. Every page is
photographed at desktop and phone size into ``test-output/portals/`` (next to
``pyproject.toml``; ``MONOPILOT_SCREENSHOT_DIR`` overrides it) for a person to look at.

Skipped, saying why, where ``chromium`` is not installed; ``.ci/run`` installs it, and
with ``MONOPILOT_TEST_REQUIRE_SERVICES=1`` (set by ``.ci/run``) a missing one fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from monopilot_integrations.core.kernel import Kernel
from tests.connectors.portals.world import PASSWORD, Org

CHROMIUM = shutil.which("chromium")
MISSING = "no chromium on PATH: `apt-get install -y chromium` (bash .ci/run installs it)"

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Path:
    base = os.environ.get("MONOPILOT_SCREENSHOT_DIR")
    folder = Path(base) if base else request.config.rootpath / "test-output" / "portals"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if CHROMIUM is None:
        if os.environ.get("MONOPILOT_TEST_REQUIRE_SERVICES") == "1":  # CI: must run
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        yield launched
        await launched.close()


async def _shoot(page: Any, folder: Path, name: str) -> None:
    """The page at desktop width, then at phone width (full height both)."""
    await page.set_viewport_size(DESKTOP)
    await page.screenshot(path=str(folder / f"{name}-desktop.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=str(folder / f"{name}-phone.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)


async def test_supplier_signs_in_confirms_a_delivery_and_signs_out(
    kernel: Kernel, world: tuple[Org, Org], server: TestServer, browser: Any, screenshots: Path
) -> None:
    if kernel.database.is_postgres:
        pytest.skip("one database is enough for the browser")
    alfa, _ = world
    page = await browser.new_page(viewport=DESKTOP)
    await page.goto(str(server.make_url("/portal/supplier")))
    assert page.url.endswith("/portal/supplier/login")
    # The first Tab reaches the skip link: the page is usable from the keyboard.
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "Skip to content"
    await _shoot(page, screenshots, "supplier-1-sign-in")

    await page.get_by_label("E-mail address").fill(alfa.emails["S1"])
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("alert").wait_for()
    assert "is wrong" in await page.get_by_role("alert").inner_text()
    await _shoot(page, screenshots, "supplier-2-sign-in-refused")

    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Purchase orders").wait_for()
    assert await page.get_by_role("link", name="PO-ALFA-S1-1").count() == 1
    assert await page.get_by_role("link", name="PO-ALFA-S2-1").count() == 0
    await _shoot(page, screenshots, "supplier-3-orders")

    await page.get_by_label("Status").select_option("sent")
    await page.get_by_role("button", name="Filter").click()
    await page.get_by_role("link", name="PO-ALFA-S1-1").click()
    await page.get_by_role("heading", name="Purchase order PO-ALFA-S1-1").wait_for()
    await _shoot(page, screenshots, "supplier-4-order")

    quantity = page.get_by_label("Quantity you will deliver of line 1, Flour type 750")
    await quantity.fill("150")
    await page.get_by_label("Delivery date").fill("2026-03-13")
    await page.get_by_role("button", name="Confirm delivery").click()
    await page.get_by_role("alert").wait_for()
    assert await quantity.get_attribute("aria-invalid") == "true"
    described = await quantity.get_attribute("aria-describedby")
    assert "More than ordered" in await page.locator(f"#{described}").inner_text()
    await _shoot(page, screenshots, "supplier-5-confirmation-errors")

    await quantity.fill("90")
    await page.get_by_label("Note").fill("Two pallets, Friday morning")
    await page.get_by_role("button", name="Confirm delivery").click()
    await page.get_by_role("status").wait_for()
    assert "confirmed" in await page.get_by_role("status").inner_text()
    await _shoot(page, screenshots, "supplier-6-confirmed")
    stored = await kernel.domain.get_purchase_order(alfa.id, alfa.pos["PO-ALFA-S1-1"])
    assert stored.status == "confirmed" and str(stored.confirmed_delivery_date) == "2026-03-13"

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_text("You are signed out.").wait_for()
    await _shoot(page, screenshots, "supplier-7-signed-out")
    await page.goto(str(server.make_url("/portal/supplier/orders")))
    assert "/portal/supplier/login" in page.url  # the session is over on the server


async def test_customer_signs_in_and_follows_a_shipment(
    kernel: Kernel, world: tuple[Org, Org], server: TestServer, browser: Any, screenshots: Path
) -> None:
    if kernel.database.is_postgres:
        pytest.skip("one database is enough for the browser")
    alfa, _ = world
    page = await browser.new_page(viewport=PHONE)
    await page.goto(str(server.make_url("/portal/customer")))
    await page.get_by_label("E-mail address").fill(alfa.emails["C1"])
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("heading", name="Your orders").wait_for()
    await _shoot(page, screenshots, "customer-1-orders")
    await page.get_by_role("link", name="SO-ALFA-C1-1").click()
    await page.get_by_role("heading", name="Order SO-ALFA-C1-1").wait_for()
    await _shoot(page, screenshots, "customer-2-order")
    await page.get_by_role("link", name="Shipment WZ-ALFA-C1-1").click()
    await page.get_by_role("heading", name="Shipment WZ-ALFA-C1-1").wait_for()
    text = await page.locator("main").inner_text()
    assert "DPD Polska" in text and "TRKALFAC1" in text and "Left the warehouse" in text
    await _shoot(page, screenshots, "customer-3-shipment")
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_text("You are signed out.").wait_for()
