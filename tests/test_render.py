"""What the bot posts: the answer with its sources, safe echoes, checklists, help."""

from bot.buttons import FEEDBACK_BLOCK, FEEDBACK_HELPFUL, FEEDBACK_NOT_HELPFUL, FEEDBACK_VOTE, FeedbackRef, parse_vote
from bot.domain import Surface
from bot.render import escape, mrkdwn_to_plain, render_home, render_route, thread_title
from bot.state.memory import MemoryState
from bot.use_cases import UseCases


def ask(use_cases, question):
    answer = use_cases.answer_question(question, Surface.MENTION)
    return answer, answer.reply


def test_answer_text_carries_the_answer_and_its_sources(use_cases, kb):
    result, reply = ask(use_cases, "what is an ARO")
    entry = kb.entries[result.entry.id]
    assert entry.answer in reply.text
    for citation in entry.sources:
        assert f"{kb.sources[citation.source_id].label}, {citation.section}" in reply.text
    kinds = [b["type"] for b in reply.blocks]
    assert kinds[0] == "section" and "context" in kinds
    assert reply.blocks[0]["text"]["text"] == entry.answer
    assert reply.text.splitlines()[0] == entry.answer.splitlines()[0], "the first line answers on its own"
    under = [b["elements"][0]["text"] for b in reply.blocks[1:3]]
    assert under[0] == f"Answering: {entry.title}" and under[1].startswith("Sources: "), "the question it answers"
    assert f"_Answering: {entry.title}_" in reply.text


def test_sources_line_links_to_the_source_in_blocks(use_cases, kb):
    reply = use_cases.answer_entry("toro").reply  # its sources include the eCFR, which has a URL
    contexts = [b["elements"][0]["text"] for b in reply.blocks if b["type"] == "context"]
    sources = next(text for text in contexts if text.startswith("Sources: "))
    assert "<https://" in sources


def test_echoed_user_text_cannot_broadcast_mention_or_link():
    hostile = "<!channel> <@U123> <https://evil.example|docs> & more"
    safe = escape(hostile)
    assert "<" not in safe and ">" not in safe
    assert "&lt;!channel&gt;" in safe


def test_unknown_checklist_topic_is_escaped_and_lists_topics(use_cases, kb):
    result = use_cases.show_checklist("<!here> stuff")
    reply = result.reply
    assert result.status == "fallback"
    assert "<!here>" not in reply.text and "&lt;!here&gt;" in reply.text
    assert all(f"`{cid}`" in reply.text for cid in kb.checklists)


def test_checklist_reply_numbers_items_and_ends_with_what_stays_with_the_sponsor(use_cases, kb):
    result = use_cases.show_checklist("monitoring")
    reply = result.reply
    checklist = kb.checklists["monitoring"]
    assert f"1. {checklist.items[0].text}" in reply.text
    assert checklist.closing.text in reply.text
    assert reply.text.rstrip().endswith(f"_{kb.messages.text('not_advice')}_")
    assert all(len(b["text"]["text"]) <= 3000 for b in reply.blocks if b["type"] == "section")


def test_fallback_suggests_topics_and_the_checklist_command(use_cases):
    _, reply = ask(use_cases, "how tall is Mount Everest")
    assert "/cro-checklist" in reply.text and "don't have" in reply.text


def test_fallback_names_the_escalation_contact_when_set(router):
    with_contact = UseCases(router, MemoryState(), escalation_contact="#clinical-quality")
    _, reply = ask(with_contact, "how tall is Mount Everest")
    assert "#clinical-quality" in reply.text


def test_help_explains_how_to_ask_and_the_checklist_command(use_cases, kb):
    _, reply = ask(use_cases, "help")
    assert "/cro-checklist" in reply.text and kb.messages.text("not_advice") in reply.text


def test_mrkdwn_reads_plainly_in_a_terminal():
    assert mrkdwn_to_plain("*Bold* and _it_ <https://x.org|X> a &lt; b") == "Bold and it X (https://x.org) a < b"


def _buttons(blocks):
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"]


