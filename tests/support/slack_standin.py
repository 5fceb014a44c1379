"""A stand-in for Slack's Web API on 127.0.0.1, for tests that drive the real Bolt app.

The app is pointed at it through SLACK_API_URL (``Settings.api_url``); slash commands are given a
``response_url`` under its ``/hooks/`` prefix. Every request is recorded, so tests can assert what the
bot would have posted to Slack::

    with SlackStandIn() as slack:
        ...  # start the app with api_url=slack.api_url
        [call] = slack.wait_for("chat.postMessage", 1)
        assert call.body["thread_ts"] == "1700000000.000100"
        posted_ts = call.response["ts"]  # what the stand-in answered with

Listeners run in Bolt's threads *after* the HTTP 200, so use ``wait_for`` (and ``assert_count_stays``
for "nothing more arrives") rather than reading ``calls()`` straight after a request.

Fault injection: ``script(method, Scripted(status=429, headers={"Retry-After": "1"}), ...)`` queues
responses that are served, in order, to the next calls of ``method`` (an API method name such as
``"chat.postMessage"``, or ``"/hooks/"`` for every response_url); after the queue runs dry the normal
answers resume. Scripted calls are recorded like any other. ``Scripted(delay=2.0)`` holds the answer
back that long (a stalled Slack), the call being recorded as it arrives.

Refused blocks: ``refuse_blocks("context_actions")`` makes every later chat.postMessage,
chat.postEphemeral and response_url post that carries a block of that type fail as Slack fails it
(``invalid_blocks``; HTTP 400 on a response_url), as on a workspace without the native feedback buttons.

The agent view's methods: ``assistant.threads.setStatus`` and ``setTitle`` need ``channel_id`` and
``thread_ts`` (setStatus a ``status``, "" clearing it), ``setSuggestedPrompts`` a ``channel_id`` and one
to four prompts, each with a title and a message; otherwise they answer ``invalid_arguments``.

Modals and files: ``views.open`` answers with the view it was given; ``conversations.open`` opens the
user's DM (``dm_channel(user)``); ``files.getUploadURLExternal`` hands out an upload URL under
``/upload/`` here, which records the bytes posted to it, and ``files.completeUploadExternal`` shares the
uploaded files (``uploaded_files()`` lists what was shared where, with its bytes), as slack_sdk's
``files_upload_v2`` expects of Slack.

OAuth (distribution): ``standin.oauth_app(client_id, client_secret)`` makes it the app's OAuth server;
``code = standin.authorize_install(team_id=..., enterprise_id=...)`` is what Slack's consent screen would
send the browser back with; ``oauth.v2.access`` exchanges it (client id and secret as HTTP Basic auth,
once) for a new bot token of that workspace, which ``auth.test`` then knows::

    standin.oauth_app("111.222", "client-secret")
    code = standin.authorize_install(team_id="T222")
    ...  # the browser follows /slack/oauth_redirect?code=...&state=...
    assert standin.installed["T222"].startswith("xoxb-")

Socket Mode: ``apps.connections.open`` needs an app-level token (``xapp-``) and answers with a URL
from ``standin.socket_mode`` (a ``SocketModeStandIn``, see ``tests/support/socket_mode_standin.py``).
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API_PREFIX = "/api/"
HOOKS_PREFIX = "/hooks/"
UPLOAD_PREFIX = "/upload/v1/"

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T111"
VALID_TOKENS = frozenset({"xoxb-test"})
APP_TOKENS = frozenset({"xapp-1-A111-1-test"})

AUTH_TEST = {
    "ok": True,
    "url": "https://test.slack.com/",
    "team": "Test",
    "user": "cro-bot",
    "team_id": TEAM_ID,
    "user_id": BOT_USER_ID,
    "bot_id": BOT_ID,
    "is_enterprise_install": False,
}


@dataclass(frozen=True)
class Call:
    """One request the stand-in received."""

    path: str  # e.g. "/api/chat.postMessage" or "/hooks/commands/T111/1/abc"
    method: str  # the API method ("chat.postMessage"), or "" outside /api/
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON (dict/list), a dict of form fields, or the raw text if neither parses
    raw: bytes
    at: float = field(default_factory=time.monotonic)
    response: Any = None  # the body the stand-in answered with (a dict for the Web API)

    @property
    def token(self) -> str:
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[len("bearer ") :].strip()
        return self.body.get("token", "") if isinstance(self.body, dict) else ""

    def matches(self, target: str) -> bool:
        """`target` is an API method name, an exact path, or a path prefix ending in "/"."""
        if target.startswith("/"):
            return self.path == target or (target.endswith("/") and self.path.startswith(target))
        return self.method == target


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded and shared (files.completeUploadExternal)."""

    file_id: str
    filename: str
    title: str
    content: bytes
    channel: str
    initial_comment: str

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


