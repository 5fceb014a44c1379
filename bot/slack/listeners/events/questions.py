"""Answering a person's message in Slack, shared by mentions and direct messages."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.domain import Surface
from bot.slack.answering import answer_pending
from bot.slack.listeners.base import Listener, asker, delivery_key
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


# Which events are questions, where each is asked, and where its answer goes: a mention in the thread
# under it (or the thread it was in), a direct message in the conversation (or its thread).
QUESTION_EVENTS: dict[str, tuple[Callable[[dict], bool], Surface, Callable[[dict], str | None]]] = {
    "app_mention": (is_mention_from_person, Surface.MENTION, lambda e: e.get("thread_ts") or e.get("ts")),
    "message": (is_direct_message_from_person, Surface.DM, lambda e: e.get("thread_ts")),
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
    is_question, surface, thread = kind
    who = asker(body)
    channel = event.get("channel")
    return Pending(
        delivery_key(body) or "",
        who.team,
        who.enterprise,
        who.user,
        str(surface),
        channel if isinstance(channel, str) else "",
        thread(event),
        str(event.get("text") or ""),
    )


class QuestionListener(Listener):
    def reply(self, body: dict, context: BoltContext, client: WebClient) -> None:
        """Answer the event's text where it was asked; a failure on our side still gets a reply."""
        pending = context.get("accepted") or question_in(body)
        if pending is not None:
            answer_pending(self.use_cases, self.claims, pending, client, text=pending.question)
