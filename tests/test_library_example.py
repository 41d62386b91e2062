"""docs/examples/library_example.py runs as documented and does what docs/library.md says."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "library_example.py"


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("monopilot_library_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


async def test_the_library_example_publishes_in_a_transaction_and_the_job_succeeds(
    tmp_path: Path,
) -> None:
    example = load_example()
    summary = await example.main(tmp_path)

    assert summary["job_status"] == "succeeded"
    assert summary["attempts"] == 1
    (log,) = summary["logs"]
    assert log["status"] == "success"
    assert (log["integration_type"], log["event_type"], log["external_system"]) == (
        "ledger",
        "workorder.completed",
        "ledger",
    )
    assert log["http_status"] == 200
    (received,) = summary["received"]
    assert received["wo_number"] == "WO-1"
    assert received["product_code"] == "CHLEB"
    assert received["qty_completed"] == 118
    assert received["completed_at"]
    assert log["request_body"] == received
    # The embedded database and the key file live in the data folder it was given.
    assert (tmp_path / "monopilot.db").is_file()
