"""Events: a mention in a channel (answered in its thread) and a direct message (answered in the DM)."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext, Say

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side while answering. Please try again in a moment."


def register(app: App) -> None:
    app.event("app_mention")(answer_mention)
    # Every message event lands here (edits, deletions, other bots' posts too) so that none is left
    # "unhandled" (a 404 Slack would retry); only a person's new direct message is answered.
    app.event("message")(answer_direct_message)


def is_question_from_person(event: dict) -> bool:
    """A new message typed by a person: not a bot, not an edit, deletion, join or other subtype."""
    return bool(
        event.get("user")
        and event.get("text") is not None
        and not event.get("subtype")
        and not event.get("bot_id")
        and not event.get("edited")
    )


def answer(event: dict, context: BoltContext, say: Say, thread_ts: str | None) -> None:
    """Answer `event` once: a retry of the same message, in any worker, finds the claim taken."""
    if not context["store"].claim(f"msg:{event.get('channel')}:{event.get('ts')}"):
        log.info("already answered %s/%s; ignoring the repeat", event.get("channel"), event.get("ts"))
        return
    try:
        _, reply = context["assistant"].ask(event.get("text") or "")
        text, blocks = reply.text, reply.blocks
    except Exception:
        log.exception("routing failed")
        text, blocks = SORRY, None
    say(text=text, blocks=blocks, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False)


def answer_mention(event: dict, context: BoltContext, say: Say) -> None:
    if is_question_from_person(event):
        answer(event, context, say, thread_ts=event.get("thread_ts") or event.get("ts"))


def answer_direct_message(event: dict, context: BoltContext, say: Say) -> None:
    if event.get("channel_type") == "im" and is_question_from_person(event):
        answer(event, context, say, thread_ts=event.get("thread_ts"))
