"""A related or did-you-mean button: answer that entry in the same thread as the button, which is
then that thread's topic for a follow-up."""

from __future__ import annotations

from slack_bolt import Respond, Say

from bot.slack.listeners.base import Listener, asker, once, thread_key
from bot.slack.respond import respond_checked
from bot.slack.send import post_reply


class AskEntryButton(Listener):
    @once()
    def answer(self, body: dict, action: dict, say: Say, respond: Respond) -> None:
        answer = self.use_cases.answer_entry(action.get("value", ""), asker(body))
        if answer.entry is None:  # the entry left the knowledge base since the button was posted
            respond_checked(respond, "reply", text=answer.reply.text, response_type="ephemeral", replace_original=False)
            return
        message = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id", "")
        in_dm = channel.startswith("D")
        thread_ts = message.get("thread_ts") or (None if in_dm else message.get("ts"))
        where = thread_key(body, channel, thread_ts)
        if where:
            self.threads.put(where, answer.entry.id)  # before posting: a follow-up may come at once
        post_reply(say, answer.reply, thread_ts=thread_ts)
