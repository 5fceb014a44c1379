"""Mentions and direct messages, end to end: signed Events API request in, chat.postMessage out."""

from __future__ import annotations

import pytest

from tests.support.slack_requests import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    OTHER_BOT_ID,
    app_mention,
    bot_message,
    direct_message,
    message,
    message_changed,
    message_deleted,
    new_event_id,
    new_ts,
)
from tests.support.slack_standin import BOT_ID, BOT_USER_ID


def block_text(blocks: list[dict]) -> str:
    """All mrkdwn/plain text inside blocks: sections, context elements and button labels."""
    parts = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            text = element.get("text", "")
            parts.append(text["text"] if isinstance(text, dict) else text)
    return "\n".join(parts)


def test_mention_in_a_channel_is_answered_in_a_thread_under_it(served):
    mention = app_mention("what is an ARO?")

    response = served.sender.event(mention)

    assert response.status == 200
    [post] = served.standin.wait_for("chat.postMessage", 1)
    assert post.token == "xoxb-test"
    assert post.body["channel"] == CHANNEL_ID
    assert post.body["thread_ts"] == mention["ts"]
    assert "academic" in post.body["text"].lower()
    assert post.body["blocks"], "the answer is laid out in Block Kit"
    assert "academic" in block_text(post.body["blocks"]).lower()
    assert post.body["unfurl_links"] is False


def test_mention_inside_a_thread_is_answered_in_that_thread(served):
    parent_ts = new_ts()
    mention = app_mention("what is an ARO?", thread_ts=parent_ts)

    assert served.sender.event(mention).status == 200

    [post] = served.standin.wait_for("chat.postMessage", 1)
    assert post.body["channel"] == CHANNEL_ID
    assert post.body["thread_ts"] == parent_ts
    assert "academic" in post.body["text"].lower()


def test_direct_message_is_answered_in_the_persons_thread(served):
    dm = direct_message("what is an ARO?")

    assert served.sender.event(dm).status == 200

    [post] = served.standin.wait_for("chat.postMessage", 1)
    assert post.body["channel"] == DM_CHANNEL_ID
    assert post.body["thread_ts"] == dm["ts"], "the agent view: every answer is a reply in the person's thread"
    assert "academic" in post.body["text"].lower()
    assert post.body["blocks"]


def test_different_questions_each_get_their_own_answer(served):
    served.sender.event(direct_message("what is an ARO?"))
    served.sender.event(direct_message("what is an ARO?"))

    posts = served.standin.wait_for("chat.postMessage", 2)
    served.standin.assert_count_stays("chat.postMessage", 2, within=0.3)
    assert [p.body["channel"] for p in posts] == [DM_CHANNEL_ID, DM_CHANNEL_ID]


IGNORED = {
    "another bot's post": lambda: bot_message("what is an ARO?", bot_id=OTHER_BOT_ID),
    "another bot's post without subtype": lambda: message("what is an ARO?", user="U999", bot_id=OTHER_BOT_ID),
    "another bot's mention": lambda: {**app_mention("what is an ARO?", user="U999"), "bot_id": OTHER_BOT_ID},
    "the bot's own DM reply (user)": lambda: message("An ARO is an academic research organisation", user=BOT_USER_ID),
    "the bot's own DM reply (bot_id)": lambda: bot_message(
        "An ARO is an academic research organisation", bot_id=BOT_ID
    ),
    "an edit": lambda: message_changed(new_ts(), "what is an ARO?"),
    "a deletion": lambda: message_deleted(new_ts()),
    "a channel message that is no mention": lambda: message(
        "what is an ARO?", channel=CHANNEL_ID, channel_type="channel"
    ),
}


@pytest.mark.parametrize("make_event", IGNORED.values(), ids=IGNORED.keys())
def test_events_that_are_not_questions_are_acknowledged_and_not_answered(served, make_event):
    response = served.sender.event(make_event())

    assert response.status == 200, "a non-2xx answer makes Slack retry the event"
    served.assert_nothing_more_posted()


def test_slack_retry_of_an_answered_event_is_not_answered_again(served):
    dm = direct_message("what is an ARO?")
    event_id = new_event_id()
    assert served.sender.event(dm, event_id=event_id).status == 200
    served.standin.wait_for("chat.postMessage", 1)

    retry = served.sender.event(dm, event_id=event_id, retry_num=1)

    assert retry.status == 200, "a failed retry would be retried again"
    served.assert_nothing_more_posted(already=1)


def test_same_message_under_a_new_event_id_is_answered_once(served):
    mention = app_mention("what is an ARO?")
    assert served.sender.event(mention).status == 200
    served.standin.wait_for("chat.postMessage", 1)

    assert served.sender.event(mention, event_id=new_event_id()).status == 200

    served.assert_nothing_more_posted(already=1)


def test_mention_and_its_retries_arriving_together_give_one_answer(served):
    mention = app_mention("what is an ARO?")
    event_id = new_event_id()

    for retry_num in (None, 1, 2):
        assert served.sender.event(mention, event_id=event_id, retry_num=retry_num).status == 200

    [post] = served.standin.wait_for("chat.postMessage", 1)
    assert post.body["thread_ts"] == mention["ts"]
    served.assert_nothing_more_posted(already=1)
