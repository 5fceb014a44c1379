"""How common a word is in English, and whether a message reads as English at all.

The table (bot/data/english-words.txt.gz, made by scripts/build_english_words.py) holds the 50,000
most frequent English words of the `wordfreq` package's data with their Zipf frequency: log10 of
occurrences per billion words, so "the" is 7.73, "sponsor" 4.04, and the 50,000th word 2.54. Data
licence: CC-BY-SA 4.0, attribution in bot/data/ENGLISH-WORDS.md.

    english_zipf("sponsor")  -> 4.04
    english_zipf("qwzx")     -> 0.0      (not among the listed words: rarer than ~2.5, or not English)
    looks_english("Wer ist für die Studie verantwortlich?")  -> False

The router reads stemmed tokens ("studies" -> "study", "outsourced" -> "outsourc"); a table keyed the
same way is `EnglishWords.load().folded(stem)`, which sums the frequencies of the forms that fold
together. Build it once with the router: it pickles with the knowledge snapshot.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from functools import lru_cache
from pathlib import Path

from bot.routing.text import strip_slack_markup, visible

DATA = Path(__file__).resolve().parent.parent / "data"
WORDS_FILE = DATA / "english-words.txt.gz"
WORDS_SHA256 = "ada910ca77601a7d61d5ea425e5d34a26641819af3972dbcf099d94899c21e21"
MARKERS_FILE = DATA / "not-english.txt"


class EnglishWords:
    """Zipf frequency of each listed English word (0.0 for any other), and the words that mark a
    message as another language (bot/data/not-english.txt)."""

    def __init__(self, zipf: dict[str, float], markers: frozenset[str] = frozenset()) -> None:
        self._zipf = zipf
        self.markers = markers
        self.floor = min(zipf.values(), default=0.0)  # the least frequent listed word's value

    @classmethod
    def load(cls, path: Path = WORDS_FILE, *, verify: bool = True) -> EnglishWords:
        """Read the table (and the markers beside it); ValueError if the shipped table is not the
        file whose sha256 is pinned, or any file is unreadable."""
        path = Path(path)
        try:
            data = path.read_bytes()
            if verify and path.resolve() == WORDS_FILE.resolve() and hashlib.sha256(data).hexdigest() != WORDS_SHA256:
                raise ValueError(f"{path} is damaged or replaced (sha256 mismatch)")
            zipf: dict[str, float] = {}
            for line in gzip.decompress(data).decode("utf-8").splitlines():
                value, _, words = line.partition("\t")
                number = float(value)
                for word in words.split(" "):
                    zipf.setdefault(word, number)
            marker_path = path.with_name(MARKERS_FILE.name)
            lines = marker_path.read_text(encoding="utf-8").splitlines() if marker_path.is_file() else []
        except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as error:
            raise ValueError(f"{path} is unreadable: {error}") from error
        markers = frozenset(line.split("\t")[0] for line in lines if line and not line.startswith("#"))
        return cls(zipf, markers)

    def zipf(self, word: str) -> float:
        return self._zipf.get(word, 0.0)

    def __contains__(self, word: str) -> bool:
        return word in self._zipf

    def __len__(self) -> int:
        return len(self._zipf)

    def folded(self, fold: Callable[[str], str]) -> EnglishWords:
        """The same table keyed by fold(word): forms that fold together add their frequencies
        ("trial" + "trials" under the stem "trial"). Words with an apostrophe lose it first, as the
        router's tokenizer drops it ("don't" -> "dont")."""
        per_billion: dict[str, float] = {}
        for word, zipf in self._zipf.items():
            key = fold(word.replace("'", ""))
            per_billion[key] = per_billion.get(key, 0.0) + 10.0**zipf
        return EnglishWords({w: round(math.log10(f), 2) for w, f in per_billion.items()}, self.markers)


@lru_cache(maxsize=1)
def default_words() -> EnglishWords:
    return EnglishWords.load()


def english_zipf(word: str) -> float:
    """Zipf frequency of `word` (lower case, as spelled) in English; 0.0 if it is not listed."""
    return default_words().zipf(word)


# ---------------------------------------------------------------- is this message English?

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")  # runs of letters of any script, "don't" whole
COMMON_ZIPF = 3.0  # a word at least this frequent in English (about once per million words) counts
UNKNOWN_WEIGHT = 0.5  # a word that is neither English nor foreign (a typo, a name, a foreign noun) counts half
MAX_FOREIGN_LETTERS = 0.5  # share of letters outside the Latin script that marks a message as not English


def words_of(texts: Iterable[str]) -> frozenset[str]:
    """Lower-case words of `texts` as looks_english() reads them: its `known` argument."""
    return frozenset(w.casefold().replace("\u2019", "'") for text in texts for w in _WORD.findall(text))


def _latin(char: str) -> bool:
    return char.isascii() or "LATIN" in unicodedata.name(char, "")


def looks_english(text: str, known: Collection[str] = (), words: EnglishWords | None = None) -> bool:
    """False only on evidence that `text` is in another language: most of its letters are not Latin
    (Chinese, Cyrillic, Arabic...), or it has foreign words and they outweigh the English ones.
    Foreign: a marker word of French, German, Spanish, Italian, Portuguese or Dutch ("de", "und",
    "est", "los"), or a word with a letter English does not use ("für", "está", "clínico"). English:
    a common English word (Zipf >= COMMON_ZIPF) or one of `known`, the knowledge base's own
    lower-case words (words_of(texts)): "CRO", "eTMF" are not common English, and "ICH", "EU" are
    markers elsewhere. A word that is neither (a typo, a name, a foreign noun) weighs half on the
    foreign side, but only once there is a foreign word at all: a misspelt English question with no
    foreign word ("feasibilty questionaire") is never refused for its spelling.

    Cheap on purpose (a dictionary look-up per word): it tells "answer in English" apart from
    "this is French", not dialects or mixed messages, which pass."""
    table = words or default_words()
    text = visible(strip_slack_markup(text))
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return True  # nothing to judge: "?", "123", an emoji
    if sum(not _latin(c) for c in letters) > MAX_FOREIGN_LETTERS * len(letters):
        return False
    english = foreign = unknown = 0
    for word in _WORD.findall(text):
        word = word.casefold().replace("\u2019", "'")
        if len(word) < 2:
            continue
        if word in known:
            english += 1
        elif word in table.markers or not word.isascii():
            foreign += 1
        elif table.zipf(word) >= COMMON_ZIPF:
            english += 1
        else:
            unknown += 1
    return foreign == 0 or foreign + UNKNOWN_WEIGHT * unknown <= english
