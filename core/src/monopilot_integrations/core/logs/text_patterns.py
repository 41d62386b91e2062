"""Layer 2 of the masking (see :mod:`.masking`): the patterns of secrets in free text and
how each match is masked.

Every pattern is compiled once. :class:`~.masking.Masker` runs each pass only behind a
cheap substring test (``in`` is memchr-fast, a regex scan is not), so the common string
(an id, a name, a timestamp) costs a handful of ``in`` checks and no regex at all.
"""

from __future__ import annotations

import re
from typing import Final

#: What every masked value or substring is replaced with.
DEFAULT_MASK: Final = "***"

AUTH_SCHEMES: Final = r"bearer|basic|digest|negotiate|token"

API_KEY_RE: Final = re.compile(r"mp_(?:live|test)_[A-Za-z0-9_]+")
# scheme://user:PASSWORD@host; the scheme needs no checking, "://" is the anchor.
URL_PASSWORD_RE: Final = re.compile(r"://[^/\s:@]{0,256}:(?P<secret>[^/\s@]+)(?=@)")
# A bare credential: keep the scheme word, mask the token.
CREDENTIAL_RE: Final = re.compile(
    r"(?<![\w-])(?P<scheme>bearer|basic)[ \t]+(?P<secret>[A-Za-z0-9\-._~+/]+=*)",
    re.IGNORECASE,
)
LOWERCASE_WORD_RE: Final = re.compile(r"[a-z]+")
# The passes below run only when the text holds a sensitive key name somewhere.
# Authorization / Cookie header lines: the whole value (all the cookies), keeping an auth
# scheme word.
HEADER_LINE_RE: Final = re.compile(
    r"(?<![\w-])(?:(?:proxy-)?authorization|(?:set-)?cookie2?)[ \t]*:[ \t]*"
    r"(?:(?:" + AUTH_SCHEMES + r")[ \t]+(?=\S))?(?P<secret>[^\r\n]+)",
    re.IGNORECASE,
)
# <Password>...</Password>, <ns:ApiKey attr="x">...: the element text, if the tag is
# sensitive (decided in Python, like every key name).
ELEMENT_RE: Final = re.compile(
    r"<(?P<tag>[A-Za-z_][\w.\-:]{0,63}+)(?:\s[^<>]{0,2048}+)?>"
    r"(?P<secret>(?:<!\[CDATA\[.*?\]\]>|[^<])++)",
    re.DOTALL,
)
# key=value, key: value, "key": value, 'key': value, \"key\": value; the value is parsed
# by VALUE_RE and the key judged in Python by Masker.is_sensitive_key. Keys start at a
# word boundary (the look-behind) with a letter, and are bounded and possessive, which
# keeps the scan linear even on megabytes of base64. A key may be two words ("private
# key: ...").
PAIR_RE: Final = re.compile(
    r"(?<![\w.\-])(?P<key>[^\W\d_][\w.\-]{0,63}+(?:[ ][^\W\d_][\w.\-]{0,63}+)?+)"
    r"""(?P<separator>\\?["']?[ \t]*[:=]\s*)"""
)
# The value after a sensitive key, matched at the position after the separator. Each
# alternative has one group for the part to mask; delimiters around it are kept so the
# text stays readable (``"password": "***"``).
VALUE_RE: Final = re.compile(
    r"""
      \\+"(?P<escaped>.*?)(?:\\+"|\Z)              # \"...\" inside an encoded string
    | "(?P<double>(?:[^"\\]|\\.)*)"?               # "..." (unterminated: to the end)
    | '(?P<single>(?:[^'\\]|\\.)*)'?               # '...'
    | \[(?P<array>[^\]]*)\]?                       # [...] up to the first ]
    | \{(?P<object>[^}]*)\}?                       # {...} up to the first }
    | (?:(?:"""
    + AUTH_SCHEMES
    + r""")[ \t]+)?(?P<bare>[^\s&,;"'<>{}\[\]()]+)   # bare word, keeping an auth scheme
    """,
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
VALUE_GROUPS: Final = ("escaped", "double", "single", "array", "object", "bare")
SCHEME_PREFIX_RE: Final = re.compile(r"(?:" + AUTH_SCHEMES + r")[ \t]+(?=\S)", re.IGNORECASE)


def mask_secret_group(match: re.Match[str]) -> str:
    whole = match.group(0)
    offset = match.start()
    start, end = match.span("secret")
    return whole[: start - offset] + DEFAULT_MASK + whole[end - offset :]


def mask_credential(match: re.Match[str]) -> str:
    # "basic information", "basic auth required": lowercase prose, not a credential. A
    # real one is Base64 (mixed case, digits) or follows "Basic"/"Bearer" capitalised.
    if match.group("scheme") == "basic" and LOWERCASE_WORD_RE.fullmatch(match.group("secret")):
        return match.group(0)
    return mask_secret_group(match)


def context_free(pattern: re.Pattern[str]) -> bool:
    """True when ``pattern`` matches a string wherever that string is embedded (no anchor,
    word boundary or look-around; ``[^`` negated classes are fine). Conservative: an
    escaped ``^`` or ``$`` also counts as an anchor."""
    source = pattern.pattern.replace("[^", "[")
    return not any(
        token in source
        for token in ("^", "$", "\\b", "\\B", "\\A", "\\Z", "(?=", "(?!", "(?<=", "(?<!")
    )


def mask_extra_match(match: re.Match[str]) -> str:
    if not match.group(0):
        return ""
    if "secret" in match.re.groupindex and match.group("secret") is not None:
        return mask_secret_group(match)
    return DEFAULT_MASK