@dataclass(frozen=True)
class Scripted:
    """A canned answer for fault injection: HTTP status, JSON (dict) or text body, extra headers."""

    status: int = 200
    body: dict | str = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering: a stalled Slack


class SlackStandIn:
    """Slack's Web API and response_url endpoints, served from a daemon thread on 127.0.0.1."""

    def __init__(self, valid_tokens: Iterable[str] = VALID_TOKENS, app_tokens: Iterable[str] = APP_TOKENS) -> None:
        self.valid_tokens = set(valid_tokens)
        self.app_tokens = frozenset(app_tokens)
        self.oauth_client: tuple[str, str] | None = None
        self._codes: dict[str, dict] = {}  # OAuth code -> the workspace it installs into
        self._workspaces: dict[str, dict] = {}  # bot token -> the workspace it belongs to
        self.installed: dict[str, str] = {}  # team id -> the bot token it was given
        self.socket_mode: Any = None  # a SocketModeStandIn: what apps.connections.open hands out
        self._calls: list[Call] = []
        self._changed = threading.Condition()
        self._scripts: dict[str, deque[Scripted]] = {}
        self._refused_blocks: set[str] = set()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._pending: dict[str, dict[str, Any]] = {}  # file id -> {filename, length, content}
        self._shared: list[UploadedFile] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "stand-in not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """What the app gets as SLACK_API_URL (slack_sdk joins method names onto it)."""
        return self.base_url + API_PREFIX

    def hook_url(self, name: str = "commands/T111/1/abc") -> str:
        """A response_url that lands here."""
        return self.base_url + HOOKS_PREFIX + name.lstrip("/")

    # -- recording and waiting ---------------------------------------------------------------------

    def calls(self, target: str | None = None) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if target is None or c.matches(target)]

    def wait_for(self, target: str, count: int = 1, timeout: float = 3.0) -> list[Call]:
        """Block until at least `count` calls match `target`; return them. AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self._calls if c.matches(target)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} call(s) to {target} within {timeout}s, got {len(found)}; "
                        f"all calls: {[c.path for c in self._calls]}"
                    )
                self._changed.wait(min(left, 0.05))

    def assert_count_stays(self, target: str, count: int, within: float = 0.5) -> list[Call]:
        """Assert that exactly `count` calls match `target` now and still after `within` seconds."""
        deadline = time.monotonic() + within
        with self._changed:
            while True:
                found = [c for c in self._calls if c.matches(target)]
                assert len(found) == count, f"expected exactly {count} call(s) to {target}, got {len(found)}"
                left = deadline - time.monotonic()
                if left <= 0:
                    return found
                self._changed.wait(min(left, 0.05))

    def clear(self) -> None:
        with self._changed:
            self._calls.clear()

    def uploaded_files(self) -> list[UploadedFile]:
        """The files shared so far (uploaded, then completed), in order."""
        with self._changed:
            return list(self._shared)

    @staticmethod
    def dm_channel(user: str) -> str:
        """The id conversations.open gives a user's DM with the bot."""
        return "D" + user.lstrip("UW")

    # -- OAuth ---------------------------------------------------------------------------------------

    def oauth_app(self, client_id: str, client_secret: str) -> None:
        """Answer oauth.v2.access for the app with these credentials."""
        with self._changed:
            self.oauth_client = (client_id, client_secret)

    def authorize_install(self, team_id: str, *, enterprise_id: str | None = None, org_wide: bool = False) -> str:
        """A person approved the install in `team_id` (or, `org_wide`, in the whole `enterprise_id`):
        the one-time code Slack hands the browser for the app's redirect URL."""
        code = f"{team_id}.{secrets.token_hex(8)}"
        with self._changed:
            self._codes[code] = {"team_id": team_id, "enterprise_id": enterprise_id, "org_wide": org_wide}
        return code

    def _oauth_v2_access(self, call: Call) -> Scripted:
        auth = call.headers.get("authorization", "")
        try:
            client = tuple(base64.b64decode(auth.removeprefix("Basic ")).decode().split(":", 1))
        except ValueError:
            client = ()
        if not auth.startswith("Basic ") or self.oauth_client is None or client != self.oauth_client:
            return Scripted(200, {"ok": False, "error": "invalid_client_id"})
        body = call.body if isinstance(call.body, dict) else {}
        with self._changed:
            workspace = self._codes.pop(body.get("code", ""), None)  # a code is good once
            if workspace is None:
                return Scripted(200, {"ok": False, "error": "invalid_code"})
            token = f"xoxb-{workspace['team_id']}-{secrets.token_hex(6)}"
            self.valid_tokens.add(token)
            self._workspaces[token] = workspace
            self.installed[workspace["team_id"]] = token
        enterprise = {"id": workspace["enterprise_id"], "name": "Org"} if workspace["enterprise_id"] else None
        return Scripted(
            200,
            {
                "ok": True,
                "access_token": token,
                "token_type": "bot",
                "scope": "app_mentions:read,assistant:write,chat:write,commands,files:write,im:history,im:write",
                "bot_user_id": BOT_USER_ID,
                "app_id": "A111",
                "team": None if workspace["org_wide"] else {"id": workspace["team_id"], "name": "Team"},
                "enterprise": enterprise,
                "is_enterprise_install": workspace["org_wide"],
                "authed_user": {"id": "U222"},
            },
        )

    # -- fault injection ---------------------------------------------------------------------------

    def script(self, target: str, *responses: Scripted) -> None:
        """Serve `responses`, in order, to the next calls of `target` (API method name or "/hooks/")."""
        with self._changed:
            self._scripts.setdefault(target, deque()).extend(responses)

    def refuse_blocks(self, *block_types: str) -> None:
        """From now on, refuse any message carrying a block of one of `block_types` (invalid_blocks)."""
        with self._changed:
            self._refused_blocks.update(block_types)

    def _refused(self, call: Call) -> Scripted | None:
        body = call.body if isinstance(call.body, dict) else {}
        blocks = body.get("blocks")
        if isinstance(blocks, str):
            try:
                blocks = json.loads(blocks)
            except ValueError:
                blocks = []
        refused = [
            (i, b.get("type"))
            for i, b in enumerate(blocks if isinstance(blocks, list) else [])
            if isinstance(b, dict) and b.get("type") in self._refused_blocks
        ]
        if not refused:
            return None
        if call.path.startswith(HOOKS_PREFIX):
            return Scripted(400, "invalid_blocks")
        errors = [f"unsupported type `{kind}` [json-pointer:/blocks/{i}/type]" for i, kind in refused]
        return Scripted(200, {"ok": False, "error": "invalid_blocks", "errors": errors})

    def _next_scripted(self, call: Call) -> Scripted | None:
        with self._changed:
            for target, queue in self._scripts.items():
                if queue and call.matches(target):
                    return queue.popleft()
        return None

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    # -- default answers ---------------------------------------------------------------------------

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"

    def answer(self, call: Call) -> Scripted:
        scripted = self._next_scripted(call)
        if scripted is not None:
            return scripted
        if call.method in ("chat.postMessage", "chat.postEphemeral", "chat.update") or call.path.startswith(
            HOOKS_PREFIX
        ):
            refused = self._refused(call)
            if refused is not None:
                return refused
        if call.path.startswith(HOOKS_PREFIX):
            return Scripted(200, "ok")
        if call.path.startswith(UPLOAD_PREFIX):
            return self._receive_upload(call)
        if not call.path.startswith(API_PREFIX):
            return Scripted(404, "Not Found")
        if call.method == "oauth.v2.access":
            return self._oauth_v2_access(call)
        if not call.token:
            return Scripted(200, {"ok": False, "error": "not_authed"})
        if call.method == "apps.connections.open":
            # Only an app-level token opens a Socket Mode connection; a bot token is the wrong type.
            if call.token in self.valid_tokens:
                return Scripted(200, {"ok": False, "error": "not_allowed_token_type"})
            if call.token not in self.app_tokens:
                return Scripted(200, {"ok": False, "error": "invalid_auth"})
            if self.socket_mode is None:
                return Scripted(200, {"ok": False, "error": "internal_error"})
            return Scripted(200, {"ok": True, "url": self.socket_mode.issue_url()})
        if call.token in self.app_tokens:
            return Scripted(200, {"ok": False, "error": "not_allowed_token_type"})
        if call.token not in self.valid_tokens:
            return Scripted(200, {"ok": False, "error": "invalid_auth"})
        body = call.body if isinstance(call.body, dict) else {}
        if call.method == "auth.test":
            answer = dict(AUTH_TEST)
            workspace = self._workspaces.get(call.token)
            if workspace:  # a token an OAuth install handed out: its own workspace
                answer.update(team_id=workspace["team_id"], enterprise_id=workspace["enterprise_id"])
                answer["is_enterprise_install"] = workspace["org_wide"]
            return Scripted(200, answer, {"x-oauth-scopes": "app_mentions:read,chat:write,commands"})
        if call.method == "chat.postMessage":
            ts = self._next_ts()
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": body.get("text", ""), "ts": ts}
            if body.get("thread_ts"):
                message["thread_ts"] = body["thread_ts"]
            return Scripted(200, {"ok": True, "channel": body.get("channel"), "ts": ts, "message": message})
        if call.method == "chat.postEphemeral":
            return Scripted(200, {"ok": True, "message_ts": self._next_ts()})
        if call.method == "chat.update":
            return Scripted(
                200, {"ok": True, "channel": body.get("channel"), "ts": body.get("ts"), "text": body.get("text", "")}
            )
        if call.method.startswith("assistant.threads."):
            return Scripted(200, _assistant_threads(call.method, body))
        if call.method == "views.publish":
            view = body.get("view")
            if isinstance(view, str):
                try:
                    view = json.loads(view)
                except ValueError:
                    view = {}
            return Scripted(200, {"ok": True, "view": {"id": "V111", "team_id": TEAM_ID, **(view or {})}})
        if call.method == "views.open":
            return self._open_view(body)
        if call.method == "conversations.open":
            users = str(body.get("users") or "")
            if not users or "," in users:
                return Scripted(200, {"ok": False, "error": "invalid_users" if users else "users_list_not_supplied"})
            return Scripted(200, {"ok": True, "channel": {"id": self.dm_channel(users), "is_im": True}})
        if call.method == "files.getUploadURLExternal":
            return self._upload_url(body)
        if call.method == "files.completeUploadExternal":
            return self._complete_upload(body)
        return Scripted(200, {"ok": True})

    # -- modals and files --------------------------------------------------------------------------

    def _open_view(self, body: dict) -> Scripted:
        view = body.get("view")
        if isinstance(view, str):
            try:
                view = json.loads(view)
            except ValueError:
                view = None
        if not body.get("trigger_id"):
            return Scripted(200, {"ok": False, "error": "invalid_trigger_id"})
        if not isinstance(view, dict) or view.get("type") != "modal" or not view.get("blocks"):
            return Scripted(200, {"ok": False, "error": "invalid_arguments"})
        if len(view["blocks"]) > 100:
            return Scripted(200, {"ok": False, "error": "invalid_arguments"})  # Slack's limit on a modal
        return Scripted(200, {"ok": True, "view": {"id": f"V{next(self._ids):06d}", "team_id": TEAM_ID, **view}})

    def _upload_url(self, body: dict) -> Scripted:
        filename, length = body.get("filename"), str(body.get("length") or "")
        if not filename or not length.isdigit():
            return Scripted(200, {"ok": False, "error": "invalid_arguments"})
        file_id = f"F{next(self._ids):06d}"
        with self._changed:
            self._pending[file_id] = {"filename": filename, "length": int(length), "content": None}
        return Scripted(200, {"ok": True, "file_id": file_id, "upload_url": self.base_url + UPLOAD_PREFIX + file_id})

    def _receive_upload(self, call: Call) -> Scripted:
        file_id = call.path[len(UPLOAD_PREFIX) :]
        with self._changed:
            pending = self._pending.get(file_id)
            if pending is None:
                return Scripted(404, "Not Found")
            pending["content"] = call.raw
        return Scripted(200, f"OK - {len(call.raw)}")

    def _complete_upload(self, body: dict) -> Scripted:
        try:
            files = json.loads(body.get("files") or "[]")
        except ValueError:
            return Scripted(200, {"ok": False, "error": "invalid_arguments"})
        shared = []
        with self._changed:
            for item in files:
                pending = self._pending.get(item.get("id", ""))
                if pending is None or pending["content"] is None:
                    return Scripted(200, {"ok": False, "error": "file_not_found"})
                if len(pending["content"]) != pending["length"]:
                    return Scripted(200, {"ok": False, "error": "file_upload_size_mismatch"})
                title = item.get("title") or pending["filename"]
                shared.append(
                    UploadedFile(
                        item["id"],
                        pending["filename"],
                        title,
                        pending["content"],
                        str(body.get("channel_id") or ""),
                        str(body.get("initial_comment") or ""),
                    )
                )
            self._shared += shared
        return Scripted(
            200, {"ok": True, "files": [{"id": f.file_id, "title": f.title, "name": f.filename} for f in shared]}
        )


