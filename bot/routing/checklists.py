"""`/cro-checklist [topic]`: the topic -> one checklist, by id, alias or a close spelling."""

from __future__ import annotations

from typing import NamedTuple

from rapidfuzz import fuzz, process

from bot.domain import Status
from bot.knowledge.model import Checklist, KnowledgeBase
from bot.routing.text import visible
from bot.routing.vocabulary import Vocabulary

# Words that only say "a checklist, please" and name no topic.
_FILLER = {"checklist", "list", "cro", "for", "about", "on", "the", "a", "please", "show", "me", "delegating"}
_HELP_WORDS = {"", "help", "list", "all", "topics", "?"}


class ChecklistResult(NamedTuple):
    topic: str
    status: Status  # answered, help (no topic: the list) or fallback (unknown topic: the list)
    checklist: Checklist | None = None


class ChecklistMatcher:
    FUZZY_CUTOFF = 82.0

    def __init__(self, kb: KnowledgeBase, vocabulary: Vocabulary) -> None:
        self.kb = kb
        self.vocabulary = vocabulary
        self.names: dict[str, str] = {}  # the words of every id, alias and title -> checklist id
        for checklist in kb.checklists.values():
            for name in (checklist.id, *checklist.aliases, checklist.title):
                self.names.setdefault(self._key(name), checklist.id)
        self.names.pop("", None)

    def _key(self, text: str) -> str:
        words = [w for w in self.vocabulary.content_words(text) if w not in _FILLER]
        return " ".join(sorted(words))

    def match(self, topic: str) -> ChecklistResult:
        topic = topic.strip()
        # Only invisible characters (a bidi mark, a zero-width space, a control character) is no
        # topic either, not an unknown one to be echoed back as an empty “”.
        if visible(topic).strip().lower().strip(" ?!.") in _HELP_WORDS:
            return ChecklistResult(topic, Status.HELP)
        key = self._key(topic)
        found = self.names.get(key)
        if found is None and key:
            # A name all of whose words the topic mentions ("safety reporting for phase 3"): the
            # longest such name wins, so "data management" beats "data".
            words = set(key.split())
            contained = [n for n in self.names if set(n.split()) <= words]
            if contained:
                found = self.names[max(contained, key=len)]
        if found is None and key:
            best = process.extractOne(key, list(self.names), scorer=fuzz.ratio, score_cutoff=self.FUZZY_CUTOFF)
            found = self.names[best[0]] if best else None
        if found is None:
            return ChecklistResult(topic, Status.FALLBACK)
        return ChecklistResult(topic, Status.ANSWERED, self.kb.checklists[found])
