"""Actions: the buttons on the bot's messages (related and did-you-mean questions, feedback, share)."""

from __future__ import annotations

import logging
import re

from slack_bolt import Ack, App, BoltContext, Respond, Say

from bot.render import (
    ASK_ENTRY,
    FEEDBACK_BLOCK,
    FEEDBACK_HELPFUL,
    FEEDBACK_NOT_HELPFUL,
    SHARE_CHECKLIST,
    feedback_thanks,
)
from bot.slack.replies import errors_logged_after_ack, first_delivery, post_answer, respond_checked

log = logging.getLogger(__name__)
GONE = "That answer is no longer in my knowledge base. Ask me again and I'll find what fits now."


def register(app: App) -> None:
    app.action(re.compile(rf"^{ASK_ENTRY}(:\d+)?$"))(answer_chosen_entry)
    app.action(FEEDBACK_HELPFUL)(record_feedback)
    app.action(FEEDBACK_NOT_HELPFUL)(record_feedback)
    app.action(SHARE_CHECKLIST)(share_checklist)


def first_click(body: dict, action: dict, context: BoltContext) -> bool:
    """False for a second delivery of the same click (same trigger_id and action_ts): one answer,
    one vote, one shared checklist per click."""
    return first_delivery(context, "act", body.get("trigger_id"), action.get("action_ts"))


@errors_logged_after_ack
def answer_chosen_entry(ack: Ack, body: dict, action: dict, context: BoltContext, say: Say, respond: Respond) -> None:
    """A related or did-you-mean button: answer that entry in the same thread as the button."""
    ack()
    if not first_click(body, action, context):
        return
    result = context["assistant"].choose(action.get("value", ""))
    if result is None:
        respond_checked(respond, "reply", text=GONE, response_type="ephemeral", replace_original=False)
        return
    message = body.get("message") or {}
    in_dm = (body.get("channel") or {}).get("id", "").startswith("D")
    thread_ts = message.get("thread_ts") or (None if in_dm else message.get("ts"))
    post_answer(context, say, result, surface="button", thread_ts=thread_ts)


@errors_logged_after_ack
def record_feedback(ack: Ack, body: dict, action: dict, context: BoltContext, respond: Respond) -> None:
    """Store the vote, then swap the two buttons for a thank-you so one person votes once."""
    ack()
    if not first_click(body, action, context):
        return
    question, _, entry_id = action.get("value", "").partition(":")
    if entry_id not in context["assistant"].kb.entries:
        respond_checked(respond, "reply", text=GONE, response_type="ephemeral", replace_original=False)
        return
    helpful = action.get("action_id") == FEEDBACK_HELPFUL
    question_id = int(question) if question.isascii() and question.isdigit() else None  # not "²"
    context["store"].record_feedback(question_id, entry_id, helpful)
    message = body.get("message") or {}
    blocks = [b for b in message.get("blocks", []) if b.get("block_id") != FEEDBACK_BLOCK]
    respond_checked(
        respond,
        "feedback thanks",
        replace_original=True,
        text=message.get("text", ""),
        blocks=[*blocks, feedback_thanks(helpful)],
    )


@errors_logged_after_ack
def share_checklist(ack: Ack, body: dict, action: dict, context: BoltContext, respond: Respond) -> None:
    """Post the privately shown checklist for everyone in the channel, and say so privately."""
    ack()
    if not first_click(body, action, context):
        return
    result, reply = context["assistant"].checklist(action.get("value", ""), shareable=False)
    if result.checklist is None:
        respond_checked(respond, "reply", text=GONE, response_type="ephemeral", replace_original=False)
        return
    if respond_checked(
        respond,
        "shared checklist",
        text=reply.text,
        blocks=reply.blocks,
        response_type="in_channel",
        replace_original=False,
    ):
        respond_checked(
            respond, "share note", text=f"Shared “{result.checklist.title}” in the channel.", replace_original=True
        )
