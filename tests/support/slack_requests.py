"""Requests shaped and signed the way Slack sends them to an HTTP-mode app (`POST /slack/events`).

Payload shapes follow docs.slack.dev (Events API envelope, app_mention, message.im, message subtypes,
app_home_opened, url_verification, slash commands, block_actions interactivity payloads). Signing
follows Slack's v0 scheme, implemented here with hmac so the tests do not lean on the SDK they test:

    X-Slack-Request-Timestamp: <unix seconds>
    X-Slack-Signature: "v0=" + hex(HMAC-SHA256(signing_secret, f"v0:{timestamp}:{raw_body}"))
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.support.slack_standin import BOT_ID, BOT_USER_ID, TEAM_ID, Call, SlackStandIn

API_APP_ID = "A111"
USER_ID = "U222"  # a person
OTHER_BOT_ID = "B999"  # somebody else's bot
CHANNEL_ID = "C111"
DM_CHANNEL_ID = "D111"

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

_sequence = itertools.count(1)


def new_ts() -> str:
    """A unique message timestamp ("seconds.micro"), like Slack's."""
    return f"{int(time.time())}.{next(_sequence):06d}"


def new_event_id() -> str:
    return "Ev" + uuid.uuid4().hex[:10].upper()


# -- signing ---------------------------------------------------------------------------------------


def signature(secret: str, timestamp: int | str, body: str | bytes) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: str | bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature(secret, ts, body)}


# -- events ----------------------------------------------------------------------------------------


def event_callback(event: dict, *, event_id: str | None = None, team_id: str = TEAM_ID) -> dict:
    """The Events API envelope around `event`."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "context_team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + uuid.uuid4().hex,
    }


def _rich_text(text: str) -> list[dict]:
    return [
        {
            "type": "rich_text",
            "block_id": "b1",
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
        }
    ]


def app_mention(
    question: str,
    *,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
    mention: bool = True,
) -> dict:
    """`<@UBOT> question` in a channel (or a thread of it when `thread_ts` is given)."""
    ts = ts or new_ts()
    text = f"<@{BOT_USER_ID}> {question}" if mention else question
    event = {
        "type": "app_mention",
        "client_msg_id": str(uuid.uuid4()),
        "user": user,
        "text": text,
        "ts": ts,
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "blocks": _rich_text(text),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(
    text: str,
    *,
    user: str | None = USER_ID,
    channel: str = DM_CHANNEL_ID,
    channel_type: str = "im",
    ts: str | None = None,
    thread_ts: str | None = None,
    **extra: Any,
) -> dict:
    """A `message` event: by default a person's direct message to the bot (message.im)."""
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "text": text,
        "ts": ts,
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if user is not None:
        event["user"] = user
        event["client_msg_id"] = str(uuid.uuid4())
        event["blocks"] = _rich_text(text)
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return event


def direct_message(text: str, **kwargs: Any) -> dict:
    return message(text, channel_type="im", **kwargs)


def bot_message(
    text: str, *, bot_id: str = OTHER_BOT_ID, channel: str = DM_CHANNEL_ID, channel_type: str = "im"
) -> dict:
    """A post by a bot (an integration or another app): subtype bot_message, no person's user id."""
    return message(
        text,
        user=None,
        channel=channel,
        channel_type=channel_type,
        subtype="bot_message",
        bot_id=bot_id,
        username="bot",
    )


def message_changed(
    original_ts: str, new_text: str, *, user: str = USER_ID, channel: str = DM_CHANNEL_ID, channel_type: str = "im"
) -> dict:
    """Someone edited an earlier message."""
    ts = new_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "channel_type": channel_type,
        "ts": ts,
        "event_ts": ts,
        "message": {
            "type": "message",
            "user": user,
            "text": new_text,
            "ts": original_ts,
            "edited": {"user": user, "ts": ts},
        },
        "previous_message": {"type": "message", "user": user, "text": "old text", "ts": original_ts},
    }


def message_deleted(
    original_ts: str, *, user: str = USER_ID, channel: str = DM_CHANNEL_ID, channel_type: str = "im"
) -> dict:
    ts = new_ts()
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "channel_type": channel_type,
        "ts": ts,
        "event_ts": ts,
        "deleted_ts": original_ts,
        "previous_message": {"type": "message", "user": user, "text": "old text", "ts": original_ts},
    }


def app_home_opened(*, user: str = USER_ID, channel: str = DM_CHANNEL_ID, tab: str = "home") -> dict:
    """`user` opened the bot's App Home: its Home tab (`tab="home"`) or its Messages tab."""
    return {"type": "app_home_opened", "user": user, "channel": channel, "tab": tab, "event_ts": new_ts()}


def url_verification(challenge: str) -> dict:
    return {"token": "legacy-verification-token", "challenge": challenge, "type": "url_verification"}


