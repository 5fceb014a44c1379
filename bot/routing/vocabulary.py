"""The router's vocabulary: synonyms, greetings, stopwords and typo correction, all from knowledge data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.knowledge.model import KnowledgeBase
from bot.routing.text import tokenize


def _typo_budget(token: str) -> int:
    """How many edits a typed word may be from a known one (none below four letters)."""
    if len(token) >= 8:
        return 2
    return 1 if len(token) >= 4 else 0


class Vocabulary:
    """Reads tokens the way the knowledge base is written: corrected, canonical, without fillers."""

    def __init__(self, kb: KnowledgeBase, extra_words: Iterable[str] = ()) -> None:
        self.stopwords = frozenset(t for w in kb.stopwords for t in tokenize(w))
        self.anchors = frozenset(t for w in kb.anchors for t in tokenize(w))
        self.phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for group in kb.synonyms:
            canonical = tuple(tokenize(group.canonical))
            if self.stopwords.issuperset(canonical):  # a filler group ("stands for" -> explain) removes words
                canonical = ()
            for variant in group.variants:
                self.phrases.setdefault(tuple(tokenize(variant)), canonical)
        for greeting in kb.greetings:
            self.phrases.setdefault(tuple(tokenize(greeting)), ())
        self.longest_phrase = max((len(p) for p in self.phrases), default=1)
        known = set(self.stopwords)
        for phrase, canonical in self.phrases.items():
            known.update(phrase)
            known.update(canonical)
        for text in extra_words:
            known.update(tokenize(text))
        self.known = frozenset(known)
        # Candidate corrections grouped by first letter and length: typos rarely change the first
        # letter, and grouping keeps each look-up to a few dozen words.
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self.known):
            if len(word) >= 4 and word.isalpha():
                self._by_initial[word[0]].append(word)

    def correct(self, token: str) -> str:
        """The known word `token` was most likely meant to be, or `token` itself.

        Words of four or five letters are only corrected to fillers ("waht" -> "what"): at that
        length one edit turns everyday words into domain words ("lunch" -> "launch", "fire" ->
        "file"), which would answer questions nobody asked. Longer words may also become domain
        words ("clincal" -> "clinical", "sponser" -> "sponsor").
        """
        budget = _typo_budget(token)
        if token in self.known or not budget or not token.isalpha():
            return token
        candidates = self._by_initial.get(token[0], ())
        if len(token) <= 5:
            candidates = [w for w in candidates if w in self.stopwords and len(w) == len(token)]
        best = process.extractOne(token, candidates, scorer=OSA.distance, score_cutoff=budget)
        return best[0] if best else token

    def canonical(self, tokens: list[str]) -> list[str]:
        """Replace synonym phrases (longest first) with their canonical words, drop greetings, and
        drop stopwords among the words left as typed (a canonical word is never a filler)."""
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self.longest_phrase, len(tokens) - i), 0, -1):
                replacement = self.phrases.get(tuple(tokens[i : i + size]))
                if replacement is not None:
                    out.extend(replacement)
                    i += size
                    break
            else:
                if tokens[i] not in self.stopwords:
                    out.append(tokens[i])
                i += 1
        return out

    def content_words(self, text: str) -> list[str]:
        """The words of `text` that carry its topic, in order, each once."""
        return list(dict.fromkeys(self.canonical([self.correct(t) for t in tokenize(text)])))
