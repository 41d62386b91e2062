"""MonoPilot purchase order (the ``order.created`` event data) <-> ACME order document.

ACME reads one header line and one line per item, pipe-separated:

    HDR|PO-2026-0042|MLYN|2026-03-02
    LIN|1|MAKA-550|500|2.1
"""

from __future__ import annotations

from typing import Any

from monopilot_integrations.core import FatalError, Mapper


class AcmeOrderMapper(Mapper[dict[str, Any], str]):
    format = "acme"
    record_kind = "purchase_order"

    def to_external(self, record: dict[str, Any]) -> str:
        lines = record.get("lines") or []
        if not lines:
            # Retrying cannot add lines: the order is unusable for ACME as it is.
            raise FatalError(f"purchase order {record.get('po_number')} has no lines")
        out = [
            "|".join(
                [
                    "HDR",
                    _field(record["po_number"]),
                    _field(record["supplier_code"]),
                    _field(record.get("order_date") or ""),
                ]
            )
        ]
        for i, line in enumerate(lines, start=1):
            out.append(
                "|".join(
                    [
                        "LIN",
                        str(line.get("line_no", i)),
                        _field(line["product_code"]),
                        _number(line["qty"]),
                        _number(line.get("unit_price", "")),
                    ]
                )
            )
        return "\n".join(out) + "\n"

    def to_internal(self, external: str) -> dict[str, Any]:
        record: dict[str, Any] = {"lines": []}
        for raw in external.splitlines():
            parts = raw.split("|")
            if parts[0] == "HDR":
                record.update(
                    po_number=parts[1], supplier_code=parts[2], order_date=parts[3] or None
                )
            elif parts[0] == "LIN":
                record["lines"].append(
                    {
                        "line_no": int(parts[1]),
                        "product_code": parts[2],
                        "qty": float(parts[3]),
                        **({"unit_price": float(parts[4])} if parts[4] else {}),
                    }
                )
        return record


def _field(value: Any) -> str:
    text = str(value)
    if "|" in text or "\n" in text:
        raise FatalError(f"value {text!r} cannot be written to an ACME file")
    return text


def _number(value: Any) -> str:
    if value == "":
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)
