"""Results -> what the bot shows: Slack mrkdwn `text` (which always carries the answer itself, for
notifications and clients without Block Kit) and Block Kit `blocks`. No Slack imports: the CLI prints
the same text the bot would post. Every word that is not a curated answer comes from
knowledge/messages.yaml (`kb.messages`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.buttons import (
    FEEDBACK_BLOCK,
    FEEDBACK_HELPFUL,
    FEEDBACK_NOT_HELPFUL,
    FEEDBACK_VOTE,
    MATRIX_EXPORT,
    MATRIX_OPEN,
    MATRIX_SHARE,
    SHARE_CHECKLIST,
    FeedbackRef,
    ask_entry_action,
    feedback_value,
    matrix_value,
    vote_values,
)
from bot.domain import Status, Surface
from bot.knowledge.messages import Messages
from bot.knowledge.model import Checklist, Citation, Entry, KnowledgeBase
from bot.matrix import Matrix, basis_text, reason_text, summary_lines, toro_notes
from bot.routing.checklists import ChecklistResult
from bot.routing.router import NOT_ENGLISH, RouteResult
from bot.routing.text import strip_slack_markup, visible

_SECTION_LIMIT = 3000
_ECHO_LIMIT = 80
_BUTTON_TEXT_LIMIT = 75
_BUTTONS_PER_ROW = 3


class Reply(NamedTuple):
    text: str
    blocks: list[dict] | None = None
    # The same message with the classic 👍/👎 buttons, to post instead when Slack refuses `blocks`
    # (invalid_blocks: a workspace or surface without the native feedback buttons). None: no votes.
    fallback_blocks: list[dict] | None = None


def escape(text: str, limit: int = _ECHO_LIMIT) -> str:
    """User text made safe to echo: no mentions, broadcasts or links can survive, no bidi or
    invisible characters, and it is short."""
    text = " ".join(visible(text).split())  # no bidi override can turn the bot's own words around
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _messages(kb: KnowledgeBase) -> Messages:
    if kb.messages is None:
        raise ValueError("the knowledge base has no messages.yaml")
    return kb.messages


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
    buttons = [_button(kb.entries[e].title, ask_entry_action(i), e) for i, e in enumerate(entry_ids[:_BUTTONS_PER_ROW])]
    return {"type": "actions", "block_id": block_id, "elements": buttons}


def vote_block(entry_id: str, question_id: int | None) -> dict:
    """Slack's native 👍/👎 (a feedback_buttons element in a context_actions block)."""
    helpful, not_helpful = vote_values(FeedbackRef(question_id, entry_id))
    return {
        "type": "context_actions",
        "block_id": FEEDBACK_BLOCK,
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK_VOTE,
                "positive_button": {
                    "text": {"type": "plain_text", "text": "👍"},
                    "accessibility_label": "Mark this answer helpful",
                    "value": helpful,
                },
                "negative_button": {
                    "text": {"type": "plain_text", "text": "👎"},
                    "accessibility_label": "Mark this answer not helpful",
                    "value": not_helpful,
                },
            }
        ],
    }


def feedback_block(entry_id: str, question_id: int | None) -> dict:
    """The classic 👍/👎 buttons, for where Slack refuses the native ones."""
    value = feedback_value(FeedbackRef(question_id, entry_id))
    return {
        "type": "actions",
        "block_id": FEEDBACK_BLOCK,
        "elements": [
            _button("👍 Helpful", FEEDBACK_HELPFUL, value),
            _button("👎 Not helpful", FEEDBACK_NOT_HELPFUL, value),
        ],
    }


def feedback_thanks(kb: KnowledgeBase, helpful: bool) -> Reply:
    text = _messages(kb).text("feedback_thanks", verdict="helpful" if helpful else "not helpful")
    return Reply(text, [_context(text)])


def citation_text(citation: Citation, kb: KnowledgeBase, link: bool = False) -> str:
    source = kb.sources[citation.source_id]
    label = f"<{source.url}|{source.label}>" if link and source.url else source.label
    return f"{label}, {citation.section}" if citation.section else label


