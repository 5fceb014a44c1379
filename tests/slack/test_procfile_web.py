"""The release check: start the Procfile's `web:` line as it would run in production (gunicorn, two
worker processes), then talk to it the way Slack does, then stop it the way a platform does (SIGTERM).

How the process is started (an empty directory, an explicit environment, loopback only, the local
Slack stand-in) is in tests/support/processes.py.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import BOOT_TIMEOUT, WebProcess, start_web
from tests.support.slack_requests import (
    SlackSender,
    app_mention,
    assert_nothing_more_posted,
    direct_message,
    new_event_id,
)
from tests.support.slack_standin import SlackStandIn

SIGNING_SECRET = "procfile-test-signing-secret-4b1e"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "run"
    path.mkdir()
    return path


@pytest.fixture
def web(workdir: Path, standin: SlackStandIn) -> Iterator[WebProcess]:
    served = start_web(
        workdir,
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "STATE_DB": str(workdir / "state.sqlite3"),
        },
    )
    try:
        yield served
    finally:
        served.stop()


def test_procfile_web_serves_slack_and_stops_cleanly(web: WebProcess, standin: SlackStandIn):
    health = web.wait_healthy()
    assert health["status"] == "ok"
    assert health["entries"] > 0
    sender = SlackSender(web.base_url, SIGNING_SECRET)

    # A mention is answered in its thread.
    mention = app_mention("what is an ARO?")
    assert sender.event(mention).status == 200
    [answer] = standin.wait_for("chat.postMessage", 1, timeout=10)
    assert answer.body["channel"] == mention["channel"]
    assert answer.body["thread_ts"] == mention["ts"]
    assert "academic" in answer.body["text"].lower()

    # The slash command is acknowledged, and its checklist arrives at the response_url.
    ack = sender.command("monitoring", standin.hook_url("commands/T111/2/xyz"))
    assert ack.status == 200
    [checklist] = standin.wait_for("/hooks/", 1, timeout=10)
    assert checklist.path == "/hooks/commands/T111/2/xyz"
    assert checklist.body["response_type"] == "ephemeral"
    assert "Checklist:" in checklist.body["text"]
    assert re.search(r"^1\. ", checklist.body["text"], re.MULTILINE)

    # A DM and Slack's retries of it, spread over two worker processes, get one answer.
    dm = direct_message("what is an ARO?")
    event_id = new_event_id()
    for retry_num in (None, 1, 2, 3):
        assert sender.event(dm, event_id=event_id, retry_num=retry_num).status == 200
    posts = standin.wait_for("chat.postMessage", 2, timeout=10)
    assert posts[1].body["channel"] == dm["channel"]
    assert_nothing_more_posted(sender, standin, already=2)

    # SIGTERM: gunicorn drains and exits 0, taking its workers with it.
    assert web.terminate() == 0, web.log()
    deadline = time.monotonic() + 5
    while web.group_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not web.group_alive(), "worker processes outlived the master"
    log = web.log()
    assert "Traceback" not in log, log
    assert "will be unused" not in log, "a normal start warns of nothing"
    assert "xoxb-test" not in log and SIGNING_SECRET not in log, "secrets must not reach the logs"


def test_procfile_web_without_signing_secret_stops_with_the_cause(workdir: Path, standin: SlackStandIn):
    token = "xoxb-test-never-printed-6a0d"
    web = start_web(
        workdir,
        {"SLACK_BOT_TOKEN": token, "SLACK_API_URL": standin.api_url, "STATE_DB": str(workdir / "s.sqlite3")},
    )
    try:
        try:
            exit_code = web.process.wait(timeout=BOOT_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"a web process that cannot serve kept running:\n{web.log()}") from None
        log = web.log()
        assert exit_code != 0
        assert "SLACK_SIGNING_SECRET" in log
        assert token not in log
        assert standin.calls("chat.postMessage") == []
    finally:
        if web.process.poll() is None:
            web.kill_group()
