"""Slack's agent messaging experience, follow-ups and the message shortcut, end to end: signed
requests in, what Slack would show out (the stand-in's record of chat.postMessage, the
assistant.threads.* calls and response_url posts), and what the journal keeps."""

from __future__ import annotations

import sqlite3

from bot.buttons import FEEDBACK_HELPFUL, FEEDBACK_NOT_HELPFUL, FEEDBACK_VOTE
from bot.render import shown_answer
from tests.support.serving import served_app
from tests.support.slack_requests import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    USER_ID,
    app_home_opened,
    app_mention,
    block_actions,
    direct_message,
    find_button,
    message,
    message_shortcut,
    new_ts,
    posted_message,
)
from tests.support.slack_standin import BOT_USER_ID, Scripted

STATUS, TITLE, PROMPTS = (
    "assistant.threads.setStatus",
    "assistant.threads.setTitle",
    "assistant.threads.setSuggestedPrompts",
)


def answer(served, entry_id: str) -> str:
    """An entry's answer as the bot posts it: the answer, then the question it answers."""
    return shown_answer(served.use_cases.kb.entries[entry_id], served.use_cases.kb, served.use_cases.escalation_contact)


def journal(served, sql: str) -> list[tuple]:
    with sqlite3.connect(served.settings.state_db) as conn:
        return conn.execute(sql).fetchall()


# -- the DM opened (app_home_opened, tab "messages") -----------------------------------------------


def test_opening_the_dm_welcomes_each_person_once_a_day_with_the_knowledges_prompts(served):
    kb = served.use_cases.kb
    for user in (USER_ID, USER_ID, "U333", USER_ID):
        assert served.sender.event(app_home_opened(user=user, tab="messages")).status == 200

    welcomes = served.standin.wait_for("chat.postMessage", 2)
    served.standin.assert_count_stays("chat.postMessage", 2, within=0.4)
    assert [w.body["channel"] for w in welcomes] == [DM_CHANNEL_ID, DM_CHANNEL_ID]
    assert all(w.body["text"] == kb.messages.text("welcome") for w in welcomes)
    assert not any(w.body.get("thread_ts") for w in welcomes), "a welcome opens no thread"
    prompts = served.standin.calls(PROMPTS)
    assert len(prompts) == 2, "the prompts are set again with each day's welcome, not at every opening"
    for call in prompts:
        assert call.body["channel_id"] == DM_CHANNEL_ID
        assert "thread_ts" not in call.body, "in the agent view a thread_ts makes the call fail silently"
        assert call.body["prompts"] == [p._asdict() for p in kb.messages.prompts]
        assert call.response == {"ok": True}
    assert served.standin.calls("views.publish") == [], "the Messages tab is not the Home tab"


def test_opening_the_dm_when_slack_refuses_everything_shows_no_error(served):
    served.standin.script(PROMPTS, Scripted(body={"ok": False, "error": "missing_scope"}))
    served.standin.script("chat.postMessage", Scripted(body={"ok": False, "error": "not_allowed"}))

    assert served.sender.event(app_home_opened(user=USER_ID, tab="messages")).status == 200

    served.standin.wait_for("chat.postMessage", 1)
    served.assert_nothing_more_posted(already=1)  # still answering; nothing else was sent


# -- a DM: answered in the person's thread, with a status and a title ------------------------------


def test_a_dm_is_answered_in_its_thread_with_a_status_set_and_cleared_and_a_title(served):
    dm = direct_message("<@UBOT> who signs a TORO?")

    post = served.ask(dm)

    assert post.body["thread_ts"] == dm["ts"], "the reply is in the person's thread"
    assert answer(served, "toro-signatures") in post.body["text"]
    served.standin.wait_for(STATUS, 2)
    calls = [c for c in served.standin.calls() if c.method in (STATUS, TITLE, "chat.postMessage")]
    statuses = [c for c in calls if c.method == STATUS]
    assert [s.body["status"] for s in statuses] == [served.use_cases.kb.messages.text("status_looking"), ""]
    assert all((s.body["channel_id"], s.body["thread_ts"]) == (DM_CHANNEL_ID, dm["ts"]) for s in statuses)
    assert calls.index(statuses[0]) < calls.index(post) < calls.index(statuses[1]), "set, answer, cleared"
    [title] = served.standin.calls(TITLE)
    assert (title.body["channel_id"], title.body["thread_ts"]) == (DM_CHANNEL_ID, dm["ts"])
    assert title.body["title"] == "who signs a TORO?", "the question's words, not its markup"


