"""Write bot/data/english-words.txt.gz (the most common English words with their Zipf frequency) and
bot/data/not-english.txt (words that mark a message as French, German, Spanish, Italian,
Portuguese or Dutch), from the `wordfreq` package's data (CC-BY-SA 4.0; attribution in
bot/data/ENGLISH-WORDS.md). Run once, at development time; the bot reads the files and never
imports wordfreq.

    .venv/bin/pip install wordfreq==3.1.1 && .venv/bin/python scripts/build_english_words.py

Kept: the first WORDS entries of wordfreq's English list (frequency order) made of ASCII letters
(an apostrophe allowed inside, as in "don't"), which is how the router's tokens are spelled.
Markers: among the 100 most frequent words of each of those six languages, the ones common enough
in English text to pass as English (English Zipf >= 3: "de", "la", "die", "und", "est") yet at least
2.0 (a hundred times) more frequent in their own language. looks_english() counts them against a
message, so "qui est responsable de la..." is not read as English for its "de" and "la".

Format: one line per Zipf value, most frequent first: "<zipf>\t<word> <word> ..." (wordfreq's values
come in steps of 0.01, so a value's words share one line and the file stays small).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import re
from itertools import groupby
from pathlib import Path

WORDS = 50_000
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bot" / "data" / "english-words.txt.gz"
MARKERS_OUT = ROOT / "bot" / "data" / "not-english.txt"
MARKER_LANGUAGES = ("fr", "de", "es", "it", "pt", "nl")
MARKER_TOP, MARKER_GAP, COMMON_ZIPF = 100, 2.0, 3.0
ASCII_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def main() -> None:
    import wordfreq

    kept: list[tuple[str, float]] = []
    for word in wordfreq.iter_wordlist("en", "large"):
        if ASCII_WORD.fullmatch(word):
            kept.append((word, wordfreq.zipf_frequency(word, "en", "large")))
            if len(kept) == WORDS:
                break
    lines = [f"{zipf:.2f}\t{' '.join(w for w, _ in group)}\n" for zipf, group in groupby(kept, key=lambda x: x[1])]
    # mtime=0 and no file name: the same words always give the same bytes
    data = gzip.compress("".join(lines).encode("utf-8"), compresslevel=9, mtime=0)
    OUT.write_bytes(data)
    markers: dict[str, list[str]] = {}
    for language in MARKER_LANGUAGES:
        for word in wordfreq.top_n_list(language, MARKER_TOP):
            english = wordfreq.zipf_frequency(word, "en")
            own = wordfreq.zipf_frequency(word, language)
            if len(word) >= 2 and word.isalpha() and english >= COMMON_ZIPF and own - english >= MARKER_GAP:
                markers.setdefault(word, []).append(language)
    header = (
        "# Words that mark a message as not English: frequent in French, German, Spanish, Italian,\n"
        "# Portuguese or Dutch and far rarer in English. Made by scripts/build_english_words.py from\n"
        "# wordfreq's data (CC-BY-SA 4.0, see ENGLISH-WORDS.md). One word a line, then its languages.\n"
    )
    MARKERS_OUT.write_text(
        header + "".join(f"{w}\t{','.join(langs)}\n" for w, langs in sorted(markers.items())), encoding="utf-8"
    )
    print(f"wrote {MARKERS_OUT}: {len(markers)} words")
    print(
        f"wrote {OUT} ({len(data) / 1024:.0f} KiB): {len(kept)} words, Zipf {kept[0][1]} to {kept[-1][1]},"
        f" wordfreq {importlib.metadata.version('wordfreq')}\n"
        f'ENGLISH_WORDS_SHA256 = "{hashlib.sha256(data).hexdigest()}"'
    )


if __name__ == "__main__":
    main()
