"""Every operation of the OpenAPI document, fuzzed by schemathesis against the real server,
with the demo's admin API key (every scope).

The assembled server runs as its own process (``serve --demo``, see
:mod:`tests.support.live_server`) on loopback. schemathesis reads the document the server
serves and generates requests for every operation, valid and invalid: no answer may be a
5xx, and every answer must match the document (its status codes, media types and schemas).
How the run is bounded and which check is left out: :mod:`tests.support.openapi_fuzz`.
The same document as a portal user and as a dashboard session:
``test_openapi_property_sessions.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.live_server import LiveServer, serve_demo
from tests.support.openapi_fuzz import fuzz_operations, load_document, operations

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(600)]

EXAMPLES = 6


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_demo(tmp_path_factory.mktemp("openapi-property")) as server:
        yield server


def test_every_operation_answers_as_documented(live_server: LiveServer) -> None:
    schema = load_document(live_server.base_url)
    auth = {"Authorization": f"Bearer {live_server.key}"}
    findings = fuzz_operations(
        operations(schema),
        base_url=live_server.base_url,
        examples=lambda operation: EXAMPLES,
        headers=lambda operation: auth,
    )
    assert len(findings.tried) >= 90
    assert not findings.failures, findings.report()