def test_a_reply_in_a_dm_thread_keeps_the_threads_title(served):
    parent = new_ts()

    post = served.ask(direct_message("what is an ARO?", thread_ts=parent))

    assert post.body["thread_ts"] == parent
    served.standin.wait_for(STATUS, 2)
    assert served.standin.calls(TITLE) == [], "the title came from the question that opened the thread"


def test_a_status_slack_refuses_does_not_stop_the_answer(served):
    served.standin.script(STATUS, Scripted(body={"ok": False, "error": "missing_scope"}))
    served.standin.script(TITLE, Scripted(body={"ok": False, "error": "missing_scope"}))
    dm = direct_message("what is an ARO?")

    post = served.ask(dm)

    assert answer(served, "aro-definition") in post.body["text"]
    assert len(served.standin.calls(STATUS)) == 1, "a status never shown is not cleared"


# -- follow-ups in a thread the bot answered ------------------------------------------------------


def test_a_follow_up_mention_in_the_thread_is_answered_on_the_previous_topic(served):
    question = app_mention("what is a TORO?")
    first = served.ask(question)
    assert answer(served, "toro") in first.body["text"]

    follow = served.ask(app_mention("and in the EU?", thread_ts=question["ts"]))

    eu = answer(served, "toro-non-us-trials")
    assert follow.body["thread_ts"] == question["ts"]
    assert follow.body["text"].startswith("_On TORO:_ " + eu), "the EU position, saying which topic it took"
    assert "Article 71" in follow.body["text"]
    assert "I don't have a curated answer" not in follow.body["text"]


def test_the_same_words_outside_that_thread_are_not_read_on_its_topic(served):
    question = app_mention("what is a TORO?")
    served.ask(question)

    elsewhere = served.ask(app_mention("and in the EU?"))  # a new message, not in the thread

    assert "On TORO" not in elsewhere.body["text"]
    assert "I don't have a curated answer" in elsewhere.body["text"]


def test_a_topic_change_in_the_thread_is_routed_afresh(served):
    question = app_mention("what is a TORO?")
    served.ask(question)

    changed = served.ask(app_mention("what is an ARO?", thread_ts=question["ts"]))

    assert changed.body["text"].startswith(answer(served, "aro-definition")), "no 'On TORO:'"
    # ...and the thread is now on that topic: a follow-up goes with the ARO answer
    follow = served.ask(app_mention("which should we use?", thread_ts=question["ts"]))
    assert follow.body["text"].startswith("_On AROs:_ " + answer(served, "aro-or-cro-choice"))


def test_a_three_turn_dm_conversation_keeps_its_topic(served):
    dm = direct_message("What is a TORO?")
    turns = [served.ask(dm)]
    for text in ("and in the EU?", "who signs it?"):
        turns.append(served.ask(direct_message(text, thread_ts=dm["ts"])))

    assert [t.body["thread_ts"] for t in turns] == [dm["ts"]] * 3
    assert turns[0].body["text"].startswith(answer(served, "toro"))
    assert turns[1].body["text"].startswith("_On TORO:_ " + answer(served, "toro-non-us-trials"))
    assert turns[2].body["text"].startswith("_On TORO:_ " + answer(served, "toro-signatures"))
    assert len(served.standin.calls(TITLE)) == 1, "one thread, one title"
    stored = journal(served, "SELECT question, entry FROM questions ORDER BY id")
    assert stored == [
        ("What is a TORO?", "toro"),
        ("and in the EU?", "toro-non-us-trials"),
        ("who signs it?", "toro-signatures"),
    ]


def test_a_thread_keeps_its_topic_across_a_restart(standin, tmp_path):
    state = tmp_path / "state.sqlite3"
    question = app_mention("what is a TORO?")
    with served_app(standin, state) as before:
        before.ask(question)
    with served_app(standin, state) as after:  # another worker, or the bot restarted
        follow = after.ask(app_mention("who signs it?", thread_ts=question["ts"]))

    assert follow.body["text"].startswith("_On TORO:_ " + answer(after, "toro-signatures"))


# -- "Ask CRO Bot about this" ---------------------------------------------------------------------