def sources_line(citations: tuple[Citation, ...], kb: KnowledgeBase, link: bool = False) -> str:
    return "Sources: " + " · ".join(citation_text(c, kb, link) for c in citations)


def contact_for(kb: KnowledgeBase, escalation_contact: str) -> str:
    """Whom "ask ..." names: the configured contact, or the wording's default."""
    return escalation_contact or _messages(kb).text("escalation_default")


def answer_text(entry: Entry, kb: KnowledgeBase, escalation_contact: str = "") -> str:
    """The curated answer, with {escalation_contact} filled in."""
    if "{" not in entry.answer:
        return entry.answer
    return entry.answer.format(escalation_contact=contact_for(kb, escalation_contact))


def answered_question(entry: Entry, kb: KnowledgeBase) -> str:
    """The line naming the question an answer answers (the entry's title). Routing is a judgement:
    the reader sees whether the bot understood them, and what an acronym in the answer stands for.
    It goes under the answer, so the answer's first line still answers on its own (and in the
    notification preview)."""
    return _messages(kb).text("answered_question", title=entry.title)


def shown_answer(entry: Entry, kb: KnowledgeBase, escalation_contact: str = "") -> str:
    """The answer as a person reads it: the answer, then the question it answers."""
    return f"{answer_text(entry, kb, escalation_contact)}\n\n_{answered_question(entry, kb)}_"


def on_topic(kb: KnowledgeBase, previous: Entry) -> str:
    """What a follow-up answer opens with: the topic it was read on ("On TORO:")."""
    words = _messages(kb)
    return words.text("follow_up_on", topic=words.topic_name(previous.topic) if previous.topic else previous.title)


def render_answer(
    entry: Entry,
    kb: KnowledgeBase,
    *,
    question_id: int | None = None,
    surface: Surface = Surface.MENTION,
    escalation_contact: str = "",
    follow_up_of: Entry | None = None,
) -> Reply:
    """An entry's answer with its sources, related-question buttons and feedback buttons (Slack's
    native ones; the classic ones in `fallback_blocks`). A follow-up answer (`follow_up_of`: the answer
    it was read with) opens with the topic it took. The text is the same whatever `question_id` (the
    stored record the feedback buttons refer to) is."""
    answer = answer_text(entry, kb, escalation_contact)
    if follow_up_of is not None:
        answer = f"_{on_topic(kb, follow_up_of)}_ {answer}"
    question = answered_question(entry, kb)
    text = f"{answer}\n\n_{question}_\n_{sources_line(entry.sources, kb, link=surface == Surface.CLI)}_"
    blocks = [_section(answer), _context(question), _context(sources_line(entry.sources, kb, link=True))]
    related = [e for e in entry.related if e in kb.entries]
    if related:
        blocks.append(_context("*Related questions*"))
        blocks.append(entry_buttons(related, kb, "related"))
    return Reply(
        text,
        [*blocks, vote_block(entry.id, question_id)],
        [*blocks, feedback_block(entry.id, question_id)],
    )


def render_route(
    result: RouteResult,
    kb: KnowledgeBase,
    *,
    question_id: int | None = None,
    surface: Surface = Surface.MENTION,
    escalation_contact: str = "",
    follow_up_of: Entry | None = None,
) -> Reply:
    """The reply for a routing result (`follow_up_of`: the thread's answer it was read with)."""
    if result.status == Status.ANSWERED and result.entry:
        reply = render_answer(
            result.entry,
            kb,
            question_id=question_id,
            surface=surface,
            escalation_contact=escalation_contact,
            follow_up_of=follow_up_of,
        )
        return with_also_asked(reply, result, kb) if result.also else reply
    if result.reason == NOT_ENGLISH:
        return render_notice(kb, "english_only")
    if result.status == Status.CLARIFY:
        return render_clarify(result, kb, escalation_contact)
    if result.status == Status.HELP:
        return render_help(kb, surface)
    return render_fallback(result, kb, surface, escalation_contact)


