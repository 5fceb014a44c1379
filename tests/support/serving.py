"""Serve a cro-bot WSGI app on 127.0.0.1 from a thread, for tests that need settings or knowledge of
their own (the shared `served` fixture in tests/slack/conftest.py uses the defaults)::

    with served_app(standin, tmp_path / "state.sqlite3", api_timeout=1) as app:
        app.sender.event(app_mention("what is a CRO?"))
"""

from __future__ import annotations

import http.client
import itertools
import select
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.settings import Settings
from bot.slack.app import build_app
from bot.slack.startup import distribution
from bot.slack.web import SlackWebApp
from bot.state import State, open_state
from bot.use_cases import UseCases
from tests.support.slack_requests import (
    CHANNEL_ID,
    USER_ID,
    Response,
    SlackSender,
    assert_nothing_more_posted,
    block_actions,
    posted_message,
)
from tests.support.slack_standin import SlackStandIn

SIGNING_SECRET = "test-signing-secret-7f31a2"


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


@contextmanager
def serve_wsgi(app: Callable) -> Iterator[str]:
    """Serve `app` on a free loopback port; yields its base URL, stops the server on exit."""
    server = make_server("127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="slack-app", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def post_streaming(url: str, body: bytes, headers: dict[str, str], chunk: int = 64 * 1024) -> Response:
    """POST `body`, but stop sending it as soon as the server answers.

    A server may refuse a body by its Content-Length without reading it (413). A client that insisted
    on writing the rest would get a broken pipe instead of that answer; Slack, like this helper, reads
    the answer.
    """
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    try:
        head = [f"POST {parts.path or '/'} HTTP/1.1", f"Host: {parts.netloc}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head += ["Connection: close", "", ""]
        sock.sendall("\r\n".join(head).encode())
        sent, view = 0, memoryview(body)
        while sent < len(body):
            readable, writable, _ = select.select([sock], [sock], [], 10)
            if readable:
                break  # the server has answered (or hung up) before taking the whole body
            if writable:
                try:
                    sent += sock.send(view[sent : sent + chunk])
                except (BrokenPipeError, ConnectionResetError):
                    break
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        sock.close()


_hook_numbers = itertools.count(1)


@dataclass
class Served:
    base_url: str
    sender: SlackSender
    standin: SlackStandIn
    settings: Settings
    use_cases: UseCases

    def posts(self) -> list:
        return self.standin.calls("chat.postMessage")

    def assert_nothing_more_posted(self, already: int = 0) -> None:
        """What was sent before produced no chat.postMessage beyond the `already` seen."""
        assert_nothing_more_posted(self.sender, self.standin, already)

    def ask(self, event: dict):
        """Send `event` (a mention or DM) and return the bot's chat.postMessage call that answers it."""
        already = len(self.posts())
        assert self.sender.event(event).status == 200
        return self.standin.wait_for("chat.postMessage", already + 1)[already]

    def new_hook(self, kind: str = "actions") -> tuple[str, str]:
        """A fresh response_url on the stand-in, and the path its posts arrive at."""
        name = f"{kind}/T111/{next(_hook_numbers)}/h"
        return self.standin.hook_url(name), "/hooks/" + name

    def click(
        self,
        post,
        action_id: str,
        *,
        channel: str = CHANNEL_ID,
        value: str | None = None,
        user: str = USER_ID,
        pressed: str = "positive",
    ) -> tuple[Response, str]:
        """Click a button on the message the bot posted (`post`, its chat.postMessage call); for the
        native feedback buttons, `pressed` is "positive" (👍) or "negative" (👎).

        Returns the HTTP response and the stand-in path of the click's response_url."""
        url, path = self.new_hook()
        payload = block_actions(
            action_id,
            response_url=url,
            message=posted_message(post),
            channel=channel,
            value=value,
            user=user,
            pressed=pressed,
        )
        return self.sender.action(payload), path


@contextmanager
def served_app(
    standin: SlackStandIn,
    state_db: Path,
    *,
    state: State | None = None,
    use_cases: UseCases | None = None,
    **settings: Any,
) -> Iterator[Served]:
    """The real app (build_app + SlackWebApp, as a gunicorn worker builds it) with `settings`
    overriding the test defaults, talking to `standin`; `state` defaults to an SQLite file at
    `state_db`, `use_cases` to the project's knowledge with that state's journal."""
    config = Settings(
        bot_token="xoxb-test", signing_secret=SIGNING_SECRET, api_url=standin.api_url, state_db=state_db
    )._replace(**settings)
    state = state or open_state(str(state_db))
    use_cases = use_cases or UseCases.from_settings(config, journal=state.journal)
    oauth = distribution(config, state)  # when the settings name an OAuth client, as startup.build does
    app = SlackWebApp(
        build_app(config, use_cases, state.claims, oauth=oauth),
        use_cases,
        config.signing_secret,
        store_healthy=state.claims.healthy,
    )
    with serve_wsgi(app) as base_url:
        yield Served(base_url, SlackSender(base_url, config.signing_secret), standin, config, use_cases)
