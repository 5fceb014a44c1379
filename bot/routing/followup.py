"""A follow-up in a thread the bot has answered ("and in the EU?", "who signs it?", "what about
devices?"), read with that thread's last answer as its context. Pure: only `Router.route` and the
knowledge, no scoring of its own, so it keeps working whatever the router's scoring becomes.

How a follow-up is read:
- a question that stands on its own (answered alone; no "and ..."/"what about ..." opening, no
  short "who signs it?", no region named) is answered alone, whether it stays on the topic or not;
- one answered alone that leans on the thread keeps that answer, marked as on the thread's topic,
  when the entry is in the previous answer's family (its related entries, those sharing its topic,
  those listing it as related) and applies to any region named. One with a subject of its own
  ("what about monitoring visits?", or answered alone even without its region words) changed topic;
- the rest is read on the thread's topic (`_in_context`): the family entry the question's own words
  choose when read beside the topic's name or the previous title, else one of the router's own
  did-you-mean (or, for a follow-up, closest-topic) choices that is in the family, the nearest in the
  family first; for a region question ("and in the EU?") the nearest family entry stating that
  region's position; for a question with no subject of its own ("who writes it?"), the previous
  answer again. An entry without regions never answers a question about a region.
If nothing fits, the follow-up gets what it gets on its own, often an honest "I don't know".
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.domain import Status
from bot.knowledge.model import Entry, KnowledgeBase
from bot.routing.router import Router, RouteResult
from bot.routing.text import strip_slack_markup
from bot.routing.thresholds import Thresholds

# Where a question asks about. "US" only in capitals: "tell us" is no region.
_REGION_PATTERNS = {
    "eu": re.compile(r"\b(eu|e\.u\.|eea|europe|european|ema|ctr)\b", re.IGNORECASE),
    "uk": re.compile(r"\b(uk|u\.k\.|united kingdom|britain|british|england|scotland|wales|mhra)\b", re.IGNORECASE),
    "us": re.compile(r"\b(US|U\.S\.|USA|U\.S\.A\.)(?![\w.])|\b(united states|america|american|fda)\b", re.IGNORECASE),
    "ich": re.compile(r"\bich\b", re.IGNORECASE),
}
# A question that leans on what came before: opens with a connective, or points back with a pronoun.
_OPENS_ON_BEFORE = re.compile(
    r"^\s*(and|but|also|so|or|then|same|what about|how about|what if|and what about)\b", re.IGNORECASE
)
_POINTS_BACK = re.compile(r"\b(it|its|it's|they|them|their|this|that|these|those|one|he|she)\b", re.IGNORECASE)
_SHORT_WORDS = 6


class FollowUp(NamedTuple):
    result: RouteResult
    context: Entry | None = None  # the previous answer whose topic the follow-up was read with


def regions_named(question: str) -> frozenset[str]:
    """The regions (ich, us, eu, uk) a question names: "and in Europe?" -> {"eu"}."""
    text = strip_slack_markup(question)
    found = set()
    for region, pattern in _REGION_PATTERNS.items():
        for match in pattern.finditer(text):
            if region == "us" and match.group(1) and not match.group(1).isupper():
                continue  # "us", "Us": the pronoun
            found.add(region)
            break
    return frozenset(found)


def without_regions(question: str) -> str:
    text = strip_slack_markup(question)
    for region, pattern in _REGION_PATTERNS.items():
        if region == "us":
            text = pattern.sub(lambda m: m.group(0) if m.group(1) and not m.group(1).isupper() else " ", text)
        else:
            text = pattern.sub(" ", text)
    return text


def opens_on_before(question: str) -> bool:
    """Does the question open on what came before ("and in the EU?", "what about devices?")?"""
    return bool(_OPENS_ON_BEFORE.match(strip_slack_markup(question)))


def points_back(question: str) -> bool:
    """Is the question a short one pointing back at the answer before ("who signs it?")? A long
    question with "it" in it ("what is a CRO and what does it do?") says what it is about itself."""
    text = strip_slack_markup(question)
    return len(text.split()) <= _SHORT_WORDS and bool(_POINTS_BACK.search(text))


def family(previous: Entry, kb: KnowledgeBase) -> dict[str, int]:
    """The entries a follow-up may stay on, each with its closeness (0 nearest): the previous answer's
    related entries, those sharing its topic, those that list it as related."""
    ranked: dict[str, int] = {}
    for entry_id in previous.related:
        ranked.setdefault(entry_id, 0)
    for entry in kb.entries.values():
        if previous.topic and entry.topic == previous.topic:
            ranked.setdefault(entry.id, 1)
        if previous.id in entry.related:
            ranked.setdefault(entry.id, 2)
    ranked.pop(previous.id, None)
    return {e: rank for e, rank in ranked.items() if e in kb.entries}


def applies(entry: Entry, regions: frozenset[str]) -> bool:
    """An answer fits a question about `regions` only if it states the position there."""
    return not regions or bool(regions & set(entry.regions))


def _topic_name(previous: Entry, kb: KnowledgeBase) -> str:
    if kb.messages is not None and previous.topic:
        return kb.messages.topic_name(previous.topic)
    return previous.title


def route_follow_up(
    router: Router,
    question: str,
    previous: Entry | None,
    thresholds: Thresholds = Thresholds(),  # noqa: B008 - immutable
) -> FollowUp:
    """Route `question`, asked in a thread whose last answer was `previous` (None: a new thread)."""
    alone = router.route(question, thresholds)
    if previous is None:
        return FollowUp(alone)
    kb = router.kb
    asked = regions_named(question)
    opens, points = opens_on_before(question), points_back(question)
    if alone.status == Status.ANSWERED and alone.entry is not None:
        if alone.entry.id == previous.id or not (opens or points or asked):
            return FollowUp(alone)  # asked again, or a question that stands on its own
        if alone.entry.id in family(previous, kb) and applies(alone.entry, asked):
            return FollowUp(alone, previous)  # "what about devices?" after TORO: answered, on its topic
        if asked:
            own_subject = router.route(without_regions(question), thresholds).status == Status.ANSWERED
        else:
            own_subject = not points
        if own_subject:
            return FollowUp(alone)  # "what about monitoring visits?": a subject of its own, a new topic
    elif alone.status == Status.HELP and not (opens or points or asked):
        return FollowUp(alone)  # "thanks", "help": not a question about the topic
    # Only a question with no subject of its own ("who signs it?", "why?") may get the previous answer
    # again; "what about monitoring visits?" that the router cannot settle keeps its own "did you mean".
    again = points or (alone.status == Status.HELP)
    chosen = _in_context(
        router, question, previous, asked, thresholds, leans=opens or points or bool(asked), again=again
    )
    if chosen is None:
        return FollowUp(alone)
    entry, score = chosen
    return FollowUp(RouteResult(question, Status.ANSWERED, entry, score, words=alone.words), previous)


def _in_context(
    router: Router,
    question: str,
    previous: Entry,
    asked: frozenset[str],
    thresholds: Thresholds,
    *,
    leans: bool,
    again: bool,
) -> tuple[Entry, float] | None:
    """The entry that answers `question` on the previous answer's topic, among those that apply to
    the regions asked about, or None. In order of trust:
    - the question read with the topic's name, or with the previous title, beside it is answered with
      a family entry, and one that the name or title alone would not give (so the question's own words
      chose it: "who signs it? TORO" is the signatures entry, "what about the weather? TORO" nothing);
    - the question alone gets a did-you-mean among which family entries are, or (when it leans on the
      thread: "what about devices?") a closest topic that is a family entry;
    within each, for a question about a region an entry on that region alone first, then the nearest
    in the family (related, same topic, pointing back: the router says "one of these", the curated
    relations say which), then the higher score. Failing that, for a
    question about a region, the nearest family entry stating that region's position (confirmed by
    reading the question with its title); and if `again`, the previous answer itself (the follow-up
    asks what it already says)."""
    kb = router.kb
    near = family(previous, kb)

    def fits(entry_id: str) -> bool:
        return entry_id in near and applies(kb.entries[entry_id], asked)

    read_on_topic: dict[str, float] = {}
    for anchor in (_topic_name(previous, kb), previous.title):
        result = router.route(f"{question} {anchor}", thresholds)
        if result.status != Status.ANSWERED or result.entry is None or not fits(result.entry.id):
            continue
        if result.entry == router.route(anchor, thresholds).entry:
            continue  # the anchor's own answer: the question added nothing
        read_on_topic[result.entry.id] = max(result.score, read_on_topic.get(result.entry.id, 0.0))
    alone = router.route(question, thresholds)
    offered = {s.entry_id: s.score for s in alone.suggestions if fits(s.entry_id)}
    tiers = [read_on_topic]
    if alone.status == Status.CLARIFY or leans:  # a fallback's closest topic only for a follow-up
        tiers.append(offered)
    for scores in tiers:
        if scores:
            best = min(scores, key=lambda e: (not _only_there(kb.entries[e], asked), near[e], -scores[e]))
            return kb.entries[best], scores[best]
    if asked:
        there = [e for e in near if applies(kb.entries[e], asked)]
        # nearest first; among equals, an entry on that region alone before one covering several
        there.sort(key=lambda e: (near[e], not _only_there(kb.entries[e], asked)))
        for entry_id in there:
            result = router.route(f"{question} {kb.entries[entry_id].title}", thresholds)
            if result.status == Status.ANSWERED and result.entry is not None and result.entry.id == entry_id:
                return result.entry, result.score
    if again and applies(previous, asked):
        return previous, router.route(previous.title, thresholds).score
    return None


def _only_there(entry: Entry, asked: frozenset[str]) -> bool:
    """Is `entry` about the regions asked alone ("and in the EU?": an EU-only entry)?"""
    return bool(asked) and bool(entry.regions) and set(entry.regions) <= asked