def with_also_asked(reply: Reply, result: RouteResult, kb: KnowledgeBase) -> Reply:
    """The answer to a message's main question, then its other questions as buttons to ask them."""
    head = _messages(kb).text("also_asked")
    options = "\n".join(f"• {s.title}" for s in result.also)
    extra = [_context(f"*{head}*"), entry_buttons([s.entry_id for s in result.also], kb, "also")]

    def before_feedback(blocks: list[dict] | None) -> list[dict]:
        blocks = list(blocks or [])
        at = next((i for i, b in enumerate(blocks) if b.get("block_id") == FEEDBACK_BLOCK), len(blocks))
        return [*blocks[:at], *extra, *blocks[at:]]

    fallback = before_feedback(reply.fallback_blocks) if reply.fallback_blocks is not None else None
    return Reply(f"{reply.text}\n\n{head}\n{options}", before_feedback(reply.blocks), fallback)


def render_clarify(result: RouteResult, kb: KnowledgeBase, escalation_contact: str = "") -> Reply:
    words = _messages(kb)
    options = "\n".join(f"• {s.title}" for s in result.suggestions)
    several = len(result.suggestions) > 1
    head = words.text("clarify" if several else "clarify_one")
    again = words.text("clarify_ask_again" if several else "clarify_one_ask_again")
    elsewhere = words.text("escalation", contact=contact_for(kb, escalation_contact))
    text = f"{head.replace('*', '')}\n{options}\n{again} {elsewhere}"
    buttons = entry_buttons([s.entry_id for s in result.suggestions], kb, "clarify")
    return Reply(text, [_section(head), buttons, _context(elsewhere)])


def render_fallback(
    result: RouteResult, kb: KnowledgeBase, surface: Surface = Surface.MENTION, escalation_contact: str = ""
) -> Reply:
    words = _messages(kb)
    lines = [words.text("fallback")]
    if result.suggestions:
        titles = ", ".join(f"*{s.title.rstrip('?.')}*" for s in result.suggestions)
        lines.append(words.text("fallback_closest", titles=titles))
    lines.append(words.text("fallback_topics", topics="; ".join(words.topics)))
    lines.append(words.for_surface("fallback_checklist", surface))
    lines.append(words.text("escalation", contact=contact_for(kb, escalation_contact)))
    text = "\n".join(lines)
    blocks = [_section(text)]
    if result.suggestions:
        blocks.append(entry_buttons([s.entry_id for s in result.suggestions], kb, "closest"))
    return Reply(text, blocks)


def thread_title(question: str, limit: int = 60) -> str:
    """A thread's title from the question that opened it: its words only (no mentions, links or other
    markup), on one line, short."""
    words = " ".join(visible(strip_slack_markup(question)).split())
    words = re.sub(r" ([?!.,;:])", r"\1", words)  # "a <link> ?" leaves "a ?"
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def render_notice(kb: KnowledgeBase, key: str) -> Reply:
    """A one-line message from messages.yaml ("gone", "error", "english_only")."""
    text = _messages(kb).text(key)
    return Reply(text, [_section(text)])


def help_text(kb: KnowledgeBase, surface: Surface = Surface.MENTION) -> str:
    words = _messages(kb)
    examples = "\n".join(f"• {q}" for q in words.examples)
    return (
        f"{words.text('help_intro')}\n{words.for_surface('help_how', surface)}\n{examples}\n"
        f"{words.for_surface('help_checklists', surface)}\n_{words.text('not_advice')}_"
    )


def render_help(kb: KnowledgeBase, surface: Surface = Surface.MENTION) -> Reply:
    text = help_text(kb, surface)
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


def render_checklist(
    result: ChecklistResult, kb: KnowledgeBase, *, shareable: bool = True, surface: Surface = Surface.CHECKLIST
) -> Reply:
    """A checklist (privately first, so `shareable` adds a "Share in channel" button), or the list."""
    words = _messages(kb)
    not_advice = words.text("not_advice")
    if result.status == Status.ANSWERED and result.checklist:
        body = render_checklist_body(result.checklist, kb)
        text = f"{body}\n_{not_advice}_"
        blocks = [*_chunked_sections(body), _context(not_advice)]
        if shareable:
            share = _button("Share in channel", SHARE_CHECKLIST, result.checklist.id, style="primary")
            buttons = [share, *_matrix_opener(result.checklist, kb)]
            blocks.append({"type": "actions", "block_id": "share", "elements": buttons})
        return Reply(text, blocks)
    listing = f"{words.text('checklists_heading')}\n{checklist_list(kb)}"
    if result.status == Status.HELP:  # no topic, or "help": how to use the bot, then the checklists
        how = help_text(kb, surface)
        return Reply(f"{how}\n{listing}", [_section(how), _section(listing)])
    head = words.text("checklist_unknown", topic=escape(result.topic))
    text = f"{head}\n{checklist_list(kb)}"
    return Reply(text, [_section(text)])


