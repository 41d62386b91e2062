"""The whole OpenAPI document fuzzed by schemathesis as the web users see the server: a
supplier's and a customer's portal user, and the dashboard's admin.

Each signs in as a real client does (:mod:`tests.support.web_sessions`) and every
operation of the document is then sent with that session's cookie (and, on changes, its
CSRF token and the server's ``Origin``) instead of an API key:

* the user's own operations (the portal's ``/api/portal/<its portal>/...``; for the
  dashboard, every API operation through its mirror under ``/dashboard/api/...``) answer
  as documented: no 5xx, status, media type and body as the document lists;
* sign-in and the public operations (health, the document) answer as documented too;
* every other operation refuses, with a status the document lists for it (401 or 403) as
  problem details, whatever the generated input.

How each run is bounded: :mod:`tests.support.openapi_fuzz`. The same with the admin key:
``test_openapi_property.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.live_server import LiveServer, serve_demo
from tests.support.openapi_fuzz import (
    Operation,
    document_without_its_security,
    expect_refusal,
    fuzz_operations,
    is_public,
    load_document,
    operations,
)
from tests.support.web_sessions import WebUser, dashboard_user, parties, portal_user

pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(300)]

#: Cases per mode for an operation the user may use, and for one it must be refused
#: (refused before its input is read, so a case or two shows it).
OWN_EXAMPLES = 5
REFUSED_EXAMPLES = 1
#: The mirror serves the very handlers the admin-key run fuzzes with more cases: what is
#: new here is the way in (session, CSRF, scopes), which a few cases show.
MIRROR_EXAMPLES = 2


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_demo(tmp_path_factory.mktemp("openapi-sessions")) as server:
        yield server


class Signed:
    """The current session of a user; a fuzzed sign-out ends it, so it is renewed
    between operations when it no longer answers."""

    def __init__(self, user: WebUser) -> None:
        self.user = user

    def renew_if_ended(self) -> None:
        if not self.user.still_signed_in():
            self.user = self.user.again()


def is_sign_in(operation: Operation) -> bool:
    return operation.path.startswith("/api/portal/") and operation.path.endswith("/login")


def open_to(own_prefix: str | None, operation: Operation) -> bool:
    """May the user of ``own_prefix`` (``None``: no portal) use ``operation``?"""
    path = operation.path
    if own_prefix is not None and path.startswith(own_prefix):
        return True
    if is_sign_in(operation):
        return True  # anyone may try to sign in
    return is_public(operation) and not path.startswith("/api/portal/")


def fuzz_as(server: LiveServer, signed: Signed, own_prefix: str | None) -> Any:
    schema = load_document(server.base_url)
    refused = expect_refusal()

    def expect(operation: Operation, response: Any) -> None:
        if not open_to(own_prefix, operation):
            refused(operation, response)

    return fuzz_operations(
        operations(schema),
        base_url=server.base_url,
        examples=lambda op: OWN_EXAMPLES if open_to(own_prefix, op) else REFUSED_EXAMPLES,
        headers=lambda op: signed.user.headers,
        session=lambda: signed.user.session,
        expect=expect,
        after_operation=signed.renew_if_ended,
    )


@pytest.mark.parametrize("portal", ["supplier", "customer"])
def test_a_portal_user_is_answered_as_documented(live_server: LiveServer, portal: str) -> None:
    party = parties(live_server, portal)[0]["id"]
    signed = Signed(portal_user(live_server, portal, party))
    findings = fuzz_as(live_server, signed, f"/api/portal/{portal}/")
    assert len(findings.tried) >= 90
    assert any(f"/api/portal/{portal}/orders" in label for label in findings.tried)
    assert not findings.failures, findings.report()


def test_a_dashboard_session_opens_no_api_key_operation(live_server: LiveServer) -> None:
    """The dashboard's cookie is not an API key: at ``/api/...`` it is refused like no
    key at all."""
    findings = fuzz_as(live_server, Signed(dashboard_user(live_server)), None)
    assert len(findings.tried) >= 90
    assert not findings.failures, findings.report()


def test_the_dashboard_mirror_answers_as_documented(live_server: LiveServer) -> None:
    """Every API operation again through ``/dashboard/api/...`` (same handlers, the
    signed-in admin's scopes): answered exactly as the document says."""
    signed = Signed(dashboard_user(live_server))
    schema = document_without_its_security(live_server.base_url)
    mirrored = [op for op in operations(schema) if not is_public(op)]
    findings = fuzz_operations(
        mirrored,
        base_url=f"{live_server.base_url}/dashboard",
        examples=lambda op: MIRROR_EXAMPLES,
        headers=lambda op: signed.user.headers,
        session=lambda: signed.user.session,
        after_operation=signed.renew_if_ended,
    )
    assert len(findings.tried) >= 90
    assert not findings.failures, findings.report()
