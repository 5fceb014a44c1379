"""Only Slack gets in: signatures, replay window, the paths served, hostile text, secrets in errors."""

from __future__ import annotations

import json
import time

import pytest

from bot.settings import Settings, SettingsError
from tests.support.slack_requests import (
    JSON,
    app_mention,
    event_callback,
    post,
    signature,
    signed_headers,
    url_verification,
)


def mention_body() -> str:
    return json.dumps(event_callback(app_mention("what is an ARO?")))


def forged(secret: str, body: str) -> dict[str, str]:
    return signed_headers("not-the-signing-secret", body)


def tampered(secret: str, body: str) -> dict[str, str]:
    return signed_headers(secret, body.replace("ARO", "CRO"))


def unsigned(secret: str, body: str) -> dict[str, str]:
    return {}


def no_signature(secret: str, body: str) -> dict[str, str]:
    return {"X-Slack-Request-Timestamp": str(int(time.time()))}


def no_timestamp(secret: str, body: str) -> dict[str, str]:
    return {"X-Slack-Signature": signature(secret, int(time.time()), body)}


def six_minutes_old(secret: str, body: str) -> dict[str, str]:
    return signed_headers(secret, body, timestamp=int(time.time()) - 6 * 60)


def six_minutes_ahead(secret: str, body: str) -> dict[str, str]:
    return signed_headers(secret, body, timestamp=int(time.time()) + 6 * 60)


@pytest.mark.parametrize(
    "headers_for", [forged, tampered, unsigned, no_signature, no_timestamp, six_minutes_old, six_minutes_ahead]
)
def test_requests_not_signed_by_slack_now_are_refused_and_not_answered(served, headers_for):
    body = mention_body()

    response = post(served.sender.url, body, JSON, headers_for(served.settings.signing_secret, body))

    assert response.status == 401
    served.assert_nothing_more_posted()


def test_correctly_signed_request_is_accepted(served):
    # The counterpart of the refusals above: the same body, signed now with the right secret, is answered.
    body = mention_body()

    response = post(served.sender.url, body, JSON, signed_headers(served.settings.signing_secret, body))

    assert response.status == 200
    [answer] = served.standin.wait_for("chat.postMessage", 1)
    assert answer.body["thread_ts"] == json.loads(body)["event"]["ts"]


def test_url_verification_echoes_the_challenge(served):
    response = served.sender.envelope(url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"))

    assert response.status == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_url_verification_with_a_forged_signature_is_refused(served):
    body = json.dumps(url_verification("challenge-from-a-stranger"))

    response = post(served.sender.url, body, JSON, forged(served.settings.signing_secret, body))

    assert response.status == 401
    assert b"challenge-from-a-stranger" not in response.body


def test_health_check_reports_the_loaded_knowledge(served):
    response = served.sender.get("/healthz")

    assert response.status == 200
    assert response.headers["content-type"].startswith("application/json")
    health = response.json()
    assert health["status"] == "ok"
    assert health["entries"] > 0
    assert health["entries"] == len(served.use_cases.kb.entries)


@pytest.mark.parametrize("path", ["/", "/slack/event", "/admin", "/healthz/../slack/events"])
def test_unknown_paths_are_not_found(served, path):
    assert served.sender.get(path).status == 404


def test_events_path_answers_only_post(served):
    assert served.sender.get("/slack/events").status == 404


def test_hostile_mention_is_answered_without_broadcast_or_foreign_link(served):
    mention = app_mention("<!channel> what is a CRO? see <https://evil.example|docs>")

    assert served.sender.event(mention).status == 200

    [post_call] = served.standin.wait_for("chat.postMessage", 1)
    assert post_call.body["thread_ts"] == mention["ts"]
    assert post_call.body["text"].strip(), "the person still gets an answer"
    posted = json.dumps({"text": post_call.body["text"], "blocks": post_call.body.get("blocks")})
    for forbidden in ("<!channel>", "<!here>", "<!everyone>", "evil.example"):
        assert forbidden not in posted


def test_missing_slack_settings_are_named():
    with pytest.raises(SettingsError) as caught:
        Settings(bot_token="", signing_secret="").require_http()

    assert "SLACK_BOT_TOKEN" in str(caught.value)
    assert "SLACK_SIGNING_SECRET" in str(caught.value)


def test_settings_errors_and_repr_never_show_secret_values():
    token, secret = "xoxb-test-do-not-show-9f2c", "signing-do-not-show-77e1"

    with pytest.raises(SettingsError) as missing_secret:
        Settings(bot_token=token, signing_secret="").require_http()
    with pytest.raises(SettingsError) as missing_token:
        Settings(bot_token="", signing_secret=secret).require_http()
    with pytest.raises(SettingsError) as bad_app_token:
        Settings(bot_token=token, app_token="xoxp-not-an-app-token-5d1a").require_socket_mode()

    assert "SLACK_SIGNING_SECRET" in str(missing_secret.value)
    assert "SLACK_BOT_TOKEN" not in str(missing_secret.value)
    assert "SLACK_BOT_TOKEN" in str(missing_token.value)
    assert "SLACK_APP_TOKEN" in str(bad_app_token.value)
    shown = " ".join(
        [str(missing_secret.value), str(missing_token.value), str(bad_app_token.value)]
        + [repr(Settings(bot_token=token, signing_secret=secret, app_token="xapp-test-do-not-show-31b0"))]
    )
    for value in (token, secret, "xoxp-not-an-app-token-5d1a", "xapp-test-do-not-show-31b0"):
        assert value not in shown
