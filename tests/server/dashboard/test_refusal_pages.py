"""The dashboard's pages answer refusals with a page; the mirrored JSON API, and the JSON
calls the pages make for their data, with problem details."""

from __future__ import annotations

import uuid

from tests.server.conftest import Server

from .conftest import as_user


async def test_an_unknown_record_or_panel_is_an_html_404(dashboard: Server) -> None:
    client = dashboard.client
    for path in (f"/dashboard/logs/{uuid.uuid4()}", "/dashboard/panels/no-such-panel"):
        answer = await client.get(path, headers=as_user("admin-a"))
        assert answer.status == 404, path
        assert answer.content_type == "text/html", path
        assert "<h1>Not found</h1>" in await answer.text()
    mirrored = await client.get(
        f"/dashboard/api/integrations/logs/{uuid.uuid4()}", headers=as_user("admin-a")
    )
    assert mirrored.status == 404 and mirrored.content_type == "application/problem+json"


async def test_a_page_whose_api_call_refuses_its_query_is_no_500(dashboard: Server) -> None:
    """The logs page passes its query string to the logs API: a parameter the API does
    not know is the API's 422, read by the page as problem details (a page refusal
    rendered as HTML there broke the page with a 500)."""
    for path in (
        "/dashboard/logs?unknown=1",
        "/dashboard/retries?x=1",
        "/dashboard/dead-letters?x=1",
    ):
        answer = await dashboard.client.get(path, headers=as_user("admin-a"))
        assert answer.status < 500, (path, await answer.text())
        assert answer.content_type == "text/html", path


async def test_a_sign_in_from_another_origin_is_an_html_403(dashboard: Server) -> None:
    answer = await dashboard.client.post(
        "/dashboard/login",
        data={"email": "someone@example.com", "password": "x"},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status == 403 and answer.content_type == "text/html"


async def test_the_refusal_page_names_the_request_and_loads_nothing(dashboard: Server) -> None:
    answer = await dashboard.client.get("/dashboard/panels/<script>", headers=as_user("admin-a"))
    assert answer.status == 404
    page = await answer.text()
    assert answer.headers["X-Request-ID"] in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
