""" "Share in channel" under a privately shown checklist: post it for everyone, and say so privately."""

from __future__ import annotations

from slack_bolt import Respond

from bot.slack.listeners.base import Listener, once
from bot.slack.respond import share_publicly, tell


class ShareChecklistButton(Listener):
    @once()
    def share(self, body: dict, action: dict, respond: Respond) -> None:
        shown = self.use_cases.share_checklist(action.get("value", ""))
        if shown.checklist is None:
            tell(respond, "reply", shown.reply.text)
            return
        note = self.use_cases.checklist_shared_note(shown.checklist)
        share_publicly(respond, "shared checklist", shown.reply.text, shown.reply.blocks, note.text)