def test_feedback_buttons_carry_the_stored_question_and_the_entry(use_cases):
    result = use_cases.router.route("what is an ARO")
    reply = render_route(result, use_cases.kb, question_id=42)
    [native] = [b for b in reply.blocks if b.get("block_id") == FEEDBACK_BLOCK]
    assert native["type"] == "context_actions"
    [element] = native["elements"]
    assert (element["type"], element["action_id"]) == ("feedback_buttons", FEEDBACK_VOTE)
    helpful, not_helpful = element["positive_button"]["value"], element["negative_button"]["value"]
    assert (parse_vote(helpful), parse_vote(not_helpful)) == (
        (FeedbackRef(42, result.entry.id), True),
        (FeedbackRef(42, result.entry.id), False),
    )
    [classic] = [b for b in reply.fallback_blocks if b.get("block_id") == FEEDBACK_BLOCK]
    assert [(e["action_id"], e["value"]) for e in classic["elements"]] == [
        (FEEDBACK_HELPFUL, f"42:{result.entry.id}"),
        (FEEDBACK_NOT_HELPFUL, f"42:{result.entry.id}"),
    ]
    assert reply.blocks[:-1] == reply.fallback_blocks[:-1], "only the feedback buttons differ"
    assert reply.text == render_route(result, use_cases.kb).text, "the text is the same whether or not it was stored"


def test_a_follow_up_answer_says_which_topic_it_took(use_cases, kb):
    answer = use_cases.answer_question("and in the EU?", Surface.MENTION, previous_entry="toro")

    assert answer.entry.id == "toro-non-us-trials" and answer.follow_up_of.id == "toro"
    assert answer.reply.text.startswith("_On TORO:_ *The TORO is a US IND instrument")
    assert answer.reply.blocks[0]["text"]["text"].startswith("_On TORO:_ *The TORO")
    assert f"_Answering: {answer.entry.title}_" in answer.reply.text


def test_a_question_on_another_topic_in_the_thread_gets_no_topic_line(use_cases):
    answer = use_cases.answer_question("what is an ARO?", Surface.MENTION, previous_entry="toro")

    assert answer.entry.id == "aro-definition" and answer.follow_up_of is None
    assert answer.reply.text.startswith(answer.entry.answer)


def test_a_thread_title_keeps_the_words_only():
    assert thread_title("<@U123> who signs <https://x.example|this>?  \n:wave: the TORO") == "who signs? the TORO"
    assert thread_title("who signs the TORO?") == "who signs the TORO?"
    assert len(thread_title("why " * 40)) == 60 and thread_title("why " * 40).endswith("…")


def test_buttons_fit_slack_limits_for_every_entry_and_suggestion(use_cases, kb):
    replies = [use_cases.answer_entry(entry_id).reply for entry_id in kb.entries]
    replies += [ask(use_cases, q)[1] for q in ("hybrid", "sites", "responsibility", "how tall is Mount Everest")]
    replies.append(use_cases.show_checklist("monitoring").reply)
    seen = 0
    for reply in replies:
        buttons = _buttons(reply.blocks)
        seen += len(buttons)
        assert all(len(b["text"]["text"]) <= 75 for b in buttons), [b["text"]["text"] for b in buttons]
        assert all(len(b["value"]) <= 2000 and len(b["action_id"]) <= 255 for b in buttons)
        ids = [b["action_id"] for b in buttons]
        assert len(ids) == len(set(ids)), f"action_ids must be unique in one message: {ids}"
        assert len(reply.blocks) <= 50
    assert seen > 2 * len(kb.entries), "every answer has feedback buttons"


def test_long_titles_are_cut_to_fit_a_button():
    from bot.render import _button

    button = _button("x" * 200, "a", "v")
    assert len(button["text"]["text"]) == 75 and button["text"]["text"].endswith("…")


def test_home_view_fits_slack_and_lists_checklists_and_the_note(kb):
    view = render_home(kb)
    assert view["type"] == "home"
    assert 0 < len(view["blocks"]) <= 100
    assert all(len(b["text"]["text"]) <= 3000 for b in view["blocks"] if b["type"] == "section")
    shown = "\n".join(
        b["text"]["text"] if "text" in b else b["elements"][0]["text"]
        for b in view["blocks"]
        if b["type"] in ("section", "header", "context")
    )
    assert all(f"`{cid}`" in shown for cid in kb.checklists)
    assert kb.messages.text("not_advice") in shown
    assert all(entry.title in shown for entry in kb.entries.values())


def test_checklist_help_explains_the_bot_and_lists_the_checklists(use_cases, kb):
    for topic in ("", "help"):
        result = use_cases.show_checklist(topic)
        reply = result.reply
        assert result.status == "help"
        assert kb.messages.text("not_advice") in reply.text and "Mention me" in reply.text  # how to ask, with examples
        assert all(f"`{cid}`" in reply.text for cid in kb.checklists)
