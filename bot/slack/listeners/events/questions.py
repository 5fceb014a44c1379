"""Answering a person's message in Slack, shared by mentions and direct messages: in its thread, read
on that thread's topic when the bot has answered there before."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.domain import Surface
from bot.slack.answering import answer_pending
from bot.slack.listeners.base import Listener, asker, delivery_key, tried
from bot.state import Pending

log = logging.getLogger(__name__)


def is_question_from_person(event: object) -> bool:
    """A new message typed by a person: not a bot, not an edit, deletion, join or other subtype."""
    return isinstance(event, dict) and bool(
        event.get("user")
        and event.get("text") is not None
        and not event.get("subtype")
        and not event.get("bot_id")
        and not event.get("edited")
    )


def is_mention_from_person(body: dict) -> bool:
    return is_question_from_person(body.get("event"))


def is_direct_message_from_person(body: dict) -> bool:
    event = body.get("event")
    return isinstance(event, dict) and is_question_from_person(event) and event.get("channel_type") == "im"


# Which events are questions, and where each is asked: a mention in a channel, a direct message (the
# agent view). Either is answered in its thread: the one it was in, or the one it starts.
QUESTION_EVENTS: dict[str, tuple[Callable[[dict], bool], Surface]] = {
    "app_mention": (is_mention_from_person, Surface.MENTION),
    "message": (is_direct_message_from_person, Surface.DM),
}


def question_in(body: dict) -> Pending | None:
    """The person's question a payload carries, as its claim records it (the text as received; the
    store keeps it cleaned); None if the payload is no question. An empty key: the payload lacks what
    names its delivery, and it is answered without a claim (better twice than never)."""
    event = body.get("event")
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return None
    kind = QUESTION_EVENTS.get(event["type"])
    if kind is None or not kind[0](body):
        return None
    who = asker(body)
    channel = event.get("channel")
    return Pending(
        delivery_key(body) or "",
        who.team,
        who.enterprise,
        who.user,
        str(kind[1]),
        channel if isinstance(channel, str) else "",
        event.get("thread_ts") or event.get("ts"),
        str(event.get("text") or ""),
    )


@contextmanager
def status_while(set_status: Callable[..., Any] | None, status: str) -> Iterator[None]:
    """The thread shows `status` ("is looking it up…") while the bot answers; cleared once the answer
    is posted (or has failed), so it never lingers."""
    shown = bool(status) and tried("setting the thread status", set_status, status)
    try:
        yield
    finally:
        if shown:
            tried("clearing the thread status", set_status, "")


class QuestionListener(Listener):
    def reply(self, body: dict, context: BoltContext, client: WebClient) -> None:
        """Answer the event's text in its thread, on the thread's topic if the bot answered there
        before (bot/slack/answering.py); the question was accepted before the ack by the
        accept_questions middleware, which left its record in the context."""
        pending = context.get("accepted") or question_in(body)
        if pending is not None:
            answer_pending(self.use_cases, self.claims, pending, client, text=pending.question, threads=self.threads)
