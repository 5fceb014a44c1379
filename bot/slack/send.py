"""Posting a reply, with Slack's native feedback buttons where Slack takes them and the classic 👍/👎
buttons where it refuses them (`invalid_blocks`: a workspace, client or surface without the native
element). Votes from either kind land in the same journal (bot/slack/listeners/actions/feedback.py).
Through a response_url the same is `respond_reply` (bot/slack/respond.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.render import Reply
from bot.slack.client import slack_error
from bot.slack.respond import REFUSED_BLOCKS

log = logging.getLogger(__name__)


def post_reply(post: Callable[..., Any], reply: Reply, **where: Any) -> Any:
    """`post(text=..., blocks=..., **where)` (Bolt's say, or client.chat_postMessage) with the reply;
    again with its fallback blocks if Slack refuses the first ones. Other refusals are raised."""
    message = {"unfurl_links": False, "unfurl_media": False, **where}
    try:
        return post(text=reply.text, blocks=reply.blocks, **message)
    except SlackApiError as exc:
        if slack_error(exc) != REFUSED_BLOCKS or reply.fallback_blocks is None:
            raise
    log.info("Slack refused the native feedback buttons (%s); posting the classic ones", REFUSED_BLOCKS)
    return post(text=reply.text, blocks=reply.fallback_blocks, **message)
