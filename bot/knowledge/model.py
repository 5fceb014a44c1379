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


class RegionalCitation(NamedTuple):
    """A duty's citation, shown only for the regions listed (none listed: every region)."""

    citation: Citation
    regions: tuple[str, ...] = ()


class Reason(NamedTuple):
    """Own-words text with the citations it rests on (what the sponsor keeps; why a duty is kept)."""

    text: str
    basis: tuple[RegionalCitation, ...]


class ToroObligation(NamedTuple):
    section: str  # the Part 312 section, e.g. "312.56(a)"
    obligation: str  # the line as a transfer of obligations lists it


class Duty(NamedTuple):
    id: str
    title: str
    group: str
    regions: tuple[str, ...]  # where the duty exists (always filled in: the catalogue's regions by default)
    basis: tuple[RegionalCitation, ...]
    practice: bool = False  # no regulatory text the bot draws on names it: the basis is articles
    kept_by: str = ""  # "sponsor" or "investigator": whose it stays, whatever is ticked; "": transferable
    why_kept: Reason | None = None  # why it cannot move (the warning's reason), when kept_by is set
    retained: Reason | None = None  # what the sponsor keeps, when not the catalogue's default
    toro: tuple[ToroObligation, ...] = ()  # the Part 312 obligations it is, for a US IND's transfer list


class Region(NamedTuple):
    id: str
    label: str
    toro: bool = False  # a US IND: transferred Part 312 obligations are itemised (21 CFR 312.52(a))


class DutyGroup(NamedTuple):
    id: str
    title: str


class Preset(NamedTuple):
    id: str
    title: str
    description: str
    assign: tuple[tuple[str, str], ...]  # (duty id, holder id); duties not named keep their default


class DutyCatalogue(NamedTuple):
    """knowledge/duties.yaml: what the responsibility matrix and the TORO list are built from."""

    regions: dict[str, Region]
    holders: dict[str, str]  # holder id -> label
    groups: dict[str, DutyGroup]
    duties: dict[str, Duty]
    presets: dict[str, Preset]
    retained: Reason  # what the sponsor keeps for a duty that does not say otherwise
    openers: dict[str, tuple[str, ...]]  # checklist id -> the regions its matrix button starts with
    file: str = ""


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
    duties: DutyCatalogue | None = None  # duties.yaml: the responsibility matrix (None: no catalogue)
