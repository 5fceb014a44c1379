"""Distribution: the app installed by OAuth in several workspaces, driven end to end as a browser and
Slack would drive it, against the Web API stand-in's `oauth.v2.access`: Bolt's install page and
redirect, slack_sdk's installation and state stores in the state database (SQLite and PostgreSQL),
then each workspace's mentions answered with its own token; an org-wide Enterprise Grid install
answering every team of the org; uninstalling deleting the installation."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from bot.state import State
from tests.support.serving import Served, served_app
from tests.support.slack_requests import Response, app_mention, event_callback, new_event_id
from tests.support.slack_standin import SlackStandIn

CLIENT_ID = "111.222"
CLIENT_SECRET = "oauth-client-secret-5c2e"


@pytest.fixture
def app(stores, standin: SlackStandIn, tmp_path):
    standin.oauth_app(CLIENT_ID, CLIENT_SECRET)
    store = stores.open()
    with served_app(
        standin,
        tmp_path / "unused.sqlite3",
        state=State(store, store),
        bot_token="",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    ) as served:
        yield served


def start_install(app: Served) -> tuple[str, str]:
    """A person opens /slack/install: the state in the 'Add to Slack' link, and the cookie set with it."""
    page = app.sender.get("/slack/install")
    assert page.status == 200, page.text
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text).group(1)
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID]
    assert set(query["scope"][0].split(",")) == set(manifest_scopes())
    cookie = page.headers["set-cookie"].split(";", 1)[0]
    return query["state"][0], cookie


def finish_install(app: Served, state: str, cookie: str, code: str) -> Response:
    """Slack sends the browser back to the redirect URL with the code and state."""
    return app.sender.get("/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), {"Cookie": cookie})


def install(app: Served, team_id: str, **where) -> str:
    state, cookie = start_install(app)
    done = finish_install(app, state, cookie, app.standin.authorize_install(team_id, **where))
    assert done.status == 200, done.text
    return app.standin.installed[team_id]


def manifest_scopes() -> list[str]:
    from pathlib import Path

    manifest = json.loads((Path(__file__).resolve().parents[2] / "manifest.json").read_text())
    return manifest["oauth_config"]["scopes"]["bot"]


def mention_in(app: Served, team: str, question: str = "what is an ARO?", enterprise: str | None = None) -> dict:
    body = event_callback(app_mention(question, channel=f"C{team}"), team_id=team)
    if enterprise:
        body["enterprise_id"] = enterprise
        body["authorizations"][0].update(enterprise_id=enterprise, is_enterprise_install=True)
    assert app.sender.envelope(body).status == 200
    return body["event"]


def teams_in(app: Served, table: str) -> set[str]:
    """The teams slack_sdk's store has rows for, in the state's own database."""
    with app.use_cases.journal.engine.connect() as conn:  # type: ignore[attr-defined]
        return {row[0] for row in conn.exec_driver_sql(f"SELECT team_id FROM {table}")}  # noqa: S608


def wait_until(condition, timeout: float = 10.0) -> None:
    """Bolt runs the uninstall listeners after the ack: wait for their effect, not a fixed time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)


def posts_to(app: Served, channel: str) -> list:
    return [c for c in app.standin.calls("chat.postMessage") if c.body.get("channel") == channel]


def test_two_workspaces_install_and_each_is_answered_with_its_own_token(app: Served):
    first, second = install(app, "T222"), install(app, "T333")

    mention_in(app, "T222")
    mention_in(app, "T333")
    app.standin.wait_for("chat.postMessage", 2, timeout=10)

    assert [c.token for c in posts_to(app, "CT222")] == [first]
    assert [c.token for c in posts_to(app, "CT333")] == [second]
    assert first != second


def test_a_workspace_that_never_installed_gets_nothing(app: Served):
    install(app, "T222")
    mention_in(app, "T444")  # not installed
    mention_in(app, "T222")
    app.standin.wait_for("chat.postMessage", 1, timeout=10)
    app.standin.assert_count_stays("chat.postMessage", 1, within=0.3)
    assert posts_to(app, "CT444") == []


def test_an_install_without_its_state_cookie_or_with_a_used_state_is_refused(app: Served):
    state, cookie = start_install(app)
    forged = finish_install(app, state, "slack-app-oauth-state=forged", app.standin.authorize_install("T222"))
    assert forged.status >= 400
    assert "T222" not in app.standin.installed, "the code was never exchanged"

    assert finish_install(app, state, cookie, app.standin.authorize_install("T222")).status == 200
    replay = finish_install(app, state, cookie, app.standin.authorize_install("T222"))
    assert replay.status >= 400, "a state is good for one install"


def test_an_org_wide_install_answers_every_team_of_the_enterprise(app: Served):
    token = install(app, "T0", enterprise_id="E1", org_wide=True)

    mention_in(app, "T5", enterprise="E1")
    mention_in(app, "T6", enterprise="E1")
    app.standin.wait_for("chat.postMessage", 2, timeout=10)

    assert [c.token for c in posts_to(app, "CT5") + posts_to(app, "CT6")] == [token, token]


def test_uninstalling_deletes_the_workspaces_installation(app: Served):
    install(app, "T222")
    install(app, "T333")
    uninstalled = event_callback({"type": "app_uninstalled", "event_ts": "1700000000.000001"}, team_id="T222")
    uninstalled["event_id"] = new_event_id()

    assert app.sender.envelope(uninstalled).status == 200

    wait_until(lambda: teams_in(app, "slack_installations") == teams_in(app, "slack_bots") == {"T333"})
    mention_in(app, "T222")
    mention_in(app, "T333")
    app.standin.wait_for("chat.postMessage", 1, timeout=10)
    app.standin.assert_count_stays("chat.postMessage", 1, within=0.3)
    assert posts_to(app, "CT222") == []


def test_revoked_tokens_delete_the_bot(app: Served):
    install(app, "T222")
    revoked = event_callback({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, team_id="T222")

    assert app.sender.envelope(revoked).status == 200

    wait_until(lambda: teams_in(app, "slack_bots") == set())
