"""The ACME package, installed like any third-party connector, works through the kernel.

Nothing here registers the plugin by hand: it is found through its entry point.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest

# The example is an opt-in dependency group of the repository: `uv sync --group examples`
# (./dev test does) installs it.
pytest.importorskip("acme_monopilot", reason="needs the examples dependency group installed")

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from acme_monopilot.mapper import AcmeOrderMapper
from acme_monopilot.tables import AcmeExport
from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.db.tables import JobRow, LogRow
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.core.web.request import KERNEL, ORG_ID

ORG = uuid.UUID("0a0a0a0a-0000-4000-8000-000000000ace")
ORDER = {
    "po_id": "7d8f6c1e-4b1a-4a8e-9f3b-2a9d1c6e5b40",
    "po_number": "PO-2026-0042",
    "supplier_code": "MLYN",
    "status": "sent",
    "order_date": "2026-03-02",
    "lines": [
        {"line_no": 1, "product_code": "MAKA-550", "qty": 500, "unit_price": "2.1"},
        {"line_no": 2, "product_code": "DROZDZE", "qty": 12.5},
    ],
}


@pytest.fixture
async def kernel(tmp_path: Path):  # type: ignore[no-untyped-def]
    settings = Settings(
        data_dir=tmp_path, environment="test", dispatch_interval=0.05, sweep_interval=0.05
    )
    await migrate.upgrade(settings.resolved_database_url, Registry(PluginManager()))
    kernel = await Kernel.start(settings)  # embedded worker and scheduler
    yield kernel
    await kernel.close()


async def wait_for(predicate, limit: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while not (result := await predicate()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return result


def test_the_package_is_discovered_through_its_entry_point() -> None:
    plugins = PluginManager()
    (acme,) = [p for p in plugins.plugins() if p.name == "acme"]
    assert (acme.distribution, acme.module) == ("acme-monopilot-connector", "acme_monopilot.plugin")
    registry = Registry(plugins)
    assert registry.connectors.plugin_of("acme") == "acme"
    assert registry.transports.plugin_of("acme-folder") == "acme"
    assert registry.mappers.plugin_of(("acme", "purchase_order")) == "acme"
    assert registry.routes.plugin_of(("GET", "/api/acme/exports")) == "acme"
    assert registry.migrations["acme"].versions.is_dir()


def test_the_mapper_round_trips_an_order() -> None:
    mapper = AcmeOrderMapper()
    document = mapper.to_external(ORDER)
    assert document.splitlines()[0] == "HDR|PO-2026-0042|MLYN|2026-03-02"
    assert document.splitlines()[2] == "LIN|2|DROZDZE|12.5|"
    back = mapper.to_internal(document)
    assert back["lines"][0] == {
        "line_no": 1,
        "product_code": "MAKA-550",
        "qty": 500.0,
        "unit_price": 2.1,
    }


async def test_an_order_event_becomes_an_acme_file_a_log_row_and_an_export_record(
    kernel: Kernel, tmp_path: Path
) -> None:
    await kernel.publish(ORG, "order.created", ORDER)
    outbox = tmp_path / "acme-outbox" / str(ORG)

    async def exported():  # type: ignore[no-untyped-def]
        return sorted(outbox.glob("PO-2026-0042-*.txt")) if outbox.exists() else []

    (file,) = await wait_for(exported)
    assert file.read_text().startswith("HDR|PO-2026-0042|MLYN|")
    assert not list(outbox.glob(".*.part"))

    async def log_row():  # type: ignore[no-untyped-def]
        async with kernel.session(ORG) as session:
            return (await session.execute(select(LogRow))).scalars().first()

    row = await wait_for(log_row)
    assert (row.integration_type, row.external_system, row.status) == ("acme", "acme", "success")
    assert row.request_body["file"] == file.name
    async with kernel.session(ORG) as session:
        exports = (await session.execute(select(AcmeExport))).scalars().all()
    assert [e.po_number for e in exports] == ["PO-2026-0042"]

    # The plugin's route, mounted the way the server mounts it.
    app = web.Application()
    app[KERNEL] = kernel

    @web.middleware
    async def authenticated_as_org(request, handler):  # type: ignore[no-untyped-def]
        request[ORG_ID] = ORG
        return await handler(request)

    app.middlewares.append(authenticated_as_org)
    for route in kernel.registry.routes.values():
        app.router.add_route(route.method, route.path, route.handler, name=route.name)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        response = await client.get("/api/acme/exports")
        assert response.status == 200
        body = await response.json()
    assert [item["file_name"] for item in body["items"]] == [file.name]


async def test_an_order_without_lines_is_dead_lettered_not_retried(kernel: Kernel) -> None:
    await kernel.publish(ORG, "order.created", {**ORDER, "lines": []})

    async def dead():  # type: ignore[no-untyped-def]
        async with kernel.session(ORG) as session:
            job = (await session.execute(select(JobRow))).scalars().first()
        return job if job is not None and job.status == "dead" else None

    job = await wait_for(dead)
    assert job.dead_reason == "fatal"
    assert "has no lines" in job.last_error


async def test_the_cli_command_lists_exports(
    kernel: Kernel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    from monopilot_integrations.server.cli import main

    await kernel.publish(ORG, "order.created", ORDER)

    async def exported():  # type: ignore[no-untyped-def]
        async with kernel.session(ORG) as session:
            return (await session.execute(select(AcmeExport))).scalars().first()

    await wait_for(exported)
    monkeypatch.setenv("MONOPILOT_DATA_DIR", str(tmp_path))
    assert await asyncio.to_thread(main, ["acme-exports", "--org", str(ORG)]) == 0
    assert "PO-2026-0042" in capsys.readouterr().out
