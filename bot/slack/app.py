"""The Bolt app factory: settings, use cases and delivery claims in; a configured App out."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from bot.settings import Settings
from bot.slack.client import web_client
from bot.slack.listeners import register_listeners
from bot.slack.listeners.base import failure
from bot.slack.middleware import ack_non_events, refuse_malformed
from bot.state import DeliveryClaims
from bot.use_cases import UseCases

log = logging.getLogger(__name__)


def build_app(
    settings: Settings, use_cases: UseCases, claims: DeliveryClaims, *, client: WebClient | None = None
) -> App:
    """An App whose listeners hold the use cases and claims they were registered with."""
    app = App(
        name="cro-bot",
        client=client or web_client(settings),
        # Always on: Bolt skips it for Socket Mode messages (which are not signed) by itself. Whether a
        # request is checked must never depend on which secrets happen to be configured.
        signing_secret=settings.signing_secret,
        request_verification_enabled=True,
        logger=logging.getLogger("bot.slack.bolt"),
        # Right after the signature check, before Bolt's authorization and listener matching, both of
        # which index these fields without looking: a payload without them would end in a 500.
        before_authorize=refuse_malformed,
    )
    app.middleware(ack_non_events)

    @app.error
    def log_errors(error: Exception) -> None:
        # The exception's type and place only, never the request: payloads carry user text.
        log.error("listener failed: %s", failure(error))

    register_listeners(app, use_cases, claims)
    return app
