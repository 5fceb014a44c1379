"""The HTTP entry point for gunicorn: `POST /slack/events` (events, commands, interactivity) and
`GET /healthz`. Everything else is 404."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable

from gunicorn.errors import AppImportError
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.assistant import Assistant
from bot.knowledge.errors import KnowledgeError
from bot.settings import SettingsError, load_settings
from bot.slack.app import build_app, configure_logging, slack_error

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000  # Slack payloads are a few KB; refuse anything absurd before reading it


class SlackWebApp:
    """A WSGI callable: Slack's path goes to Bolt, the health check answers from here."""

    def __init__(self, app: App, assistant: Assistant) -> None:
        self.slack = SlackRequestHandler(app)
        self.assistant = assistant

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            entries = len(self.assistant.kb.entries)
            if not entries:  # nothing to answer with: take this instance out of rotation
                return _respond(start_response, "503 Service Unavailable", {"status": "no knowledge loaded"})
            return _respond(start_response, "200 OK", {"status": "ok", "entries": entries})
        if path == "/slack/events" and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = MAX_BODY_BYTES + 1
            if length > MAX_BODY_BYTES:
                return _respond(start_response, "413 Payload Too Large", {"error": "request too large"})
            try:
                return self.slack(environ, start_response)
            except Exception as exc:  # noqa: BLE001
                # Bolt parses a body, and its built-in middleware reads it, before anything checks its
                # shape (even before the signature, for some bodies): what makes Bolt itself fail is
                # malformed, and gets a 400 rather than a 500 and a traceback.
                log.warning("refused a malformed request: %s", type(exc).__name__)
                return _respond(start_response, "400 Bad Request", {"error": "malformed request"})
        return _respond(start_response, "404 Not Found", {"error": "not found"})


def _respond(start_response: Callable, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def create_app() -> SlackWebApp:
    """gunicorn's factory (`bot.slack.web:create_app()`): stops with a named cause if it can't start."""
    settings = load_settings()
    configure_logging(settings.log_level)
    try:
        settings.require_slack()
        assistant = Assistant.from_settings(settings)
        app = build_app(settings, assistant)  # Bolt checks the bot token with auth.test here
    except (SettingsError, KnowledgeError) as exc:
        # AppImportError, not SystemExit: gunicorn then stops with "App failed to load" (exit 4) and
        # prints this message; a worker ending in SystemExit is just restarted, forever.
        raise AppImportError(f"cro-bot cannot start: {exc}") from None
    except (BoltError, SlackApiError, OSError) as exc:
        raise AppImportError(f"cro-bot cannot start: Slack refused or unreachable: {slack_error(exc)}") from None
    return SlackWebApp(app, assistant)