def _matrix_opener(checklist: Checklist, kb: KnowledgeBase) -> list[dict]:
    """The "Build a responsibility matrix" button, on the checklists duties.yaml names."""
    if kb.duties is None or checklist.id not in kb.duties.openers:
        return []
    value = matrix_value(kb.duties.openers[checklist.id], "", ())
    return [_button(_messages(kb).text("matrix_open_button"), MATRIX_OPEN, value)]


def render_matrix(matrix: Matrix, kb: KnowledgeBase, *, shareable: bool = True) -> Reply:
    """The matrix in Slack: heading, warnings first (they need acting on), what the sponsor always keeps,
    the duties by group, the TORO list, the drafting-aid note; privately shown, it has Share and Export."""
    words = _messages(kb)
    head = "\n".join([f"*{words.text('matrix_heading', regions=matrix.region_names())}*", *summary_lines(matrix)])
    parts = [head]
    if matrix.warnings:
        warnings = [f"⚠️ {w.text}" for w in matrix.warnings]
        parts.append("\n".join([f"*{words.text('matrix_warnings_heading')}*", *warnings]))
    parts.append(words.text("matrix_retained_default", retained=reason_text(matrix.retained, kb)))
    for group in matrix.catalogue.groups.values():
        rows = [r for r in matrix.rows if r.duty.group == group.id]
        if not rows:
            continue
        lines = [f"*{group.title}*"]
        for row in rows:
            lines.append(f"• *{row.duty.title}*: {matrix.label(row.holder)} _({basis_text(row, kb, words)})_")
            if not row.default_retained:
                lines.append(f"      {words.text('matrix_retained_row', retained=reason_text(row.retained, kb))}")
        parts.append("\n".join(lines))
    toro = []
    if matrix.toro_region is not None:
        toro.append(f"*{words.text('matrix_toro_heading', region=matrix.toro_region.label)}*")
        toro += [
            f"{n}. {t.obligation} ({t.section}): {matrix.label(t.transferee)}" for n, t in enumerate(matrix.toro, 1)
        ]
    parts.append("\n".join([*toro, *(f"_{note}_" for note in toro_notes(matrix))]))
    note = words.text("matrix_drafting_aid")
    text = "\n\n".join([*parts, f"_{note}_"])
    blocks = [block for part in parts for block in _chunked_sections(part)]
    blocks.append(_context(note))
    if shareable:
        value = matrix.choice.value()
        buttons = [
            _button(words.text("matrix_share_button"), MATRIX_SHARE, value, style="primary"),
            _button(words.text("matrix_export_button"), MATRIX_EXPORT, value),
        ]
        blocks.append({"type": "actions", "block_id": "matrix", "elements": buttons})
    return Reply(text, blocks)


def render_home(kb: KnowledgeBase, retention_days: int = 180) -> dict:
    """The App Home tab: what the bot knows, how to ask, the checklists, what is stored, the note."""
    words = _messages(kb)
    examples = "\n".join(f"• {q}" for q in words.examples)
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": words.text("home_title")[:150]}},
        _section(f"{words.text('home_how')}\n{examples}"),
        _section(f"{words.text('home_checklists')}\n{checklist_list(kb)}"),
        _section(words.text("privacy", days=retention_days)),
        {"type": "divider"},
        _section(words.text("home_known", count=len(kb.entries))),
    ]
    titles = [f"• {e.title}" for e in kb.entries.values()]
    blocks.extend(_chunked_sections("\n".join(titles)))
    blocks = blocks[:99]
    blocks.append(_context(words.text("not_advice")))
    return {"type": "home", "blocks": blocks}


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
