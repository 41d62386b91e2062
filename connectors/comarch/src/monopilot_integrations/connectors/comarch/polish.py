"""Polish rules an invoice must pass before Optima sees it.

* **NIP** (the Polish tax id): ten digits, the last a checksum: the first nine weighted
  6, 5, 7, 2, 3, 4, 5, 6, 7, summed, mod 11; a remainder of 10 is never a valid NIP.
  People write it with dashes, spaces or a ``PL`` prefix; the digits are what counts.
* **VAT rates**: 23, 8, 5 and 0 %, ``zw`` (exempt), ``np`` (not subject to Polish VAT)
  and ``oo`` (reverse charge). Anything else (7 %, 22 %: rates of other years or
  countries) is refused, with the line named.
"""

from __future__ import annotations

import re

from monopilot_integrations.core.domain.money import VAT_LABELS

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_SEPARATORS = re.compile(r"[\s\-.]")


def normalise_nip(text: str) -> str:
    """``"PL 522-000-00-74"`` -> ``"5220000074"`` (digits only; a PL prefix dropped)."""
    cleaned = _SEPARATORS.sub("", text).upper()
    return cleaned.removeprefix("PL")


def nip_problem(text: str | None) -> str | None:
    """Why ``text`` is not a valid NIP, or ``None`` when it is."""
    if not text or not text.strip():
        return "missing"
    nip = normalise_nip(text)
    if not nip.isdigit() or len(nip) != 10:
        return f"{text!r} is not 10 digits"
    checksum = sum(int(d) * w for d, w in zip(nip, NIP_WEIGHTS, strict=False)) % 11
    if checksum == 10 or checksum != int(nip[9]):
        return f"{text!r} fails the NIP checksum"
    return None


def vat_problem(label: str) -> str | None:
    if label in VAT_LABELS:
        return None
    allowed = ", ".join(VAT_LABELS)
    return f"VAT rate {label!r} is not a Polish rate ({allowed})"
