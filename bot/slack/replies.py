"""Shared by the listeners: answering a request once, posting an answer, and checking a respond()."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from slack_bolt import BoltContext, Respond, Say

from bot.routing import RouteResult

log = logging.getLogger(__name__)


def errors_logged_after_ack(listener: Callable[..., None]) -> Callable[..., None]:
    """For listeners that ack() first: an error after the ack is logged, not raised. Bolt forgets an
    ack whose listener then raises, so Slack would show the user a failure for a request that was in
    fact acknowledged. (functools.wraps keeps the signature Bolt reads its arguments from.)"""

    @functools.wraps(listener)
    def guarded(**kwargs: object) -> None:
        try:
            listener(**kwargs)
        except Exception as exc:  # noqa: BLE001 - logged; the user already has the ack
            log.error("%s failed after its ack: %s: %s", listener.__name__, type(exc).__name__, exc)

    return guarded


def first_delivery(context: BoltContext, kind: str, *ids: object) -> bool:
    """False when this request was already handled, by this or any other worker; True otherwise.

    Slack may deliver one command or click twice (a retry after a slow acknowledgement, a form sent
    twice); `ids` name that one delivery (a command's trigger_id; a click's trigger_id and action_ts)
    and become a claim in the shared state file. Without them the request is answered: better twice
    than never.
    """
    if not ids or any(not i for i in ids):
        return True
    if context["store"].claim(":".join((kind, *map(str, ids)))):
        return True
    log.info("already handled this %s; ignoring the repeat", kind)
    return False


def post_answer(context: BoltContext, say: Say, result: RouteResult, *, surface: str, thread_ts: str | None) -> None:
    """Record `result` (so its feedback buttons can refer to it), then post the reply."""
    entry_id = result.entry.id if result.entry else None
    question_id = context["store"].record_question(surface, result.question, result.status, entry_id, result.score)
    reply = context["assistant"].render(result, question_id)
    say(text=reply.text, blocks=reply.blocks, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False)


def respond_checked(respond: Respond, what: str, **message: object) -> bool:
    """respond(**message), logging a refusal: respond() returns Slack's non-200 answer (URL expired or
    used up, Slack down) instead of raising it. The log names the status and Slack's short error text,
    never the URL: whoever holds a response_url can post with it."""
    response = respond(**message)
    if response.status_code == 200:
        return True
    log.warning("%s not delivered: response_url answered HTTP %s %s", what, response.status_code, response.body[:200])
    return False
