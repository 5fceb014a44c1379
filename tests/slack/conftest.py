"""The real Bolt app, served over real HTTP on 127.0.0.1 and talking to a local Slack stand-in.

`served` gives each test a fresh app (its own state file) behind wsgiref, plus a `SlackSender`
that signs requests the way Slack does and the `SlackStandIn` that records what the bot posted.
"""

from __future__ import annotations

import os
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from bot.assistant import Assistant
from bot.settings import Settings
from bot.slack.app import build_app
from bot.slack.web import SlackWebApp
from tests.support.slack_requests import SlackSender, assert_nothing_more_posted
from tests.support.slack_standin import SlackStandIn

SIGNING_SECRET = "test-signing-secret-0d8c5e"


@pytest.fixture(autouse=True)
def no_slack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt reads SLACK_* variables as fallbacks; a developer's own must not leak into a test."""
    for name in list(os.environ):
        if name.startswith("SLACK_"):
            monkeypatch.delenv(name)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@dataclass
class ServedApp:
    base_url: str
    sender: SlackSender
    standin: SlackStandIn
    settings: Settings
    assistant: Assistant

    def posts(self) -> list:
        return self.standin.calls("chat.postMessage")

    def assert_nothing_more_posted(self, already: int = 0) -> None:
        """What was sent before produced no chat.postMessage beyond the `already` seen (see support)."""
        assert_nothing_more_posted(self.sender, self.standin, already)


@pytest.fixture
def served(standin: SlackStandIn, tmp_path) -> Iterator[ServedApp]:
    settings = Settings(
        bot_token="xoxb-test",
        signing_secret=SIGNING_SECRET,
        api_url=standin.api_url,
        state_db=tmp_path / "state.sqlite3",
    )
    assistant = Assistant.from_settings(settings)
    web_app = SlackWebApp(build_app(settings, assistant), assistant)
    server = make_server("127.0.0.1", 0, web_app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="slack-app", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield ServedApp(base_url, SlackSender(base_url, SIGNING_SECRET), standin, settings, assistant)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
