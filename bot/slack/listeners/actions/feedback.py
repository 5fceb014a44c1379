"""👍/👎 on an answer: the vote is stored, and only the voter sees a thank-you. The buttons stay for
everyone else in the channel; a second click by the same person changes their vote."""

from __future__ import annotations

from slack_bolt import Respond

from bot.buttons import is_helpful
from bot.slack.listeners.base import Listener, asker, once
from bot.slack.respond import respond_checked


class FeedbackButtons(Listener):
    @once()
    def vote(self, body: dict, action: dict, respond: Respond) -> None:
        helpful = is_helpful(action.get("action_id", ""))
        recorded = self.use_cases.record_vote(action.get("value", ""), helpful, asker(body))
        reply = recorded.reply
        respond_checked(
            respond,
            "feedback reply",
            text=reply.text,
            blocks=reply.blocks,
            response_type="ephemeral",
            replace_original=False,
        )
