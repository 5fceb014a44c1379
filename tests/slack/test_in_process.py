"""The Bolt app driven in-process, as bolt-python's own tests drive theirs: a signed BoltRequest handed
to App.dispatch, no HTTP server in between, the Web API replaced by the local stand-in. Fast, so the
everyday behaviours of each listener kind are checked here as well as end to end over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot.settings import Settings
from bot.slack.app import build_app
from bot.state import open_state
from bot.use_cases import UseCases
from tests.support.slack_requests import (
    CHANNEL_ID,
    app_mention,
    block_actions,
    event_callback,
    interactivity_body,
    posted_message,
    signed_headers,
    slash_command_fields,
)
from tests.support.slack_standin import SlackStandIn

SECRET = "in-process-signing-secret-2c9e"


@pytest.fixture
def app(standin: SlackStandIn, tmp_path) -> Iterator[App]:
    # The state file in tmp_path: the thread memory build_app opens goes there too, not into the checkout.
    settings = Settings(
        bot_token="xoxb-test", signing_secret=SECRET, api_url=standin.api_url, state_db=tmp_path / "state.sqlite3"
    )
    state = open_state(str(settings.state_db))
    use_cases = UseCases.from_settings(settings, journal=state.journal)
    yield build_app(settings, use_cases, state.claims)


def dispatch(app: App, body: str, content_type: str, *, secret: str = SECRET) -> int:
    headers = {k.lower(): [v] for k, v in signed_headers(secret, body).items()}
    headers["content-type"] = [content_type]
    return app.dispatch(BoltRequest(body=body, headers=headers)).status


def test_a_mention_is_acked_and_answered_in_its_thread(app, standin):
    mention = app_mention("what is an ARO?")

    assert dispatch(app, json.dumps(event_callback(mention)), "application/json") == 200

    [post] = standin.wait_for("chat.postMessage", 1)
    assert post.body["thread_ts"] == mention["ts"] and post.body["channel"] == CHANNEL_ID
    assert "academic" in post.body["text"].lower()


def test_a_request_not_signed_with_the_secret_is_refused_before_any_listener(app, standin):
    body = json.dumps(event_callback(app_mention("what is an ARO?")))

    assert dispatch(app, body, "application/json", secret="someone-else") == 401

    # A signed mention sent after it is answered, and is the only post: the forged one never ran.
    real = app_mention("what is a CRO?")
    assert dispatch(app, json.dumps(event_callback(real)), "application/json") == 200
    [post] = standin.wait_for("chat.postMessage", 1)
    assert post.body["thread_ts"] == real["ts"]
    standin.assert_count_stays("chat.postMessage", 1, within=0.3)


def test_a_slash_command_is_acked_at_once_and_its_checklist_follows(app, standin):
    fields = slash_command_fields("monitoring", standin.hook_url("commands/T111/1/in-process"))

    assert dispatch(app, urlencode(fields), "application/x-www-form-urlencoded") == 200
    [reply] = standin.wait_for("/hooks/commands/", 1)
    assert reply.body["response_type"] == "ephemeral" and "Checklist:" in reply.body["text"]


def test_a_related_question_button_answers_that_entry(app, standin):
    dispatch(app, json.dumps(event_callback(app_mention("what is an ARO?"))), "application/json")
    [answer] = standin.wait_for("chat.postMessage", 1)
    click = block_actions(
        "ask_entry:0", response_url=standin.hook_url("actions/T111/1/in-process"), message=posted_message(answer)
    )

    assert dispatch(app, interactivity_body(click), "application/x-www-form-urlencoded") == 200

    posts = standin.wait_for("chat.postMessage", 2)
    assert posts[1].body["thread_ts"] == answer.body["thread_ts"], "the chosen entry, in the same thread"
