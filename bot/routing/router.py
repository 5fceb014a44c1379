"""Question text -> the curated entry that answers it, a short list to choose from, or an honest "no".

Two signals and one decision:
- lexical (bot/routing/lexical.py): the question's words against every stored phrasing, with
  synonyms, spelling variants, typos (rapidfuzz) and IDF weights;
- semantic (bot/routing/semantic_index.py): the question's meaning against every stored phrasing,
  from a small static sentence-embedding model, so paraphrases that share no words still meet;
- a calibrated logistic model (bot/routing/confidence.py) turns the evidence for each candidate into
  one confidence, the probability that answering with it is right. The bot answers above one
  threshold, offers "did you mean" above another, and otherwise says it does not know.

Messages are read as people write them (bot/routing/reading.py): the whole message and each question
in it are scored, and the reading that the model is surest of wins; a second question with a
confident answer of its own is offered as a button. A question with no domain term is never answered
(synonyms.yaml `anchors`), and one not in English gets a reply saying the bot answers in English.
If the semantic model cannot load, the router runs on the lexical signal alone, with its own model
and more cautious thresholds.
"""

from __future__ import annotations

import heapq
from typing import NamedTuple

from bot.domain import Status
from bot.knowledge.model import Entry, KnowledgeBase
from bot.routing.confidence import Calibration, Model, load_calibration
from bot.routing.english import looks_english, words_of
from bot.routing.lexical import LexicalIndex
from bot.routing.reading import Reading, read
from bot.routing.semantic import Encoder
from bot.routing.semantic_index import SemanticIndex
from bot.routing.thresholds import Thresholds

DEFAULT_THRESHOLDS = Thresholds()
TOP_K = 8  # candidates taken from each ranking
EXACT = 0.99  # confidence in an entry one of whose stored phrasings the question repeats (words, any order)
# A question that is one word the knowledge uses in many entries ("vendor", "sites") names a topic, not
# a question: it is offered as choices, never answered with one of them.
BROAD_WORD_ENTRIES = 6
BROAD_CAP = 0.5  # below any answer threshold, above any clarify threshold
NOT_ENGLISH = "not_english"


class Suggestion(NamedTuple):
    entry_id: str
    title: str
    score: float


class Candidate(NamedTuple):
    entry_id: str
    confidence: float  # 0-1
    features: dict[str, float]


class RouteResult(NamedTuple):
    question: str
    status: Status
    entry: Entry | None = None
    score: float = 0.0  # confidence in the answer (or the best candidate), 0-100
    suggestions: tuple[Suggestion, ...] = ()  # did-you-mean choices, or the closest topic
    words: tuple[str, ...] = ()  # what the router understood
    also: tuple[Suggestion, ...] = ()  # other questions in the same message, answered confidently
    reason: str = ""  # why it did not answer, when that changes the reply ("not_english")


class _Leaders(NamedTuple):
    """The two best entries of one ranking, so each candidate's margin costs nothing."""

    first: str
    best: float
    second: float

    @classmethod
    def of(cls, scores: dict[str, float]) -> _Leaders:
        top = heapq.nlargest(2, scores.items(), key=lambda kv: kv[1])
        return cls(top[0][0] if top else "", top[0][1] if top else 0.0, top[1][1] if len(top) > 1 else 0.0)

    def margin(self, entry_id: str, scores: dict[str, float]) -> float:
        """The entry's score minus the best other entry's: its lead when it leads (0 on a tie), how far
        behind it is otherwise. 0 when there is nothing to compare."""
        if not scores:
            return 0.0
        return scores.get(entry_id, 0.0) - (self.second if entry_id == self.first else self.best)


