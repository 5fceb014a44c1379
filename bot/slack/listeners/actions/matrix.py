"""The matrix's buttons: "Build a responsibility matrix" on the delegation and TORO checklists (opens
the modal), and under a privately shown matrix "Share in channel" and "Export", which sends the CSV and
Markdown files to the user's DM with the bot through Slack's upload API (files.getUploadURLExternal, the
upload, files.completeUploadExternal: slack_sdk's files_upload_v2). Button values carry ids only and are
read as untrusted: the use case checks them against the catalogue ("gone" if it no longer has them)."""

from __future__ import annotations

import logging

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.client import slack_error
from bot.slack.listeners.base import Listener, asker, once
from bot.slack.respond import share_publicly, tell

log = logging.getLogger(__name__)
CSV_NAME = "responsibility-matrix.csv"
MARKDOWN_NAME = "responsibility-matrix.md"


def open_dm(client: WebClient, user: str) -> str:
    """The id of the user's DM with the bot (conversations.open; needs im:write)."""
    return client.conversations_open(users=user)["channel"]["id"]


class MatrixButtons(Listener):
    @once()
    def open(self, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        channel = (body.get("channel") or {}).get("id") or ""
        opening = self.use_cases.open_matrix(channel=channel, start=action.get("value", ""))
        if opening.view is None:
            tell(respond, "matrix notice", opening.reply.text if opening.reply else "")
            return
        client.views_open(trigger_id=body["trigger_id"], view=opening.view)

    @once()
    def share(self, body: dict, action: dict, respond: Respond) -> None:
        shown = self.use_cases.matrix_from_value(action.get("value", ""), shareable=False)
        if shown.matrix is None:
            tell(respond, "reply", shown.reply.text)
            return
        note = self.use_cases.matrix_shared_note()
        share_publicly(respond, "shared matrix", shown.reply.text, shown.reply.blocks, note.text)

    @once()
    def export(self, body: dict, action: dict, client: WebClient, respond: Respond) -> None:
        files = self.use_cases.matrix_files(action.get("value", ""))
        if files is None:
            tell(respond, "reply", self.use_cases.notice("gone").text)
            return
        try:
            client.files_upload_v2(
                channel=open_dm(client, asker(body).user),
                initial_comment=files.comment,
                file_uploads=[
                    {"content": files.csv, "filename": CSV_NAME, "title": CSV_NAME},
                    {"content": files.markdown, "filename": MARKDOWN_NAME, "title": MARKDOWN_NAME},
                ],
            )
        except SlackApiError as exc:
            log.warning("matrix export failed: %s", slack_error(exc))
            tell(respond, "export failure", self.use_cases.notice("error").text)
            return
        tell(respond, "export note", self.use_cases.matrix_exported_note().text)
