"""Sending a reply through a payload's response_url, and saying so when Slack refuses it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk.webhook import WebhookResponse

from bot.render import Reply

log = logging.getLogger(__name__)
REFUSED_BLOCKS = "invalid_blocks"


def respond_checked(respond: Respond, what: str, **message: Any) -> bool:
    """respond(**message), logging a refusal: respond() returns Slack's non-200 answer (URL expired or
    used up, Slack down) instead of raising it. The log names the status and Slack's short error text,
    never the URL: whoever holds a response_url can post with it."""
    return _delivered(respond(**message), what)


def respond_reply(respond: Respond, what: str, reply: Reply, **message: Any) -> bool:
    """A reply through the response_url with Slack's native feedback buttons, or, if Slack refuses
    them (HTTP 400 "invalid_blocks"), with the classic ones (see bot/slack/send.py)."""
    response = respond(text=reply.text, blocks=reply.blocks, **message)
    if response.status_code != 200 and REFUSED_BLOCKS in (response.body or "") and reply.fallback_blocks:
        log.info("Slack refused the native feedback buttons (%s); sending the classic ones", REFUSED_BLOCKS)
        response = respond(text=reply.text, blocks=reply.fallback_blocks, **message)
    return _delivered(response, what)


def _delivered(response: WebhookResponse, what: str) -> bool:
    if response.status_code == 200:
        return True
    log.warning("%s not delivered: response_url answered HTTP %s %s", what, response.status_code, response.body[:200])
    return False


def share_publicly(respond: Respond, what: str, text: str, blocks: list[dict] | None, note: str) -> bool:
    """Post a privately shown reply for the whole channel, then replace the private copy with `note`
    ("Shared ... in the channel"); the private copy stays if the channel post did not go through."""
    shared = respond_checked(
        respond, what, text=text, blocks=blocks, response_type="in_channel", replace_original=False
    )
    if shared:
        respond_checked(respond, "share note", text=note, replace_original=True)
    return shared


def tell(respond: Respond, what: str, text: str) -> bool:
    """A short reply only the person who clicked or typed sees, leaving their message as it was."""
    return respond_checked(respond, what, text=text, response_type="ephemeral", replace_original=False)