def _assistant_threads(method: str, body: dict) -> dict:
    """assistant.threads.setStatus / setTitle / setSuggestedPrompts: their required arguments checked."""
    needed = {
        "assistant.threads.setStatus": ("channel_id", "thread_ts", "status"),
        "assistant.threads.setTitle": ("channel_id", "thread_ts", "title"),
        "assistant.threads.setSuggestedPrompts": ("channel_id", "prompts"),
    }.get(method)
    if needed is None:
        return {"ok": False, "error": "unknown_method"}
    if any(body.get(name) is None for name in needed):
        return {"ok": False, "error": "invalid_arguments"}
    if method.endswith("setSuggestedPrompts"):
        prompts = body["prompts"]
        if isinstance(prompts, str):
            try:
                prompts = json.loads(prompts)
            except ValueError:
                prompts = None
        if not (isinstance(prompts, list) and 1 <= len(prompts) <= 4) or not all(
            isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts
        ):
            return {"ok": False, "error": "invalid_arguments"}
    return {"ok": True}


def _parse_body(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.loads(text) if text else {}
        except ValueError:
            return text
    if not text or "x-www-form-urlencoded" in content_type or not content_type:
        return dict(parse_qsl(text, keep_blank_values=True))
    return text


class _Handler(BaseHTTPRequestHandler):
    standin: SlackStandIn  # set on the subclass built in start()
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # keep pytest output clean

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        headers = {k.lower(): v for k, v in self.headers.items()}
        call = Call(
            path=path,
            method=path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else "",
            headers=headers,
            body=_parse_body(raw, headers.get("content-type", "")),
            raw=raw,
        )
        reply = self.standin.answer(call)
        # Recorded with its answer (before the answer is sent), so a test can read the ts it was given.
        self.standin._record(replace(call, response=reply.body))
        if reply.delay:
            time.sleep(reply.delay)
        if isinstance(reply.body, str):
            data, content_type = reply.body.encode(), "text/plain; charset=utf-8"
        else:
            data, content_type = json.dumps(reply.body).encode(), "application/json; charset=utf-8"
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting (a stalled answer): nothing to send to
