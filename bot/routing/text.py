"""Turn what people type in Slack into plain lower-case word tokens.

Slack wraps mentions, channels, broadcasts and links in angle brackets and emoji in colons; none of
that is part of the question, so it goes before anything is compared.
"""

from __future__ import annotations

import re
import unicodedata

_SLACK_MARKUP = re.compile(r"<[^>]*>")  # <@U123>, <#C123|name>, <!here>, bare <https://...>
_EMOJI = re.compile(r":[a-z0-9_+\-']+:")
_URL = re.compile(r"\bhttps?://\S+")
_APOSTROPHE_S = re.compile(r"'s\b")
_TOKEN = re.compile(r"[a-z0-9]+(?:\.[0-9]+)*")  # "312.52" stays one token
# Format characters (soft hyphen, zero-width joiners, bidi marks, BOM) carry no meaning and split words.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")

MAX_QUESTION_CHARS = 2000  # longer messages are cut before routing; nobody asks a 40 KB question


def strip_slack_markup(text: str) -> str:
    """Remove mentions, channel links, broadcasts, links (label and all: "docs", "click here", "COV
    agenda" are rarely the question, and never what is stored), emoji codes and URLs."""
    text = _SLACK_MARKUP.sub(" ", text)
    text = _EMOJI.sub(" ", text)
    return _URL.sub(" ", text)


def stem(token: str) -> str:
    """Fold the forms of a word together: plurals ("CROs", "studies"), -ing/-ed ("monitoring",
    "monitored") and a final -e ("outsource", "outsourced"). Applied alike to questions, stored
    phrasings and synonym data, so only consistency matters, not linguistic correctness."""
    if len(token) > 4 and token.endswith("ies"):
        token = token[:-3] + "y"
    elif len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    for suffix in ("ing", "ed"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            token = token[: -len(suffix)]
            if token[-1] == token[-2] and token[-1] not in "lsz":  # "transferred" -> "transfer"
                token = token[:-1]
            break
    if len(token) > 4 and token.endswith("e"):
        token = token[:-1]
    return token


_PARTIAL_WORD = re.compile(r"\S+$")


def _cut(text: str) -> str:
    """The first MAX_QUESTION_CHARS of `text`, without a word cut in half at the end: the half word
    ("CR" of "CRO") is a word the knowledge base doesn't know, and enough of that weight alone turns
    a long but plain question into "I don't know" (the same text answered in a DM went unanswered
    after the mention's few extra characters moved the cut)."""
    if len(text) <= MAX_QUESTION_CHARS:
        return text
    head = text[:MAX_QUESTION_CHARS]
    if not text[MAX_QUESTION_CHARS].isspace():
        head = _PARTIAL_WORD.sub("", head) or head  # one endless "word": keep it as it is
    return head


_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_ASCII_CONTROLS = {c: None for c in (*range(32), 127) if not chr(c).isspace()}


def visible(text: str) -> str:
    """`text` without what shows nothing: format characters (Cf: bidi overrides and isolates,
    zero-width spaces, BOM, tag characters), control characters (Cc, whitespace kept) and lone
    surrogates (Cs). Echoed, U+202E would turn the rest of the bot's own line right-to-left, and
    zero-width or tag characters hide what was really typed."""
    if text.isascii():  # the common case, fast: ASCII's only hidden characters are its controls
        return text.translate(_ASCII_CONTROLS)
    return "".join(c for c in text if c.isspace() or unicodedata.category(c) not in _HIDDEN_CATEGORIES)


def tokenize(text: str) -> list[str]:
    """Lower-cased, de-pluralised word tokens of `text`, Slack markup removed."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", _cut(text)))
    text = strip_slack_markup(text).casefold().replace("\u2019", "'")
    text = _APOSTROPHE_S.sub("", text).replace("'", "")
    return [stem(t) for t in _TOKEN.findall(text)]
