"""Global middleware: refuse payloads Bolt would choke on, acknowledge every non-event payload at once,
in one rule, so a new command, button or shortcut needs no change here, and record each person's
question durably before its event is acknowledged."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import Ack, BoltContext, BoltResponse

from bot.slack.listeners.events.questions import question_in
from bot.state import DeliveryClaims

log = logging.getLogger(__name__)

# Payload types whose listener answers in the ack itself: a view submission acks with a
# response_action (to show validation errors), a block_suggestion with its options.
ACKED_BY_LISTENER = ("view_submission", "block_suggestion", "url_verification")


def well_formed(body: object) -> bool:
    """The fields Bolt's middleware and listener matching read have the shapes Slack sends."""
    if not isinstance(body, dict) or not isinstance(body.get("type", ""), str):
        return False
    if "event" in body:
        event = body["event"]
        if not (isinstance(event, dict) and isinstance(event.get("type"), str)):
            return False
    if "actions" in body:
        actions = body["actions"]
        if not (
            isinstance(actions, list)
            and all(isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions)
        ):
            return False
    return True


def refuse_malformed(body: dict, next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002
    return next() if well_formed(body) else BoltResponse(status=400, body="malformed request")


def ack_non_events(body: dict, ack: Ack, next: Callable[[], None]) -> None:  # noqa: A002 - Bolt's name
    """Bolt runs a command or button listener in a pool thread and polls for its ack() every 10 ms,
    holding a request thread meanwhile; acking here, in the request thread, returns the 200 at once
    (a listener's own ack() becomes a no-op). Measured: ack p99 at 12 concurrent requests fell from
    ~100 ms to well under it (benchmarks/load_slack.py). Events are acked by Bolt itself."""
    if "event" not in body and body.get("type") not in ACKED_BY_LISTENER:
        ack()
    next()


def accept_questions(claims: DeliveryClaims) -> Callable[..., BoltResponse | None]:
    """Middleware that records a person's question durably before Slack gets its acknowledgement.

    Bolt acknowledges an event itself, after the global middleware and before its listener runs (in a
    pool thread, after the 200): so the claim is taken here, in the request thread, where a failure to
    record it still precedes the ack. Then:

    - the first delivery of a question is accepted (its claim records where to answer, the cleaned
      question, this worker as owner); the listener finds it in `context["accepted"]` and answers it,
      and a sweeper in any worker answers it if this one dies before it is marked answered;
    - a repeat (Slack's retry, a copy at another instance) is acknowledged here with a 200 and goes no
      further: no listener thread is spent on it;
    - everything else (commands, clicks, other events) passes through: commands and clicks are acked
      by ack_non_events and claimed first-wins by their listener, since Slack shows their sender at
      once whether they worked, and a response_url is not worth keeping in a database.

    A claim costs one INSERT: measured, ack p99 stays well within Slack's 3 s (benchmarks/load_slack.py).
    """

    def accept(body: dict, context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002
        pending = question_in(body)
        if pending is not None and pending.key:
            if not claims.accept(pending):
                log.info("already accepted this %s; ignoring the repeat", pending.surface)
                return BoltResponse(status=200, body="")
            context["accepted"] = pending
        next()
        return None

    return accept
