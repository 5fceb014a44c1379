"""A related or did-you-mean button: answer that entry in the same thread as the button."""

from __future__ import annotations

from slack_bolt import Respond, Say

from bot.slack.listeners.base import Listener, asker, once
from bot.slack.respond import respond_checked


class AskEntryButton(Listener):
    @once()
    def answer(self, body: dict, action: dict, say: Say, respond: Respond) -> None:
        answer = self.use_cases.answer_entry(action.get("value", ""), asker(body))
        if answer.entry is None:  # the entry left the knowledge base since the button was posted
            respond_checked(respond, "reply", text=answer.reply.text, response_type="ephemeral", replace_original=False)
            return
        message = body.get("message") or {}
        in_dm = (body.get("channel") or {}).get("id", "").startswith("D")
        thread_ts = message.get("thread_ts") or (None if in_dm else message.get("ts"))
        reply = answer.reply
        say(text=reply.text, blocks=reply.blocks, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False)
