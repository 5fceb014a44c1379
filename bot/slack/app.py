"""The Bolt app factory: settings, knowledge and state in; a configured App out."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.assistant import Assistant
from bot.settings import Settings
from bot.slack.listeners import register_listeners
from bot.store import Store

log = logging.getLogger(__name__)


def slack_error(exc: Exception) -> str:
    """What to log when Slack refuses: its error code, or Bolt's message (which quotes Slack's
    answer), never the request, which carries the token."""
    response = getattr(exc, "response", None)
    code = response.get("error") if response is not None and hasattr(response, "get") else None
    return str(code or exc)[:300]


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


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


def refuse_malformed(body: dict, next) -> BoltResponse | None:  # noqa: A002 - Bolt's argument name
    return next() if well_formed(body) else BoltResponse(status=400, body="malformed request")


def build_app(
    settings: Settings,
    assistant: Assistant,
    *,
    client: WebClient | None = None,
    store: Store | None = None,
) -> App:
    """An App whose listeners find the assistant and the store in their `context`."""
    if client is None:
        kwargs = {"base_url": settings.api_url} if settings.api_url else {}
        client = WebClient(token=settings.bot_token, timeout=settings.api_timeout, **kwargs)
        # A 429 waits its Retry-After, a 5xx or dropped connection is tried again; twice at most, so
        # one struggling Slack call cannot hold a worker thread for long. Bolt copies these handlers
        # into the client each listener gets.
        client.retry_handlers = [
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
        ]
    store = store or Store(settings.state_db)
    app = App(
        client=client,
        signing_secret=settings.signing_secret or None,
        # Socket Mode messages are not signed; HTTP requests always are.
        request_verification_enabled=not settings.socket_mode,
        logger=logging.getLogger("bot.slack.bolt"),
        # Right after the signature check, before Bolt's authorization and listener matching, both of
        # which index these fields without looking: a payload without them would end in a 500.
        before_authorize=refuse_malformed,
    )

    @app.middleware
    def ack_at_once(body: dict, ack: Ack, next) -> None:  # noqa: A002 - Bolt's argument name
        # Bolt runs a command or button listener in a pool thread and polls for its ack() every
        # 10 ms, holding a request thread meanwhile; acking here, in the request thread, returns the
        # 200 at once (the listener's own ack() becomes a no-op). Measured: ack p99 at 12 concurrent
        # requests fell from ~100 ms to well under it (benchmarks/load_slack.py).
        if "command" in body or body.get("type") == "block_actions":
            ack()
        next()

    @app.middleware
    def attach_services(context: BoltContext, next) -> None:  # noqa: A002 - Bolt's argument name
        context["assistant"] = assistant
        context["store"] = store
        context["settings"] = settings
        next()

    @app.error
    def log_errors(error: Exception) -> None:
        # The exception only, never the request: payloads carry user text and headers carry secrets.
        log.error("listener failed: %s: %s", type(error).__name__, error)

    register_listeners(app)
    return app
