"""The chart of accounts (plan kont): read from the bridge or from Optima's export file,
stored as the organisation's local copy.

The bridge answers ``GET {api_url}/api/plan-kont`` with ``[{"Numer", "Nazwa", "Typ",
"Aktywne"}]``. From Optima itself the plan of accounts leaves as a file: the list's export
to a spreadsheet (CSV, ``;`` separated, a header row naming ``Numer``/``Konto``, ``Nazwa``
and ``Typ``/``Rodzaj``) or an XML file whose elements are matched by local name, so any
namespace and either layout (``KONTO`` elements with ``NUMER``/``NAZWA``/``TYP`` children
or attributes) reads. A sync replaces the copy: accounts no longer in Optima are kept but
marked inactive, so mappings that name them show up as stale rather than vanish.
"""

from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monopilot_integrations.connectors.comarch.tables import ComarchAccount
from monopilot_integrations.core.errors import ValidationError

_NUMBER = ("numer", "konto", "nr", "numer_konta", "number")
_NAME = ("nazwa", "name", "nazwa_konta")
_TYPE = ("typ", "rodzaj", "type", "typ_konta")
_ACTIVE = ("aktywne", "aktywny", "active")
_INACTIVE = ("nieaktywne", "nieaktywny", "inactive")
_TRUE = ("tak", "true", "1", "t", "yes")


@dataclass(frozen=True)
class Account:
    number: str
    name: str
    account_type: str
    active: bool = True


def _pick(values: Mapping[str, str], names: Iterable[str]) -> str | None:
    for name in names:
        value = values.get(name)
        if value is not None and value.strip():
            return value.strip()
    return None


def _account(
    values: Mapping[str, str], where: str, problems: list[dict[str, str]]
) -> Account | None:
    number = _pick(values, _NUMBER)
    name = _pick(values, _NAME)
    if number is None or name is None:
        problems.append({"path": where, "message": "an account needs a number and a name"})
        return None
    active_text = _pick(values, _ACTIVE)
    inactive_text = _pick(values, _INACTIVE)
    active = True
    if active_text is not None:
        active = active_text.lower() in _TRUE
    elif inactive_text is not None:
        active = inactive_text.lower() not in _TRUE
    return Account(number[:50], name[:255], (_pick(values, _TYPE) or "")[:50], active)


def from_bridge(items: Any) -> list[Account]:
    """The bridge's JSON answer; anything else is a ValidationError naming the entry."""
    if not isinstance(items, list):
        raise ValidationError("the bridge's plan of accounts is not a list", [])
    problems: list[dict[str, str]] = []
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append({"path": f"[{i}]", "message": "not an object"})
            continue
        values = {str(k).lower(): _text(v) for k, v in item.items()}
        account = _account(values, f"[{i}]", problems)
        if account is not None:
            out.append(account)
    _raise(problems)
    return out


def from_file(body: bytes) -> list[Account]:
    """An exported plan of accounts: XML (by element names) or ``;``/``,`` separated text."""
    text = _decode(body).lstrip("\ufeff")
    if text.lstrip().startswith("<"):
        return _from_xml(text)
    return _from_csv(text)


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:  # Optima's exports on Polish Windows
        return body.decode("cp1250", errors="replace")


def _from_xml(text: str) -> list[Account]:
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        # A plan of accounts has no document type; entities are how XML bombs work.
        raise ValidationError("the file declares a DOCTYPE or entities, which is refused", [])
    try:
        root = ET.fromstring(text)  # noqa: S314 - DTDs and entities are refused above
    except ET.ParseError as exc:
        raise ValidationError(f"the file is not well-formed XML: {exc}", []) from exc
    problems: list[dict[str, str]] = []
    out = []
    for i, element in enumerate(
        e for e in root.iter() if _local(e.tag) == "konto" and len(e) + len(e.attrib)
    ):
        values = {_local(k): v for k, v in element.attrib.items()}
        values.update({_local(child.tag): (child.text or "") for child in element})
        account = _account(values, f"KONTO[{i + 1}]", problems)
        if account is not None:
            out.append(account)
    if not out and not problems:
        problems.append({"path": "/", "message": "no KONTO elements in the file"})
    _raise(problems)
    return out


def _from_csv(text: str) -> list[Account]:
    dialect = ";" if text.count(";") >= text.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text.replace("\0", "")), delimiter=dialect)
        rows = [row for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise ValidationError(f"the file is not readable as CSV: {exc}", []) from exc
    if not rows:
        raise ValidationError("the file is empty", [])
    header = [cell.strip().lower().replace(" ", "_") for cell in rows[0]]
    if not any(h in _NUMBER for h in header) or not any(h in _NAME for h in header):
        raise ValidationError(
            "the first row must name the columns (Numer or Konto, Nazwa, optionally Typ)",
            [{"path": "line 1", "message": f"got {', '.join(rows[0])}"}],
        )
    problems: list[dict[str, str]] = []
    out = []
    for n, row in enumerate(rows[1:], start=2):
        values = {h: cell for h, cell in zip(header, row, strict=False)}
        account = _account(values, f"line {n}", problems)
        if account is not None:
            out.append(account)
    _raise(problems)
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "tak" if value else "nie"
    return "" if value is None else str(value)


def _raise(problems: list[dict[str, str]]) -> None:
    if problems:
        summary = "; ".join(f"{p['path']}: {p['message']}" for p in problems[:5])
        raise ValidationError(f"invalid plan of accounts: {summary}", problems)


async def replace(
    session: AsyncSession, org_id: uuid.UUID, accounts: list[Account], source: str, now: datetime
) -> dict[str, int]:
    """Upsert ``accounts``; mark the others inactive. Returns counts for the answer."""
    existing = {
        row.number: row
        for row in await session.scalars(
            select(ComarchAccount).where(ComarchAccount.org_id == org_id)
        )
    }
    seen: set[str] = set()
    created = updated = 0
    for account in accounts:
        if account.number in seen:
            continue
        seen.add(account.number)
        row = existing.get(account.number)
        if row is None:
            session.add(
                ComarchAccount(
                    org_id=org_id,
                    number=account.number,
                    name=account.name,
                    account_type=account.account_type,
                    active=account.active,
                    source=source,
                    synced_at=now,
                )
            )
            created += 1
        else:
            row.name, row.account_type, row.active = (
                account.name,
                account.account_type,
                account.active,
            )
            row.source, row.synced_at = source, now
            updated += 1
    deactivated = 0
    for number, row in existing.items():
        if number not in seen and row.active:
            row.active = False
            row.synced_at = now
            deactivated += 1
    await session.flush()
    return {"created": created, "updated": updated, "deactivated": deactivated, "total": len(seen)}
