"""`/cro-matrix [preset]`: opens the responsibility-matrix modal (views.open with the command's
trigger_id, which Slack honours for 3 seconds: the middleware has acked already). An unknown preset
gets a private notice listing the presets instead."""

from __future__ import annotations

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.slack.listeners.base import Listener, once
from bot.slack.respond import tell


class MatrixCommand(Listener):
    @once()
    def open(self, body: dict, command: dict, client: WebClient, respond: Respond) -> None:
        opening = self.use_cases.open_matrix(command.get("text") or "", channel=command.get("channel_id") or "")
        if opening.view is None:
            tell(respond, "matrix notice", opening.reply.text if opening.reply else "")
            return
        client.views_open(trigger_id=command["trigger_id"], view=opening.view)
