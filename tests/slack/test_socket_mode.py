"""Socket Mode, end to end: the Procfile's `worker:` line (`cro-bot run` with SLACK_APP_TOKEN set) in
its own process, against a local Slack: the Web API stand-in (apps.connections.open, chat.postMessage,
response_url) and a WebSocket stand-in that sends the envelopes Slack sends.

As with the web process, the worker runs in an empty directory with an explicit environment, so no
`.env` or developer variable reaches it, and everything it talks to listens on 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import WebProcess, start_worker
from tests.support.slack_requests import app_mention, event_callback, slash_command_fields
from tests.support.slack_standin import APP_TOKENS, Scripted, SlackStandIn
from tests.support.socket_mode_standin import SocketModeStandIn

APP_TOKEN = next(iter(APP_TOKENS))
BOOT_TIMEOUT = 20.0


@pytest.fixture
def slack() -> Iterator[tuple[SlackStandIn, SocketModeStandIn]]:
    with SlackStandIn() as web_api, SocketModeStandIn(web_api) as socket_mode:
        yield web_api, socket_mode


@pytest.fixture
def worker(tmp_path: Path, slack) -> Iterator[WebProcess]:
    web_api, socket_mode = slack
    workdir = tmp_path / "run"
    workdir.mkdir()
    running = start_worker(
        workdir,
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": APP_TOKEN,
            "SLACK_API_URL": web_api.api_url,
            "STATE_DB": str(workdir / "state.sqlite3"),
        },
    )
    try:
        yield running
    finally:
        running.stop()


def connected(worker: WebProcess, socket_mode: SocketModeStandIn, count: int = 1) -> None:
    try:
        socket_mode.wait_connected(count, timeout=BOOT_TIMEOUT)
    except AssertionError:
        raise AssertionError(
            f"the worker did not connect (exit code {worker.process.poll()}):\n{worker.log()}"
        ) from None


def assert_clean_log(log: str) -> None:
    assert "Traceback" not in log, log
    assert "xoxb-test" not in log and APP_TOKEN not in log, "tokens must not reach the logs"
    assert "will be unused" not in log, "a normal start warns of nothing"


def test_socket_mode_worker_answers_mentions_and_commands_and_stops_cleanly(worker, slack):
    web_api, socket_mode = slack
    connected(worker, socket_mode)

    # It asked for its connection with the app-level token, through SLACK_API_URL.
    [opened] = web_api.calls("apps.connections.open")
    assert opened.token == APP_TOKEN

    # A mention: acknowledged over the socket by its envelope_id, answered in its thread.
    mention = app_mention("what is an ARO?")
    delivery = event_callback(mention)
    mention_envelope = socket_mode.send("events_api", delivery)
    assert socket_mode.wait_for_ack(mention_envelope) == {"envelope_id": mention_envelope}
    [answer] = web_api.wait_for("chat.postMessage", 1, timeout=10)
    assert answer.token == "xoxb-test"
    assert answer.body["channel"] == mention["channel"]
    assert answer.body["thread_ts"] == mention["ts"]
    assert "academic" in answer.body["text"].lower()

    # /cro-checklist monitoring: acknowledged, and the checklist arrives privately at its response_url.
    command = slash_command_fields("monitoring", web_api.hook_url("commands/T111/7/sock"))
    command_envelope = socket_mode.send("slash_commands", command)
    ack = socket_mode.wait_for_ack(command_envelope)
    assert ack["envelope_id"] == command_envelope
    assert not ack.get("payload"), "the ack itself shows nothing; the checklist follows"
    [checklist] = web_api.wait_for("/hooks/", 1, timeout=10)
    assert checklist.path == "/hooks/commands/T111/7/sock"
    assert checklist.body["response_type"] == "ephemeral"
    assert "Checklist:" in checklist.body["text"]
    assert re.search(r"^1\. ", checklist.body["text"], re.MULTILINE)

    # Slack redelivers the mention (retry_attempt 1, new envelope): acknowledged, not answered again.
    retry_envelope = socket_mode.send("events_api", delivery, retry_attempt=1, retry_reason="timeout")
    assert socket_mode.wait_for_ack(retry_envelope) == {"envelope_id": retry_envelope}
    # ...while a new mention after it still is, so the retry was not merely still on its way.
    second = app_mention("what is a CRO?")
    socket_mode.wait_for_ack(socket_mode.send("events_api", event_callback(second)))
    web_api.wait_for("chat.postMessage", 2, timeout=10)
    posts = web_api.assert_count_stays("chat.postMessage", 2, within=0.3)
    assert [p.body["thread_ts"] for p in posts] == [mention["ts"], second["ts"]]

    # SIGTERM, as a platform stops a worker: the connection is closed and the process exits 0.
    assert worker.terminate(timeout=15) == 0, worker.log()
    socket_mode.wait_all_closed(timeout=5)
    assert_clean_log(worker.log())


def test_socket_mode_worker_finishes_the_answer_under_way_when_stopped(worker, slack):
    web_api, socket_mode = slack
    connected(worker, socket_mode)
    # Slack asks the bot to wait a second before posting; the platform stops the worker meanwhile.
    web_api.script("chat.postMessage", Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}))
    mention = app_mention("what is an ARO?")
    socket_mode.wait_for_ack(socket_mode.send("events_api", event_callback(mention)))
    web_api.wait_for("chat.postMessage", 1, timeout=10)

    assert worker.terminate(timeout=15) == 0, worker.log()

    # The answer under way was finished before the process ended: posted after its wait, once.
    refused, posted = web_api.calls("chat.postMessage")
    assert refused.response["error"] == "ratelimited"
    assert posted.response["ok"] is True
    assert posted.body["thread_ts"] == mention["ts"]
    assert_clean_log(worker.log())


def test_socket_mode_worker_reconnects_when_slack_refreshes_the_connection(worker, slack):
    web_api, socket_mode = slack
    connected(worker, socket_mode)

    # Slack retires connections now and then: it says `disconnect`, and the app must open a new one.
    socket_mode.disconnect("refresh_requested")
    connected(worker, socket_mode, count=2)
    assert len(web_api.calls("apps.connections.open")) == 2, "each connection needs a fresh URL"

    mention = app_mention("what is an ARO?")
    socket_mode.wait_for_ack(socket_mode.send("events_api", event_callback(mention)))
    [answer] = web_api.wait_for("chat.postMessage", 1, timeout=10)
    assert answer.body["thread_ts"] == mention["ts"]

    assert worker.terminate(timeout=15) == 0, worker.log()
    socket_mode.wait_all_closed(timeout=5)
    assert_clean_log(worker.log())
