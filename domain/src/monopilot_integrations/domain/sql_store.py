"""The reference ``DomainStore``: MonoPilot's records in this distribution's own tables.

It implements the port of :mod:`monopilot_integrations.core.domain.port` and lets the
server run standalone and the tests use a real database. The domain plugin provides it
through ``provide_domain_store`` (``trylast``); MonoPilot replaces it through the same hook,
and nothing else in the project depends on it.

Every query filters by ``org_id`` itself. On PostgreSQL row-level security filters a second
time, but SQLite has none, and an explicit filter also keeps the query plans on the
``(org_id, ...)`` indexes. The methods live in one module per record family, composed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monopilot_integrations.domain.bulk_reads import BulkReadsStore
from monopilot_integrations.domain.invoicing import InvoicingStore
from monopilot_integrations.domain.orders import OrdersStore
from monopilot_integrations.domain.parties import PartiesStore
from monopilot_integrations.domain.stock import StockStore
from monopilot_integrations.domain.users import UsersStore

if TYPE_CHECKING:
    from monopilot_integrations.core.domain.port import DomainStore
    from monopilot_integrations.core.domain.users import UserAccounts

__all__ = ["SqlDomainStore"]


class SqlDomainStore(
    PartiesStore, OrdersStore, StockStore, InvoicingStore, UsersStore, BulkReadsStore
):
    """``SqlDomainStore(database)``; pass ``clock=`` to control the timestamps it writes."""


if TYPE_CHECKING:
    # mypy proves here that the SQL store implements every method of the port.
    _conforms: type[DomainStore] = SqlDomainStore
    _accounts: type[UserAccounts] = SqlDomainStore
