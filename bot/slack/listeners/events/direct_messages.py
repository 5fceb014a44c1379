"""A direct message to the bot: answered in the conversation (or in the thread it was sent in)."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.listeners.base import once
from bot.slack.listeners.events.questions import QuestionListener, is_direct_message_from_person


class DirectMessages(QuestionListener):
    @once(when=is_direct_message_from_person)
    def answer(self, body: dict, context: BoltContext, client: WebClient) -> None:
        self.reply(body, context, client)
