"""``monopilot-integrations edi-poll``, run as an operator would."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.settings import Settings

from .support import DEMO_SEED, sample, setup_org

pytestmark = pytest.mark.slow


def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("monopilot-integrations", path=str(Path(sys.executable).parent))
    assert exe, "the console script is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONOPILOT_")}
    return subprocess.run(
        [exe, *args],
        capture_output=True,
        text=True,
        env={**env, "MONOPILOT_DATA_DIR": str(data_dir)},
        timeout=120,
    )


def test_edi_poll_takes_in_the_waiting_files_and_says_what_it_did(tmp_path: Path) -> None:
    assert cli("migrate", data_dir=tmp_path).returncode == 0

    async def prepare() -> str:
        kernel = await Kernel.start(
            Settings(data_dir=tmp_path, embedded_worker=False), embedded_worker=False
        )
        try:
            org = await setup_org(kernel, "demo")
        finally:
            await kernel.close()
        return str(org.id)

    org_id = asyncio.run(prepare())
    assert DEMO_SEED.exists()
    inbox = tmp_path / "edi" / org_id / "in"
    inbox.mkdir(parents=True)
    (inbox / "orders.edi").write_bytes(sample("orders_d96a.edi"))
    (inbox / "junk.txt").write_bytes(b"hello")

    result = cli("edi-poll", data_dir=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "files 2: archived 1, moved to error/ 1" in result.stdout
    assert "messages processed 1" in result.stdout
    assert (tmp_path / "edi" / org_id / "archive" / "orders.edi").exists()
