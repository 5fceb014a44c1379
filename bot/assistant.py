"""The knowledge base, its router and the renderer, built once and shared by the CLI and Slack."""

from __future__ import annotations

from pathlib import Path

from bot.knowledge import KnowledgeBase, load_knowledge
from bot.render import Reply, render_checklist, render_route
from bot.routing import ChecklistMatcher, ChecklistResult, Router, RouteResult, Thresholds
from bot.settings import Settings


class Assistant:
    """Question -> (routing result, reply); checklist topic -> (match, reply)."""

    def __init__(self, kb: KnowledgeBase, thresholds: Thresholds | None = None, escalation_contact: str = ""):
        self.kb = kb
        self.router = Router(kb, thresholds)
        self.checklists = ChecklistMatcher(kb, self.router.vocabulary)
        self.escalation_contact = escalation_contact

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        """Load and validate the knowledge folder; raises KnowledgeError listing every problem."""
        thresholds = Thresholds(
            answer=settings.answer_score, clarify=settings.clarify_score, margin=settings.answer_margin
        )
        return cls(load_knowledge(Path(settings.knowledge_dir)), thresholds, settings.escalation_contact)

    def ask(self, question: str) -> tuple[RouteResult, Reply]:
        result = self.router.route(question)
        return result, render_route(result, self.kb, self.escalation_contact)

    def checklist(self, topic: str) -> tuple[ChecklistResult, Reply]:
        result = self.checklists.match(topic)
        return result, render_checklist(result, self.kb)
