"""The knowledge base, its router and the renderer, built once and shared by the CLI and Slack."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge.model import KnowledgeBase
from bot.render import Reply, render_checklist, render_route
from bot.routing import ANSWERED, ChecklistMatcher, ChecklistResult, Router, RouteResult, Thresholds
from bot.settings import Settings
from bot.snapshot import cached, default_cache_dir


class Assistant:
    """Question -> (routing result, reply); checklist topic -> (match, reply)."""

    def __init__(
        self,
        kb: KnowledgeBase,
        thresholds: Thresholds | None = None,
        escalation_contact: str = "",
        router: Router | None = None,
    ) -> None:
        self.kb = kb
        self.router = router or Router(kb)
        self.router.thresholds = thresholds or Thresholds()
        self.checklists = ChecklistMatcher(kb, self.router.vocabulary)
        self.escalation_contact = escalation_contact

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        """Load and validate the knowledge folder (or its current cache); raises KnowledgeError."""
        folder = Path(settings.knowledge_dir)

        def build() -> Router:
            from bot.knowledge.loader import load_knowledge  # YAML is only parsed on a cache miss

            return Router(load_knowledge(folder))

        cache_dir = default_cache_dir() if settings.knowledge_cache else None
        router = cached(folder, build, cache_dir)
        thresholds = Thresholds(
            answer=settings.answer_score,
            clarify=settings.clarify_score,
            margin=settings.answer_margin,
            related_margin=settings.related_margin,
        )
        return cls(router.kb, thresholds, settings.escalation_contact, router)

    def ask(self, question: str) -> tuple[RouteResult, Reply]:
        result = self.router.route(question)
        return result, self.render(result)

    def render(self, result: RouteResult, question_id: int | None = None) -> Reply:
        """The reply to post; `question_id` is the stored record its feedback buttons refer to."""
        return render_route(result, self.kb, self.escalation_contact, question_id)

    def choose(self, entry_id: str) -> RouteResult | None:
        """The result of picking an entry by its button (related, did-you-mean); None if it is gone."""
        entry = self.kb.entries.get(entry_id)
        return RouteResult(entry.title, ANSWERED, entry, 100.0) if entry else None

    def checklist(self, topic: str, shareable: bool = True) -> tuple[ChecklistResult, Reply]:
        result = self.checklists.match(topic)
        return result, render_checklist(result, self.kb, shareable)
