"""Answering an accepted question where it was asked, then marking its claim answered: the one path
shared by the listener that accepted it and the sweeper that takes it over from a dead worker.

At least once: chat.postMessage has no idempotency key, so a worker killed between Slack taking the
post and the claim being marked leaves a question another worker answers again. The window is kept
to the one UPDATE that follows the post's return: nothing (no logging, no rendering) comes between.
"""

from __future__ import annotations

import functools
import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain import Surface
from bot.slack.listeners.base import failure
from bot.slack.send import post_reply
from bot.state import DeliveryClaims, Pending
from bot.state.threads import ThreadKey, ThreadMemory
from bot.use_cases import Asker, UseCases

log = logging.getLogger(__name__)


def answer_pending(
    use_cases: UseCases,
    claims: DeliveryClaims,
    pending: Pending,
    client: WebClient,
    *,
    text: str | None = None,
    threads: ThreadMemory | None = None,
) -> None:
    """Answer `pending` (with `text`, the message as received, when there is one; else the question
    its claim kept) in its conversation and thread, on the thread's topic if `threads` knows it, and
    mark it answered. If Slack cannot be reached or is overloaded the claim is released for a sweeper
    to try again; if Slack refuses for good (the channel gone, the bot removed) it is given up.
    Raises what the post raised."""
    asker = Asker(pending.user, pending.team, pending.enterprise)
    where = None
    if pending.channel and pending.thread_ts:
        where = ThreadKey(pending.team, pending.channel, pending.thread_ts)
    try:
        previous = threads.get(where) if threads is not None and where else None
        answer = use_cases.answer_question(
            pending.question if text is None else text,
            Surface(pending.surface),
            asker,
            previous_entry=previous,
            delivery=pending.key,
        )
        reply = answer.reply
        if threads is not None and where and answer.entry is not None:
            threads.put(where, answer.entry.id)  # before posting: a follow-up may come at once
    except Exception as exc:  # noqa: BLE001 - the person is told; the log says what failed
        log.error("answering failed: %s", failure(exc))
        reply = use_cases.notice("error")
    try:
        post = functools.partial(client.chat_postMessage, channel=pending.channel)
        post_reply(post, reply, thread_ts=pending.thread_ts)  # native feedback buttons, else the classic
    except Exception as exc:
        if pending.key:
            claims.release(pending.key, failed=not _worth_retrying(exc))
        raise
    if pending.key:
        claims.answered(pending.key)


def _worth_retrying(exc: Exception) -> bool:
    """Slack overloaded or out of reach (after the client's own retries): later may work. Slack's own
    refusal of this post (not_in_channel, channel_not_found, invalid_auth) will not change."""
    if isinstance(exc, SlackApiError):
        status = getattr(exc.response, "status_code", 200)
        return status == 429 or status >= 500
    return True
