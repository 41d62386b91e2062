"""Key rotation end to end: secrets stored through the real APIs (webhook secrets, previous
secrets, custom headers, an EDI partner's SFTP password) under key k1 are re-encrypted
under k2 by ``rotate_sealed_columns``, decrypt with k2 alone, and a second run changes
nothing; a row that does not decrypt is reported and does not stop the others (SQLite and
PostgreSQL)."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from monopilot_integrations.core import hookimpl
from monopilot_integrations.core.crypto import Keyring
from monopilot_integrations.core.db.base import Base
from monopilot_integrations.core.errors import ConfigError, DuplicateRegistrationError
from monopilot_integrations.core.plugins.registration import SealedColumn
from monopilot_integrations.core.plugins.registry import Registry
from monopilot_integrations.core.secrets_rotation import rotate_sealed_columns
from monopilot_integrations.core.settings import Settings
from tests.server.conftest import Server, server  # noqa: F401
from tests.server.test_cli import DEMO, cli

K1, K2, K3 = (os.urandom(32) for _ in range(3))


@pytest.fixture
def server_settings(settings: Settings) -> Settings:
    spec = f"k1:{base64.b64encode(K1).decode()}"
    return settings.model_copy(update={"api_key_bcrypt_rounds": 4, "secret_keys": spec})


async def store_secrets(api: Server) -> None:
    """Webhooks of two organisations (one rotated: a previous secret too, one with custom
    headers) and an EDI partner with an SFTP password, all through the APIs."""
    for key in ("a", "b"):
        created = await api.client.post(
            "/api/integrations/webhooks",
            json={
                "name": f"ERP {key}",
                "url": "https://erp.example.com/hooks",
                "events": ["order.created"],
                "custom_headers": {"Authorization": f"Bearer token-{key}"},
            },
            headers=api.auth(key),
        )
        assert created.status == 201, await created.text()
        webhook = await created.json()
        rotated = await api.client.post(
            f"/api/integrations/webhooks/{webhook['id']}/rotate-secret", headers=api.auth(key)
        )
        assert rotated.status == 200, await rotated.text()
    partner = await api.client.post(
        "/api/integrations/edi/partners",
        json={
            "name": "VAN",
            "partner_id": "5909999000006",
            "transport": "edi-sftp",
            "transport_settings": {
                "host": "sftp.example.com",
                "username": "monopilot",
                "password": "s3cret-Passw0rd",
                "host_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
            },
        },
        headers=api.auth("a"),
    )
    assert partner.status == 201, await partner.text()


async def tokens(api: Server, columns: list[SealedColumn]) -> dict[tuple[str, str], list[Any]]:
    found: dict[tuple[str, str], list[Any]] = {}
    async with api.kernel.database.transaction() as conn:
        for sealed in columns:
            table = Base.metadata.tables[sealed.table]
            rows = await conn.execute(sa.select(table).where(table.c[sealed.column].is_not(None)))
            found[(sealed.table, sealed.column)] = list(rows.mappings())
    return found


def columns_of(api: Server) -> list[SealedColumn]:
    return list(api.kernel.registry.sealed_columns.values())


async def test_rotation_re_encrypts_every_sealed_column_and_is_idempotent(
    server: Server,  # noqa: F811
) -> None:
    await store_secrets(server)
    columns = columns_of(server)
    names = {(c.table, c.column) for c in columns}
    assert {
        ("integration_webhooks", "secret"),
        ("integration_webhooks", "previous_secret"),
        ("integration_webhooks", "custom_headers_sealed"),
        ("edi_partners", "transport_secrets"),
    } <= names
    before = await tokens(server, columns)
    assert sum(len(rows) for rows in before.values()) == 7  # 2 + 2 + 2 + 1

    both = Keyring({"k1": K1, "k2": K2}, active="k2")
    dry = await rotate_sealed_columns(server.kernel.database, both, columns, dry_run=True)
    assert sum(r.rotated for r in dry) == 7 and not any(r.failed for r in dry)
    assert await tokens(server, columns) == before  # a dry run writes nothing

    reports = await rotate_sealed_columns(server.kernel.database, both, columns, batch_size=1)
    assert sum(r.rotated for r in reports) == 7
    assert all(r.key_ids.keys() <= {"k1"} for r in reports)

    only_k2 = Keyring({"k2": K2}, active="k2")
    old_by_column = {key: {row["id"]: row for row in rows} for key, rows in before.items()}
    for sealed in columns:
        for row in (await tokens(server, columns))[(sealed.table, sealed.column)]:
            token = row[sealed.column]
            assert token.startswith("v1.k2."), token
            old = old_by_column[(sealed.table, sealed.column)][row["id"]][sealed.column]
            purpose = sealed.purpose_of(row)
            assert only_k2.decrypt(token, org_id=row["org_id"], purpose=purpose) == (
                both.decrypt(old, org_id=row["org_id"], purpose=purpose)
            )

    again = await rotate_sealed_columns(server.kernel.database, both, columns)
    assert sum(r.rotated for r in again) == 0 and sum(r.current for r in again) == 7


async def test_a_token_that_does_not_decrypt_is_reported_and_the_rest_rotate(
    server: Server,  # noqa: F811
) -> None:
    await store_secrets(server)
    columns = columns_of(server)
    table = Base.metadata.tables["integration_webhooks"]
    # Org b's secret copied into org a's row: authenticated for another organisation.
    async with server.kernel.database.transaction() as conn:
        rows = (await conn.execute(sa.select(table.c.id, table.c.org_id, table.c.secret))).all()
        (a_id, _, _), (_, _, b_secret) = sorted(rows, key=lambda r: str(r.org_id))
        await conn.execute(sa.update(table).where(table.c.id == a_id).values(secret=b_secret))

    three = Keyring({"k1": K1, "k3": K3}, active="k3")
    reports = await rotate_sealed_columns(server.kernel.database, three, columns)
    by_name = {(r.table, r.column): r for r in reports}
    secret = by_name[("integration_webhooks", "secret")]
    assert [key for key, _ in secret.failed] == [str(a_id)]
    assert "k1" in secret.failed[0][1]  # the reason names the key, never a secret
    assert secret.rotated == 1
    assert sum(r.rotated for r in reports) == 6


@pytest.mark.timeout(600)
def test_the_cli_adds_a_key_to_the_key_file_and_rotates(tmp_path: Path) -> None:
    env = {"MONOPILOT_DISABLE_PLUGINS": "acme"}
    assert cli("migrate", data_dir=tmp_path, **env).returncode == 0
    assert cli("seed", str(DEMO), data_dir=tmp_path, **env).returncode == 0
    first = Keyring.load_or_create(tmp_path / "secret-keys.json").active_key_id

    added = cli("secrets", "add-key", "--id", "k2nd", data_dir=tmp_path, **env)
    assert added.returncode == 0, added.stderr
    ring = Keyring.load_or_create(tmp_path / "secret-keys.json")
    assert ring.active_key_id == "k2nd" and first in ring.key_ids
    assert oct((tmp_path / "secret-keys.json").stat().st_mode & 0o777) == "0o600"
    twice = cli("secrets", "add-key", "--id", "k2nd", data_dir=tmp_path, **env)
    assert twice.returncode == 2 and "already holds" in twice.stderr

    rotated = cli("secrets", "rotate", "--dry-run", data_dir=tmp_path, **env)
    assert rotated.returncode == 0, rotated.stderr
    assert "active key: k2nd" in rotated.stdout
    assert "integration_webhooks.secret: 0 sealed (empty)" in rotated.stdout


class MisdeclaredPlugin:
    """Declares a column of a table no model maps."""

    @hookimpl
    def register_sealed_columns(self, register: Any) -> None:
        register(SealedColumn("no_such_table", "secret", "no_such_table.secret"))


async def test_a_misdeclared_sealed_column_fails_with_a_clear_error(
    server: Server,  # noqa: F811
) -> None:
    plugins = server.kernel.plugins
    plugins.register(MisdeclaredPlugin(), "misdeclared")
    registry = Registry(plugins)
    columns = list(registry.sealed_columns.values())
    with pytest.raises(ConfigError, match="no table 'no_such_table' is mapped"):
        await rotate_sealed_columns(server.kernel.database, server.kernel.keyring, columns)

    class Duplicate:
        @hookimpl
        def register_sealed_columns(self, register: Any) -> None:
            register(SealedColumn("integration_webhooks", "secret", "x"))

    plugins.register(Duplicate(), "duplicate")
    with pytest.raises(DuplicateRegistrationError, match="integration_webhooks"):
        Registry(plugins).sealed_columns  # noqa: B018
