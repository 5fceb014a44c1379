"""Question text -> the curated entry that answers it, a short list to choose from, or an honest "no".

Scoring, in short (the reasons are in ../shared/notes/faq-matching.md):
- both the question and every stored phrasing are read through the Vocabulary, so synonyms,
  abbreviations, spelling variants and typos meet on the same words;
- each word weighs by how rare it is across entries (IDF); a word the knowledge base has never seen
  weighs as much as the rarest known word, so "what is a hybrid car" is half unexplained;
- a phrasing scores the F-measure of weighted overlap: how much of the question it explains and how
  much of it the question mentions; a small rapidfuzz string similarity breaks near-ties;
- an entry scores the geometric mean of its best phrasing and of how much of the question the words
  of all its phrasings explain, so a question that mixes two of its phrasings still scores well;
- a question with no domain anchor (synonyms.yaml `anchors`) is never answered: every word of "what
  are the benefits of remote work" occurs in the knowledge base, yet it says nothing clinical;
- answer only with a high score and a clear margin over the runner-up; otherwise offer choices, or say
  so. WRatio/partial scorers are not used: they give ~90 to any substring and 100 to subsets.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from rapidfuzz import fuzz

from bot.domain import Status
from bot.knowledge.model import Entry, KnowledgeBase
from bot.routing.thresholds import Thresholds
from bot.routing.vocabulary import Vocabulary


class Suggestion(NamedTuple):
    entry_id: str
    title: str
    score: float


class RouteResult(NamedTuple):
    question: str
    status: Status
    entry: Entry | None = None
    score: float = 0.0
    suggestions: tuple[Suggestion, ...] = ()
    words: tuple[str, ...] = ()  # what the router understood


class _Phrasing(NamedTuple):
    entry_id: str
    words: tuple[str, ...]
    word_set: frozenset[str]
    text: str  # the words joined, for the string similarity
    weight: float


class Router:
    """Routes questions to entries of one knowledge base. Build once (it is cached with the knowledge
    snapshot); `route` only reads it, with the thresholds its caller passes."""

    # A word in more phrasings than this is "common": it scores candidates but does not bring them.
    COMMON_POSTINGS = 150
    SHORTLIST = 12

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        texts = [t for e in kb.entries.values() for t in (e.title, *e.questions)]
        self.vocabulary = Vocabulary(kb, texts)
        per_entry: dict[str, list[tuple[str, ...]]] = {}
        for entry in kb.entries.values():
            read = map(self.vocabulary.content_words, (entry.title, *entry.questions))
            per_entry[entry.id] = [tuple(w) for w in read if w]
        self.entry_words = {e: frozenset(w for p in ps for w in p) for e, ps in per_entry.items()}
        document_frequency: dict[str, int] = {}
        for entry_phrasings in per_entry.values():
            for word in {w for p in entry_phrasings for w in p}:
                document_frequency[word] = document_frequency.get(word, 0) + 1
        n = max(len(per_entry), 1)
        self.idf = {w: math.log(1 + n / df) for w, df in document_frequency.items()}
        self.unknown_weight = math.log(1 + n)
        self.phrasings: list[_Phrasing] = []
        self.postings: dict[str, list[int]] = {}
        for entry_id, entry_phrasings in per_entry.items():
            for words in dict.fromkeys(entry_phrasings):
                index = len(self.phrasings)
                weight = sum(self.idf[w] for w in words)
                self.phrasings.append(_Phrasing(entry_id, words, frozenset(words), " ".join(words), weight))
                for w in words:
                    self.postings.setdefault(w, []).append(index)
        for postings in self.postings.values():  # shortest phrasings first: they score best on a match
            postings.sort(key=lambda i: self.phrasings[i].weight)

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

    def score_entries(self, words: list[str]) -> list[tuple[float, str]]:
        """(score 0-100, entry id) for every entry sharing a word with the question, best first."""
        weights = {w: self.idf.get(w, self.unknown_weight) for w in words}
        total = sum(weights.values())
        candidates = self._candidates(words)
        if not candidates or not total:
            return []
        question_text = " ".join(words)
        scored: list[tuple[float, int]] = []
        for index in candidates:
            phrasing = self.phrasings[index]
            shared = sum(weights[w] for w in words if w in phrasing.word_set)
            precision, recall = shared / total, shared / phrasing.weight
            scored.append((2 * precision * recall / (precision + recall), index))
        scored.sort(reverse=True)
        best: dict[str, float] = {}
        for f_measure, index in scored[: self.SHORTLIST * 4]:
            phrasing = self.phrasings[index]
            similarity = fuzz.token_sort_ratio(question_text, phrasing.text) / 100
            score = 0.9 * f_measure + 0.1 * similarity
            if score > best.get(phrasing.entry_id, 0.0):
                best[phrasing.entry_id] = score
        ranked = []
        for entry_id, phrasing_score in best.items():
            vocabulary = self.entry_words[entry_id]
            explained = sum(weights[w] for w in words if w in vocabulary) / total
            ranked.append((100 * math.sqrt(phrasing_score * explained), entry_id))
        return sorted(ranked, reverse=True)

    def coverage(self, words: list[str]) -> float:
        """Share of the question's weight made of words the knowledge base knows."""
        weights = [self.idf.get(w, self.unknown_weight) for w in words]
        known = sum(wt for w, wt in zip(words, weights, strict=True) if w in self.idf)
        return known / sum(weights) if weights else 0.0

    def _related(self, a: str, b: str) -> bool:
        entries = self.kb.entries
        return bool(b) and (b in entries[a].related or a in entries[b].related)

    def route(self, question: str, thresholds: Thresholds = Thresholds()) -> RouteResult:  # noqa: B008 - immutable
        words = self.vocabulary.content_words(question)
        if not words:
            return RouteResult(question, Status.HELP)
        t = thresholds
        anchors = self.vocabulary.anchors
        off_domain = bool(anchors) and anchors.isdisjoint(words)  # nothing clinical in the question
        if off_domain or self.coverage(words) < t.coverage:
            return RouteResult(question, Status.FALLBACK, words=tuple(words))
        ranked = self.score_entries(words)
        if not ranked:
            return RouteResult(question, Status.FALLBACK, words=tuple(words))
        top_score, top_id = ranked[0]
        runner_up, runner_up_id = ranked[1] if len(ranked) > 1 else (0.0, "")
        margin = t.related_margin if self._related(top_id, runner_up_id) else t.margin
        if top_score >= t.answer and top_score - runner_up >= margin:
            entry = self.kb.entries[top_id]
            return RouteResult(question, Status.ANSWERED, entry, round(top_score, 1), words=tuple(words))
        floor = max(t.clarify, top_score - 2 * t.margin)
        close = [
            Suggestion(e, self.kb.entries[e].title, round(s, 1)) for s, e in ranked[: t.max_suggestions] if s >= floor
        ]
        status = Status.CLARIFY if len(close) >= 2 else Status.FALLBACK
        return RouteResult(question, status, score=round(top_score, 1), suggestions=tuple(close), words=tuple(words))
