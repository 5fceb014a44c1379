"""The matrix modal submitted: refuse what cannot be right (the sponsor's own duties given away) on the
select concerned, with response_action "errors", or close the modal and show the matrix to the user
alone, with its Share and Export buttons: chat.postEphemeral in the channel the modal was opened from,
or, where the bot cannot post there, a message in the user's DM with it.

The listener acks itself (the middleware leaves view submissions alone), always, even when building the
matrix fails: an unacknowledged submission leaves the person looking at an error in the modal."""

from __future__ import annotations

import logging

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.matrix import MatrixError
from bot.matrix_modal import REGIONS_BLOCK, duty_block_id, read_submission
from bot.render import Reply
from bot.slack.client import slack_error
from bot.slack.listeners.actions.matrix import open_dm
from bot.slack.listeners.base import Listener, asker, once

log = logging.getLogger(__name__)


class MatrixSubmission(Listener):
    @once()
    def submit(self, ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        try:
            opened, choice = read_submission(view)
            shown = self.use_cases.build_matrix(choice.regions, choice.preset, choice.assignments)
        except MatrixError as exc:  # no region ticked, or ids the catalogue lacks (a stale or forged view)
            text = self.use_cases.notice("matrix_modal_no_region").text if not choice.regions else str(exc)
            ack(response_action="errors", errors={REGIONS_BLOCK: text})
            return
        except Exception:
            ack(response_action="errors", errors={REGIONS_BLOCK: self.use_cases.notice("error").text})
            raise
        if shown.matrix.blocking:
            ack(response_action="errors", errors={duty_block_id(w.duty): w.text for w in shown.matrix.blocking})
            return
        ack()
        self.show(client, asker(body).user, opened.channel, shown.reply)

    def show(self, client: WebClient, user: str, channel: str, reply: Reply) -> None:
        if channel:
            try:
                client.chat_postEphemeral(channel=channel, user=user, text=reply.text, blocks=reply.blocks)
                return
            except SlackApiError as exc:  # e.g. not_in_channel: the bot cannot post where the command was typed
                log.info("matrix not shown in its channel (%s); sending it to the DM instead", slack_error(exc))
        dm = open_dm(client, user)
        client.chat_postMessage(
            channel=dm, text=reply.text, blocks=reply.blocks, unfurl_links=False, unfurl_media=False
        )
