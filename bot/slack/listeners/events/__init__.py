"""Events: a mention in a channel (answered in its thread), a direct message (answered in the DM),
and the App Home tab being opened (its view published)."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltContext, Say
from slack_sdk import WebClient

from bot.render import render_home
from bot.slack.replies import post_answer

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on my side while answering. Please try again in a moment."


def register(app: App) -> None:
    app.event("app_mention")(answer_mention)
    # Every message event lands here (edits, deletions, other bots' posts too) so that none is left
    # "unhandled" (a 404 Slack would retry); only a person's new direct message is answered.
    app.event("message")(answer_direct_message)
    app.event("app_home_opened")(publish_home)


def is_question_from_person(event: dict) -> bool:
    """A new message typed by a person: not a bot, not an edit, deletion, join or other subtype."""
    return bool(
        event.get("user")
        and event.get("text") is not None
        and not event.get("subtype")
        and not event.get("bot_id")
        and not event.get("edited")
    )


def answer(event: dict, context: BoltContext, say: Say, surface: str, thread_ts: str | None) -> None:
    """Answer `event` once: a retry of the same message, in any worker, finds the claim taken."""
    if not context["store"].claim(f"msg:{event.get('channel')}:{event.get('ts')}"):
        log.info("already answered %s/%s; ignoring the repeat", event.get("channel"), event.get("ts"))
        return
    try:
        result = context["assistant"].router.route(event.get("text") or "")
    except Exception:
        log.exception("routing failed")
        say(text=SORRY, thread_ts=thread_ts)
        return
    post_answer(context, say, result, surface=surface, thread_ts=thread_ts)


def answer_mention(event: dict, context: BoltContext, say: Say) -> None:
    if is_question_from_person(event):
        answer(event, context, say, "mention", thread_ts=event.get("thread_ts") or event.get("ts"))


def answer_direct_message(event: dict, context: BoltContext, say: Say) -> None:
    if event.get("channel_type") == "im" and is_question_from_person(event):
        answer(event, context, say, "dm", thread_ts=event.get("thread_ts"))


def publish_home(event: dict, context: BoltContext, client: WebClient) -> None:
    if event.get("tab", "home") == "home" and event.get("user"):
        client.views_publish(user_id=event["user"], view=render_home(context["assistant"].kb))
