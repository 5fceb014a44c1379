"""What every listener shares: its use cases, claims and thread memory, answering one Slack delivery
once, and logging (never raising) a failure after Slack has had its acknowledgement."""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from bot.state import DeliveryClaims
from bot.state.threads import MemoryThreads, ThreadKey, ThreadMemory
from bot.use_cases import Asker, UseCases

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., None])


class Listener:
    def __init__(self, use_cases: UseCases, claims: DeliveryClaims, threads: ThreadMemory | None = None) -> None:
        self.use_cases = use_cases
        self.claims = claims
        self.threads = threads if threads is not None else MemoryThreads()  # which entry each thread is on


def delivery_key(body: dict) -> str | None:
    """What names one delivery, the same on Slack's retries of it: a message's channel and ts; a
    command's trigger_id; a click's trigger_id and action_ts. None when the payload lacks them (then
    it is answered: better twice than never)."""
    event = body.get("event")
    if isinstance(event, dict):
        channel, ts = event.get("channel"), event.get("ts")
        return f"msg:{channel}:{ts}" if channel and ts else None
    if "command" in body:
        trigger = body.get("trigger_id")
        return f"cmd:{trigger}" if trigger else None
    actions = body.get("actions")
    if body.get("type") == "block_actions" and isinstance(actions, list) and actions:
        trigger, action_ts = body.get("trigger_id"), actions[0].get("action_ts")
        return f"act:{trigger}:{action_ts}" if trigger and action_ts else None
    if body.get("type") in ("message_action", "shortcut"):
        trigger = body.get("trigger_id")
        return f"sc:{trigger}" if trigger else None
    return None


def thread_key(body: dict, channel: str, thread_ts: str | None) -> ThreadKey | None:
    """Which thread a payload's answer goes in, as the thread memory names it (None: not a thread)."""
    return ThreadKey(asker(body).team, channel, thread_ts) if channel and thread_ts else None


def asker(body: dict) -> Asker:
    """Who sent this payload, and from which workspace (kept with the question in the journal): the
    team and enterprise as Bolt reads them for its context.team_id and context.enterprise_id, i.e.
    the installation the request came to (in a Slack Connect channel, this side's workspace)."""
    from slack_bolt.request.internals import extract_enterprise_id, extract_team_id

    user = body.get("user_id") or (body.get("event") or {}).get("user") or (body.get("user") or {}).get("id")
    team, enterprise = extract_team_id(body), extract_enterprise_id(body)
    return Asker(*(value if isinstance(value, str) else "" for value in (user, team, enterprise)))


def failure(exc: BaseException) -> str:
    """An exception as a log line: its type and where it was raised, and for Slack's refusals and
    network errors their short reason ("not_in_channel", "timed out"); never any other message, which
    may quote user text or a request."""
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import slack_error

    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    reason = ""
    if isinstance(exc, SlackApiError):
        reason = f" ({slack_error(exc)})"
    elif isinstance(exc, OSError):
        reason = f" ({(exc.strerror or str(exc))[:100]})"
    return f"{type(exc).__name__}{reason}{where}"


def tried(what: str, call: Callable[..., Any] | None, *args: Any) -> bool:
    """Call one of Bolt's agent-view utilities (set_status, set_title, set_suggested_prompts); a
    refusal (an app without assistant:write, a thread Slack does not know) is logged, and never stops
    the answer it decorates. False if it was not called or failed."""
    if call is None:
        return False
    try:
        call(*args)
        return True
    except Exception as exc:  # noqa: BLE001 - the answer matters more than its status line
        log.warning("%s failed: %s", what, failure(exc))
        return False


def once(when: Callable[[dict], bool] | None = None) -> Callable[[F], F]:
    """Run a listener method (which must take `body`) once per Slack delivery, and log what fails.

    `when(body)` says whether the payload is one to handle at all (a person's message, not a bot's):
    others are ignored without taking a claim. A person's question was claimed already, before the
    ack, by the accept_questions middleware (bot/slack/middleware.py), which hands the listener its
    record in `context["accepted"]`; the listener takes no claim of its own then. Bolt has
    acknowledged the request before the listener runs (events: always; the rest: the ack_non_events
    middleware), so an error here is logged, not raised: Bolt would otherwise turn it into a failure
    Slack shows for a request that was in fact received. functools.wraps keeps the signature Bolt
    reads its arguments from."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def run(self: Listener, **kwargs: Any) -> None:
            body = kwargs["body"]
            if when is not None and not when(body):
                return
            key = delivery_key(body)
            context = kwargs.get("context")
            accepted = context.get("accepted") if context is not None else None
            if key and accepted is None and not self.claims.claim(key):
                log.info("already handled this %s; ignoring the repeat", key.split(":", 1)[0])
                return
            try:
                method(self, **kwargs)
            except Exception as exc:  # noqa: BLE001 - logged; Slack already has its acknowledgement
                log.error("%s failed after its ack: %s", method.__qualname__, failure(exc))

        return run  # type: ignore[return-value]

    return decorate
