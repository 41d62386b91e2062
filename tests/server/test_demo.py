"""``serve --demo``'s set-up: the demo organisation reaches the domain store through the
kernel only, with the reference store's ``seed`` command or from MonoPilot's own store."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.domain import Organization
from monopilot_integrations.core.errors import ConfigError
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.server.demo.setup import DEMO_KEY_NAME, prepare_demo


async def test_the_demo_is_loaded_by_the_seed_command_and_a_second_run_replaces_the_key(
    kernel: Kernel, capsys: pytest.CaptureFixture[str]
) -> None:
    first = await prepare_demo(kernel)
    assert "created" in capsys.readouterr().out  # the seed command's report
    second = await prepare_demo(kernel)

    organization = await kernel.domain.find_organization_by_code("demo")
    assert organization is not None
    assert first["org_id"] == second["org_id"] == str(organization.id)
    assert second["organization"] == organization.name
    keys, _ = await kernel.api_keys.list(organization.id, status="active", limit=200)
    assert [k.id for k in keys if k.name == DEMO_KEY_NAME] == [uuid.UUID(second["api_key_id"])]


async def test_a_second_start_leaves_the_demo_organisation_as_the_user_changed_it(
    kernel: Kernel, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import update

    from monopilot_integrations.domain.tables import OrganizationRow

    first = await prepare_demo(kernel)
    capsys.readouterr()
    org_id = uuid.UUID(first["org_id"])
    async with kernel.session(org_id) as session:
        await session.execute(
            update(OrganizationRow)
            .where(OrganizationRow.id == org_id)
            .values(gln="5909876543217", name="Piekarnia Łódź")
        )

    second = await prepare_demo(kernel)

    assert capsys.readouterr().out == ""  # the seed command did not run again
    organization = await kernel.domain.get_organization(org_id)
    assert organization is not None and organization.gln == "5909876543217"
    assert second["organization"] == "Piekarnia Łódź" and second["org_id"] == first["org_id"]


class MonoPilotStore:
    """Stands in for MonoPilot's own store: the lookups the demo makes."""

    def __init__(self) -> None:
        self.organizations: dict[str, Organization] = {}

    async def find_organization_by_code(self, code: str, *, session: Any = None) -> Any:
        return self.organizations.get(code)

    async def find_supplier_by_code(self, org_id: uuid.UUID, code: str) -> Any:
        return None  # the demo's parties are not in MonoPilot's store

    async def find_customer_by_code(self, org_id: uuid.UUID, code: str) -> Any:
        return None


class MonoPilotPlugin:
    def __init__(self, store: MonoPilotStore) -> None:
        self.store = store

    @hookimpl
    def provide_domain_store(self) -> Any:
        return self.store


async def test_without_the_reference_store_the_demo_uses_monopilots_organisation(
    tmp_path: Path,
) -> None:
    store = MonoPilotStore()
    plugins = PluginManager(block={"domain"})
    plugins.register(MonoPilotPlugin(store), "monopilot")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'monopilot.db'}",
        data_dir=tmp_path / "data",
        embedded_worker=False,
        environment="test",
    )
    kernel = await Kernel.start(settings, plugins=plugins)
    try:
        with pytest.raises(ConfigError, match="'demo' is not in the domain store"):
            await prepare_demo(kernel)

        bakery = Organization(
            id=uuid.uuid4(),
            code="demo",
            name="MonoPilot's bakery",
            currency="PLN",
            created_at=datetime(2026, 1, 5, tzinfo=UTC),
        )
        store.organizations["demo"] = bakery
        credentials = await prepare_demo(kernel)
        assert credentials["org_id"] == str(bakery.id)
        assert credentials["organization"] == "MonoPilot's bakery"
        assert credentials["portal_logins"] == []  # no demo supplier or customer to sign in as
        key = await kernel.api_keys.get(bakery.id, uuid.UUID(credentials["api_key_id"]))
        assert key.name == DEMO_KEY_NAME
    finally:
        await kernel.close()
