"""Portal users: create (invite), list, suspend, reactivate, reset password, two factors.

Everything runs in a tenant transaction of the administrator's organisation. Suspending a
user, resetting a password or changing the second factor ends the user's sessions at once
(server-side sessions: nothing stays valid until it expires).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from monopilot_integrations.connectors.portals import auth
from monopilot_integrations.connectors.portals.admin.models import (
    PasswordReset,
    PortalUserCreate,
    PortalUserOut,
    PortalUserWithPassword,
    TwoFactorSetup,
)
from monopilot_integrations.connectors.portals.directory import ACTIVE, SUSPENDED
from monopilot_integrations.connectors.portals.parties import Portal
from monopilot_integrations.core.errors import NotFoundError, ValidationError
from monopilot_integrations.core.kernel import Kernel
from monopilot_integrations.core.web.problems import Problem
from monopilot_integrations.core.web.sessions import new_temporary_password, normalise_email
from monopilot_integrations.core.web.sessions import totp as totp_codes

ISSUER = "MonoPilot"


class PortalUserAdmin:
    def __init__(self, kernel: Kernel, portal: Portal) -> None:
        self.kernel = kernel
        self.portal = portal

    def view(self, row: Any) -> PortalUserOut:
        return PortalUserOut(
            id=row.id,
            portal=self.portal.kind,
            org_id=row.org_id,
            party_id=getattr(row, self.portal.party_column),
            email=row.email,
            name=row.name,
            status=row.status,
            two_factor=row.totp_secret is not None,
            last_login_at=row.last_login_at,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    async def create(self, org_id: uuid.UUID, body: PortalUserCreate) -> PortalUserWithPassword:
        password = body.password or new_temporary_password()
        password_hash = await self.kernel.password_hasher.hash(password)
        await self._check_party(org_id, body.party_id)
        email = normalise_email(body.email)
        now = self.kernel.clock.now()
        table = self.portal.table
        try:
            async with self.kernel.session(org_id) as s:
                row = table(
                    org_id=org_id,
                    email=email,
                    password_hash=password_hash,
                    name=body.name.strip(),
                    status=ACTIVE,
                    password_changed_at=now,
                    created_at=now,
                    updated_at=now,
                    **{self.portal.party_column: body.party_id},
                )
                s.add(row)
                await s.flush()
                out = self.view(row)
        except sa_exc.IntegrityError:
            # The e-mail is unique across organisations: say so without saying whose.
            raise Problem(
                409,
                f"a portal user with the e-mail {email!r} exists already",
                errors=[{"location": "body", "path": "/email", "message": "in use"}],
            ) from None
        return PortalUserWithPassword(
            **out.model_dump(), temporary_password=None if body.password else password
        )

    async def list(
        self,
        org_id: uuid.UUID,
        *,
        status: str | None,
        party_id: uuid.UUID | None,
        limit: int,
        offset: int,
    ) -> tuple[list[PortalUserOut], int]:
        table = self.portal.table
        stmt = select(table).where(table.org_id == org_id)
        if status is not None:
            stmt = stmt.where(table.status == status)
        if party_id is not None:
            stmt = stmt.where(getattr(table, self.portal.party_column) == party_id)
        async with self.kernel.session(org_id) as s:
            total = await s.scalar(select(func.count()).select_from(stmt.subquery()))
            rows = await s.scalars(stmt.order_by(table.email).limit(limit).offset(offset))
            return [self.view(row) for row in rows], int(total or 0)

    async def get(self, org_id: uuid.UUID, user_id: uuid.UUID) -> PortalUserOut:
        async with self.kernel.session(org_id) as s:
            return self.view(await self._row(s, org_id, user_id))

    async def set_status(self, org_id: uuid.UUID, user_id: uuid.UUID, status: str) -> PortalUserOut:
        async with self.kernel.session(org_id) as s:
            row = await self._row(s, org_id, user_id)
            row.status = status
            row.updated_at = self.kernel.clock.now()
            out = self.view(row)
        if status == SUSPENDED:
            await auth.sessions(self.kernel, self.portal).end_user(user_id)
        return out

    async def reset_password(
        self, org_id: uuid.UUID, user_id: uuid.UUID, body: PasswordReset
    ) -> PortalUserWithPassword:
        password = body.password or new_temporary_password()
        password_hash = await self.kernel.password_hasher.hash(password)
        async with self.kernel.session(org_id) as s:
            row = await self._row(s, org_id, user_id)
            now = self.kernel.clock.now()
            row.password_hash = password_hash
            row.password_changed_at = now
            row.updated_at = now
            out = self.view(row)
        await auth.sessions(self.kernel, self.portal).end_user(user_id)
        await self.kernel.runtime().login_throttle.succeeded(self.portal.realm, out.email)
        return PortalUserWithPassword(
            **out.model_dump(), temporary_password=None if body.password else password
        )

    async def enable_two_factor(self, org_id: uuid.UUID, user_id: uuid.UUID) -> TwoFactorSetup:
        secret = totp_codes.new_secret()
        async with self.kernel.session(org_id) as s:
            row = await self._row(s, org_id, user_id)
            row.totp_secret = totp_codes.seal_secret(self.kernel.keyring, org_id, secret)
            row.totp_last_step = None
            row.updated_at = self.kernel.clock.now()
            email = row.email
        await auth.sessions(self.kernel, self.portal).end_user(user_id)
        return TwoFactorSetup(
            secret=secret,
            otpauth_uri=totp_codes.provisioning_uri(secret, email=email, issuer=ISSUER),
        )

    async def disable_two_factor(self, org_id: uuid.UUID, user_id: uuid.UUID) -> PortalUserOut:
        async with self.kernel.session(org_id) as s:
            row = await self._row(s, org_id, user_id)
            row.totp_secret = None
            row.totp_last_step = None
            row.updated_at = self.kernel.clock.now()
            return self.view(row)

    async def _row(self, s: Any, org_id: uuid.UUID, user_id: uuid.UUID) -> Any:
        table = self.portal.table
        row = await s.scalar(select(table).where(table.org_id == org_id, table.id == user_id))
        if row is None:
            raise NotFoundError(f"no {self.portal.kind} portal user {user_id} here")
        return row

    async def _check_party(self, org_id: uuid.UUID, party_id: uuid.UUID) -> None:
        domain = self.kernel.domain
        if self.portal.kind == "supplier":
            found = await domain.get_supplier(org_id, party_id)
        else:
            found = await domain.get_customer(org_id, party_id)
        if found is None:
            raise ValidationError(
                f"no {self.portal.kind} {party_id} in this organisation",
                errors=[{"path": "party_id", "message": f"no such {self.portal.kind}"}],
            )
