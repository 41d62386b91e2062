"""The EDIFACT syntax layer of the EDI connector: pure, database-free, pydifact inside.

Read (``read_interchanges``), validate (``validate_message``), write
(``build_interchange``) and acknowledge (``build_contrl``). Only :class:`EdifactError`
leaves this package. See ``docs/edi-syntax.md``.
"""

from .characters import ServiceCharacters
from .contrl import build_contrl, syntax_error_code
from .errors import ERROR_CODES, EdifactError, Issue
from .gs1 import check_digit, is_valid_gln, is_valid_gtin, is_valid_sscc, with_check_digit
from .model import Element, Interchange, Message, OutMessage, Party, ReadResult, Segment
from .reader import read_interchanges
from .structure import known_directories
from .validator import validate_message
from .writer import build_interchange

__all__ = [
    "ERROR_CODES",
    "EdifactError",
    "Element",
    "Interchange",
    "Issue",
    "Message",
    "OutMessage",
    "Party",
    "ReadResult",
    "Segment",
    "ServiceCharacters",
    "build_contrl",
    "build_interchange",
    "check_digit",
    "is_valid_gln",
    "is_valid_gtin",
    "is_valid_sscc",
    "known_directories",
    "read_interchanges",
    "syntax_error_code",
    "validate_message",
    "with_check_digit",
]
