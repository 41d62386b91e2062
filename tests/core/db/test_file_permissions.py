"""The SQLite database and the encryption key file are private to their owner (mode 0600),
whether the data folder is new or already exists (then SQLite used to create the database
file with the umask's mode, 0644)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from monopilot_integrations.core.crypto import Keyring
from monopilot_integrations.core.db.database import Database
from monopilot_integrations.core.db.migrate import upgrade

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.parametrize("folder_exists", [False, True], ids=["fresh-folder", "existing-folder"])
async def test_the_database_and_key_files_are_created_0600(
    tmp_path: Path, folder_exists: bool
) -> None:
    data = tmp_path / "data"
    if folder_exists:
        data.mkdir(mode=0o755)
    url = f"sqlite+aiosqlite:///{data / 'monopilot.db'}"
    database = Database(url)
    try:
        async with database.system_session() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
    finally:
        await database.dispose()
    Keyring.load_or_create(data / "secret-keys.json")
    assert mode(data / "monopilot.db") == 0o600
    assert mode(data / "secret-keys.json") == 0o600
    for journal in data.glob("monopilot.db-*"):  # WAL and shared-memory files follow
        assert mode(journal) == 0o600, journal


@pytest.mark.parametrize("folder_exists", [False, True], ids=["fresh-folder", "existing-folder"])
async def test_migrate_creates_the_database_file_0600(tmp_path: Path, folder_exists: bool) -> None:
    data = tmp_path / "data"
    if folder_exists:
        data.mkdir(mode=0o755)
    await upgrade(f"sqlite+aiosqlite:///{data / 'monopilot.db'}")
    assert mode(data / "monopilot.db") == 0o600


async def test_an_existing_database_file_keeps_its_mode(tmp_path: Path) -> None:
    """Only creation is ours: an operator's chosen mode on an existing file is left alone."""
    path = tmp_path / "monopilot.db"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    await upgrade(f"sqlite+aiosqlite:///{path}")
    assert mode(path) == 0o640
