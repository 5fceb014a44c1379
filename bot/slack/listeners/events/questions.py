"""Answering a person's message in Slack, shared by mentions and direct messages."""

from __future__ import annotations

import logging

from slack_bolt import Say

from bot.domain import Surface
from bot.slack.listeners.base import Listener, asker, failure

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


class QuestionListener(Listener):
    def reply(self, body: dict, say: Say, surface: Surface, thread_ts: str | None) -> None:
        """Answer the event's text where it was asked; a failure on our side still gets a reply."""
        event = body["event"]
        try:
            reply = self.use_cases.answer_question(event.get("text") or "", surface, asker(body)).reply
        except Exception as exc:  # noqa: BLE001 - the person is told; the log says what failed
            log.error("answering failed: %s", failure(exc))
            reply = self.use_cases.notice("error")
        say(text=reply.text, blocks=reply.blocks, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False)
