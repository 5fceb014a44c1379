"""The bot's own wording (knowledge/messages.yaml): help, "I don't know", replies to buttons, Home tab,
the agent view's suggested prompts and the names follow-ups give the topic they stay on.

Validated like the rest of the knowledge: every text present, and only the placeholders its use
fills in, so a curator's typo ("{titels}") is named by `cro-bot check`, not found by a user.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import NamedTuple

from bot.domain import Surface

_NONE: frozenset[str] = frozenset()


def _spec(*allowed: str, required: tuple[str, ...] = ()) -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(allowed), frozenset(required)


# Each message, with the placeholders it may use (and, second, those it must use).
TEXTS = {
    "not_advice": _spec(),
    "help_intro": _spec(),
    "clarify": _spec(),
    "clarify_one": _spec(),
    "clarify_ask_again": _spec(),
    "clarify_one_ask_again": _spec(),
    "fallback": _spec(),
    "fallback_closest": _spec("titles", required=("titles",)),
    "fallback_topics": _spec("topics", required=("topics",)),
    "escalation": _spec("contact", required=("contact",)),
    "escalation_default": _spec(),
    "english_only": _spec(),
    "also_asked": _spec(),
    "checklists_heading": _spec(),
    "checklist_unknown": _spec("topic"),
    "checklist_shared": _spec("title"),
    "feedback_thanks": _spec("verdict", required=("verdict",)),
    "gone": _spec(),
    "error": _spec(),
    "home_title": _spec(),
    "home_how": _spec(),
    "home_checklists": _spec(),
    "home_known": _spec("count"),
    "privacy": _spec("days"),
    "welcome": _spec(),  # the DM opened (agent view): at most once a day per person
    "status_looking": _spec(),  # the thread's status while the bot routes (assistant.threads.setStatus)
    "answered_question": _spec("title", required=("title",)),  # under an answer: the question it answers
    "follow_up_on": _spec("topic", required=("topic",)),  # before a follow-up answer: which topic it took
    # The responsibility matrix and TORO list (bot/matrix.py, the modal, the Slack reply, the files).
    "matrix_heading": _spec("regions", required=("regions",)),
    "matrix_preset": _spec("preset", required=("preset",)),
    "matrix_changes": _spec("changes", required=("changes",)),
    "matrix_col_duty": _spec(),
    "matrix_col_holder": _spec(),
    "matrix_col_basis": _spec(),
    "matrix_col_retained": _spec(),
    "matrix_practice": _spec("sources", required=("sources",)),
    "matrix_retained_default": _spec("retained", required=("retained",)),
    "matrix_retained_row": _spec("retained", required=("retained",)),
    "matrix_toro_heading": _spec("region", required=("region",)),
    "matrix_col_obligation": _spec(),
    "matrix_col_section": _spec(),
    "matrix_col_transferee": _spec(),
    "matrix_toro_note": _spec(),
    "matrix_toro_none": _spec(),
    "matrix_toro_shared": _spec(),
    "matrix_toro_vendor": _spec(),
    "matrix_no_toro": _spec(),
    "matrix_warnings_heading": _spec(),
    "matrix_warning": _spec("duty", "holder", "reason", required=("duty", "holder", "reason")),
    "matrix_warning_region": _spec("duty", "regions", required=("duty", "regions")),
    "matrix_drafting_aid": _spec(),
    "matrix_unavailable": _spec(),
    "matrix_unknown_preset": _spec("preset", "presets", required=("presets",)),
    "matrix_shared": _spec(),
    "matrix_exported": _spec(),
    "matrix_export_comment": _spec("regions", required=("regions",)),
    "matrix_share_button": _spec(),
    "matrix_export_button": _spec(),
    "matrix_open_button": _spec(),
    "matrix_modal_title": _spec(),
    "matrix_modal_submit": _spec(),
    "matrix_modal_close": _spec(),
    "matrix_modal_intro": _spec(),
    "matrix_modal_regions": _spec(),
    "matrix_modal_only": _spec("regions", required=("regions",)),
    "matrix_modal_no_region": _spec(),
}
# Slack's limits on the texts that go in a modal's title and buttons.
MAX_LENGTH = {
    "matrix_modal_title": 24,
    "matrix_modal_submit": 24,
    "matrix_modal_close": 24,
    "matrix_share_button": 75,
    "matrix_export_button": 75,
    "matrix_open_button": 75,
}
BY_SURFACE = {"help_how": _spec(), "help_checklists": _spec(), "fallback_checklist": _spec()}
LISTS = ("examples", "topics")
SURFACES = ("slack", "cli")
PROMPTS_MAX = 4  # Slack shows up to four suggested prompts (manifest agent_view, setSuggestedPrompts)
PROMPT_TITLE_MAX = 75


class Prompt(NamedTuple):
    """A suggested prompt in the agent view: the label shown, and the message it sends as the person."""

    title: str
    message: str


class Messages(NamedTuple):
    texts: dict[str, str]
    by_surface: dict[str, dict[str, str]]  # message -> {"slack": ..., "cli": ...}
    lists: dict[str, tuple[str, ...]]
    topic_names: dict[str, str] = {}  # entry topic id -> how a follow-up names it ("toro" -> "TORO")
    prompts: tuple[Prompt, ...] = ()  # the agent view's suggested prompts

    def text(self, key: str, **fill: object) -> str:
        return self.texts[key].format(**fill) if fill else self.texts[key]

    def for_surface(self, key: str, surface: Surface) -> str:
        return self.by_surface[key]["cli" if surface == Surface.CLI else "slack"]

    @property
    def examples(self) -> tuple[str, ...]:
        return self.lists["examples"]

    @property
    def topics(self) -> tuple[str, ...]:
        return self.lists["topics"]

    def topic_name(self, topic: str) -> str:
        """What to call an entry topic in a follow-up ("On TORO: ..."); its id, readably, if unnamed."""
        return self.topic_names.get(topic) or topic.replace("-", " ")


def placeholders(text: str) -> set[str] | None:
    """The {names} in `text`, or None if its braces are malformed."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def check_placeholders(text: str, allowed: frozenset[str], required: frozenset[str] = _NONE) -> str | None:
    """What is wrong with the placeholders in `text`, or None."""
    names = placeholders(text)
    if names is None:
        return "has an unmatched { or }: write {{ or }} for a literal brace"
    unknown = names - allowed
    if unknown:
        shown = ", ".join("{" + n + "}" for n in sorted(allowed)) or "none"
        return f"uses {', '.join('{' + n + '}' for n in sorted(unknown))}; allowed here: {shown}"
    missing = required - names
    if missing:
        return f"must use {', '.join('{' + n + '}' for n in sorted(missing))}"
    return None


