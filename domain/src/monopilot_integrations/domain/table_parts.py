"""What the reference tables are built from: money columns, the tenant foreign keys,
status checks, relationships, the product-line mixin (see :mod:`.tables` for why each)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, get_args

from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    Numeric,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, relationship

if TYPE_CHECKING:
    from monopilot_integrations.domain.tables import ProductRow

#: Money and quantities: exact decimals, four places (unit prices below a grosz exist).
AMOUNT = Numeric(18, 4)


def now() -> datetime:
    return datetime.now(UTC)


def org_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["org_id"], ["organizations.id"], name=f"fk_{table}_org", ondelete="CASCADE"
    )


def tenant_fk(
    table: str, column: str, parent: str, *, ondelete: str | None = None
) -> ForeignKeyConstraint:
    """``(org_id, column)`` -> ``parent(org_id, id)``: a reference within one organisation."""
    return ForeignKeyConstraint(
        ["org_id", column],
        [f"{parent}.org_id", f"{parent}.id"],
        name=f"fk_{table}_{column}",
        ondelete=ondelete,
    )


def referable(table: str) -> UniqueConstraint:
    """The key the composite foreign keys point at."""
    return UniqueConstraint("org_id", "id", name=f"uq_{table}_org_id_id")


def one_of(values: Any, column: str = "status") -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in get_args(values))
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


def view(target: str, join: str) -> Any:
    """A many-to-one the store reads but never writes through."""
    return relationship(target, primaryjoin=join, viewonly=True, lazy="raise")


def lines(parent: str, line: str, column: str) -> Any:
    """An order's (shipment's, invoice's) lines, in ``line_no`` order, owned by it."""
    return relationship(
        line,
        primaryjoin=f"{parent}.id == foreign({line}.{column})",
        order_by=f"{line}.line_no",
        cascade="all, delete-orphan",
        lazy="raise",
    )


class ProductLine:
    """Rows that point at a product expose its code, name and GTIN (records and mappers
    need them); the ``product`` relationship must have been loaded."""

    if TYPE_CHECKING:
        product: Mapped[ProductRow | None]

    @property
    def product_code(self) -> str | None:
        return self.product.code if self.product is not None else None

    @property
    def product_name(self) -> str | None:
        return self.product.name if self.product is not None else None

    @property
    def gtin(self) -> str | None:
        return self.product.gtin if self.product is not None else None
