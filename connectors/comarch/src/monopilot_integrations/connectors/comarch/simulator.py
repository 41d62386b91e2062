"""A loopback simulator of the Optima REST bridge, for tests, benchmarks and the demo.

Comarch publishes no REST API for Optima; installations put a bridge in front of it (a
small service on the customer's network that talks to Optima through its COM/SDK
interface). This app models the bridge contract the connector speaks (docs/comarch.md),
and exactly this behaviour:

* **Authentication**: ``X-Api-Key`` and ``X-Api-Secret`` must equal the configured pair
  (compared in constant time), else ``401 {"Kod": "AUTORYZACJA"}``.
* **Companies**: ``X-Firma`` (or the body's ``Firma``) names an Optima company
  (a database); an unknown one is ``404 {"Kod": "FIRMA"}``. ``GET /api/status`` lists
  the companies.
* **Invoices**: ``POST /api/faktury`` validates like Optima's document form does (missing
  or malformed NIP of a domestic buyer, a VAT rate Optima does not know, a line whose
  net x rate does not give its VAT, totals that do not add up, a correction of an unknown
  document) and answers ``422 {"Kod": "WALIDACJA", "Bledy": [{"Pole", "Komunikat"}]}``.
  A number already used by another document of the company is ``409 {"Kod": "DUPLIKAT"}``.
  A repeated ``IdZrodla`` answers ``200`` with the document already made (what makes a
  retry after a lost response safe). New documents get ids ``FS/n`` or ``KOR/n``, and
  ``TrybTestowy`` documents are kept apart (listed with ``test: true``).
  ``GET /api/faktury?IdZrodla=...`` finds a document by its source id.
* **Chart of accounts**: ``GET /api/plan-kont`` per company.
* **Faults**, queued with :meth:`BridgeSimulator.fail` and consumed one per request:
  ``"timeout"`` (no answer for ``delay`` seconds), ``"500"``, ``"503"`` (with
  ``Retry-After``), ``"401"``, and ``"lost"`` (the document is stored, then the answer
  hangs: a response lost on the way back).

What it does not model: Optima's numbering series, stock documents, KSeF, posting rules.
"""

from __future__ import annotations

import asyncio
import hmac
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

VAT_RATES = {
    "23": Decimal(23),
    "8": Decimal(8),
    "5": Decimal(5),
    "0": Decimal(0),
    "zw": Decimal(0),
    "np": Decimal(0),
    "oo": Decimal(0),
}
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
CENT = Decimal("0.01")


def _nip_ok(nip: str) -> bool:
    if len(nip) != 10 or not nip.isdigit():
        return False
    check = sum(int(d) * w for d, w in zip(nip, NIP_WEIGHTS, strict=False)) % 11
    return check != 10 and check == int(nip[9])


@dataclass
class Company:
    code: str
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # by Optima id
    accounts: list[dict[str, Any]] = field(default_factory=list)
    counter: int = 0