def load_messages(document: object, problem: Callable[..., None]) -> Messages:
    """Messages from the parsed messages.yaml `document`; each problem goes to `problem(message, node,
    item, field)` (the loader's reporter), naming the message and its field."""
    data = document if isinstance(document, dict) else {}
    texts: dict[str, str] = {}
    by_surface: dict[str, dict[str, str]] = {}
    lists: dict[str, tuple[str, ...]] = {}

    def text_at(value: object, field: str, spec: tuple[frozenset[str], frozenset[str]]) -> str:
        if not isinstance(value, str) or not value.strip():
            problem("is missing or not text", data, "messages", field)
            return ""
        wrong = check_placeholders(value, *spec)
        if wrong:
            problem(wrong, data, "messages", field)
        return value.strip()

    for key, spec in TEXTS.items():
        texts[key] = text_at(data.get(key), key, spec)
        limit = MAX_LENGTH.get(key)
        if limit and len(texts[key]) > limit:
            problem(f"is {len(texts[key])} characters; Slack shows at most {limit}", data, "messages", key)
    for key, spec in BY_SURFACE.items():
        value = data.get(key)
        if not isinstance(value, dict):
            problem(f"must be a mapping with {' and '.join(SURFACES)}", data, "messages", key)
            value = {}
        by_surface[key] = {s: text_at(value.get(s), f"{key}.{s}", spec) for s in SURFACES}
    for key in LISTS:
        value = data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            problem("must be a list of texts", data, "messages", key)
            value = []
        lists[key] = tuple(v.strip() for v in value)
    topic_names = _topic_names(data, problem)
    prompts = _prompts(data, problem)
    known = {*TEXTS, *BY_SURFACE, *LISTS, "topic_names", "suggested_prompts"}
    for key in data:
        if key not in known:
            problem(f"unknown message (known: {', '.join(sorted(known))})", data, "messages", str(key))
    return Messages(texts, by_surface, lists, topic_names, prompts)


def _topic_names(data: dict, problem: Callable[..., None]) -> dict[str, str]:
    value = data.get("topic_names")
    if not isinstance(value, dict) or not value:
        problem("must be a mapping of entry topics to the names follow-ups use", data, "messages", "topic_names")
        return {}
    names = {}
    for topic, name in value.items():
        if not isinstance(name, str) or not name.strip() or placeholders(name):
            problem("must be a short text without placeholders", data, "messages", f"topic_names.{topic}")
            continue
        names[str(topic)] = name.strip()
    return names


def _prompts(data: dict, problem: Callable[..., None]) -> tuple[Prompt, ...]:
    value = data.get("suggested_prompts")
    if not isinstance(value, list) or not 1 <= len(value) <= PROMPTS_MAX:
        problem(f"must be a list of 1 to {PROMPTS_MAX} prompts", data, "messages", "suggested_prompts")
        return ()
    prompts = []
    for i, item in enumerate(value):
        field = f"suggested_prompts[{i}]"
        title = item.get("title") if isinstance(item, dict) else None
        message = item.get("message") if isinstance(item, dict) else None
        if not isinstance(title, str) or not title.strip() or len(title) > PROMPT_TITLE_MAX:
            problem(f"needs a title of at most {PROMPT_TITLE_MAX} characters", data, "messages", field)
        elif not isinstance(message, str) or not message.strip():
            problem("needs the message it sends", data, "messages", field)
        elif set(item) - {"title", "message"}:
            problem("has only a title and a message", data, "messages", field)
        else:
            prompts.append(Prompt(title.strip(), message.strip()))
    return tuple(prompts)