def test_the_message_shortcut_answers_the_question_in_that_messages_thread(served):
    someone = message(
        "<@U999> do we need a TORO for our EU trial? see <https://evil.example/x|this> <!channel>",
        user="U999",
        channel=CHANNEL_ID,
        channel_type="channel",
    )
    url, path = served.new_hook("shortcuts")
    mention_answer = served.ask(app_mention("do we need a TORO for our EU trial?"))

    assert served.sender.action(message_shortcut(someone, response_url=url)).status == 200

    _, post = served.standin.wait_for("chat.postMessage", 2)
    assert (post.body["channel"], post.body["thread_ts"]) == (CHANNEL_ID, someone["ts"])
    assert post.body["text"] == mention_answer.body["text"], "the same answer and sources as a mention"
    assert post.body["blocks"][1:] != [] and post.body["blocks"][1] == mention_answer.body["blocks"][1]
    assert find_button(post.body["blocks"], FEEDBACK_VOTE), "with feedback buttons"
    shown = str(post.body)
    assert "U999" not in shown and "evil.example" not in shown and "<!channel>" not in shown
    assert served.standin.calls(path) == [], "a public answer, not a private one"
    assert ("shortcut", "toro-non-us-trials") in journal(served, "SELECT surface, entry FROM questions")

    # the thread it opened is on that topic for a follow-up mention
    follow = served.ask(app_mention("who signs it?", thread_ts=someone["ts"]))
    assert follow.body["text"].startswith("_On TORO:_ " + answer(served, "toro-signatures"))


def test_the_message_shortcut_inside_a_thread_answers_in_that_thread(served):
    parent = new_ts()
    someone = message("what is an ARO?", user="U999", channel=CHANNEL_ID, channel_type="channel", thread_ts=parent)
    url, _ = served.new_hook("shortcuts")

    served.sender.action(message_shortcut(someone, response_url=url))

    [post] = served.standin.wait_for("chat.postMessage", 1)
    assert post.body["thread_ts"] == parent


def test_the_message_shortcut_where_the_bot_is_not_in_the_channel_answers_the_person_alone(served):
    served.standin.script("chat.postMessage", Scripted(body={"ok": False, "error": "not_in_channel"}))
    someone = message("what is an ARO?", user="U999", channel="C999", channel_type="channel")
    url, path = served.new_hook("shortcuts")

    assert served.sender.action(message_shortcut(someone, response_url=url, channel="C999")).status == 200

    [private] = served.standin.wait_for(path, 1)
    assert private.body["response_type"] == "ephemeral"
    assert private.body["text"].startswith(answer(served, "aro-definition"))
    assert find_button(private.body["blocks"], FEEDBACK_VOTE)
    served.standin.assert_count_stays(path, 1, within=0.2)


# -- feedback: native buttons, classic ones where Slack refuses them ------------------------------


def test_where_slack_refuses_the_native_feedback_buttons_the_classic_ones_are_posted(served):
    served.standin.refuse_blocks("context_actions")

    assert served.sender.event(app_mention("what is an ARO?")).status == 200

    refused, posted = served.standin.wait_for("chat.postMessage", 2)

    assert refused.response["error"] == "invalid_blocks"
    assert posted.response["ok"] is True
    assert posted.body["text"] == refused.body["text"], "the same answer, once"
    types = [b["type"] for b in posted.body["blocks"]]
    assert "context_actions" not in types
    _, helpful = find_button(posted.body["blocks"], FEEDBACK_HELPFUL)
    find_button(posted.body["blocks"], FEEDBACK_NOT_HELPFUL)
    served.standin.assert_count_stays("chat.postMessage", 2, within=0.3)

    url, path = served.new_hook("shortcuts")
    payload = block_actions(FEEDBACK_NOT_HELPFUL, response_url=url, message=posted_message(posted))
    assert served.sender.action(payload).status == 200
    served.standin.wait_for(path, 1)
    question_id = int(helpful["value"].partition(":")[0])
    assert journal(served, "SELECT question_id, entry, helpful, user FROM feedback") == [
        (question_id, "aro-definition", 0, USER_ID)
    ], "the classic vote lands in the same journal"


def test_native_votes_from_the_agent_view_are_stored_once_per_person(served):
    post = served.ask(direct_message("what is an ARO?"))

    native = block_actions(FEEDBACK_VOTE, response_url="", message=posted_message(post))
    assert native["actions"][0]["type"] == "feedback_buttons"
    for pressed, user in (("negative", USER_ID), ("positive", USER_ID), ("negative", "U333")):
        response, path = served.click(post, FEEDBACK_VOTE, channel=DM_CHANNEL_ID, user=user, pressed=pressed)
        assert response.status == 200
        [thanks] = served.standin.wait_for(path, 1)
        assert thanks.body["response_type"] == "ephemeral"

    assert journal(served, "SELECT user, helpful FROM feedback ORDER BY user") == [(USER_ID, 1), ("U333", 0)]
    assert BOT_USER_ID not in {u for (u,) in journal(served, "SELECT user FROM feedback")}
