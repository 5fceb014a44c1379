"""The Bolt app factory: settings, use cases, delivery claims and thread memory in (and, for
distribution, Bolt's OAuth settings); a configured App out."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.context.assistant.thread_context import AssistantThreadContext
from slack_bolt.context.assistant.thread_context_store.store import AssistantThreadContextStore
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.settings import Settings
from bot.slack.client import web_client
from bot.slack.listeners import register_listeners
from bot.slack.listeners.base import failure
from bot.slack.middleware import accept_questions, ack_non_events, refuse_malformed
from bot.state import DeliveryClaims
from bot.state.threads import ThreadMemory, open_threads
from bot.use_cases import UseCases

log = logging.getLogger(__name__)


class NoViewContext(AssistantThreadContextStore):
    """Bolt's store for the channel a person had open beside the assistant pane. The agent view sends
    no assistant_thread_context_changed events, so there is nothing to keep; Bolt's default store
    would read the thread (conversations.replies) on every message in a DM thread to look for it.
    (Which entry a thread is on is the bot's own ThreadMemory.)"""

    def save(self, *, channel_id: str, thread_ts: str, context: dict[str, str]) -> None:
        return None

    def find(self, *, channel_id: str, thread_ts: str) -> AssistantThreadContext | None:
        return None


def build_app(
    settings: Settings,
    use_cases: UseCases,
    claims: DeliveryClaims,
    *,
    client: WebClient | None = None,
    threads: ThreadMemory | None = None,
    oauth: OAuthSettings | None = None,
) -> App:
    """An App whose listeners hold the use cases, claims and thread memory they were registered
    with; `threads` defaults to the one beside the state STATE_DB names. With `oauth` (distribution)
    Bolt serves the install flow and finds each workspace's token in its installation store;
    uninstalling the app, or revoking its tokens, deletes that workspace's installation."""
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
        assistant_thread_context_store=NoViewContext(),
        oauth_settings=oauth,
    )
    app.middleware(ack_non_events)
    app.middleware(accept_questions(claims))
    if oauth is not None:
        app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked: Bolt's own handlers
    else:

        @app.event("app_uninstalled")
        @app.event("tokens_revoked")
        def token_gone() -> None:
            # One workspace's token: nothing stored to delete, but the operator needs to know.
            log.warning("the app was uninstalled or its tokens revoked: SLACK_BOT_TOKEN no longer works")

    @app.error
    def log_errors(error: Exception) -> None:
        # The exception's type and place only, never the request: payloads carry user text.
        log.error("listener failed: %s", failure(error))

    register_listeners(app, use_cases, claims, threads or open_threads(str(settings.state_db)))
    return app
