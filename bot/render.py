"""Results -> what the bot posts: Slack mrkdwn `text` (which always carries the answer itself, for
notifications and clients without Block Kit) and Block Kit `blocks`. No Slack imports: the CLI
prints the same text the bot would post."""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.knowledge.model import Checklist, Citation, KnowledgeBase
from bot.routing.checklists import ChecklistResult
from bot.routing.router import ANSWERED, CLARIFY, HELP, RouteResult
from bot.routing.text import visible

NOT_ADVICE = "Informational only, drawn from public guidance and articles; not legal or regulatory advice."
EXAMPLES = (
    "What is the difference between an ARO and a CRO?",
    "Who is responsible for data integrity when a CRO runs the trial?",
    "What must a sponsor put in writing when it transfers duties?",
    "What is source data verification?",
)
TOPICS = (
    "what CROs, AROs, CDMOs and FSPs are and how they differ",
    "sponsor responsibility when trial duties are delegated (ICH E6, 21 CFR 312, EU CTR)",
    "hybrid ARO + CRO models, CRO services across the trial lifecycle, and working with CROs as a site",
)
_SECTION_LIMIT = 3000
_ECHO_LIMIT = 80
_BUTTON_TEXT_LIMIT = 75

# Interactive elements (handled in bot/slack/listeners/actions). Values carry ids, never user text.
ASK_ENTRY = "ask_entry"  # related / did-you-mean buttons, value = entry id; action_id "ask_entry:N"
FEEDBACK_HELPFUL = "feedback_helpful"  # value = "<question record id>:<entry id>"
FEEDBACK_NOT_HELPFUL = "feedback_not_helpful"
FEEDBACK_BLOCK = "feedback"
SHARE_CHECKLIST = "share_checklist"  # value = checklist id


class Reply(NamedTuple):
    text: str
    blocks: list[dict] | None = None


def escape(text: str, limit: int = _ECHO_LIMIT) -> str:
    """User text made safe to echo: no mentions, broadcasts or links can survive, no bidi or
    invisible characters, and it is short."""
    text = " ".join(visible(text).split())  # no bidi override can turn the bot's own words around
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_SECTION_LIMIT]}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:2000]}]}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    if len(text) > _BUTTON_TEXT_LIMIT:
        text = text[: _BUTTON_TEXT_LIMIT - 1] + "…"
    button = {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def entry_buttons(entry_ids: list[str], kb: KnowledgeBase, block_id: str) -> dict:
    """One "ask this" button per entry (up to three); clicking one answers it in the same thread."""
    buttons = [_button(kb.entries[e].title, f"{ASK_ENTRY}:{i}", e) for i, e in enumerate(entry_ids[:3])]
    return {"type": "actions", "block_id": block_id, "elements": buttons}


def feedback_block(entry_id: str, question_id: int | None) -> dict:
    value = f"{question_id or ''}:{entry_id}"
    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK,
        "elements": [
            _button("👍 Helpful", FEEDBACK_HELPFUL, value),
            _button("👎 Not helpful", FEEDBACK_NOT_HELPFUL, value),
        ],
    }


def feedback_thanks(helpful: bool) -> dict:
    verdict = "helpful" if helpful else "not helpful"
    return _context(f"Thanks for the feedback: you marked this answer {verdict}. Curators review every vote.")


def citation_text(citation: Citation, kb: KnowledgeBase, link: bool = False) -> str:
    source = kb.sources[citation.source_id]
    label = f"<{source.url}|{source.label}>" if link and source.url else source.label
    return f"{label}, {citation.section}" if citation.section else label


def sources_line(citations: tuple[Citation, ...], kb: KnowledgeBase, link: bool = False) -> str:
    return "Sources: " + " · ".join(citation_text(c, kb, link) for c in citations)


def render_route(
    result: RouteResult, kb: KnowledgeBase, escalation_contact: str = "", question_id: int | None = None
) -> Reply:
    """The reply for a routing result. `text` is the same whatever `question_id` (the stored record
    the feedback buttons refer to) is, so the CLI prints exactly what Slack shows as text."""
    if result.status == ANSWERED and result.entry:
        entry = result.entry
        text = f"{entry.answer}\n\n_{sources_line(entry.sources, kb)}_"
        blocks = [_section(entry.answer), _context(sources_line(entry.sources, kb, link=True))]
        related = [e for e in entry.related if e in kb.entries]
        if related:
            blocks.append(_context("*Related questions*"))
            blocks.append(entry_buttons(related, kb, "related"))
        blocks.append(feedback_block(entry.id, question_id))
        return Reply(text, blocks)
    if result.status == CLARIFY:
        options = "\n".join(f"• {s.title}" for s in result.suggestions)
        text = f"I have more than one answer that could fit. Did you mean:\n{options}\nAsk again with the one you mean."
        head = "I have more than one answer that could fit. *Did you mean:*"
        return Reply(text, [_section(head), entry_buttons([s.entry_id for s in result.suggestions], kb, "clarify")])
    if result.status == HELP:
        return render_help()
    return render_fallback(result, escalation_contact, kb)


