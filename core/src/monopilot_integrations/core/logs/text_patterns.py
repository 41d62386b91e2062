"""Layer 2 of the masking (see :mod:`.masking`): the patterns of secrets in free text, how
each match is masked, and the clues each pattern needs, as one table (:func:`builtin_rules`).

A rule's clues are literals of its own pattern, at least one of which is in every text the
pattern can change, so a text without any of them skips the pattern. Clues and pattern sit
side by side in one :class:`TextRule`, and a property test checks that applying the table
with and without the clues gives the same text. :class:`~.rules.MaskRules` joins every
clue into one regex, so the common string (an id, a name, a number) costs one scan and no
pattern at all.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

#: What every masked value or substring is replaced with.
DEFAULT_MASK: Final = "***"

AUTH_SCHEMES: Final = r"bearer|basic|digest|negotiate|token"

#: Decides whether a key name (a pair's key, an element's tag) is sensitive: layer 1's rule.
KeyTest = Callable[[str], bool]

API_KEY_RE: Final = re.compile(r"mp_(?:live|test)_[A-Za-z0-9_]+")
# scheme://user:PASSWORD@host; the scheme needs no checking, "://" is the anchor.
URL_PASSWORD_RE: Final = re.compile(r"://[^/\s:@]{0,256}:(?P<secret>[^/\s@]+)(?=@)")
# A bare credential: keep the scheme word, mask the token.
CREDENTIAL_RE: Final = re.compile(
    r"(?<![\w-])(?P<scheme>bearer|basic)[ \t]+(?P<secret>[A-Za-z0-9\-._~+/]+=*)",
    re.IGNORECASE,
)
LOWERCASE_WORD_RE: Final = re.compile(r"[a-z]+")
# Authorization / Cookie header lines: the whole value (all the cookies), keeping an auth
# scheme word.
HEADER_LINE_RE: Final = re.compile(
    r"(?<![\w-])(?:(?:proxy-)?authorization|(?:set-)?cookie2?)[ \t]*:[ \t]*"
    r"(?:(?:" + AUTH_SCHEMES + r")[ \t]+(?=\S))?(?P<secret>[^\r\n]+)",
    re.IGNORECASE,
)
# <Password>...</Password>, <ns:ApiKey attr="x">...: the element text, if the tag is
# sensitive (decided by the key rule, like every key name).
ELEMENT_RE: Final = re.compile(
    r"<(?P<tag>[A-Za-z_][\w.\-:]{0,63}+)(?:\s[^<>]{0,2048}+)?>"
    r"(?P<secret>(?:<!\[CDATA\[.*?\]\]>|[^<])++)",
    re.DOTALL,
)
# key=value, key: value, "key": value, 'key': value, \"key\": value; the value is parsed
# by VALUE_RE and the key judged by the key rule. Keys start at a word boundary (the
# look-behind) with a letter, and are bounded and possessive, which keeps the scan linear
# even on megabytes of base64. A key may be two words ("private key: ...").
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


@dataclass(frozen=True, slots=True)
class TextRule:
    """One kind of secret in free text.

    ``apply`` masks every match in a text. ``clues``: lowercase literals, one of which is
    in every text ``apply`` can change (compared ignoring case when ``ignore_case``,
    exactly otherwise); none when that cannot be said (a plugin's pattern), and then the
    rule runs on every text. ``needs_sensitive_name``: ``apply`` changes only texts that
    hold a sensitive key name.
    """

    name: str
    apply: Callable[[str], str]
    clues: tuple[str, ...] = ()
    ignore_case: bool = False
    needs_sensitive_name: bool = False

    @property
    def clue_pattern(self) -> str | None:
        """A regex that finds a clue, with the rule's own case rule (``None``: no clues)."""
        if not self.clues:
            return None
        return f"(?{'i' if self.ignore_case else ''}:{'|'.join(map(re.escape, self.clues))})"


def mask_secret_group(match: re.Match[str]) -> str:
    whole = match.group(0)
    offset = match.start()
    start, end = match.span("secret")
    return whole[: start - offset] + DEFAULT_MASK + whole[end - offset :]


def _mask_credential(match: re.Match[str]) -> str:
    # "basic information", "basic auth required": lowercase prose, not a credential. A
    # real one is Base64 (mixed case, digits) or follows "Basic"/"Bearer" capitalised.
    if match.group("scheme") == "basic" and LOWERCASE_WORD_RE.fullmatch(match.group("secret")):
        return match.group(0)
    return mask_secret_group(match)


def _api_keys(text: str) -> str:
    return API_KEY_RE.sub(DEFAULT_MASK, text)


def _url_passwords(text: str) -> str:
    return URL_PASSWORD_RE.sub(mask_secret_group, text)


def _credentials(text: str) -> str:
    return CREDENTIAL_RE.sub(_mask_credential, text)


def _header_lines(text: str) -> str:
    return HEADER_LINE_RE.sub(mask_secret_group, text)


def _elements(text: str, is_sensitive: KeyTest) -> str:
    def mask(match: re.Match[str]) -> str:
        return mask_secret_group(match) if is_sensitive(match.group("tag")) else match.group(0)

    return ELEMENT_RE.sub(mask, text)


def _pairs(text: str, is_sensitive: KeyTest) -> str:
    search = PAIR_RE.search
    pieces: list[str] = []
    emitted = 0  # text[:emitted] is already in pieces
    match = search(text)
    while match is not None:
        value = VALUE_RE.match(text, match.end()) if is_sensitive(match.group("key")) else None
        if value is None:  # not sensitive, or "password=" with nothing to mask
            match = search(text, match.end())
            continue
        group = value.lastgroup  # the one named group of the alternative
        assert group in VALUE_GROUPS
        start, end = value.span(group)
        pieces.append(text[emitted:start])
        pieces.append(DEFAULT_MASK)
        pieces.append(text[end : value.end()])
        emitted = value.end()
        # Rescan from the end of the value, not of the pair: "token=a password=b" must
        # not read "a password" as the next key.
        match = search(text, emitted)
    if not pieces:
        return text
    pieces.append(text[emitted:])
    return "".join(pieces)


def builtin_rules(is_sensitive: KeyTest) -> tuple[TextRule, ...]:
    """The built-in rules, in the order they apply; ``is_sensitive`` is the key rule that
    judges the key of a pair and the tag of an element. The clues are literals of each
    pattern, compared with the pattern's own case rule."""
    return (
        TextRule("MonoPilot API key", _api_keys, ("mp_",)),
        TextRule("password in a URL", _url_passwords, ("://",)),
        TextRule("Bearer/Basic credential", _credentials, ("bearer", "basic"), ignore_case=True),
        TextRule(
            "Authorization/Cookie line",
            _header_lines,
            ("authorization", "cookie"),
            ignore_case=True,
        ),
        TextRule(
            "sensitive XML element",
            functools.partial(_elements, is_sensitive=is_sensitive),
            ("<",),
            needs_sensitive_name=True,
        ),
        TextRule(
            "sensitive key=value pair",
            functools.partial(_pairs, is_sensitive=is_sensitive),
            (":", "="),
            needs_sensitive_name=True,
        ),
    )


def _mask_extra_match(match: re.Match[str]) -> str:
    if not match.group(0):
        return ""
    if "secret" in match.re.groupindex and match.group("secret") is not None:
        return mask_secret_group(match)
    return DEFAULT_MASK


def pattern_rule(pattern: re.Pattern[str]) -> TextRule:
    """A plugin's value pattern as a rule: every match masked (only its ``secret`` group,
    if it has one). Nothing is known about what it matches, so it runs on every text."""

    return TextRule(
        f"pattern {pattern.pattern!r}", functools.partial(pattern.sub, _mask_extra_match)
    )
