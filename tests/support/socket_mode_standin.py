"""A stand-in for Slack's Socket Mode endpoint on 127.0.0.1 (the `websockets` sync server).

Socket Mode, as Slack runs it: the app calls ``apps.connections.open`` with its app-level token and
gets a one-time ``wss://…/link/?ticket=…`` URL; it opens a WebSocket there; Slack sends ``hello``, then
one envelope per event, command or interaction; the app acknowledges each by sending back
``{"envelope_id": …}`` (with a ``payload`` when it has an immediate reply). Slack may also send
``disconnect`` (e.g. ``refresh_requested``), after which the app opens a new connection.
(docs.slack.dev/apis/events-api/using-socket-mode; envelope shapes as in bolt-python's
``tests/adapter_tests/socket_mode/mock_socket_mode_server.py``.)

Here the Web API stand-in hands out this server's URLs (``ws://``, loopback only)::

    with SlackStandIn() as slack, SocketModeStandIn(slack) as socket_mode:
        ...  # start the app with SLACK_APP_TOKEN=xapp-1-A111-1-test, SLACK_API_URL=slack.api_url
        socket_mode.wait_connected()
        envelope_id = socket_mode.send("events_api", event_callback(app_mention("what is a CRO?")))
        ack = socket_mode.wait_for_ack(envelope_id)

A ticket is good for one connection, as Slack's are; a connection without a valid ticket is refused.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from tests.support.slack_standin import SlackStandIn

APP_ID = "A111"


class SocketModeStandIn:
    def __init__(self, web_api: SlackStandIn | None = None) -> None:
        self.web_api = web_api
        self._changed = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._closed: list[ServerConnection] = []
        self._received: list[dict] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> SocketModeStandIn:
        # No compression and no server pings: Slack's own framing is plain text frames.
        self._server = serve(
            self._session, "127.0.0.1", 0, process_request=self._check_ticket, compression=None, ping_interval=None
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="socket-mode-standin", daemon=True)
        self._thread.start()
        if self.web_api is not None:
            self.web_api.socket_mode = self
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None
        if self.web_api is not None and self.web_api.socket_mode is self:
            self.web_api.socket_mode = None

    def __enter__(self) -> SocketModeStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what apps.connections.open hands out ------------------------------------------------------

    @property
    def port(self) -> int:
        assert self._server is not None, "stand-in not started"
        return self._server.socket.getsockname()[1]

    def issue_url(self) -> str:
        ticket = uuid.uuid4().hex
        with self._changed:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={APP_ID}"

    def _check_ticket(self, connection: ServerConnection, request: Any) -> Any:
        url = urlsplit(request.path)
        ticket = (parse_qs(url.query).get("ticket") or [""])[0]
        with self._changed:
            if url.path != "/link/" or ticket not in self._tickets:
                return connection.respond(401, "invalid ticket\n")
            self._tickets.discard(ticket)  # one connection per ticket
        return None

    # -- a connection ------------------------------------------------------------------------------

    def _session(self, connection: ServerConnection) -> None:
        with self._changed:
            self._connections.append(connection)
            self._changed.notify_all()
        try:
            connection.send(
                json.dumps(
                    {
                        "type": "hello",
                        "num_connections": len(self._connections) - len(self._closed),
                        "debug_info": {
                            "host": "applink-standin",
                            "build_number": 1,
                            "approximate_connection_time": 18060,
                        },
                        "connection_info": {"app_id": APP_ID},
                    }
                )
            )
            for raw in connection:
                try:
                    message = json.loads(raw)
                except ValueError:
                    message = {"unparsed": raw}
                with self._changed:
                    self._received.append(message)
                    self._changed.notify_all()
        except ConnectionClosed:
            pass  # the app hung up (its client closes the socket without a close frame)
        finally:
            with self._changed:
                self._closed.append(connection)
                self._changed.notify_all()

    def _wait(self, ready, what: str, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = ready()
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{what}: not within {timeout}s; received {self._received}")
                self._changed.wait(min(left, 0.05))

    def wait_connected(self, count: int = 1, timeout: float = 20.0) -> int:
        """Block until `count` connections have been opened in all; return how many are open now."""
        self._wait(lambda: len(self._connections) >= count, f"{count} Socket Mode connection(s)", timeout)
        with self._changed:
            return len(self._connections) - len(self._closed)

    def wait_all_closed(self, timeout: float = 10.0) -> None:
        """Block until every connection opened so far has ended."""
        self._wait(
            lambda: self._connections and len(self._closed) == len(self._connections), "all connections closed", timeout
        )

    def open_connections(self) -> int:
        with self._changed:
            return len(self._connections) - len(self._closed)

    # -- envelopes ---------------------------------------------------------------------------------

    def send(
        self,
        envelope_type: str,
        payload: dict,
        *,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        envelope_id: str | None = None,
    ) -> str:
        """Send `payload` in an envelope of `envelope_type` on the newest connection; its envelope_id."""
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id or str(uuid.uuid4()),
            "payload": payload,
            "type": envelope_type,
            "accepts_response_payload": envelope_type != "events_api",
        }
        if envelope_type == "events_api":  # Slack counts deliveries of an event: 0 first, then 1, 2, 3
            envelope["retry_attempt"] = retry_attempt or 0
            envelope["retry_reason"] = retry_reason or ""
        self._newest().send(json.dumps(envelope))
        return envelope["envelope_id"]

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's notice that this connection is about to go: the app should open a new one."""
        self._newest().send(
            json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-standin"}})
        )

    def _newest(self) -> ServerConnection:
        with self._changed:
            open_ = [c for c in self._connections if c not in self._closed]
        assert open_, "no open Socket Mode connection"
        return open_[-1]

    def received(self) -> list[dict]:
        with self._changed:
            return list(self._received)

    def acks(self, envelope_id: str) -> list[dict]:
        with self._changed:
            return [m for m in self._received if m.get("envelope_id") == envelope_id]

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict:
        """The app's acknowledgement of `envelope_id` (AssertionError if none arrives in time)."""
        return self._wait(lambda: self.acks(envelope_id), f"ack of envelope {envelope_id}", timeout)[0]
