"""Bodies of the portal user administration API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EMAIL = r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{1,60}$"


class PortalUserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=255, pattern=EMAIL)
    name: str = Field(min_length=1, max_length=255)
    party_id: uuid.UUID = Field(description="The supplier (or customer) the user acts for")
    password: str | None = Field(
        default=None,
        max_length=256,
        description="Unset: a temporary password is made and returned once (an invitation)",
    )


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(
        default=None, max_length=256, description="Unset: a temporary password is made"
    )


class PortalUserQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["active", "suspended"] | None = None
    party_id: uuid.UUID | None = None
    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0, le=1_000_000)


class PortalUserOut(BaseModel):
    id: uuid.UUID
    portal: Literal["supplier", "customer"]
    org_id: uuid.UUID
    party_id: uuid.UUID
    email: str
    name: str
    status: Literal["active", "suspended"]
    two_factor: bool
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PortalUserWithPassword(PortalUserOut):
    temporary_password: str | None = Field(
        default=None, description="Shown once: hand it to the user, who signs in with it"
    )


class PortalUserList(BaseModel):
    items: list[PortalUserOut]
    total: int
    limit: int
    offset: int


class TwoFactorSetup(BaseModel):
    secret: str = Field(description="Base32 secret for the authenticator app, shown once")
    otpauth_uri: str
