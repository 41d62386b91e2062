"""The portals' users: ``supplier_portal_users`` and ``customer_portal_users``.

Columns follow the architecture document, plus what sign-in needs:

* ``email`` is unique across organisations (the document's ``UNIQUE``): sign-in starts
  from the e-mail alone, before any organisation is known;
* ``password_hash`` is argon2id (libpass), never a password;
* ``totp_secret`` is the optional second factor's secret, sealed with the kernel's keyring,
  and ``totp_last_step`` the time step of the last code used (a code works once);
* ``password_changed_at`` says when the password was last set (an invitation or a reset).

Neither table carries a foreign key to ``suppliers`` / ``customers`` / ``organizations``:
when MonoPilot brings its own domain store those live in its own database. The
administration API checks the party exists through the domain store instead.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from monopilot_integrations.core.db.base import Base, TenantMixin, new_id


class _PortalUser(TenantMixin):
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    last_login_at: Mapped[datetime | None] = mapped_column()
    password_changed_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class SupplierPortalUser(_PortalUser, Base):
    __tablename__ = "supplier_portal_users"

    supplier_id: Mapped[uuid.UUID] = mapped_column()

    __table_args__ = (Index("idx_supplier_portal_org", "org_id", "supplier_id"),)


class CustomerPortalUser(_PortalUser, Base):
    __tablename__ = "customer_portal_users"

    customer_id: Mapped[uuid.UUID] = mapped_column()

    __table_args__ = (Index("idx_customer_portal_org", "org_id", "customer_id"),)


PortalUserRow = SupplierPortalUser | CustomerPortalUser