class Router:
    """Routes questions to entries of one knowledge base. Build once (it is cached with the knowledge
    snapshot, without the encoder, which `attach_encoder` adds); `route` only reads it, with the
    thresholds its caller passes."""

    def __init__(self, kb: KnowledgeBase, encoder: Encoder | None = None, calibration: Calibration | None = None):
        self.kb = kb
        self.lexical = LexicalIndex(kb)
        self.vocabulary = self.lexical.vocabulary
        self.semantic = SemanticIndex(self.lexical.texts, encoder) if encoder is not None else None
        self.calibration = calibration or load_calibration()
        # Words the knowledge itself uses count as English even where another language has them too
        # ("ICH", "EU", "AI").
        self.known_words = words_of(text for _, text in self.lexical.texts)

    def attach_encoder(self, encoder: Encoder | None) -> None:
        """Turn the semantic signal on with `encoder`, or off with None (the model could not load)."""
        if encoder is None:
            if self.semantic is not None:
                self.semantic.encoder = None
            return
        if self.semantic is None:
            self.semantic = SemanticIndex(self.lexical.texts, encoder)
        else:
            self.semantic.attach(encoder, self.lexical.texts)

    @property
    def semantic_on(self) -> bool:
        return self.semantic is not None and self.semantic.encoder is not None

    @property
    def model(self) -> Model:
        return self.calibration.hybrid if self.semantic_on else self.calibration.lexical

    # -- evidence ----------------------------------------------------------------------------------

    def candidates(self, text: str, exclude: int | None = None, *, part: bool = False) -> list[Candidate]:
        """The entries worth considering for `text`, most confident first; none if `text` has no
        domain term. `exclude` leaves one stored phrasing out (for calibration). `part`: `text` is one
        sentence of a longer message, so repeating a stored phrasing proves nothing ("is that even a
        thing under GCP?" is not "GCP?")."""
        words = self.lexical.content_words(text)
        if not words or not self.lexical.has_anchor(words):
            return []
        lexical = self.lexical.score_entries(words, exclude)
        semantic = (
            self.semantic.scores(text, exclude, also=[s.entry_id for s in lexical[:TOP_K]])  # type: ignore[union-attr]
            if self.semantic_on
            else {}
        )
        weights = {w: self.lexical.weight(w) for w in words}
        total = sum(weights.values()) or 1.0
        coverage = self.lexical.coverage(words)
        unseen = self.lexical.unseen(words)
        by_lexical = {s.entry_id: s.score for s in lexical}
        ranked_semantic = sorted(semantic, key=semantic.__getitem__, reverse=True)
        pool = dict.fromkeys([s.entry_id for s in lexical[:TOP_K]] + ranked_semantic[:TOP_K])
        model = self.model
        lexical_leaders, semantic_leaders = _Leaders.of(by_lexical), _Leaders.of(semantic)
        exact = set() if part else self.lexical.exact(words, exclude)
        broad = len(words) == 1 and self.lexical.entries_using(words[0]) >= BROAD_WORD_ENTRIES
        out = []
        for entry_id in pool:
            vocabulary = self.lexical.entry_words[entry_id]
            lexical_margin = lexical_leaders.margin(entry_id, by_lexical)
            semantic_margin = semantic_leaders.margin(entry_id, semantic)
            values = {
                "lexical": by_lexical.get(entry_id, 0.0),
                "semantic": semantic.get(entry_id, 0.0),
                "lexical_first": float(lexical_margin >= 0 and entry_id in by_lexical),
                "semantic_first": float(semantic_margin >= 0 and entry_id in semantic),
                "lexical_margin": lexical_margin,
                "semantic_margin": semantic_margin,
                "explained": sum(weights[w] for w in words if w in vocabulary) / total,
                "answered": sum(weights[w] for w in words if w in self.lexical.answer_words[entry_id]) / total,
                "coverage": coverage,
                "unseen": unseen,
            }
            confidence = model.probability(values)
            if exact == {entry_id}:
                confidence = max(confidence, EXACT)
            elif broad:
                confidence = min(confidence, BROAD_CAP)
            out.append(Candidate(entry_id, confidence, values))
        out.sort(key=lambda c: c.confidence, reverse=True)
        return out

    def assess(self, question: str, reading: Reading | None = None) -> tuple[list[Candidate], list[list[Candidate]]]:
        """The candidates of the reading the model is surest of (the whole message, a question in it,
        or a question with the sentence before it), and each question's own candidates."""
        reading = reading or read(question)
        best = self.candidates(reading.whole)
        per_question = []
        for sentence, context in zip(reading.questions, reading.contexts, strict=True):
            alone = self.candidates(sentence, part=True)
            per_question.append(alone)
            for found in (alone, self.candidates(f"{context} {sentence}", part=True) if context else []):
                if found and (not best or found[0].confidence > best[0].confidence):
                    best = found
        return best, per_question

    # -- the decision ------------------------------------------------------------------------------

    def route(self, question: str, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> RouteResult:
        reading = read(question)
        words = tuple(self.lexical.content_words(reading.whole))
        if not words:
            return RouteResult(question, Status.HELP)
        if not looks_english(question, known=self.known_words):
            return RouteResult(question, Status.FALLBACK, words=words, reason=NOT_ENGLISH)
        answer_at, clarify_at = thresholds.pair(self.semantic_on)
        best, per_question = self.assess(question, reading)
        if not best:
            return RouteResult(question, Status.FALLBACK, words=words)
        top = best[0]
        score = round(100 * top.confidence, 1)
        if top.confidence >= answer_at:
            also = self._also_asked(per_question, top.entry_id, answer_at)
            return RouteResult(question, Status.ANSWERED, self.kb.entries[top.entry_id], score, words=words, also=also)
        close = [self._suggestion(c) for c in best[: thresholds.max_suggestions] if c.confidence >= clarify_at]
        if len(close) >= 2:
            return RouteResult(question, Status.CLARIFY, score=score, suggestions=tuple(close), words=words)
        if top.confidence >= thresholds.lone_suggestion(self.semantic_on):
            # Not sure enough to answer, but this entry is usually it (calibrated): ask rather than
            # say "no curated answer" when there is one.
            return RouteResult(question, Status.CLARIFY, score=score, suggestions=(self._suggestion(top),), words=words)
        closest = (self._suggestion(top),) if top.confidence >= clarify_at / 2 else ()
        return RouteResult(question, Status.FALLBACK, score=score, suggestions=closest, words=words)

    def _suggestion(self, candidate: Candidate) -> Suggestion:
        return Suggestion(
            candidate.entry_id, self.kb.entries[candidate.entry_id].title, round(100 * candidate.confidence, 1)
        )

    def _also_asked(
        self, per_question: list[list[Candidate]], answered: str, answer_at: float
    ) -> tuple[Suggestion, ...]:
        """The other questions of a message that asks several, each with a confident answer of its own."""
        if len(per_question) < 2:
            return ()
        seen = {answered}
        also = []
        for found in per_question:
            if found and found[0].confidence >= answer_at and found[0].entry_id not in seen:
                seen.add(found[0].entry_id)
                also.append(self._suggestion(found[0]))
        return tuple(also[:2])
