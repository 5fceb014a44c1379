"""`/cro-checklist [topic]`: the checklist (or the list of them), shown only to whoever asked, with a
button to share it. The ack has gone out already (middleware); the reply follows via response_url."""

from __future__ import annotations

from slack_bolt import Respond

from bot.slack.listeners.base import Listener, asker, once
from bot.slack.respond import respond_checked


class ChecklistCommand(Listener):
    @once()
    def send(self, body: dict, command: dict, respond: Respond) -> None:
        shown = self.use_cases.show_checklist(command.get("text") or "", asker(body))
        respond_checked(
            respond, "checklist", text=shown.reply.text, blocks=shown.reply.blocks, response_type="ephemeral"
        )