# -- slash commands --------------------------------------------------------------------------------


def new_trigger_id() -> str:
    return f"{next(_sequence)}.1.{uuid.uuid4().hex[:16]}"


def slash_command_fields(
    text: str, response_url: str, *, command: str = "/cro-checklist", user: str = USER_ID, trigger_id: str | None = None
) -> dict[str, str]:
    """A slash command's fields: form-encoded over HTTP, the payload of a Socket Mode envelope."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "test",
        "channel_id": CHANNEL_ID,
        "channel_name": "clinical-ops",
        "user_id": user,
        "user_name": "pat",
        "command": command,
        "text": text,
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def slash_command(
    text: str,
    response_url: str,
    *,
    command: str = "/cro-checklist",
    user: str = USER_ID,
    trigger_id: str | None = None,
) -> str:
    """The form-encoded body Slack posts for a slash command."""
    return urlencode(slash_command_fields(text, response_url, command=command, user=user, trigger_id=trigger_id))


# -- interactivity (buttons) -----------------------------------------------------------------------


def posted_message(call: Call) -> dict:
    """The message as Slack stores it, from the stand-in's record of the bot's chat.postMessage: the
    posted text and blocks, the ts the stand-in gave it, and its thread_ts if it went in a thread."""
    assert call.method == "chat.postMessage", call.path
    message = {
        "type": "message",
        "subtype": "bot_message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": API_APP_ID,
        "team": TEAM_ID,
        "ts": call.response["ts"],
        "text": call.body.get("text", ""),
        "blocks": call.body.get("blocks") or [],
    }
    if call.body.get("thread_ts"):
        message["thread_ts"] = call.body["thread_ts"]
        message["parent_user_id"] = USER_ID
    return message


def find_button(blocks: list[dict], action_id: str) -> tuple[str, dict]:
    """(block_id, button) of the button with `action_id` in `blocks` (an actions block's button, or a
    context_actions block's feedback_buttons element); AssertionError if there is none."""
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") in ("actions", "context_actions") else []:
            if element.get("action_id") == action_id:
                return block.get("block_id", ""), element
    raise AssertionError(f"no button {action_id!r} in blocks: {json.dumps(blocks)[:1000]}")


def block_actions(
    action_id: str,
    *,
    response_url: str,
    message: dict | None = None,
    blocks: list[dict] | None = None,
    channel: str = CHANNEL_ID,
    message_ts: str | None = None,
    is_ephemeral: bool = False,
    value: str | None = None,
    user: str = USER_ID,
    pressed: str = "positive",
) -> dict:
    """The interactivity payload Slack posts when `user` clicks the button `action_id`.

    The button is looked up in `message` (a message the bot posted, see `posted_message`) or, for an
    ephemeral message (which Slack leaves out of the payload), in `blocks`. `value` overrides the
    button's value, as a stale button from an older version of the bot would carry. For Slack's native
    feedback buttons (one `feedback_buttons` element), `pressed` says which: "positive" or "negative";
    the action then carries that button's value and text, as Slack sends it.
    """
    assert message is not None or blocks is not None, "the button must come from somewhere"
    block_id, button = find_button(message["blocks"] if message is not None else blocks, action_id)
    if button.get("type") == "feedback_buttons":
        button = {**button[f"{pressed}_button"], "type": "feedback_buttons"}
    in_dm = channel.startswith("D")
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": "pat", "name": "pat", "team_id": TEAM_ID},
        "api_app_id": API_APP_ID,
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts or (message or {}).get("ts") or new_ts(),
            "channel_id": channel,
            "is_ephemeral": is_ephemeral,
        },
        "trigger_id": new_trigger_id(),
        "team": {"id": TEAM_ID, "domain": "test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "directmessage" if in_dm else "clinical-ops"},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {**button["text"], "emoji": True},
                "value": button.get("value", "") if value is None else value,
                "type": button.get("type", "button"),
                "action_ts": f"{time.time():.6f}",
                **({"style": button["style"]} if "style" in button else {}),
            }
        ],
    }
    if message is not None:
        payload["message"] = message
    return payload


def message_shortcut(
    message: dict,
    *,
    response_url: str,
    callback_id: str = "ask_about_message",
    channel: str = CHANNEL_ID,
    user: str = USER_ID,
) -> dict:
    """The payload Slack posts when `user` picks a message shortcut on `message` (a `message` event's
    fields: its text, ts, user, thread_ts if it is in a thread)."""
    return {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "username": "pat", "name": "pat", "team_id": TEAM_ID},
        "channel": {"id": channel, "name": "directmessage" if channel.startswith("D") else "clinical-ops"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": new_trigger_id(),
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": {k: v for k, v in message.items() if k not in ("channel", "channel_type", "event_ts")},
    }


