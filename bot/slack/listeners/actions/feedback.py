"""👍/👎 on an answer: the vote is stored, and only the voter sees a thank-you. The buttons stay for
everyone else in the channel; a second click by the same person changes their vote.

Two kinds of buttons, one journal: Slack's native feedback buttons (one `feedback_buttons` element
whose value says which was pressed) and the classic ones (one action id each), which answers carry
where Slack refuses the native ones and which older answers still have."""

from __future__ import annotations

from slack_bolt import Respond

from bot.buttons import FeedbackRef, is_helpful, parse_vote
from bot.slack.listeners.base import Listener, asker, once
from bot.slack.respond import respond_checked


class FeedbackButtons(Listener):
    @once()
    def vote(self, body: dict, action: dict, respond: Respond) -> None:
        """A classic 👍/👎 button."""
        helpful = is_helpful(action.get("action_id", ""))
        self._record(body, action.get("value", ""), helpful, respond)

    @once()
    def native_vote(self, body: dict, action: dict, respond: Respond) -> None:
        """Slack's native feedback buttons."""
        value = action.get("value")
        vote = parse_vote(value) if isinstance(value, str) else None
        if vote is None:
            self._record(body, "", False, respond)  # not a value the bot wrote: answered as "gone"
            return
        ref, helpful = vote
        self._record(body, ref, helpful, respond)

    def _record(self, body: dict, value: str | FeedbackRef, helpful: bool, respond: Respond) -> None:
        reply = self.use_cases.record_vote(value, helpful, asker(body)).reply
        respond_checked(
            respond,
            "feedback reply",
            text=reply.text,
            blocks=reply.blocks,
            response_type="ephemeral",
            replace_original=False,
        )
