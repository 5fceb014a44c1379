""" "Ask CRO Bot about this" on someone's message: the question in that message answered in its thread,
with the same answer, sources and buttons as a mention (and on the thread's topic, if the bot answered
there before). Where the bot is not in the conversation, Slack refuses the post: the answer then goes
to the person who asked alone, through the shortcut's response_url. The message itself is never
quoted back: only its words are routed, and the answer is the knowledge's own text."""

from __future__ import annotations

import logging

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain import Surface
from bot.slack.client import slack_error
from bot.slack.listeners.base import Listener, asker, once, thread_key
from bot.slack.respond import respond_reply
from bot.slack.send import post_reply

log = logging.getLogger(__name__)
NOT_THERE = ("not_in_channel", "channel_not_found")  # the bot is no member, or cannot see it at all


class AskAboutMessage(Listener):
    @once()
    def answer(self, body: dict, shortcut: dict, client: WebClient, respond: Respond) -> None:
        message = shortcut.get("message")
        message = message if isinstance(message, dict) else {}
        channel = (shortcut.get("channel") or {}).get("id") or ""
        thread_ts = message.get("thread_ts") or message.get("ts")
        text = message.get("text")
        text = text if isinstance(text, str) else ""
        where = thread_key(body, channel, thread_ts)
        previous = self.threads.get(where) if where else None
        answer = self.use_cases.answer_question(text, Surface.SHORTCUT, asker(body), previous_entry=previous)
        if where and answer.entry is not None:
            self.threads.put(where, answer.entry.id)  # before posting: a follow-up may come at once
        try:
            post_reply(client.chat_postMessage, answer.reply, channel=channel, thread_ts=thread_ts)
        except SlackApiError as exc:
            if slack_error(exc) not in NOT_THERE:
                raise
            log.info("not in the conversation (%s): answering the person alone", slack_error(exc))
            respond_reply(respond, "shortcut answer", answer.reply, response_type="ephemeral", replace_original=False)
