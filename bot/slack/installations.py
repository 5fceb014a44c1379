"""Distribution: installed by OAuth in many workspaces, with Bolt's own flow (`/slack/install` and
`/slack/oauth_redirect`) and slack_sdk's SQLAlchemy installation and OAuth state stores, in the same
database as the rest of the state (so any instance can finish an install another started, and any
instance finds every workspace's token).

Bolt for Python keeps the OAuth `state` parameter in that database (issued at /slack/install, used up
at the redirect, expiring after 10 minutes) and in a browser cookie it checks against it: there is no
state-signing secret to configure, only SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (and SLACK_REDIRECT_URI
when the app has several redirect URLs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt.context import BoltContext
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from bot.slack.client import web_client

log = logging.getLogger(__name__)

# What the app asks each workspace for: manifest.json's oauth_config.scopes.bot (a test checks they agree).
BOT_SCOPES = ("app_mentions:read", "assistant:write", "chat:write", "commands", "files:write", "im:history", "im:write")
STATE_EXPIRATION_SECONDS = 600

# How a worker finds the client to answer a workspace with: (enterprise id, team id) -> client, or None
# when that workspace has no installation (any more).
ClientFor = Callable[[str, str], WebClient | None]


def oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings:
    """Bolt's OAuth settings, its stores on `engine` (their tables created if missing)."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    installations = SQLAlchemyInstallationStore(
        client_id=settings.client_id, engine=engine, logger=logging.getLogger("slack_sdk.oauth")
    )
    states = SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine, logger=logging.getLogger("slack_sdk.oauth")
    )
    for store in (installations, states):
        _create_tables(store.create_tables)
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        redirect_uri=settings.redirect_uri or None,
        installation_store=installations,
        state_store=states,
        state_expiration_seconds=STATE_EXPIRATION_SECONDS,
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
    )


def _create_tables(create: Callable[[], None]) -> None:
    """slack_sdk's create_tables checks, then creates: workers starting together on a new database can
    both see no table and one of them fail on the other's. Then the tables are there: check again."""
    try:
        create()
    except SQLAlchemyError:
        create()


def client_for_installations(settings: Settings, oauth: OAuthSettings) -> ClientFor:
    """Each workspace's client, its bot token from the installation store, found as Bolt finds it for
    a request (an org-wide Enterprise Grid install answers for every team of the enterprise)."""
    authorize = oauth.authorize

    def client_for(enterprise: str, team: str) -> WebClient | None:
        result = authorize(context=BoltContext(), enterprise_id=enterprise or None, team_id=team or None, user_id=None)
        if result is None or not result.bot_token:
            return None
        return web_client(settings, token=result.bot_token)

    return client_for


def client_for_one_workspace(client: WebClient) -> ClientFor:
    """Single-workspace mode: SLACK_BOT_TOKEN's client answers everywhere."""
    return lambda enterprise, team: client
