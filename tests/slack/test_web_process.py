"""The Procfile's `web:` process with every Slack secret in its environment, as a Procfile platform
gives `web:` and `worker:` one shared config: only requests Slack signed are served, whatever else is
set; stalled clients cannot keep a real mention waiting past Slack's 3 s; and no log line, at INFO or
DEBUG, carries what a request said.

Two processes serve the whole module (one at INFO, the default, one at DEBUG), each with
SLACK_APP_TOKEN set beside the signing secret; each test starts from an empty record of what the bot
sent to the local Slack stand-in.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.buttons import ask_entry_action
from tests.support.processes import WebProcess, start_web
from tests.support.slack_requests import (
    FORM,
    JSON,
    SlackSender,
    app_mention,
    assert_nothing_more_posted,
    block_actions,
    event_callback,
    interactivity_body,
    new_ts,
    post,
    signature,
    signed_headers,
    slash_command,
)
from tests.support.slack_standin import APP_TOKENS, BOT_ID, BOT_USER_ID, SlackStandIn

SIGNING_SECRET = "web-process-signing-secret-5e2a"
APP_TOKEN = next(iter(APP_TOKENS))  # a valid app-level token: Socket Mode *could* run with this config
ATTACKER_CHANNEL = "CATTACKER"
SLACK_GIVES_UP_AFTER = 3.0  # seconds: Slack retries (or shows an error) when the ack takes longer


class Web:
    """One running web process, the stand-in it talks to, and a sender signing as Slack does."""

    def __init__(self, process: WebProcess, standin: SlackStandIn) -> None:
        self.process = process
        self.standin = standin
        self.sender = SlackSender(process.base_url, SIGNING_SECRET)

    def assert_nothing_posted(self) -> None:
        """Nothing reached Slack: no message (a DM sent now is answered, and stays the only post) and
        nothing at any response_url."""
        assert_nothing_more_posted(self.sender, self.standin, already=0)
        assert self.standin.calls("/hooks/") == [], "something was sent to a response_url"

    def log_lines(self) -> list[str]:
        return self.process.log().splitlines()


@pytest.fixture(scope="module")
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


def _web_at(level: str, tmp_path_factory: pytest.TempPathFactory, standin: SlackStandIn) -> Iterator[Web]:
    workdir: Path = tmp_path_factory.mktemp(f"web-{level.lower()}")
    process = start_web(
        workdir,
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": standin.api_url,
            "STATE_DB": str(workdir / "state.sqlite3"),
            "LOG_LEVEL": level,
        },
    )
    try:
        process.wait_healthy()
        yield Web(process, standin)
    finally:
        process.stop()


@pytest.fixture(scope="module")
def web_info(tmp_path_factory, standin) -> Iterator[Web]:
    yield from _web_at("INFO", tmp_path_factory, standin)


@pytest.fixture(scope="module")
def web_debug(tmp_path_factory, standin) -> Iterator[Web]:
    yield from _web_at("DEBUG", tmp_path_factory, standin)


@pytest.fixture
def web(web_debug: Web) -> Web:
    web_debug.standin.clear()
    return web_debug


# -- what Slack sends: an event, a slash command, a button click ------------------------------------

Request = tuple[str, str]  # (body, content type)


def mention_request(web: Web, text: str = "what is an ARO?") -> Request:
    return json.dumps(event_callback(app_mention(text, channel=ATTACKER_CHANNEL))), JSON


def command_request(web: Web, text: str = "monitoring") -> Request:
    return slash_command(text, web.standin.hook_url("commands/T111/1/forged")), FORM


def click_request(web: Web, entry: str = "aro-definition") -> Request:
    """A click on a related-question button: answered with a post into the message's channel."""
    button = {"type": "button", "action_id": ask_entry_action(0), "text": {"type": "plain_text", "text": "ARO"}}
    message = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "ts": new_ts(),
        "text": "an answer",
        "blocks": [{"type": "actions", "block_id": "related", "elements": [{**button, "value": entry}]}],
    }
    payload = block_actions(
        ask_entry_action(0),
        response_url=web.standin.hook_url("actions/T111/1/forged"),
        message=message,
        channel=ATTACKER_CHANNEL,
    )
    return interactivity_body(payload), FORM


SURFACES: dict[str, Callable[[Web], Request]] = {
    "event": mention_request,
    "slash command": command_request,
    "interactivity": click_request,
}

# -- signatures that are not Slack's, now -----------------------------------------------------------


def now() -> int:
    return int(time.time())