@dataclass
class BridgeSimulator:
    """State and behaviour of one simulated bridge; :meth:`app` serves it."""

    api_key: str = "optima-key"
    api_secret: str = "optima-secret-value"  # noqa: S105 - the simulator's default
    companies: dict[str, Company] = field(default_factory=dict)
    faults: deque[str] = field(default_factory=deque)
    #: Seconds a "timeout"/"lost" fault holds its answer.
    delay: float = 5.0
    #: Requests seen, as (method, path): tests assert on them.
    requests: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.companies:
            self.add_company("DEMO")

    def add_company(self, code: str, accounts: list[dict[str, Any]] | None = None) -> Company:
        company = Company(
            code, accounts=accounts if accounts is not None else list(DEFAULT_ACCOUNTS)
        )
        self.companies[code] = company
        return company

    def fail(self, *faults: str) -> None:
        """Queue faults for the next requests, one each, in order."""
        self.faults.extend(faults)

    def documents(self, company: str = "DEMO") -> list[dict[str, Any]]:
        return list(self.companies[company].documents.values())

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/api/status", self._status)
        app.router.add_post("/api/faktury", self._post_invoice)
        app.router.add_get("/api/faktury", self._find_invoice)
        app.router.add_get("/api/plan-kont", self._accounts)
        return app

    # --- plumbing ----------------------------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        fault = self.faults.popleft() if self.faults else None
        if fault == "timeout":
            await asyncio.sleep(self.delay)
        if fault in ("500", "503"):
            headers = {"Retry-After": "2"} if fault == "503" else {}
            return _error(int(fault), "BLAD_SERWERA", "Optima is not responding", headers)
        if fault == "401" or not self._authorised(request):
            return _error(401, "AUTORYZACJA", "Nieprawidłowy klucz lub sekret API")
        if fault == "lost":
            response: web.StreamResponse = await handler(request)
            await asyncio.sleep(self.delay)  # stored, but the answer never arrives in time
            return response
        result: web.StreamResponse = await handler(request)
        return result

    def _authorised(self, request: web.Request) -> bool:
        key = request.headers.get("X-Api-Key", "").encode()
        secret = request.headers.get("X-Api-Secret", "").encode()
        return hmac.compare_digest(key, self.api_key.encode()) & hmac.compare_digest(
            secret, self.api_secret.encode()
        )

    def _company(
        self, request: web.Request, body: dict[str, Any] | None = None
    ) -> Company | web.Response:
        code = request.headers.get("X-Firma") or (body or {}).get("Firma") or ""
        company = self.companies.get(str(code))
        if company is None:
            return _error(404, "FIRMA", f"Nie ma firmy {code!r} w Optimie")
        return company

    # --- endpoints ---------------------------------------------------------------------

    async def _status(self, request: web.Request) -> web.Response:
        return web.json_response({"Wersja": "2026.1 (simulator)", "Firmy": sorted(self.companies)})

    async def _accounts(self, request: web.Request) -> web.Response:
        company = self._company(request)
        if isinstance(company, web.Response):
            return company
        return web.json_response(company.accounts)

    async def _find_invoice(self, request: web.Request) -> web.Response:
        company = self._company(request)
        if isinstance(company, web.Response):
            return company
        source = request.query.get("IdZrodla", "")
        found = [d for d in company.documents.values() if d["IdZrodla"] == source]
        return web.json_response([_summary(d) for d in found])

    async def _post_invoice(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "FORMAT", "Treść nie jest poprawnym JSON")
        if not isinstance(body, dict):
            return _error(400, "FORMAT", "Oczekiwano obiektu JSON")
        company = self._company(request, body)
        if isinstance(company, web.Response):
            return company
        source = str(body.get("IdZrodla") or "")
        for document in company.documents.values():
            if source and document["IdZrodla"] == source:
                return web.json_response(_summary(document), status=200)
        errors = _validate(body, company)
        if errors:
            return web.json_response(
                {"Kod": "WALIDACJA", "Komunikat": errors[0]["Komunikat"], "Bledy": errors},
                status=422,
            )
        number = body["NumerDokumentu"]
        for document in company.documents.values():
            if document["NumerDokumentu"] == number and document["TrybTestowy"] == bool(
                body.get("TrybTestowy")
            ):
                return web.json_response(
                    {
                        "Kod": "DUPLIKAT",
                        "Komunikat": f"Dokument o numerze {number} już istnieje",
                        "Id": document["Id"],
                        "IdZrodla": document["IdZrodla"],
                    },
                    status=409,
                )
        company.counter += 1
        kind = "KOR" if body.get("Rodzaj") == "KOR" else "FS"
        document = {
            **body,
            "Id": f"{kind}/{company.counter}",
            "IdZrodla": source,
            "TrybTestowy": bool(body.get("TrybTestowy")),
        }
        company.documents[document["Id"]] = document
        return web.json_response(_summary(document), status=201)


def _summary(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "Id": document["Id"],
        "IdZrodla": document["IdZrodla"],
        "NumerDokumentu": document["NumerDokumentu"],
        "test": document["TrybTestowy"],
    }


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response({"Kod": code, "Komunikat": message}, status=status, headers=headers)


