"""``monopilot-integrations export`` and ``import``, run as an operator would."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.settings import Settings

from .conftest import load_org


def cli(*args: str, data_dir: Path, tty: bool = False) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("monopilot-integrations", path=str(Path(sys.executable).parent))
    assert exe, "the console script is not installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONOPILOT_")}
    env = {**env, "MONOPILOT_DATA_DIR": str(data_dir), "COLUMNS": "100"}
    if not tty:
        return subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=120)
    # stderr on a terminal: the progress bar.
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [exe, *args], stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), b"".join(chunks).decode(errors="replace")
    )


def prepare(tmp_path: Path) -> tuple[str, list[str]]:
    assert cli("migrate", data_dir=tmp_path).returncode == 0

    async def run() -> tuple[str, list[str]]:
        kernel = await Kernel.start(
            Settings(data_dir=tmp_path, embedded_worker=False), embedded_worker=False
        )
        try:
            org = await load_org(kernel, "demo")
            page = await kernel.domain.list_products(org, limit=100)
        finally:
            await kernel.close()
        return str(org), [p.code for p in page.items]

    return asyncio.run(run())


@pytest.mark.timeout(600)
def test_export_from_the_command_line(tmp_path: Path) -> None:
    org_id, codes = prepare(tmp_path)
    target = tmp_path / "products.csv"

    exported = cli(
        "export",
        "products",
        "--format",
        "csv",
        "--org",
        "demo",
        "--output",
        str(target),
        data_dir=tmp_path,
    )

    assert exported.returncode == 0, exported.stderr
    assert f"{len(codes)} products rows written to {target}" in exported.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text(), newline="")))
    assert [r["code"] for r in rows] == codes

    as_json = cli(
        "export",
        "inventory",
        "--format",
        "json",
        "--org",
        org_id,
        "--output",
        "-",
        "--filter",
        "location=MAG-WYROBY",
        "--columns",
        "product_code,qty",
        data_dir=tmp_path,
        tty=True,
    )
    assert as_json.returncode == 0, as_json.stderr
    assert {tuple(item) for item in json.loads(as_json.stdout)} == {("product_code", "qty")}
    assert "exporting inventory" in as_json.stderr and "━" in as_json.stderr  # rich, on a terminal

    nobody = cli("export", "products", "--org", "nobody", data_dir=tmp_path)
    assert nobody.returncode == 2 and "no organisation 'nobody'" in nobody.stderr


@pytest.mark.timeout(600)
def test_import_from_the_command_line(tmp_path: Path) -> None:
    _, codes = prepare(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,unit,price,vat_rate\r\nN-1,Ok,szt,1,5\r\nN-2,Bad,szt,abc,5\r\n")
    checked = cli(
        "import", "products", str(bad), "--org", "demo", "--validate-only", data_dir=tmp_path
    )
    assert checked.returncode == 1
    assert "2 rows: 1 valid, 1 with errors" in checked.stdout
    assert "row 3, price, 'abc': is not a number" in checked.stderr

    good = tmp_path / "good.csv"
    good.write_text("code;name;unit;price;vat_rate\r\nN-1;Ok;szt;1;5\r\n" + rows_text(codes[:2]))
    applied = cli("import", "products", str(good), "--org", "demo", data_dir=tmp_path, tty=True)
    assert applied.returncode == 0, applied.stderr
    assert "imported 3 rows: 1 created, 0 updated, 2 unchanged" in applied.stdout
    assert "validating" in applied.stderr and "━" in applied.stderr  # rich's bar on a terminal

    (tmp_path / "empty.csv").write_bytes(b"")
    empty = cli(
        "import", "products", str(tmp_path / "empty.csv"), "--org", "demo", data_dir=tmp_path
    )
    assert empty.returncode == 2 and "the file is empty" in empty.stderr


def rows_text(codes: list[str]) -> str:
    """The demo products ``codes`` exactly as the seed stores them (unchanged on import)."""
    seed = json.loads(
        (
            Path(__file__).resolve().parents[3]
            / "server/src/monopilot_integrations/server/demo/demo-org.json"
        ).read_text()
    )
    by_code = {p["code"]: p for p in seed["products"]}
    return "".join(
        f"{c};{by_code[c]['name']};{by_code[c]['unit']};{by_code[c]['price']};{by_code[c]['vat_rate']}\r\n"
        for c in codes
    )
