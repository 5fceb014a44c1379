""" "Share in channel" under a privately shown checklist: post it for everyone, and say so privately."""

from __future__ import annotations

from slack_bolt import Respond

from bot.slack.listeners.base import Listener, once
from bot.slack.respond import respond_checked


class ShareChecklistButton(Listener):
    @once()
    def share(self, body: dict, action: dict, respond: Respond) -> None:
        shown = self.use_cases.share_checklist(action.get("value", ""))
        if shown.checklist is None:
            respond_checked(respond, "reply", text=shown.reply.text, response_type="ephemeral", replace_original=False)
            return
        reply = shown.reply
        shared = respond_checked(
            respond,
            "shared checklist",
            text=reply.text,
            blocks=reply.blocks,
            response_type="in_channel",
            replace_original=False,
        )
        if shared:
            note = self.use_cases.checklist_shared_note(shown.checklist)
            respond_checked(respond, "share note", text=note.text, replace_original=True)
