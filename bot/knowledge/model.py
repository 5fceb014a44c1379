"""What the knowledge base holds once loaded: plain, immutable records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Source:
    id: str
    label: str  # short name used in citation lines, e.g. "ICH E6(R2)"
    title: str
    publisher: str
    date: str
    url: str


@dataclass(frozen=True)
class Citation:
    source_id: str
    section: str


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    questions: tuple[str, ...]
    answer: str
    sources: tuple[Citation, ...]
    related: tuple[str, ...] = ()
    file: str = ""


@dataclass(frozen=True)
class ChecklistItem:
    text: str
    basis: tuple[Citation, ...]


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    aliases: tuple[str, ...]
    intro: str
    items: tuple[ChecklistItem, ...]
    closing: ChecklistItem
    file: str = ""


@dataclass(frozen=True)
class SynonymGroup:
    """Words and phrases people type (`variants`) that the router reads as `canonical`."""

    canonical: str
    variants: tuple[str, ...]


@dataclass
class KnowledgeBase:
    root: Path
    sources: dict[str, Source] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    checklists: dict[str, Checklist] = field(default_factory=dict)
    synonyms: tuple[SynonymGroup, ...] = ()
    stopwords: frozenset[str] = frozenset()
    greetings: tuple[str, ...] = ()