def forged(body: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": str(now()), "X-Slack-Signature": "v0=" + "0" * 64}


def wrong_secret(body: str) -> dict[str, str]:
    return signed_headers("not-" + SIGNING_SECRET, body)


def stale(body: str) -> dict[str, str]:
    return signed_headers(SIGNING_SECRET, body, timestamp=now() - 6 * 60)  # Slack's window is 5 minutes


def missing(body: str) -> dict[str, str]:
    return {}


def timestamp_only(body: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": str(now())}


REFUSED = {
    "forged": forged,
    "wrong secret": wrong_secret,
    "stale": stale,
    "missing": missing,
    "no signature": timestamp_only,
}


@pytest.mark.parametrize("surface", SURFACES)
def test_with_an_app_token_set_requests_slack_did_not_sign_are_refused_and_nothing_is_posted(web, surface):
    body, content_type = SURFACES[surface](web)

    statuses = {
        name: post(web.sender.url, body, content_type, headers(body)).status for name, headers in REFUSED.items()
    }

    assert statuses == dict.fromkeys(REFUSED, 401)
    web.assert_nothing_posted()


@pytest.mark.parametrize("surface", SURFACES)
def test_with_an_app_token_set_the_same_requests_signed_by_slack_are_served(web, surface):
    # The counterpart: the refusals above are the signature's doing, and a refused request would
    # have reached Slack had it been signed.
    body, content_type = SURFACES[surface](web)

    assert web.sender.signed(body, content_type).status == 200

    if surface == "slash command":
        [reply] = web.standin.wait_for("/hooks/", 1, timeout=10)
        assert reply.path == "/hooks/commands/T111/1/forged"
    else:
        [reply] = web.standin.wait_for("chat.postMessage", 1, timeout=10)
        assert reply.body["channel"] == ATTACKER_CHANNEL


@pytest.mark.parametrize("surface", SURFACES)
def test_a_timestamp_that_is_not_a_number_is_refused_signed_or_forged(web, surface):
    body, content_type = SURFACES[surface](web)
    signed_abc = {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": signature(SIGNING_SECRET, "abc", body)}
    forged_abc = {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=" + "f" * 64}

    assert post(web.sender.url, body, content_type, signed_abc).status == 401
    assert post(web.sender.url, body, content_type, forged_abc).status == 401
    web.assert_nothing_posted()
    assert "Traceback" not in web.process.log()


# -- slow clients ----------------------------------------------------------------------------------


def stall_mid_body(base_url: str) -> socket.socket:
    """A connection that sends its headers and part of its body, then nothing more."""
    parts = urlsplit(base_url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: {JSON}\r\n"
        f"X-Slack-Request-Timestamp: {now()}\r\nX-Slack-Signature: v0={'0' * 64}\r\nContent-Length: 4000\r\n\r\n"
    )
    sock.sendall(head.encode() + b'{"token": "')
    return sock


def test_sixteen_clients_stalled_mid_body_do_not_keep_a_real_mention_waiting(web_info: Web):
    web = web_info
    web.standin.clear()
    stalled = [stall_mid_body(web.process.base_url) for _ in range(16)]
    try:
        # The mention's connection queues behind the sixteen (a listening socket hands connections out
        # in the order they came): whichever worker takes it has taken its share of them first.
        mention = app_mention("what is an ARO?")
        body = json.dumps(event_callback(mention))
        started = time.monotonic()

        response = post(web.sender.url, body, JSON, signed_headers(SIGNING_SECRET, body), timeout=SLACK_GIVES_UP_AFTER)

        acked_after = time.monotonic() - started
        assert response.status == 200
        assert acked_after < SLACK_GIVES_UP_AFTER
        [answer] = web.standin.wait_for("chat.postMessage", 1, timeout=10)
        assert answer.body["thread_ts"] == mention["ts"]
    finally:
        for sock in stalled:
            sock.close()


def test_a_stalled_body_is_cut_off_with_408(web_info: Web):
    sock = stall_mid_body(web_info.process.base_url)
    try:
        started = time.monotonic()
        answer = sock.recv(4096).decode(errors="replace")
        assert answer.startswith("HTTP/1.1 408"), answer
        assert time.monotonic() - started < 5, "the body deadline (WEB_BODY_TIMEOUT, 2 s) applies"
    finally:
        sock.close()


# -- nothing a request says reaches the logs --------------------------------------------------------


def new_marker() -> str:
    return "zq" + uuid.uuid4().hex[:12] + "marker"


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_a_forged_request_leaves_nothing_it_said_in_the_logs(level, web_info, web_debug):
    web = {"INFO": web_info, "DEBUG": web_debug}[level]
    web.standin.clear()
    marker = new_marker()
    mention = app_mention(f"what is an ARO? {marker}", user="U" + marker, channel="C" + marker)
    body = json.dumps(event_callback(mention))

    for headers in (wrong_secret(body), forged(body), missing(body)):
        assert post(web.sender.url, body, JSON, headers).status == 401
    web.assert_nothing_posted()

    lines = web.log_lines()
    assert any("refused a request without a valid Slack signature" in line for line in lines), "the refusal is logged"
    assert [line for line in lines if marker in line] == []
    assert not [line for line in lines if SIGNING_SECRET in line or "xoxb-test" in line or APP_TOKEN in line]


def test_at_debug_a_real_mention_is_answered_and_its_question_is_in_no_log_line(web):
    marker = new_marker()
    mention = app_mention(f"what is an ARO? {marker}")

    assert web.sender.event(mention).status == 200

    [answer] = web.standin.wait_for("chat.postMessage", 1, timeout=10)
    assert answer.body["thread_ts"] == mention["ts"]
    assert_nothing_more_posted(web.sender, web.standin, already=1)  # its log lines are written by now
    lines = web.log_lines()
    assert any(" DEBUG " in line for line in lines), "the process really logs at DEBUG"
    assert any("mention question: " in line for line in lines), "the question's outcome is logged"
    assert [line for line in lines if marker in line] == []
