"""@CRO Bot in a channel: answered in the thread under the message (or the thread it was in), on that
thread's topic if the bot answered there before. Only mentions reach the bot: it reads no channel."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.listeners.base import once
from bot.slack.listeners.events.questions import QuestionListener, is_mention_from_person


class Mentions(QuestionListener):
    @once(when=is_mention_from_person)
    def answer(self, body: dict, context: BoltContext, client: WebClient) -> None:
        self.reply(body, context, client)
