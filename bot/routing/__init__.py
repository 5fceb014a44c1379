"""Routing: question text -> curated entry (or clarify / fallback / help); topic -> checklist."""

from bot.routing.checklists import ChecklistMatcher, ChecklistResult
from bot.routing.router import ANSWERED, CLARIFY, FALLBACK, HELP, Router, RouteResult, Suggestion, Thresholds

__all__ = [
    "ANSWERED",
    "CLARIFY",
    "FALLBACK",
    "HELP",
    "ChecklistMatcher",
    "ChecklistResult",
    "RouteResult",
    "Router",
    "Suggestion",
    "Thresholds",
]
