"""`cro-bot run`: Socket Mode when SLACK_APP_TOKEN is set, otherwise the HTTP server (gunicorn)."""

from __future__ import annotations

import os
import sys

from bot.assistant import Assistant
from bot.settings import Settings
from bot.slack.app import build_app, configure_logging


def run(settings: Settings) -> int:
    configure_logging(settings.log_level)
    settings.require_slack()
    if not settings.socket_mode:
        # The same process the Procfile's web: line starts, so both paths are tested as one.
        argv = [sys.executable, "-m", "gunicorn", "--config", "python:bot.slack.gunicorn_conf"]
        os.execv(sys.executable, [*argv, "bot.slack.web:create_app()"])
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app = build_app(settings, Assistant.from_settings(settings))
    SocketModeHandler(app, settings.app_token).start()
    return 0
