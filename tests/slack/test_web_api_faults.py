"""When Slack's side fails: rate limits, server errors, stalls, refusals and dead response_urls.

Each case goes through the real app over HTTP (signed requests in), with the Web API stand-in
scripted to fail; what is proven is what a person would see (the answer arrives, once; or the next
question is still answered) and what an operator would see (the failure in the log, no secret in it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from tests.support.serving import SIGNING_SECRET, Served, served_app
from tests.support.slack_requests import app_mention
from tests.support.slack_standin import Scripted, SlackStandIn

TOKEN = "xoxb-test"
API_TIMEOUT = 1  # seconds: Settings.api_timeout for these tests, so a stall is noticed quickly


@pytest.fixture
def app(standin: SlackStandIn, tmp_path) -> Iterator[Served]:
    with served_app(standin, tmp_path / "state.sqlite3", api_timeout=API_TIMEOUT) as served:
        yield served


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)  # what production logs (LOG_LEVEL defaults to INFO)
    return caplog


def wait_for_log(caplog: pytest.LogCaptureFixture, *needles: str, timeout: float = 10.0) -> str:
    """The first log line (with any traceback) containing every one of `needles`."""
    deadline = time.monotonic() + timeout
    while True:
        for record in list(caplog.records):
            line = record.getMessage() + (record.exc_text or "")
            if all(n in line for n in needles):
                return line
        if time.monotonic() > deadline:
            raise AssertionError(f"no log line with {needles} within {timeout}s:\n{caplog.text}")
        time.sleep(0.05)


def assert_no_secrets(caplog: pytest.LogCaptureFixture) -> None:
    assert TOKEN not in caplog.text, "the bot token reached the log"
    assert SIGNING_SECRET not in caplog.text, "the signing secret reached the log"


def ask(app: Served, question: str = "what is an ARO?") -> dict:
    mention = app_mention(question)
    assert app.sender.event(mention).status == 200
    return mention


def assert_next_mention_answered(app: Served) -> None:
    """The app still serves: a new mention gets its answer, in its own thread."""
    already = len(app.posts())
    mention = ask(app, "what is a CRO?")
    post = app.standin.wait_for("chat.postMessage", already + 1, timeout=10)[already]
    assert post.body["thread_ts"] == mention["ts"]
    assert post.response["ok"] is True


# -- chat.postMessage --------------------------------------------------------------------------


def test_rate_limited_answer_is_posted_after_the_wait_exactly_once(app, logs):
    app.standin.script("chat.postMessage", Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}))

    mention = ask(app)

    refused, posted = app.standin.wait_for("chat.postMessage", 2, timeout=10)
    assert refused.response["error"] == "ratelimited"
    assert posted.response["ok"] is True
    assert posted.body["thread_ts"] == mention["ts"]
    assert posted.body["text"] == refused.body["text"], "the same answer, tried again"
    assert "academic" in posted.body["text"].lower()
    assert posted.at - refused.at >= 0.9, "Slack's Retry-After was not honoured"
    app.assert_nothing_more_posted(already=2)  # one answer in the thread, no third attempt
    assert "failed after its ack" not in logs.text


@pytest.mark.parametrize("status", [500, 503])
def test_answer_is_posted_once_after_a_slack_server_error(app, logs, status):
    app.standin.script("chat.postMessage", Scripted(status, "upstream connect error or disconnect/reset"))

    mention = ask(app)

    failed, posted = app.standin.wait_for("chat.postMessage", 2, timeout=10)
    assert posted.response["ok"] is True
    assert posted.body["thread_ts"] == mention["ts"] == failed.body["thread_ts"]
    app.assert_nothing_more_posted(already=2)
    assert "failed after its ack" not in logs.text


def test_slack_stalling_past_the_timeout_is_logged_and_the_next_mention_answered(app, logs):
    # Slack takes the post but does not answer within Settings.api_timeout.
    app.standin.script(
        "chat.postMessage", Scripted(200, {"ok": True, "ts": "1700000000.000900"}, delay=3 * API_TIMEOUT)
    )

    ask(app)

    app.standin.wait_for("chat.postMessage", 1, timeout=10)
    line = wait_for_log(logs, "failed after its ack", "timed out")
    assert "Timeout" in line
    # Not posted again: a post that timed out may well have reached the channel, and a second try
    # would show the person the same answer twice.
    app.standin.assert_count_stays("chat.postMessage", 1, within=0.3)
    assert_next_mention_answered(app)
    assert_no_secrets(logs)


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel"])
def test_slack_refusing_the_post_is_logged_by_its_error_and_the_app_keeps_serving(app, logs, error):
    app.standin.script("chat.postMessage", Scripted(200, {"ok": False, "error": error}))

    ask(app)

    app.standin.wait_for("chat.postMessage", 1, timeout=10)
    wait_for_log(logs, "failed after its ack", error)
    app.standin.assert_count_stays("chat.postMessage", 1, within=0.3)  # a refusal is not worth retrying
    assert_next_mention_answered(app)
    assert_no_secrets(logs)


# -- response_url ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [Scripted(500, "Internal Server Error"), Scripted(404, "expired_url"), Scripted(404, "used_url")],
    ids=["server error", "expired", "used up"],
)
def test_checklist_refused_by_its_response_url_is_logged_and_the_app_keeps_serving(app, logs, failure):
    app.standin.script("/hooks/", failure)
    dead_url = app.standin.hook_url("commands/T111/1/dead")

    assert app.sender.command("monitoring", dead_url).status == 200

    [refused] = app.standin.wait_for("/hooks/", 1, timeout=10)
    assert "Checklist:" in refused.body["text"]
    line = wait_for_log(logs, "checklist not delivered", str(failure.status))
    assert failure.body in line, "the log says why Slack refused it"
    assert "/hooks/" not in logs.text, "a response_url lets anyone post: it stays out of the log"
    assert_no_secrets(logs)

    # The next command, with a good response_url, gets its checklist.
    assert app.sender.command("monitoring", app.standin.hook_url("commands/T111/2/live")).status == 200
    hooks = app.standin.wait_for("/hooks/", 2, timeout=10)
    assert hooks[1].path == "/hooks/commands/T111/2/live"
    assert "Checklist:" in hooks[1].body["text"]
    assert_next_mention_answered(app)
