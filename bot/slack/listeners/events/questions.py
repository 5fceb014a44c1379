"""Answering a person's message in Slack, shared by mentions and direct messages: in its thread, read
on that thread's topic when the bot has answered there before."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Say

from bot.domain import Surface
from bot.slack.listeners.base import Listener, asker, failure, thread_key, tried
from bot.slack.send import post_reply

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
    def reply(self, body: dict, say: Say, surface: Surface, thread_ts: str | None) -> None:
        """Answer the event's text in `thread_ts`, on the thread's topic if the bot answered there
        before, and remember what it answered; a failure on our side still gets a reply."""
        event = body["event"]
        where = thread_key(body, event.get("channel") or "", thread_ts)
        answer = None
        try:
            previous = self.threads.get(where) if where else None
            answer = self.use_cases.answer_question(
                event.get("text") or "", surface, asker(body), previous_entry=previous
            )
            reply = answer.reply
        except Exception as exc:  # noqa: BLE001 - the person is told; the log says what failed
            log.error("answering failed: %s", failure(exc))
            reply = self.use_cases.notice("error")
        if where and answer is not None and answer.entry is not None:
            self.threads.put(where, answer.entry.id)  # before posting: a follow-up may come at once
        post_reply(say, reply, thread_ts=thread_ts)
