"""Reading a Slack message the way people write them: context first, asides, several questions.

"We're a university CTU and a pharma company wants us to do their monitoring. Are we technically a
CRO?" carries its question in the last sentence and the reason for it in the first. The router scores
the whole message and each question in it, and keeps what reads best (bot/routing/router.py);
this module only finds the parts.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.routing.text import MAX_QUESTION_CHARS, strip_slack_markup, visible

# Sentence ends: ., ? or ! followed by a space, and line breaks; a full stop after an abbreviation
# ("e.g.", "Art.", "vs.") or a number ("5.") does not end a sentence.
_BREAK = re.compile(r"[.?!]+\s+|\n+")
_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "eg", "ie", "etc", "vs", "art", "no", "para", "sec", "cf", "approx", "dr", "ms", "mr"}
)
_QUESTION_START = re.compile(
    r"^(what|whats|what's|who|whom|whose|which|when|where|why|how|is|are|am|was|were|do|does|did|can|could|"
    r"may|might|must|shall|should|will|would|has|have|had|any|anyone)\b",
    re.IGNORECASE,
)
MAX_QUESTIONS = 3  # a message asking more than this is read as a whole


class Reading(NamedTuple):
    whole: str  # the message without Slack markup
    questions: tuple[str, ...]  # its question sentences, in order (empty: no sentence is a question)
    contexts: tuple[str, ...]  # for each question, the sentence before it (context), or ""


def sentences(text: str) -> list[str]:
    parts, start = [], 0
    for match in _BREAK.finditer(text):
        before = text[start : match.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        if match.group().startswith(".") and (last in _ABBREVIATIONS or last[-1:].isdigit()):
            continue
        parts.append(text[start : match.end()])
        start = match.end()
    parts.append(text[start:])
    return [s.strip(" -–—") for s in (p.strip() for p in parts) if s.strip(" -–—")]


def is_question(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_QUESTION_START.match(sentence.lstrip("*_ ")))


def read(text: str) -> Reading:
    parts = sentences(strip_slack_markup(visible(text[:MAX_QUESTION_CHARS])))
    if len(text) > MAX_QUESTION_CHARS and len(parts) > 1:
        parts.pop()  # cut off mid-sentence: what is left of it is not what was asked
    # A sentence said twice is read once ("what is a CRO? what is a CRO? ..." is one question).
    parts = list({p.casefold(): p for p in parts}.values())
    whole = " ".join(parts)
    asked = [i for i, s in enumerate(parts) if is_question(s)]
    if len(parts) < 2 or not asked or len(asked) > MAX_QUESTIONS:
        return Reading(whole.strip(), (), ())
    questions = tuple(parts[i] for i in asked)
    contexts = tuple(parts[i - 1] if i > 0 and i - 1 not in asked else "" for i in asked)
    return Reading(whole.strip(), questions, contexts)
