"""Listing organisations, the operator's way in: across organisations, by code, paged."""

from __future__ import annotations

import pytest

from monopilot_integrations.core.errors import ValidationError
from monopilot_integrations.domain.sql_store import SqlDomainStore
from tests.domain.support import Orgs


async def test_organisations_are_listed_by_code_across_organisations(
    store: SqlDomainStore, orgs: Orgs
) -> None:
    page = await store.list_organizations()
    assert [(o.code, o.id) for o in page.items] == [("org-a", orgs.a), ("org-b", orgs.b)]
    assert page.total == 2

    second = await store.list_organizations(limit=1, offset=1)
    assert [o.code for o in second.items] == ["org-b"]
    assert second.total == 2


async def test_a_page_out_of_bounds_is_refused(store: SqlDomainStore) -> None:
    with pytest.raises(ValidationError, match="limit"):
        await store.list_organizations(limit=0)
    with pytest.raises(ValidationError, match="offset"):
        await store.list_organizations(offset=-1)
