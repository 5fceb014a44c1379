"""A direct message to the bot (the agent view's Messages tab): answered in the person's thread, the
thread showing a status while the bot looks it up and titled after the question that opened it."""

from __future__ import annotations

from slack_bolt import BoltContext
from slack_bolt.context.set_status import SetStatus
from slack_bolt.context.set_title import SetTitle
from slack_sdk import WebClient

from bot.slack.listeners.base import once
from bot.slack.listeners.events.questions import (
    QuestionListener,
    is_direct_message_from_person,
    status_while,
    tried,
)


class DirectMessages(QuestionListener):
    @once(when=is_direct_message_from_person)
    def answer(
        self, body: dict, event: dict, context: BoltContext, client: WebClient, set_status: SetStatus | None = None
    ) -> None:
        # Bolt's set_status already points at this thread (the message's thread_ts, or its own ts);
        # set_title it gives only inside a thread, so a new thread's title is set through its class.
        thread_ts = event.get("thread_ts") or event["ts"]
        with status_while(set_status, self.use_cases.status_text()):
            if not event.get("thread_ts"):
                title = self.use_cases.thread_title(event.get("text") or "")
                if title:
                    tried("setting the thread title", SetTitle(client, event["channel"], thread_ts), title)
            self.reply(body, context, client)
