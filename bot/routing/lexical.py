"""The lexical signal: how well the question's words match each entry's stored phrasings.

- Both the question and every stored phrasing are read through the Vocabulary, so synonyms,
  abbreviations, spelling variants and typos meet on the same words.
- Each word weighs by how rare it is across entries (IDF). A word the knowledge base has never seen
  weighs by how rare it is in English: an everyday word ("purpose", "actually") counts little, a rare
  or unknown one ("grafana", "pembrolizumab") as much as the rarest domain word, since it is what the
  question is about and the knowledge base does not know it.
- A phrasing scores the F-measure of weighted overlap: how much of the question it explains and how
  much of it the question mentions; rapidfuzz's token_sort_ratio breaks near-ties (typos and near-exact
  phrasings). WRatio and partial scorers are not used: they give ~90 to any substring, 100 to subsets.
- An entry scores the geometric mean of its best phrasing and of how much of the question the words
  of all its phrasings explain, so a question that mixes two of its phrasings still scores well.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from rapidfuzz import fuzz

from bot.knowledge.model import KnowledgeBase
from bot.routing.english import EnglishWords
from bot.routing.text import stem
from bot.routing.vocabulary import Vocabulary

# An unseen word of Zipf frequency z (log10 per billion words) weighs (COMMON_ZIPF - z) / ZIPF_SPAN of the
# rarest domain word, between a quarter and all of it: z 6 ("just", "also") and above a quarter,
# z 4.6 ("purpose") and 5.3 ("car") about half, z 3 and below (rare words, the table's end) all of it.
# Not less than a quarter: a common noun can still be what the question is about ("hybrid car").
COMMON_ZIPF = 7.0
ZIPF_SPAN = 4.0
MIN_UNSEEN_SHARE = 0.25


class Phrasing(NamedTuple):
    entry_id: str
    words: tuple[str, ...]
    word_set: frozenset[str]
    text: str  # the words joined, for the string similarity
    weight: float


class LexicalScore(NamedTuple):
    entry_id: str
    score: float  # 0-1
    explained: float  # share of the question's weight this entry's vocabulary explains


class LexicalIndex:
    """Every stored phrasing read into weighted words, with postings for a quick candidate search."""

    # A word in more phrasings than this is "common": it scores candidates but does not bring them.
    COMMON_POSTINGS = 150
    SHORTLIST = 48

    def __init__(self, kb: KnowledgeBase) -> None:
        texts = [t for e in kb.entries.values() for t in (e.title, *e.questions)]
        self.vocabulary = Vocabulary(kb, texts)
        self.anchors = self.vocabulary.anchors
        per_entry: dict[str, list[tuple[str, ...]]] = {}
        self.texts: list[tuple[str, str]] = []  # (entry id, text) of each phrasing, in index order
        for entry in kb.entries.values():
            per_entry[entry.id] = []
            for text in (entry.title, *entry.questions):
                per_entry[entry.id].append(tuple(self.vocabulary.content_words(text)))
        self.entry_words = {e: frozenset(w for p in ps for w in p) for e, ps in per_entry.items()}
        # The words of each answer: a question whose words its answer never uses is often one the
        # answer does not answer, however close it is to a stored phrasing.
        self.answer_words = {
            e.id: frozenset(self.vocabulary.content_words(f"{e.title} {e.answer}")) for e in kb.entries.values()
        }
        document_frequency: dict[str, int] = {}
        for entry_phrasings in per_entry.values():
            for word in {w for p in entry_phrasings for w in p}:
                document_frequency[word] = document_frequency.get(word, 0) + 1
        n = max(len(per_entry), 1)
        self.idf = {w: math.log(1 + n / df) for w, df in document_frequency.items()}
        self.unknown_weight = math.log(1 + n)
        self.english = EnglishWords.load().folded(stem)  # pickled with the snapshot: loaded once
        self.phrasings: list[Phrasing] = []
        self.postings: dict[str, list[int]] = {}
        for entry in kb.entries.values():
            for text, words in zip((entry.title, *entry.questions), per_entry[entry.id], strict=True):
                index = len(self.phrasings)
                weight = sum(self.idf[w] for w in words)
                self.phrasings.append(Phrasing(entry.id, words, frozenset(words), " ".join(words), weight))
                self.texts.append((entry.id, text))
                for w in words:
                    self.postings.setdefault(w, []).append(index)
        for postings in self.postings.values():  # shortest phrasings first: they score best on a match
            postings.sort(key=lambda i: self.phrasings[i].weight)

    def content_words(self, text: str) -> list[str]:
        return self.vocabulary.content_words(text)

    def has_anchor(self, words: list[str]) -> bool:
        """A question with no domain term (synonyms.yaml `anchors`) is never answered: every word of
        "what are the benefits of remote work" occurs in the knowledge base, yet it says nothing clinical."""
        return not self.anchors or not self.anchors.isdisjoint(words)

    def weight(self, word: str) -> float:
        """How much a word of the question counts (see the module docstring)."""
        idf = self.idf.get(word)
        if idf is not None:
            return idf
        zipf = self.english.zipf(word)
        if not zipf:
            return self.unknown_weight
        return self.unknown_weight * min(1.0, max(MIN_UNSEEN_SHARE, (COMMON_ZIPF - zipf) / ZIPF_SPAN))

    def unseen(self, words: list[str]) -> float:
        """Share of the question's words (counted, not weighed) the knowledge base has never used."""
        return sum(w not in self.idf for w in words) / len(words) if words else 0.0

    def coverage(self, words: list[str]) -> float:
        """Share of the question's weight made of words the knowledge base knows."""
        weights = [self.weight(w) for w in words]
        known = sum(wt for w, wt in zip(words, weights, strict=True) if w in self.idf)
        return known / sum(weights) if weights else 0.0

    def exact(self, words: list[str], exclude: int | None = None) -> set[str]:
        """The entries with a stored phrasing made of exactly the question's words (in any order)."""
        wanted = frozenset(words)
        postings = self.postings.get(words[0], []) if words else []
        return {self.phrasings[i].entry_id for i in postings if i != exclude and self.phrasings[i].word_set == wanted}

    def entries_using(self, word: str) -> int:
        """In how many entries' phrasings `word` occurs."""
        return len({self.phrasings[i].entry_id for i in self.postings.get(word, ())})

    def _candidates(self, words: list[str]) -> set[int]:
        """Phrasings worth scoring: all that share a rare word with the question. A common word
        ("cro", "sponsor") adds no candidates of its own unless the question has no rare word, and
        then only its shortest phrasings, so the work per question stays flat as the base grows."""
        candidates: set[int] = set()
        common = []
        for word in words:
            postings = self.postings.get(word)
            if not postings:
                continue
            if len(postings) <= self.COMMON_POSTINGS:
                candidates.update(postings)
            else:
                common.append(word)
        if not candidates and common:
            rarest = min(common, key=lambda w: len(self.postings[w]))
            candidates.update(self.postings[rarest][: self.COMMON_POSTINGS])
        return candidates

    def score_entries(self, words: list[str], exclude: int | None = None) -> list[LexicalScore]:
        """Every entry sharing a word with the question, best first. `exclude` leaves one phrasing out
        (the calibration routes each stored phrasing as if it were a new question)."""
        weights = {w: self.weight(w) for w in words}
        total = sum(weights.values())
        candidates = self._candidates(words)
        if exclude is not None:
            candidates.discard(exclude)
        if not candidates or not total:
            return []
        question_text = " ".join(words)
        scored: list[tuple[float, int]] = []
        for index in candidates:
            phrasing = self.phrasings[index]
            if not phrasing.weight:
                continue
            shared = sum(weights[w] for w in words if w in phrasing.word_set)
            if shared:
                precision, recall = shared / total, shared / phrasing.weight
                scored.append((2 * precision * recall / (precision + recall), index))
        scored.sort(reverse=True)
        best: dict[str, float] = {}
        for f_measure, index in scored[: self.SHORTLIST]:
            phrasing = self.phrasings[index]
            similarity = fuzz.token_sort_ratio(question_text, phrasing.text) / 100
            score = 0.9 * f_measure + 0.1 * similarity
            if score > best.get(phrasing.entry_id, 0.0):
                best[phrasing.entry_id] = score
        ranked = []
        for entry_id, phrasing_score in best.items():
            vocabulary = self.entry_words[entry_id]
            if exclude is not None and self.phrasings[exclude].entry_id == entry_id:
                vocabulary = self._vocabulary_without(entry_id, exclude)
            explained = sum(weights[w] for w in words if w in vocabulary) / total
            ranked.append(LexicalScore(entry_id, math.sqrt(phrasing_score * explained), explained))
        ranked.sort(key=lambda s: s.score, reverse=True)
        return ranked

    def _vocabulary_without(self, entry_id: str, exclude: int) -> frozenset[str]:
        return frozenset(
            w for i, p in enumerate(self.phrasings) if p.entry_id == entry_id and i != exclude for w in p.words
        )
