"""@CRO Bot in a channel: answered in the thread under the message (or the thread it was in), on that
thread's topic if the bot answered there before. Only mentions reach the bot: it reads no channel."""

from __future__ import annotations

from slack_bolt import Say

from bot.domain import Surface
from bot.slack.listeners.base import once
from bot.slack.listeners.events.questions import QuestionListener, is_mention_from_person


class Mentions(QuestionListener):
    @once(when=is_mention_from_person)
    def answer(self, body: dict, event: dict, say: Say) -> None:
        self.reply(body, say, Surface.MENTION, thread_ts=event.get("thread_ts") or event.get("ts"))
