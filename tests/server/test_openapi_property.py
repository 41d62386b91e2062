"""Every operation of the OpenAPI document, fuzzed by schemathesis against the real server.

The assembled server runs as its own process (``serve --demo``: SQLite, the demo
organisation, an admin key with every scope) on loopback. schemathesis reads the document
the server serves and generates requests for every operation, valid and invalid: no
answer may be a 5xx, and every answer must match the document (its status codes, media
types and schemas).

One check is left out: ``positive_data_acceptance``, which expects every request that
matches the schema to succeed. Some refusals depend on data, not shape (an unknown
supplier code, ``until`` before ``since``): they are 422s the document lists.

Examples per operation are few, and failures are reported as found (not shrunk), so the
whole run stays within a minute or two.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

MAX_EXAMPLES = 6


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("openapi-property")
    credentials = data / "credentials.json"
    exe = shutil.which("monopilot-integrations", path=str(Path(sys.executable).parent))
    assert exe
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MONOPILOT_")},
        "MONOPILOT_DATA_DIR": str(data),
        "MONOPILOT_API_KEY_BCRYPT_ROUNDS": "4",
        # The fuzzer sends mangled keys and many requests: neither may lock it out.
        "MONOPILOT_API_KEY_ATTEMPTS_PER_ADDRESS": "1000000/10000000/100000",
        "MONOPILOT_RATE_LIMIT_TIERS": "premium=1000000/10000000/100000",
    }
    log = (data / "server.log").open("wb")  # a file, not a pipe nobody reads (it fills)
    process = subprocess.Popen(
        [exe, "serve", "--demo", "--port", str(port), "--demo-credentials", str(credentials)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while not credentials.exists() or not _accepts(port):
            assert process.poll() is None, (data / "server.log").read_text()[-5000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        key = json.loads(credentials.read_text())["api_key"]
        yield {"base_url": f"http://127.0.0.1:{port}", "key": key}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


def test_every_operation_answers_as_documented(live_server: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server['base_url']}/api/openapi.json")
    auth = {"Authorization": f"Bearer {live_server['key']}"}
    failures: dict[str, str] = {}
    tried: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # The key is part of the generated case, so negative cases never drop it.
            strategy = operation.as_strategy(generation_mode=mode, headers=auth)

            @given(case=strategy)
            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],  # report, do not shrink: bounded time
            )
            def run(case: Any) -> None:
                case.call_and_validate(
                    base_url=live_server["base_url"],
                    excluded_checks=[positive_data_acceptance],
                    timeout=30,
                )

            try:
                run()
            except Unsatisfiable:  # nothing in this operation can be made invalid
                continue
            except BaseException as exc:  # a FailureGroup; every operation is still tried
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:3000]
            tried.append(f"{operation.label} ({mode.value})")
    assert len(tried) >= 90
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
