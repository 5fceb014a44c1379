"""What the bot posts: the answer with its sources, safe echoes, checklists, help."""

from bot.render import NOT_ADVICE, escape, mrkdwn_to_plain


def test_answer_text_carries_the_answer_and_its_sources(assistant, kb):
    result, reply = assistant.ask("what is an ARO")
    entry = kb.entries[result.entry.id]
    assert entry.answer in reply.text
    for citation in entry.sources:
        assert f"{kb.sources[citation.source_id].label}, {citation.section}" in reply.text
    kinds = [b["type"] for b in reply.blocks]
    assert kinds[0] == "section" and "context" in kinds
    assert reply.blocks[0]["text"]["text"] == entry.answer


def test_sources_line_links_to_the_source_in_blocks(assistant, kb):
    _, reply = assistant.ask("what does 21 CFR 312.52 say about transferring obligations to a CRO")
    context = next(b for b in reply.blocks if b["type"] == "context")["elements"][0]["text"]
    assert "<https://" in context


def test_echoed_user_text_cannot_broadcast_mention_or_link():
    hostile = "<!channel> <@U123> <https://evil.example|docs> & more"
    safe = escape(hostile)
    assert "<" not in safe and ">" not in safe
    assert "&lt;!channel&gt;" in safe


def test_unknown_checklist_topic_is_escaped_and_lists_topics(assistant, kb):
    result, reply = assistant.checklist("<!here> stuff")
    assert result.status == "fallback"
    assert "<!here>" not in reply.text and "&lt;!here&gt;" in reply.text
    assert all(f"`{cid}`" in reply.text for cid in kb.checklists)


def test_checklist_reply_numbers_items_and_ends_with_what_stays_with_the_sponsor(assistant, kb):
    result, reply = assistant.checklist("monitoring")
    checklist = kb.checklists["monitoring"]
    assert f"1. {checklist.items[0].text}" in reply.text
    assert checklist.closing.text in reply.text
    assert reply.text.rstrip().endswith(f"_{NOT_ADVICE}_")
    assert all(len(b["text"]["text"]) <= 3000 for b in reply.blocks if b["type"] == "section")


def test_fallback_suggests_topics_and_the_checklist_command(assistant):
    _, reply = assistant.ask("how tall is Mount Everest")
    assert "/cro-checklist" in reply.text and "don't have" in reply.text


def test_fallback_names_the_escalation_contact_when_set(kb):
    from bot.assistant import Assistant

    _, reply = Assistant(kb, escalation_contact="#clinical-quality").ask("how tall is Mount Everest")
    assert "#clinical-quality" in reply.text


def test_help_explains_how_to_ask_and_the_checklist_command(assistant):
    _, reply = assistant.ask("help")
    assert "/cro-checklist" in reply.text and NOT_ADVICE in reply.text


def test_mrkdwn_reads_plainly_in_a_terminal():
    assert mrkdwn_to_plain("*Bold* and _it_ <https://x.org|X> a &lt; b") == "Bold and it X (https://x.org) a < b"
