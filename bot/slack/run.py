"""`cro-bot run`: Socket Mode when SLACK_APP_TOKEN is set, otherwise the HTTP server (gunicorn)."""

from __future__ import annotations

import logging
import os
import signal
import sys

from bot.assistant import Assistant
from bot.settings import Settings
from bot.slack.app import build_app, configure_logging

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

    app = build_app(settings, Assistant.from_settings(settings))
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
    finally:
        handler.close()
    return 0
