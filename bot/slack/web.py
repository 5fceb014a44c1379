"""The HTTP entry point (gunicorn, the Procfile's `web:` line): `POST /slack/events` (events,
commands, interactivity), `GET /healthz`, and with distribution on, Bolt's `GET /slack/install` and
`GET /slack/oauth_redirect`. Everything else is 404.

`/healthz` is 200 while there is knowledge to answer with, and says whether the state store answers
(`"store": "ok"` or `"down"`): answers go on while it is down (claims in memory, writes queued), so a
load balancer should keep the instance. Only a missing knowledge base gives 503.

Every request to the Slack path is checked here, before Bolt sees it: its body must arrive within
WEB_BODY_TIMEOUT (a client stalled mid-body would otherwise hold a worker thread for as long as it
likes), and its signature must be Slack's, made with SLACK_SIGNING_SECRET within the last five
minutes. That check does not depend on any other setting, and a refusal logs no part of the request.
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.use_cases import UseCases

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 1_000_000  # Slack payloads are a few KB; refuse anything absurd before reading it
_CHUNK = 64 * 1024


class BodyTimeout(Exception):
    """The client did not send the whole body in time."""


def read_body(environ: dict, length: int, timeout: float) -> bytes:
    """The request body, within `timeout` seconds in all. Under gunicorn the socket itself gets a
    deadline (`gunicorn.socket`); other servers (the tests' wsgiref) read as they do."""
    stream = environ["wsgi.input"]
    sock = environ.get("gunicorn.socket")
    deadline = time.monotonic() + timeout
    parts, received = [], 0
    try:
        while received < length:
            if sock is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BodyTimeout
                sock.settimeout(remaining)
            chunk = stream.read(min(_CHUNK, length - received))
            if not chunk:
                break
            parts.append(chunk)
            received += len(chunk)
    except TimeoutError:
        raise BodyTimeout from None
    finally:
        if sock is not None:
            sock.settimeout(None)  # back to blocking, as gunicorn expects for the response
    return b"".join(parts)


class SlackWebApp:
    """A WSGI callable: Slack's path goes to Bolt once the request is proven Slack's; the health check
    answers from here."""

    def __init__(
        self,
        app: App,
        use_cases: UseCases,
        signing_secret: str,
        body_timeout: float = 2.0,
        store_healthy: Callable[[], bool] | None = None,
    ) -> None:
        if not signing_secret:
            raise ValueError("HTTP mode needs SLACK_SIGNING_SECRET")
        self.slack = SlackRequestHandler(app)
        flow = app.oauth_flow
        self.oauth_paths = {flow.install_path, flow.redirect_uri_path} if flow is not None else set()
        self.store_healthy = store_healthy
        self.use_cases = use_cases
        self.verifier = SignatureVerifier(signing_secret)
        self.body_timeout = body_timeout

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            return self.health(start_response)
        if path == "/slack/events" and method == "POST":
            return self.slack_request(environ, start_response)
        if path in self.oauth_paths and method == "GET":  # a browser, not Slack: nothing signed to check
            return self.slack(environ, start_response)
        return _respond(start_response, "404 Not Found", {"error": "not found"})

    def health(self, start_response: Callable) -> list[bytes]:
        entries = len(self.use_cases.kb.entries)
        if not entries:  # nothing to answer with: take this instance out of rotation
            return _respond(start_response, "503 Service Unavailable", {"status": "no knowledge loaded"})
        health: dict[str, object] = {"status": "ok", "entries": entries}
        if self.store_healthy is not None:
            health["store"] = "ok" if self.store_healthy() else "down"
        return _respond(start_response, "200 OK", health)

    def slack_request(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = MAX_BODY_BYTES + 1
        if length > MAX_BODY_BYTES or length < 0:
            return _respond(start_response, "413 Payload Too Large", {"error": "request too large"})
        try:
            body = read_body(environ, length, self.body_timeout)
        except BodyTimeout:
            log.info("refused a request whose body did not arrive within %.1f s", self.body_timeout)
            return _respond(start_response, "408 Request Timeout", {"error": "request body too slow"}, close=True)
        if not self.signed_by_slack(environ, body):
            log.info("refused a request without a valid Slack signature")
            return _respond(start_response, "401 Unauthorized", {"error": "invalid request"})
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        try:
            return self.slack(environ, start_response)
        except Exception as exc:  # noqa: BLE001
            # Bolt parses a body, and its built-in middleware reads it, before anything checks its
            # shape: what makes Bolt itself fail is malformed, and gets a 400 rather than a 500.
            log.warning("refused a malformed request: %s", type(exc).__name__)
            return _respond(start_response, "400 Bad Request", {"error": "malformed request"})

    def signed_by_slack(self, environ: dict, body: bytes) -> bool:
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not (timestamp.isascii() and timestamp.isdigit() and signature):
            return False  # "abc" is no time: refused, not a 500 from int()
        try:
            return self.verifier.is_valid(body, timestamp, signature)
        except (ValueError, TypeError, UnicodeDecodeError):
            return False


def _respond(start_response: Callable, status: str, body: dict, close: bool = False) -> list[bytes]:
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if close:
        headers.append(("Connection", "close"))
    start_response(status, headers)
    return [data]


def create_app() -> SlackWebApp:
    """gunicorn's factory (`bot.slack.web:create_app()`), run in each worker. The gunicorn config has
    already checked the settings, the knowledge and the bot token in the master process, so a
    failure here is rare; it still stops with one line naming the cause."""
    from bot.slack.startup import start_http_worker

    return start_http_worker()