def render_fallback(result: RouteResult, escalation_contact: str = "", kb: KnowledgeBase | None = None) -> Reply:
    lines = ["Sorry, I don't have a curated answer for that, and I'd rather not guess."]
    if result.suggestions:
        lines.append("The closest topic I know: " + ", ".join(f"*{s.title}*" for s in result.suggestions) + ".")
    lines.append("I can answer questions about " + "; ".join(TOPICS) + ".")
    lines.append("For a delegation checklist, try `/cro-checklist` (for example `/cro-checklist monitoring`).")
    if escalation_contact:
        lines.append(f"For anything else, ask {escalation_contact}.")
    text = "\n".join(lines)
    blocks = [_section(text)]
    if result.suggestions and kb is not None:
        blocks.append(entry_buttons([s.entry_id for s in result.suggestions], kb, "closest"))
    return Reply(text, blocks)


def render_help() -> Reply:
    examples = "\n".join(f"• {q}" for q in EXAMPLES)
    text = (
        "*Hi! I answer questions about CROs, AROs and Good Clinical Practice.*\n"
        "Mention me in a channel (I reply in the thread) or send me a direct message, for example:\n"
        f"{examples}\n"
        "`/cro-checklist [topic]` gives a delegation checklist: what a sponsor puts in writing, oversees "
        "and keeps when it hands duties to a CRO. `/cro-checklist` alone lists the topics.\n"
        f"_{NOT_ADVICE}_"
    )
    return Reply(text, [_section(text)])


def checklist_list(kb: KnowledgeBase) -> str:
    return "\n".join(f"• `{c.id}`: {c.title}" for c in kb.checklists.values())


def _basis(citations: tuple[Citation, ...], kb: KnowledgeBase) -> str:
    return "; ".join(citation_text(c, kb) for c in citations)


def render_checklist_body(checklist: Checklist, kb: KnowledgeBase) -> str:
    lines = [f"*Checklist: {checklist.title}*"]
    if checklist.intro:
        lines.append(checklist.intro)
    for number, item in enumerate(checklist.items, 1):
        lines.append(f"{number}. {item.text} _({_basis(item.basis, kb)})_")
    lines.append(f"*{checklist.closing.text}* _({_basis(checklist.closing.basis, kb)})_")
    return "\n".join(lines)


def render_checklist(result: ChecklistResult, kb: KnowledgeBase, shareable: bool = True) -> Reply:
    """A checklist (privately first, so `shareable` adds a "Share in channel" button), or the list."""
    if result.status == ANSWERED and result.checklist:
        body = render_checklist_body(result.checklist, kb)
        text = f"{body}\n_{NOT_ADVICE}_"
        blocks = [*_chunked_sections(body), _context(NOT_ADVICE)]
        if shareable:
            share = _button("Share in channel", SHARE_CHECKLIST, result.checklist.id, style="primary")
            blocks.append({"type": "actions", "block_id": "share", "elements": [share]})
        return Reply(text, blocks)
    if result.status == HELP:  # no topic, or "help": how to use the bot, then the checklists
        listing = f"*Delegation checklists* (`/cro-checklist TOPIC`):\n{checklist_list(kb)}"
        help_text = render_help().text
        return Reply(f"{help_text}\n{listing}", [_section(help_text), _section(listing)])
    head = f"I have no checklist for “{escape(result.topic)}”. These are the topics I know:"
    text = f"{head}\n{checklist_list(kb)}"
    return Reply(text, [_section(text)])


def render_home(kb: KnowledgeBase) -> dict:
    """The App Home tab: what the bot knows, how to ask, the checklists, the not-advice note."""
    examples = "\n".join(f"• {q}" for q in EXAMPLES)
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": "CRO Bot: CROs, AROs and GCP delegation"}},
        _section(
            "*How to ask.* Mention me in a channel (I answer in the thread) or send me a direct message "
            f"in the Messages tab. For example:\n{examples}"
        ),
        _section(
            "*Delegation checklists.* `/cro-checklist TOPIC` shows a checklist privately, with a button to "
            f"share it in the channel:\n{checklist_list(kb)}"
        ),
        {"type": "divider"},
        _section(f"*What I know* ({len(kb.entries)} curated answers, each with its sources):"),
    ]
    titles = [f"• {e.title}" for e in kb.entries.values()]
    blocks.extend(_chunked_sections("\n".join(titles)))
    blocks.append(_context(NOT_ADVICE))
    return {"type": "home", "blocks": blocks[:100]}


def _chunked_sections(text: str) -> list[dict]:
    """Split long text on line breaks into section blocks within Slack's per-block limit."""
    blocks, chunk = [], ""
    for line in text.split("\n"):
        if chunk and len(chunk) + len(line) + 1 > _SECTION_LIMIT:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(_section(chunk))
    return blocks


_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")


def mrkdwn_to_plain(text: str) -> str:
    """Slack mrkdwn as a terminal reader wants it: no emphasis marks, links as 'label (url)'."""
    text = _LINK.sub(r"\2 (\1)", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"\1", text)
    text = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