# -- modals ------------------------------------------------------------------------------------------


def opened_view(call: Call) -> dict:
    """The view the bot opened, from the stand-in's record of its views.open call, as Slack holds it."""
    assert call.method == "views.open", call.path
    view = call.body.get("view")
    view = json.loads(view) if isinstance(view, str) else view
    return {**call.response["view"], **view, "app_id": API_APP_ID, "bot_id": BOT_ID, "hash": "1700000000.abc"}


def modal_state(view: dict, changes: dict[str, str | list[str]] | None = None) -> dict:
    """`view.state` as Slack sends it on submission: each input's initial value, except where `changes`
    (block id -> the option value, or values for checkboxes) says the person picked another."""
    changes = changes or {}
    values: dict[str, dict] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element, block_id = block["element"], block["block_id"]
        options = {o["value"]: o for o in element.get("options", [])}
        if element["type"] == "checkboxes":
            picked = changes.get(block_id, [o["value"] for o in element.get("initial_options", [])])
            state = {"type": "checkboxes", "selected_options": [options[v] for v in picked]}
        else:
            value = changes.get(block_id, (element.get("initial_option") or {}).get("value"))
            state = {"type": element["type"], "selected_option": options[value] if value else None}
        values[block_id] = {element["action_id"]: state}
    unknown = set(changes) - set(values)
    assert not unknown, f"no input blocks {unknown} in the view"
    return {"values": values}


def view_submission(view: dict, changes: dict[str, str | list[str]] | None = None, *, user: str = USER_ID) -> dict:
    """The payload Slack posts when `user` presses the modal's submit button, having picked `changes`."""
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "username": "pat", "name": "pat", "team_id": TEAM_ID},
        "api_app_id": API_APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": new_trigger_id(),
        "view": {**view, "state": modal_state(view, changes)},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def interactivity_body(payload: dict) -> str:
    """Slack posts interactivity as a form with one field, `payload`, holding the JSON."""
    return urlencode({"payload": json.dumps(payload)})


# -- HTTP ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


def post(
    url: str, body: str | bytes, content_type: str = JSON, headers: dict[str, str] | None = None, timeout: float = 10
) -> Response:
    """POST `body` as-is (the bytes that were signed); any HTTP status comes back as a Response.
    `timeout`: seconds to wait for the answer (Slack itself gives up after 3)."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", content_type)
    request.add_header("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    return _send(request, timeout)


def get(url: str, headers: dict[str, str] | None = None) -> Response:
    return _send(urllib.request.Request(url, method="GET", headers=headers or {}))


def _send(request: urllib.request.Request, timeout: float = 10) -> Response:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Response(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


class SlackSender:
    """Sends signed requests to one app, as Slack would: `sender.event(app_mention("what is a CRO?"))`."""

    def __init__(self, base_url: str, signing_secret: str, path: str = "/slack/events") -> None:
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + path
        self.signing_secret = signing_secret

    def signed(self, body: str, content_type: str = JSON, headers: dict[str, str] | None = None) -> Response:
        return post(self.url, body, content_type, {**signed_headers(self.signing_secret, body), **(headers or {})})

    def event(self, event: dict, *, event_id: str | None = None, retry_num: int | None = None) -> Response:
        return self.envelope(event_callback(event, event_id=event_id), retry_num=retry_num)

    def envelope(self, payload: dict, *, retry_num: int | None = None) -> Response:
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.signed(json.dumps(payload), JSON, headers)

    def command(
        self, text: str, response_url: str, *, command: str = "/cro-checklist", trigger_id: str | None = None
    ) -> Response:
        return self.signed(slash_command(text, response_url, command=command, trigger_id=trigger_id), FORM)

    def action(self, payload: dict) -> Response:
        """A button click (a `block_actions` payload, see `block_actions`), a shortcut (see
        `message_shortcut`) or a modal submitted (a `view_submission` payload): Slack posts all three as
        interactivity."""
        return self.signed(interactivity_body(payload), FORM)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return get(self.base_url + path, headers)


SENTINEL_CHANNEL = "D999"


def assert_nothing_more_posted(sender: SlackSender, standin: SlackStandIn, already: int = 0) -> None:
    """Prove that what was sent before produced no chat.postMessage beyond the `already` seen.

    A person's DM sent now must be answered (so the app is alive and its listener threads have picked
    up what was queued before it), and that answer must stay the only new post for a short while.
    """
    response = sender.event(direct_message("what is an ARO?", channel=SENTINEL_CHANNEL))
    assert response.status == 200
    standin.wait_for("chat.postMessage", already + 1, timeout=10)
    posts = standin.assert_count_stays("chat.postMessage", already + 1, within=0.3)
    assert posts[-1].body["channel"] == SENTINEL_CHANNEL, f"something else was posted: {posts[-1].body}"
