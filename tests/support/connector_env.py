"""A throwaway environment where a generated connector is installed like a user would.

A fresh virtual environment sees the project's environment through a ``.pth`` file
(``site.addsitedir``, so the workspace's own editable installs load too) and gets only the
new package installed into it, editable, from uv's cache: a second or so, no network, and
the project's environment is never changed (a connector installed there would show up in
every later test of the run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import services

REPO = Path(__file__).resolve().parents[2]


def find_uv() -> str:
    found = shutil.which("uv") or next(
        (str(p) for p in (REPO / ".tools/bin/uv",) if p.exists()), None
    )
    if found is None:
        if services.REQUIRED:
            pytest.fail("uv is required in this run (./dev installs it into .tools/)")
        pytest.skip("needs uv to install a generated connector (./dev installs it)")
    return found


@dataclass
class ConnectorEnv:
    """A virtual environment and the data folder its commands use."""

    python: Path
    data_dir: Path

    def run(
        self, *args: str, cwd: Path | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "MONOPILOT_DATA_DIR": str(self.data_dir)}
        for name in ("MONOPILOT_PLUGINS", "MONOPILOT_DISABLE_PLUGINS", "PYTEST_ADDOPTS"):
            env.pop(name, None)
        return subprocess.run(
            [str(self.python), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=timeout,
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``monopilot-integrations ARGS`` with this environment's plugins."""
        return self.run("-m", "monopilot_integrations.server.cli", *args)

    def install(self, package: Path) -> None:
        command = [find_uv(), "pip", "install", "--quiet", "--offline", "--no-deps"]
        result = subprocess.run(
            [*command, "--python", str(self.python), "-e", str(package)],
            capture_output=True,
            text=True,
            env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
            timeout=300,
        )
        assert result.returncode == 0, result.stderr


def connector_env(folder: Path) -> ConnectorEnv:
    """A new virtual environment in ``folder`` on top of the project's environment."""
    venv = folder / "venv"
    result = subprocess.run(
        [find_uv(), "venv", "--quiet", "--python", sys.executable, str(venv)],
        capture_output=True,
        text=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    project = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "project_environment.pth").write_text(
        f"import site; site.addsitedir({project!r})\n"
    )
    data_dir = folder / "data"
    data_dir.mkdir()
    return ConnectorEnv(python, data_dir)
