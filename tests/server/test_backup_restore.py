"""Backups and restore, as ``docs/operations.md`` tells an operator to do them.

PostgreSQL: ``pg_dumpall --roles-only`` and ``pg_dump -Fc`` of a live database with data
and encrypted secrets, restored into a *new* cluster (another machine) with ``psql`` and
``pg_restore``: ``migrate`` has nothing to do, the records are there, and with the key
file restored beside it a webhook secret decrypts to what it was; the tenant role's
row-level security still holds. SQLite: an online copy with SQLite's backup API while the
database is in use, opened as the new database.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from monopilot_integrations.connectors.webhooks.api.models import WebhookCreate
from monopilot_integrations.connectors.webhooks.api.service import WebhookService
from monopilot_integrations.connectors.webhooks.secret_box import SecretBox
from monopilot_integrations.connectors.webhooks.tables import Webhook
from monopilot_integrations.core.db import migrate
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.plugins.manager import PluginManager
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.settings import Settings
from monopilot_integrations.domain.seed import load_seed, parse_seed
from tests.server.public_api_support import seed_data
from tests.support.owned_services import OwnedPostgres

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def clusters() -> Iterator[tuple[OwnedPostgres, OwnedPostgres]]:
    made: list[OwnedPostgres] = []
    try:
        for _ in range(2):
            cluster = OwnedPostgres()
            made.append(cluster)
            cluster.start()
        yield made[0], made[1]
    finally:
        for cluster in made:
            cluster.remove()


async def fill(settings: Settings) -> tuple[uuid.UUID, uuid.UUID, str]:
    """Migrate, seed an organisation, add a webhook; its org id, id and secret."""
    await migrate.upgrade(settings.resolved_database_url, Registry(PluginManager()))
    kernel = await Kernel.start(settings)
    try:
        report = await load_seed(kernel.database, parse_seed(seed_data("backup")))
        made = await WebhookService(kernel).create(
            report.org_id,
            WebhookCreate(name="erp", url="https://erp.example.com/h", events=["order.created"]),
        )
        return report.org_id, made.id, made.secret
    finally:
        await kernel.close()


async def read_back(settings: Settings, org_id: uuid.UUID, webhook_id: uuid.UUID) -> str:
    """The webhook's secret as a restored deployment reads it; checks the records too."""
    heads = await migrate.upgrade(settings.resolved_database_url, Registry(PluginManager()))
    assert heads
    kernel = await Kernel.start(settings)
    try:
        products = await kernel.domain.list_products(org_id, limit=100, offset=0)
        assert products.total > 5
        async with kernel.session(org_id) as session:
            row = await session.get(Webhook, webhook_id)
        assert row is not None
        if kernel.database.is_postgres:  # row-level security came back with the dump
            async with kernel.session(uuid.uuid4()) as session:
                assert await session.get(Webhook, webhook_id) is None
        return SecretBox(kernel.keyring).open(org_id, row.secret)
    finally:
        await kernel.close()


def run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


async def test_postgres_dump_restored_on_a_new_cluster_serves_with_its_secrets(
    clusters: tuple[OwnedPostgres, OwnedPostgres], tmp_path: Path
) -> None:
    live, spare = clusters
    for cluster in clusters:
        connection = await asyncpg.connect(cluster.admin_url.replace("+asyncpg", ""))
        await connection.execute('CREATE DATABASE "monopilot"')
        await connection.close()
    data = tmp_path / "data"
    settings = Settings(database_url=live.url("monopilot"), data_dir=data, environment="test")
    org_id, webhook_id, secret = await fill(settings)

    roles, dump = tmp_path / "roles.sql", tmp_path / "monopilot.dump"
    base = ["-h", "127.0.0.1", "-U", "postgres"]
    run(str(live.bin / "pg_dumpall"), *base, "-p", str(live.port), "--roles-only", "-f", str(roles))
    run(str(live.bin / "pg_dump"), *base, "-p", str(live.port), "-Fc", "-f", str(dump), "monopilot")
    # The new machine: roles first (the dump refers to the tenant role), then the data,
    # and the key file from the same backup.
    run(str(spare.bin / "psql"), *base, "-p", str(spare.port), "-q", "-f", str(roles), "postgres")
    run(str(spare.bin / "pg_restore"), *base, "-p", str(spare.port), "-d", "monopilot", str(dump))
    restored_data = tmp_path / "restored"
    restored_data.mkdir()
    shutil.copy2(data / "secret-keys.json", restored_data / "secret-keys.json")

    restored = Settings(
        database_url=spare.url("monopilot"), data_dir=restored_data, environment="test"
    )
    assert await read_back(restored, org_id, webhook_id) == secret


async def test_sqlite_online_backup_opens_as_the_database(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    settings = Settings(database_url=url, data_dir=data, environment="test")
    org_id, webhook_id, secret = await fill(settings)

    def backup() -> None:
        with (
            sqlite3.connect(tmp_path / "live.db") as source,
            sqlite3.connect(tmp_path / "copy.db") as target,
        ):
            source.backup(target)

    kernel = await Kernel.start(settings)  # the database in use while it is copied
    try:
        await asyncio.to_thread(backup)
    finally:
        await kernel.close()
    restored = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'copy.db'}",
        data_dir=data,
        environment="test",
    )
    assert await read_back(restored, org_id, webhook_id) == secret
