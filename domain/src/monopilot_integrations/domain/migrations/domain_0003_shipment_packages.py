"""domain: packages of a shipment (``shipment_packages``), lines point at their package

Revision ID: domain_0003_shipment_packages
Revises: domain_0002_invoicee
Create Date: 2026-12-07

An SSCC belongs to a package (a pallet), which can carry several lines (a mixed pallet),
not to a shipment line. Existing line SSCCs become packages: one per distinct (shipment,
SSCC), numbered in the order of their first line, of type 201 (ISO 1 pallet). Lines
without an SSCC stay unpacked. An SSCC names one package of an organisation: an SSCC
found on two shipments of one organisation stops the upgrade with the shipments named
(GS1 forbids reusing one), rather than dropping either.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from monopilot_integrations.core.db.base import new_id
from monopilot_integrations.core.db.tenancy import (
    disable_tenant_isolation,
    enable_tenant_isolation,
)
from monopilot_integrations.core.db.types import UTCDateTime

revision = "domain_0003_shipment_packages"
down_revision = "domain_0002_invoicee"
branch_labels = None
depends_on = None

_lines = sa.table(
    "shipment_lines",
    sa.column("id", sa.Uuid()),
    sa.column("org_id", sa.Uuid()),
    sa.column("shipment_id", sa.Uuid()),
    sa.column("line_no", sa.Integer()),
    sa.column("sscc", sa.String()),
    sa.column("package_id", sa.Uuid()),
)
_packages = sa.table(
    "shipment_packages",
    sa.column("id", sa.Uuid()),
    sa.column("org_id", sa.Uuid()),
    sa.column("shipment_id", sa.Uuid()),
    sa.column("package_no", sa.Integer()),
    sa.column("sscc", sa.String()),
    sa.column("package_type", sa.String()),
    sa.column("created_at", UTCDateTime()),
)


def upgrade() -> None:
    op.create_table(
        "shipment_packages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shipment_id", sa.Uuid(), nullable=False),
        sa.Column("package_no", sa.Integer(), nullable=False),
        sa.Column("sscc", sa.String(length=18), nullable=True),
        sa.Column("package_type", sa.String(length=17), nullable=False),
        sa.Column("gross_weight", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "gross_weight IS NULL OR gross_weight > 0",
            name=op.f("ck_shipment_packages_gross_weight_positive"),
        ),
        sa.CheckConstraint(
            "sscc IS NULL OR length(sscc) = 18", name=op.f("ck_shipment_packages_sscc_length")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "shipment_id"],
            ["shipments.org_id", "shipments.id"],
            name="fk_shipment_packages_shipment_id",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name="fk_shipment_packages_org", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shipment_packages")),
        sa.UniqueConstraint(
            "org_id", "shipment_id", "id", name="uq_shipment_packages_shipment_id"
        ),
        sa.UniqueConstraint(
            "org_id", "shipment_id", "package_no", name="uq_shipment_packages_package_no"
        ),
        sa.UniqueConstraint("org_id", "sscc", name="uq_shipment_packages_sscc"),
    )
    enable_tenant_isolation(op, "shipment_packages")
    with op.batch_alter_table("shipment_lines") as batch:
        batch.add_column(sa.Column("package_id", sa.Uuid(), nullable=True))
    _move_ssccs_to_packages()
    with op.batch_alter_table("shipment_lines") as batch:
        batch.drop_column("sscc")
        batch.create_foreign_key(
            "fk_shipment_lines_package_id",
            "shipment_packages",
            ["org_id", "shipment_id", "package_id"],
            ["org_id", "shipment_id", "id"],
        )
        batch.create_index("ix_shipment_lines_package", ["org_id", "package_id"], unique=False)


def _move_ssccs_to_packages() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_lines.c.id, _lines.c.org_id, _lines.c.shipment_id, _lines.c.sscc)
        .where(_lines.c.sscc.is_not(None))
        .order_by(_lines.c.org_id, _lines.c.shipment_id, _lines.c.line_no)
    ).all()
    packages: dict[tuple[uuid.UUID, uuid.UUID, str], uuid.UUID] = {}
    owner: dict[tuple[uuid.UUID, str], uuid.UUID] = {}
    numbers: dict[uuid.UUID, int] = {}
    new_packages: list[dict[str, object]] = []
    line_packages: list[tuple[uuid.UUID, uuid.UUID]] = []
    now = datetime.now(UTC)
    for line_id, org_id, shipment_id, sscc in rows:
        key = (org_id, shipment_id, sscc)
        if key not in packages:
            other = owner.setdefault((org_id, sscc), shipment_id)
            if other != shipment_id:
                raise RuntimeError(
                    f"SSCC {sscc} is on shipments {other} and {shipment_id} of organisation "
                    f"{org_id}: an SSCC names one package; correct one of them and migrate again"
                )
            numbers[shipment_id] = numbers.get(shipment_id, 0) + 1
            packages[key] = new_id()
            new_packages.append(
                {
                    "id": packages[key],
                    "org_id": org_id,
                    "shipment_id": shipment_id,
                    "package_no": numbers[shipment_id],
                    "sscc": sscc,
                    "package_type": "201",
                    "created_at": now,
                }
            )
        line_packages.append((line_id, packages[key]))
    if new_packages:
        bind.execute(sa.insert(_packages), new_packages)
    for line_id, package_id in line_packages:
        bind.execute(
            sa.update(_lines).where(_lines.c.id == line_id).values(package_id=package_id)
        )


def downgrade() -> None:
    with op.batch_alter_table("shipment_lines") as batch:
        batch.drop_index("ix_shipment_lines_package")
        batch.drop_constraint("fk_shipment_lines_package_id", type_="foreignkey")
        batch.add_column(sa.Column("sscc", sa.String(18), nullable=True))
    package_sscc = (
        sa.select(_packages.c.sscc)
        .where(_packages.c.id == _lines.c.package_id)
        .scalar_subquery()
    )
    op.get_bind().execute(
        sa.update(_lines).where(_lines.c.package_id.is_not(None)).values(sscc=package_sscc)
    )
    with op.batch_alter_table("shipment_lines") as batch:
        batch.drop_column("package_id")
    disable_tenant_isolation(op, "shipment_packages")
    op.drop_table("shipment_packages")
