"""`cro-bot run`: Socket Mode when SLACK_APP_TOKEN is set, otherwise the HTTP server (gunicorn)."""

from __future__ import annotations

import logging
import os
import signal
import sys

from bot.assistant import Assistant
from bot.settings import Settings
from bot.slack.app import build_app, configure_logging, slack_error

log = logging.getLogger(__name__)


class _Stop(Exception):
    """Raised by SIGTERM in the main thread, to leave SocketModeHandler.start()'s endless wait."""


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def run(settings: Settings) -> int:
    configure_logging(settings.log_level)
    settings.require_slack()
    if not settings.socket_mode:
        # The same process the Procfile's web: line starts, so both paths are tested as one.
        argv = [sys.executable, "-m", "gunicorn", "--config", "python:bot.slack.gunicorn_conf"]
        os.execv(sys.executable, [*argv, "bot.slack.web:create_app()"])
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    try:
        app = build_app(settings, Assistant.from_settings(settings))
    except (BoltError, SlackApiError, OSError) as exc:  # Bolt checks the bot token with auth.test
        log.error("cannot start: Slack refused or could not be reached: %s", slack_error(exc))
        return 1
    # The handler's SocketModeClient calls apps.connections.open through app.client, so SLACK_API_URL
    # applies to Socket Mode as well.
    handler = SocketModeHandler(app, settings.app_token)
    # A platform stops a worker with SIGTERM (Ctrl+C is the same by hand): disconnect, so Slack sends
    # nothing more here, let the answers already under way finish, and exit 0 rather than die mid-reply.
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        handler.start()
    except (_Stop, KeyboardInterrupt):
        log.info("stopping: closing the Socket Mode connection")
    except (SlackApiError, OSError) as exc:  # e.g. apps.connections.open refusing the app token
        log.error("Slack refused the Socket Mode connection: %s (check SLACK_APP_TOKEN)", slack_error(exc))
        return 1
    finally:
        handler.close()
    return 0
