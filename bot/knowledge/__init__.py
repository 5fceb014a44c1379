"""The knowledge base: curated answers, checklists, sources and synonyms, loaded from YAML."""

from bot.knowledge.loader import KnowledgeError, Problem, load_knowledge
from bot.knowledge.model import Checklist, ChecklistItem, Citation, Entry, KnowledgeBase, Source

__all__ = [
    "Checklist",
    "ChecklistItem",
    "Citation",
    "Entry",
    "KnowledgeBase",
    "KnowledgeError",
    "Problem",
    "Source",
    "load_knowledge",
]