def _money(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(CENT) if value is not None else None
    except (InvalidOperation, ValueError):
        return None


def _validate(body: dict[str, Any], company: Company) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []

    def bad(field_name: str, message: str) -> None:
        errors.append({"Pole": field_name, "Komunikat": message})

    if not body.get("NumerDokumentu"):
        bad("NumerDokumentu", "Brak numeru dokumentu")
    party = body.get("Kontrahent") or {}
    nip = str(party.get("NIP") or "")
    if (party.get("Kraj") or "PL") == "PL":
        if not nip:
            bad("Kontrahent.NIP", "Brak NIP kontrahenta krajowego")
        elif not _nip_ok(nip):
            bad("Kontrahent.NIP", f"Nieprawidłowy NIP {nip}")
    lines = body.get("Pozycje") or []
    if not lines:
        bad("Pozycje", "Dokument nie ma pozycji")
    net_sum = vat_sum = Decimal(0)
    for i, line in enumerate(lines):
        rate = VAT_RATES.get(str(line.get("StawkaVAT")))
        if rate is None:
            bad(f"Pozycje[{i}].StawkaVAT", f"Nieznana stawka VAT {line.get('StawkaVAT')!r}")
            continue
        net, vat = _money(line.get("WartoscNetto")), _money(line.get("WartoscVAT"))
        if net is None or vat is None:
            bad(f"Pozycje[{i}]", "Nieprawidłowa wartość")
            continue
        if (net * rate / 100).quantize(CENT) != vat:
            bad(
                f"Pozycje[{i}].WartoscVAT",
                f"VAT {vat} nie odpowiada stawce {line.get('StawkaVAT')}",
            )
        net_sum += net
    for summary in body.get("PodsumowanieVAT") or []:
        vat_sum += _money(summary.get("VAT")) or Decimal(0)
    if lines and _money(body.get("RazemNetto")) != net_sum:
        bad("RazemNetto", "Suma netto nie zgadza się z pozycjami")
    if lines and _money(body.get("RazemVAT")) != vat_sum:
        bad("RazemVAT", "Suma VAT nie zgadza się z podsumowaniem stawek")
    if body.get("Rodzaj") == "KOR":
        original = (body.get("Korekta") or {}).get("NumerKorygowanego")
        if not any(d["NumerDokumentu"] == original for d in company.documents.values()):
            bad("Korekta.NumerKorygowanego", f"Nie ma dokumentu korygowanego {original!r}")
    return errors


DEFAULT_ACCOUNTS: list[dict[str, Any]] = [
    {"Numer": "201", "Nazwa": "Rozrachunki z odbiorcami", "Typ": "Bilansowe", "Aktywne": True},
    {"Numer": "221-1", "Nazwa": "VAT należny 23%", "Typ": "Bilansowe", "Aktywne": True},
    {"Numer": "221-2", "Nazwa": "VAT należny 8%", "Typ": "Bilansowe", "Aktywne": True},
    {"Numer": "221-3", "Nazwa": "VAT należny 5%", "Typ": "Bilansowe", "Aktywne": True},
    {
        "Numer": "701-1",
        "Nazwa": "Przychody ze sprzedaży pieczywa",
        "Typ": "Wynikowe",
        "Aktywne": True,
    },
    {
        "Numer": "701-2",
        "Nazwa": "Przychody ze sprzedaży opakowań",
        "Typ": "Wynikowe",
        "Aktywne": True,
    },
    {
        "Numer": "731",
        "Nazwa": "Przychody ze sprzedaży towarów",
        "Typ": "Wynikowe",
        "Aktywne": False,
    },
]


async def serve(
    simulator: BridgeSimulator, host: str = "127.0.0.1", port: int = 0
) -> tuple[web.AppRunner, str]:
    """Serve ``simulator`` on loopback; returns the runner (clean it up) and the base URL."""
    runner = web.AppRunner(simulator.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0]
    return runner, f"http://{host}:{bound[1]}"
