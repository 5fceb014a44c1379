"""What the knowledge base holds once loaded: plain, immutable records.

NamedTuples rather than dataclasses: `dataclasses` imports `inspect` and builds each class with
exec, which costs more than the rest of `cro-bot ask`'s start-up together.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from bot.knowledge.messages import Messages


class Source(NamedTuple):
    id: str
    label: str  # short name used in citation lines, e.g. "ICH E6(R2)"
    title: str
    publisher: str
    date: str
    url: str


class Citation(NamedTuple):
    source_id: str
    section: str


class Entry(NamedTuple):
    id: str
    title: str
    questions: tuple[str, ...]
    answer: str
    sources: tuple[Citation, ...]
    related: tuple[str, ...] = ()
    file: str = ""
    reviewed: str = ""  # YYYY-MM-DD: when a curator last checked the answer against its sources
    topic: str = ""  # a short id shared by entries on one subject (toro, safety, ...): follow-ups stay on it
    regions: tuple[str, ...] = ()  # where a regulatory answer applies: ich, us, eu, uk


class ChecklistItem(NamedTuple):
    text: str
    basis: tuple[Citation, ...]


class Checklist(NamedTuple):
    id: str
    title: str
    aliases: tuple[str, ...]
    intro: str
    items: tuple[ChecklistItem, ...]
    closing: ChecklistItem
    file: str = ""


class SynonymGroup(NamedTuple):
    """Words and phrases people type (`variants`) that the router reads as `canonical`."""

    canonical: str
    variants: tuple[str, ...]


class KnowledgeBase(NamedTuple):
    root: Path | None
    sources: dict[str, Source] = {}
    entries: dict[str, Entry] = {}
    checklists: dict[str, Checklist] = {}
    synonyms: tuple[SynonymGroup, ...] = ()
    stopwords: frozenset[str] = frozenset()
    greetings: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()  # domain terms; a question needs one to be answered
    messages: Messages | None = None  # the bot's own wording (messages.yaml)
    revision: str = ""  # a hash of the knowledge files: which version of the knowledge gave an answer
