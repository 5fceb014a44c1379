"""No token or signing secret ever shows: not in logs (at DEBUG, every logger), not in errors, not in
what the bot posts or answers over HTTP, not in what `cro-bot run` prints when Slack refuses it.

The app is started the way gunicorn starts it (`bot.slack.web:create_app()`, settings from the
environment, LOG_LEVEL=DEBUG) with distinctive secret values, and exercised: a mention, a DM, a
slash command, a button click, the App Home, a forged signature and a Web API
call answered `invalid_auth`. Every log record, everything written to stdout/stderr, every HTTP
answer and every request the bot sent out is then searched for the secrets.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from gunicorn.errors import AppImportError

from bot.settings import Settings, SettingsError, load_settings
from bot.slack.web import create_app
from tests.support.serving import serve_wsgi
from tests.support.slack_requests import (
    JSON,
    Response,
    SlackSender,
    app_home_opened,
    app_mention,
    block_actions,
    direct_message,
    event_callback,
    post,
    posted_message,
    signed_headers,
)
from tests.support.slack_standin import Scripted, SlackStandIn

BOT_TOKEN = "xoxb-SEKRIT-bot-token-4c1d7e0a"
SIGNING_SECRET = "SEKRIT-signing-secret-93ab51f2"
APP_TOKEN = "xapp-1-SEKRIT-app-token-77d0e3"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN)
# Shorter tell-tales too: a secret cut, quoted or partly masked would still give these away.
FRAGMENTS = ("SEKRIT-bot", "SEKRIT-signing", "SEKRIT-app", "4c1d7e0a", "93ab51f2", "77d0e3")

REPO = Path(__file__).resolve().parents[2]


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS + FRAGMENTS:
        assert secret not in text, f"{secret!r} shows in {where}: ...{text[max(0, text.find(secret) - 200) :][:400]}..."


@dataclass
class Running:
    sender: SlackSender
    standin: SlackStandIn
    responses: list[Response]

    def send(self, response: Response) -> Response:
        self.responses.append(response)
        return response


@pytest.fixture
def running(monkeypatch, tmp_path, caplog) -> Iterator[Running]:
    """The app as gunicorn builds it, from the environment, logging everything at DEBUG."""
    caplog.set_level(logging.DEBUG)  # every logger, the root included
    monkeypatch.chdir(tmp_path)  # no .env here
    with SlackStandIn(valid_tokens={BOT_TOKEN}) as standin:
        for name, value in {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": standin.api_url,
            "STATE_DB": str(tmp_path / "state.sqlite3"),
            "LOG_LEVEL": "DEBUG",
        }.items():
            monkeypatch.setenv(name, value)
        web_app = create_app()
        with serve_wsgi(web_app) as base_url:
            yield Running(SlackSender(base_url, SIGNING_SECRET), standin, [])


def test_no_secret_in_logs_errors_replies_or_answers(running, caplog, capfd):
    slack, standin = running.sender, running.standin

    # A mention, a DM, App Home: answered.
    mention = app_mention("what is an ARO?")
    assert running.send(slack.event(mention)).status == 200
    assert running.send(slack.event(direct_message("who is the sponsor?"))).status == 200
    assert running.send(slack.event(app_home_opened())).status == 200
    posts = standin.wait_for("chat.postMessage", 2, timeout=10)
    standin.wait_for("views.publish", 1, timeout=10)
    # A slash command, answered through its response_url.
    assert running.send(slack.command("monitoring", standin.hook_url("commands/T111/1/secret"))).status == 200
    standin.wait_for("/hooks/commands/", 1, timeout=10)
    # A click on 👍 under the mention's answer.
    answer = next(p for p in posts if p.body.get("thread_ts") == mention["ts"])
    click = block_actions(
        "feedback_vote", response_url=standin.hook_url("actions/T111/1/secret"), message=posted_message(answer)
    )
    assert running.send(slack.action(click)).status == 200
    standin.wait_for("/hooks/actions/", 1, timeout=10)
    # A forged signature: refused.
    body = json.dumps(event_callback(app_mention("what is a CRO?")))
    forged = post(slack.url, body, JSON, signed_headers("not-" + SIGNING_SECRET, body))
    assert running.send(forged).status == 401
    # Slack refusing the bot's own token: the listener fails, and that is logged.
    standin.script("chat.postMessage", Scripted(200, {"ok": False, "error": "invalid_auth"}))
    assert running.send(slack.event(direct_message("what is SDV?", channel="D777"))).status == 200
    refused = standin.wait_for("chat.postMessage", 3, timeout=10)[-1]
    assert refused.response == {"ok": False, "error": "invalid_auth"}
    standin.assert_count_stays("chat.postMessage", 3, within=0.3)  # its failure is logged by now

    # The secrets were really in use: the token on every Web API call, the signing secret telling
    # signed requests (200) from forged ones (401).
    api_calls = standin.calls("/api/")
    assert api_calls and all(call.token == BOT_TOKEN for call in api_calls)

    # Logs, at DEBUG, every logger; the failure above among them, with its traceback if any.
    logged = caplog.text + "\n".join(
        record.getMessage() + "".join(traceback.format_exception(*record.exc_info)) if record.exc_info else ""
        for record in caplog.records
    )
    assert "invalid_auth" in logged, "the Web API failure was logged"
    assert any(record.levelno == logging.DEBUG for record in caplog.records), "DEBUG records were captured"
    assert_no_secret(logged, "the logs")
    out, err = capfd.readouterr()
    assert_no_secret(out + err, "stdout/stderr")
    # What was answered over HTTP: statuses, headers and bodies.
    for response in running.responses:
        assert_no_secret(f"{response.status} {response.headers} {response.text}", "an HTTP answer")
    # What the bot sent out: message bodies, and everything sent to a response_url (which is not
    # Slack's API, so not even an Authorization header may go there).
    for call in standin.calls():
        assert_no_secret(call.raw.decode("utf-8", "replace"), f"the body sent to {call.path}")
        if not call.path.startswith("/api/"):
            assert_no_secret(json.dumps(call.headers), f"the headers sent to {call.path}")


def cli_run(env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "KNOWLEDGE_DIR", "LOG_LEVEL"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**full_env, "PYTHONPATH": str(REPO)},
        cwd=cwd,
    )


def test_run_with_a_malformed_app_token_names_the_variable_not_its_value(tmp_path):
    run = cli_run({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xoxb-SEKRIT-app-token-77d0e3"}, tmp_path)

    assert run.returncode == 2
    assert "SLACK_APP_TOKEN" in run.stderr
    assert_no_secret(run.stdout + run.stderr, "`cro-bot run` output")


def test_run_with_an_app_token_slack_refuses_prints_an_error_without_it(tmp_path):
    with SlackStandIn(valid_tokens={BOT_TOKEN}) as standin:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_APP_TOKEN": APP_TOKEN,  # well-formed, but not one Slack knows
            "SLACK_API_URL": standin.api_url,
            "STATE_DB": str(tmp_path / "state.sqlite3"),
            "LOG_LEVEL": "DEBUG",
        }
        run = cli_run(env, tmp_path)
        [opened] = standin.calls("apps.connections.open")

    assert opened.token == APP_TOKEN, "the app token was really sent (to Slack, in its header)"
    assert run.returncode != 0, "no connection, no running bot"
    assert "invalid_auth" in run.stderr, "the reason is printed"
    assert_no_secret(run.stdout + run.stderr, "`cro-bot run` output")


def test_run_with_a_token_but_no_signing_secret_shows_neither(tmp_path):
    run = cli_run({"SLACK_BOT_TOKEN": BOT_TOKEN}, tmp_path)

    assert run.returncode == 2 and "SLACK_SIGNING_SECRET" in run.stderr
    assert_no_secret(run.stdout + run.stderr, "`cro-bot run` output")


# -- Settings and the errors about them ------------------------------------------------------------


def test_settings_never_show_a_secret_however_printed():
    settings = Settings(bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, app_token=APP_TOKEN)

    logging_style = "%s %r" % (settings, settings)  # noqa: UP031 - as a log call formats its arguments
    for shown in (repr(settings), str(settings), f"{settings}", f"{settings!r}", logging_style):
        assert_no_secret(shown, "a printed Settings")
    assert "bot_token=***" in repr(settings), "a secret that is set says so, without its value"
    assert "api_url=''" in repr(settings), "the other settings still show"
    for nested in (repr([settings]), repr({"settings": settings}), repr((settings,))):
        assert_no_secret(nested, "a container holding Settings")


@pytest.mark.parametrize(
    ("settings", "mode"),
    [
        (Settings(bot_token=BOT_TOKEN), "http"),  # no signing secret
        (Settings(signing_secret=SIGNING_SECRET), "http"),  # no bot token
        (Settings(bot_token=BOT_TOKEN, app_token="xoxb-SEKRIT-app-token-77d0e3"), "socket"),  # not an app token
        (Settings(app_token=APP_TOKEN), "socket"),  # Socket Mode without a bot token
    ],
    ids=["no signing secret", "no bot token", "malformed app token", "app token only"],
)
def test_errors_about_missing_settings_name_variables_never_values(settings, mode):
    with pytest.raises(SettingsError) as caught:
        settings.require_http() if mode == "http" else settings.require_socket_mode()

    error = caught.value
    assert "SLACK_" in str(error), "the variable to fix is named"
    shown = str(error) + repr(error) + "".join(traceback.format_exception(error))
    assert_no_secret(shown, "the error")


def test_a_secret_in_the_wrong_variable_is_not_echoed_back():
    with pytest.raises(SettingsError) as caught:
        load_settings({"PORT": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}, dotenv_path=None)

    assert "PORT" in str(caught.value)
    assert_no_secret(str(caught.value) + repr(caught.value), "the error")


def test_gunicorn_factory_refusing_to_start_shows_no_secret(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)  # and no bot token
    monkeypatch.setenv("SLACK_APP_TOKEN", "")

    with pytest.raises(AppImportError) as caught:
        create_app()

    assert "SLACK_BOT_TOKEN" in str(caught.value)
    assert_no_secret(str(caught.value) + "".join(traceback.format_exception(caught.value)), "the start-up error")
