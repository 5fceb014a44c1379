"""BERT's uncased WordPiece tokenizer in plain Python, as `tokenizers`' `BertNormalizer` +
`BertPreTokenizer` + `WordPiece` read it, so a vocabulary file is all the semantic model needs.

A question is a few dozen characters: greedy longest-match over a dict is microseconds, and it saves
a Rust extension (and its dependencies) at run time. tests/test_semantic.py checks it against the
`tokenizers` package on varied text when that package is installed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

_CONTINUATION = "##"
MAX_WORD_CHARS = 100  # BERT's limit: a longer "word" is [UNK]


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True  # ASCII symbols such as "$" and "^" count as punctuation, as in BERT
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def normalize(text: str) -> str:
    """Clean (controls out, every whitespace a space), space out CJK ideographs, strip accents,
    lower-case: `BertNormalizer(clean_text, handle_chinese_chars, strip_accents, lowercase)`."""
    out = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or _is_control(char):
            continue
        if char.isspace() or unicodedata.category(char) == "Zs":
            out.append(" ")
        elif _is_cjk(code):
            out.append(f" {char} ")
        else:
            out.append(char)
    decomposed = unicodedata.normalize("NFD", "".join(out))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def pre_tokenize(text: str) -> list[str]:
    """Split on whitespace, and make every punctuation character a word of its own."""
    words: list[str] = []
    for chunk in text.split():
        start = 0
        for i, char in enumerate(chunk):
            if _is_punctuation(char):
                if i > start:
                    words.append(chunk[start:i])
                words.append(char)
                start = i + 1
        if start < len(chunk):
            words.append(chunk[start:])
    return words


class WordPiece:
    """Text -> vocabulary ids, the way bert-base-uncased (and all-MiniLM-L6-v2) tokenizes."""

    def __init__(self, vocabulary: Iterable[str], unknown: str = "[UNK]") -> None:
        self.ids: dict[str, int] = {token: i for i, token in enumerate(vocabulary)}
        self.unknown_id = self.ids.get(unknown, -1)  # -1 when the vocabulary has no [UNK] of its own
        self.longest = max(len(t) for t in self.ids)

    def word_ids(self, word: str) -> list[int]:
        """Greedy longest-match pieces of one pre-tokenized word; the unknown id alone if any part fails."""
        if len(word) > MAX_WORD_CHARS:
            return [self.unknown_id]
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = min(len(word), start + self.longest)
            prefix = _CONTINUATION if start else ""
            while end > start:
                piece = self.ids.get(prefix + word[start:end])
                if piece is not None:
                    pieces.append(piece)
                    break
                end -= 1
            else:
                return [self.unknown_id]
            start = end
        return pieces

    def encode(self, text: str) -> list[int]:
        """Ids of `text`, without [CLS]/[SEP]."""
        return [i for word in pre_tokenize(normalize(text)) for i in self.word_ids(word)]
