"""Properties that hold for any input, checked with hypothesis.

(a) Any text through UseCases.answer_question, (b) any checklist topic through UseCases.show_checklist: a result
with a known status and a reply Slack accepts (non-empty text; Block Kit blocks of known types within
Slack's limits) that carries no broadcast, mention or link the knowledge base did not put there.

(c) Any payload shape, signed as Slack signs it, through the real Bolt app behind its WSGI entry
point (bot.slack.web.SlackWebApp, what gunicorn serves): an event_callback, a form-encoded slash
command or a block_actions payload with fields missing, added, emptied or of the wrong type always
gets an HTTP answer (200, 400, 401 or 404): never a 500, never an exception out of the app. A
submitted matrix modal whatever its state holds is acknowledged (200): closed, or errors shown.

Example counts stay modest and the database of examples is off, so the suite is quick and each run
is reproducible (`derandomize=True`).
"""

from __future__ import annotations

import io
import json
import re
import socket
import time
import unicodedata
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from bot.domain import Status, Surface
from bot.knowledge.model import KnowledgeBase
from bot.render import Reply
from bot.settings import Settings
from bot.slack.app import build_app
from bot.slack.web import SlackWebApp
from bot.state import open_state
from bot.state.memory import MemoryState
from bot.use_cases import Answer, ChecklistShown, UseCases
from tests.support.slack_requests import (
    API_APP_ID,
    CHANNEL_ID,
    USER_ID,
    app_mention,
    direct_message,
    event_callback,
    signed_headers,
)
from tests.support.slack_standin import BOT_USER_ID, TEAM_ID, SlackStandIn

ANSWERED, CLARIFY, FALLBACK, HELP = Status.ANSWERED, Status.CLARIFY, Status.FALLBACK, Status.HELP
STATUSES = set(Status)
BLOCK_TYPES = {"section", "context", "actions", "header", "divider", "context_actions"}
SECTION_LIMIT, CONTEXT_LIMIT, BUTTON_TEXT_LIMIT, BUTTON_VALUE_LIMIT, ACTION_ID_LIMIT = 3000, 3000, 75, 2000, 255
MESSAGE_BLOCK_LIMIT = 50

QUICK = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# -- strategies: text ------------------------------------------------------------------------------

# Words the knowledge base uses, so generated questions also reach answers and "did you mean".
DOMAIN_WORDS = [
    "what", "is", "a", "an", "the", "CRO", "ARO", "sponsor", "monitoring", "delegate", "transfer", "duties",
    "ICH", "E6", "GCP", "21", "CFR", "312.52", "source", "data", "verification", "SDV", "hybrid", "CDMO",
    "FSP", "oversight", "TORO", "safety", "pharmacovigilance", "responsible", "who", "difference", "between",
]  # fmt: skip
MARKUP = [
    "<!channel>", "<!here>", "<!everyone>", "<@U0123ABC>", "<@UBOT>", "<#C123|general>",
    "<https://evil.example|docs>", "<http://evil.example>", "<mailto:x@evil.example|mail>", "<!subteam^S1|@team>",
    ":wave:", "```", "*", "_", "~", "`", "&", "&lt;", "&gt;", "<", ">", "|", "\u202e", "\u200b", "\u200f",
    "\u2066", "\ufeff", "\x00", "\n", "\t", "\U000e0041", "\ud7ff", "\U0010ffff", "A\u030a",
]  # fmt: skip

any_text = st.text()  # every code point but surrogates, control and format characters included
odd_text = st.text(alphabet=st.characters(categories=["Cc", "Cf", "Co", "Zl", "Zp", "Mn", "So", "Sk"]))
long_text = st.text(min_size=2000, max_size=12_000)
mixed_text = st.lists(st.sampled_from(DOMAIN_WORDS + MARKUP) | st.text(max_size=8), max_size=40).map(" ".join)
repeated_text = st.tuples(mixed_text, st.integers(1, 3000)).map(lambda pair: pair[0] * pair[1])
USE_CASES = UseCases.from_settings(Settings(), journal=MemoryState())  # the real knowledge (its snapshot cache)
PHRASINGS = sorted({q for e in USE_CASES.kb.entries.values() for q in (e.title, *e.questions)})


@st.composite
def disguised_phrasings(draw) -> str:
    """A phrasing the knowledge base answers, with markup, emoji or invisible characters slipped in."""
    words = draw(st.sampled_from(PHRASINGS)).split()
    for noise in draw(st.lists(st.sampled_from(MARKUP), max_size=4)):
        words.insert(draw(st.integers(0, len(words))), noise)
    return " ".join(words)


questions = st.one_of(any_text, odd_text, long_text, mixed_text, repeated_text, disguised_phrasings())


# -- checking a reply ------------------------------------------------------------------------------

LINK = re.compile(r"<(https?://[^|>]*)(?:\|([^>]*))?>")


def kb_links(kb: KnowledgeBase) -> set[str]:
    return {f"<{s.url}|{s.label}>" for s in kb.sources.values() if s.url}


def block_strings(blocks: list[dict]) -> list[tuple[str, str, int]]:
    """(kind, text, limit) for every piece of text in `blocks`, checking each block's shape on the way."""
    assert isinstance(blocks, list)
    assert 0 < len(blocks) <= MESSAGE_BLOCK_LIMIT
    found = []
    for block in blocks:
        assert isinstance(block, dict), block
        kind = block.get("type")
        assert kind in BLOCK_TYPES, kind
        if kind == "section":
            assert block["text"]["type"] in ("mrkdwn", "plain_text")
            found.append(("section", block["text"]["text"], SECTION_LIMIT))
        elif kind == "header":
            found.append(("header", block["text"]["text"], 150))
        elif kind == "context":
            assert 0 < len(block["elements"]) <= 10
            found.extend(("context", e["text"], CONTEXT_LIMIT) for e in block["elements"])
        elif kind == "actions":
            assert 0 < len(block["elements"]) <= 25
            for element in block["elements"]:
                assert element["type"] == "button"
                assert element["text"]["type"] == "plain_text"
                found.append(("button", element["text"]["text"], BUTTON_TEXT_LIMIT))
                assert isinstance(element["value"], str) and len(element["value"]) <= BUTTON_VALUE_LIMIT
                assert isinstance(element["action_id"], str) and 0 < len(element["action_id"]) <= ACTION_ID_LIMIT
        elif kind == "context_actions":  # Slack's native 👍/👎: one feedback_buttons element
            [element] = block["elements"]
            assert element["type"] == "feedback_buttons"
            assert isinstance(element["action_id"], str) and 0 < len(element["action_id"]) <= ACTION_ID_LIMIT
            for side in ("positive_button", "negative_button"):
                button = element[side]
                assert button["text"]["type"] == "plain_text"
                found.append(("button", button["text"]["text"], BUTTON_TEXT_LIMIT))
                assert isinstance(button["value"], str) and len(button["value"]) <= BUTTON_VALUE_LIMIT
    for kind, text, limit in found:
        assert isinstance(text, str) and text.strip(), f"an empty {kind}"
        assert len(text) <= limit, f"{kind} text is {len(text)} characters; Slack's limit is {limit}"
    return found


def assert_slack_safe(reply: Reply, kb: KnowledgeBase) -> None:
    assert isinstance(reply, Reply)
    assert isinstance(reply.text, str) and reply.text.strip(), "a reply people can read"
    pieces = [reply.text] + [text for _, text, _ in block_strings(reply.blocks)]
    if reply.fallback_blocks is not None:  # what is posted where Slack refuses the native feedback buttons
        pieces += [text for _, text, _ in block_strings(reply.fallback_blocks)]
        assert "context_actions" not in {b["type"] for b in reply.fallback_blocks}
    allowed_links = kb_links(kb)
    for piece in pieces:
        for broadcast in ("<!", "<@", "<#"):
            assert broadcast not in piece, f"{broadcast!r} in {piece[:300]!r}"
        for link in LINK.finditer(piece):
            assert link.group(0) in allowed_links, f"a link the knowledge base does not have: {link.group(0)!r}"
        assert "<http" not in LINK.sub("", piece), "a half-made link"


@pytest.fixture(scope="module")
def use_cases() -> UseCases:
    return USE_CASES


@QUICK
@given(question=questions)
def test_any_text_gets_a_valid_safe_reply(use_cases, question):
    result = use_cases.answer_question(question, Surface.MENTION)
    reply = result.reply

    assert isinstance(result, Answer)
    assert result.status in STATUSES
    assert (result.entry is not None) == (result.status == ANSWERED)
    if result.status == CLARIFY:  # several close entries, or one that is probably it: a button each
        assert result.suggestions
        assert len(result.suggestions) >= 2 or result.score >= 100 * use_cases.thresholds.suggest
        assert len(result.suggestions) == len({s.entry_id for s in result.suggestions})
    assert_slack_safe(reply, use_cases.kb)


ECHO = re.compile(r"I have no checklist for “(.*?)”\.", re.DOTALL)


@QUICK
@given(topic=questions)
def test_any_checklist_topic_gets_a_valid_safe_reply(use_cases, topic):
    result = use_cases.show_checklist(topic)
    reply = result.reply

    assert isinstance(result, ChecklistShown)
    assert result.status in {ANSWERED, HELP, FALLBACK}
    assert (result.checklist is not None) == (result.status == ANSWERED)
    assert_slack_safe(reply, use_cases.kb)
    echoed = ECHO.search(reply.text)
    assert bool(echoed) == (result.status == FALLBACK)
    if echoed:
        shown = echoed.group(1)
        assert shown.strip(), "an unknown topic is named, not shown as “”"
        assert "<" not in shown and ">" not in shown
        assert not [c for c in shown if unicodedata.category(c) in ("Cc", "Cf", "Cs")]
        assert len(shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")) <= 80


# -- (c) payload shapes through the real app -------------------------------------------------------

SIGNING_SECRET = "properties-signing-secret-8a3d"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ANSWERS = {200, 400, 401, 404}  # anything but a 500 (and anything but an exception out of the app)
PAYLOADS = settings(QUICK, max_examples=150)  # each example is a whole signed request through Bolt


@pytest.fixture(scope="module")
def loopback_only() -> Iterator[None]:
    """A listener handed a response_url could post anywhere: refuse every address but this machine."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host, *args, **kwargs):
        assert host in LOOPBACK, f"the app tried to reach {host!r}"
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(sock, address):
        if isinstance(address, tuple):
            assert address[0] in LOOPBACK, f"the app tried to reach {address!r}"
        return real_connect(sock, address)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        patch.setattr(socket.socket, "connect", connect)
        yield


class WsgiApp:
    """The WSGI callable gunicorn serves, called in-process with a request as gunicorn would pass it."""

    def __init__(self, web_app: SlackWebApp, standin: SlackStandIn) -> None:
        self.web_app = web_app
        self.standin = standin

    def post(self, body: bytes, content_type: str, headers: dict[str, str]) -> int:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "3000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(),
        }
        for name, value in headers.items():
            environ["HTTP_" + name.upper().replace("-", "_")] = value
        status: list[str] = []

        def start_response(line: str, response_headers: list, exc_info=None) -> None:
            status.append(line)

        b"".join(self.web_app(environ, start_response))  # an exception here is what gunicorn turns into a 500
        return int(status[0].split()[0])

    def signed(self, body: str, content_type: str) -> int:
        return self.post(body.encode(), content_type, signed_headers(SIGNING_SECRET, body))


@pytest.fixture(scope="module")
def wsgi(loopback_only, tmp_path_factory) -> Iterator[WsgiApp]:
    with SlackStandIn() as standin:
        settings = Settings(
            bot_token="xoxb-test",
            signing_secret=SIGNING_SECRET,
            api_url=standin.api_url,
            state_db=tmp_path_factory.mktemp("properties") / "state.sqlite3",
        )
        state = open_state(str(settings.state_db))
        use_cases = UseCases.from_settings(settings, journal=state.journal)
        yield WsgiApp(SlackWebApp(build_app(settings, use_cases, state.claims), use_cases, SIGNING_SECRET), standin)
        time.sleep(0.2)  # let the last listeners finish their posts before the stand-in goes


# JSON values of any shape: what a payload field could hold if it were not what Slack documents.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
safe_text = st.text(max_size=40).filter(lambda s: ":" not in s)  # never a URL to somewhere else


def same_type(value: object) -> st.SearchStrategy:
    """A replacement of the documented type for `value`: its shape stays what Slack sends."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.integers(min_value=0)
    if isinstance(value, str):
        return safe_text | st.sampled_from(DOMAIN_WORDS + MARKUP + [BOT_USER_ID, USER_ID, CHANNEL_ID, "D111", ""])
    if isinstance(value, dict):
        return mutated(value, safe_text)
    if isinstance(value, list):
        return st.lists(st.one_of([same_type(v) for v in value]) if value else safe_text, max_size=3)
    return st.none()


def mutated(
    base: dict, extra_values: st.SearchStrategy, wrong_types: bool = False, fixed: frozenset[str] = frozenset()
) -> st.SearchStrategy:
    """`base` with each field (but those `fixed`) kept, dropped or replaced, by a value of the same
    type or, when `wrong_types`, by any JSON value; plus a few unknown fields."""

    @st.composite
    def build(draw) -> dict:
        out = {}
        for key, value in base.items():
            choice = "keep" if key in fixed else draw(st.sampled_from(["keep", "keep", "drop", "replace"]))
            if choice == "keep":
                out[key] = value
            elif choice == "replace":
                out[key] = draw(json_values if wrong_types and draw(st.booleans()) else same_type(value))
        extra = draw(st.dictionaries(st.text(max_size=12), extra_values, max_size=3))
        out.update({k: v for k, v in extra.items() if k not in fixed})
        return out

    return build()


# Fields Slack always sends, left in place for the tests of Slack's shape: Bolt's own matchers index
# `type`, `event` and `action_id` without a check (payloads without them get a 400), and a click's
# `channel` and `message` say where to answer. Without those a listener fails within milliseconds of
# its ack(), and Bolt's thread runner then forgets the ack (it resets ack.response when a listener
# that already acknowledged raises), so the request waits out the 3 s ack timeout and gets a 404.
EVENT_FIXED = frozenset({"type", "event"})
INNER_EVENT_FIXED = frozenset({"type"})
ACTION_FIXED = frozenset({"action_id"})
PAYLOAD_FIXED = frozenset({"type", "actions", "response_url", "channel", "container", "message"})


def event_bodies(wrong_types: bool) -> st.SearchStrategy:
    """event_callback envelopes around a mention, a DM, an App Home visit or an edit, mutated."""
    values = json_values if wrong_types else safe_text
    inner_fixed = frozenset() if wrong_types else INNER_EVENT_FIXED
    events = st.sampled_from(
        [
            app_mention("what is an ARO?"),
            direct_message("what is a CRO?"),
            {"type": "app_home_opened", "user": USER_ID, "channel": "D111", "tab": "home", "event_ts": "1.1"},
            {"type": "app_home_opened", "user": USER_ID, "channel": "D111", "tab": "messages", "event_ts": "1.1"},
            {"type": "message", "subtype": "message_changed", "channel": "D111", "channel_type": "im"},
        ]
    ).flatmap(lambda event: mutated(event, values, wrong_types, inner_fixed))
    if wrong_types:
        events = events | json_values
    fixed = frozenset() if wrong_types else EVENT_FIXED
    return st.builds(event_callback, events).flatmap(lambda envelope: mutated(envelope, values, wrong_types, fixed))


def command_forms(hook: str) -> st.SearchStrategy:
    """The form Slack posts for /cro-checklist with fields dropped, changed or added. A form only
    carries text, so what varies is which fields are there and what they say; the response_url, which
    Slack always sends, stays (it points at the stand-in)."""
    base = {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "test",
        "channel_id": CHANNEL_ID,
        "channel_name": "clinical-ops",
        "user_id": USER_ID,
        "user_name": "pat",
        "command": "/cro-checklist",
        "text": "monitoring",
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": hook,
        "trigger_id": "1.1.abc",
    }
    forms = mutated(base, safe_text, fixed=frozenset({"response_url"}))
    return forms.map(lambda form: urlencode({str(k): str(v) for k, v in form.items()}))


def action_payloads(hook: str, wrong_types: bool) -> st.SearchStrategy:
    """block_actions payloads for each of the bot's buttons, mutated; the response_url stays local."""
    values = json_values if wrong_types else safe_text
    actions = [
        {"action_id": "ask_entry:0", "block_id": "related", "value": "aro-definition", "type": "button"},
        {"action_id": "feedback_helpful", "block_id": "feedback", "value": "7:cro-definition", "type": "button"},
        {"action_id": "feedback_not_helpful", "block_id": "feedback", "value": ":gone-entry", "type": "button"},
        {
            "action_id": "feedback_vote",
            "block_id": "feedback",
            "value": "-7:cro-definition",
            "type": "feedback_buttons",
        },
        {"action_id": "share_checklist", "block_id": "share", "value": "monitoring", "type": "button"},
        {"action_id": "matrix_open", "block_id": "share", "value": "r=us-ind;p=;a=", "type": "button"},
        {"action_id": "matrix_share", "block_id": "matrix", "value": "r=eu-ctr;p=hybrid;a=", "type": "button"},
        {"action_id": "matrix_export", "block_id": "matrix", "value": "r=uk;p=;a=monitoring:cro", "type": "button"},
    ]
    action_fixed = frozenset() if wrong_types else ACTION_FIXED
    action = st.sampled_from(actions).flatmap(lambda a: mutated(a, values, wrong_types, action_fixed))
    base = {
        "type": "block_actions",
        "user": {"id": USER_ID, "team_id": TEAM_ID},
        "api_app_id": API_APP_ID,
        "container": {"type": "message", "message_ts": "1.1", "channel_id": CHANNEL_ID},
        "trigger_id": "1.1.abc",
        "team": {"id": TEAM_ID, "domain": "test"},
        "channel": {"id": CHANNEL_ID, "name": "clinical-ops"},
        "message": {"ts": "1.1", "text": "an answer", "blocks": [{"type": "section", "block_id": "feedback"}]},
        "response_url": hook,
    }
    fixed = frozenset({"response_url"}) if wrong_types else PAYLOAD_FIXED
    payloads = st.builds(lambda a: {**base, "actions": [a]}, action)
    payloads = payloads.flatmap(lambda p: mutated(p, values, wrong_types, fixed))
    return payloads.map(lambda p: {**p, "response_url": hook} if "response_url" in p else p)


def shortcut_payloads(hook: str) -> st.SearchStrategy:
    """ "Ask CRO Bot about this" payloads, mutated (the message's text and shape included); the
    response_url stays local."""
    message = {"type": "message", "user": "U999", "ts": "1.1", "text": "what is a TORO?"}
    base = {
        "type": "message_action",
        "callback_id": "ask_about_message",
        "user": {"id": USER_ID, "team_id": TEAM_ID},
        "team": {"id": TEAM_ID, "domain": "test"},
        "channel": {"id": CHANNEL_ID, "name": "clinical-ops"},
        "trigger_id": "1.1.abc",
        "message_ts": "1.1",
        "response_url": hook,
    }
    messages = mutated(message, safe_text)
    payloads = messages.flatmap(
        lambda m: mutated({**base, "message": m}, safe_text, fixed=frozenset({"type", "callback_id", "response_url"}))
    )
    return payloads


def form_payload(payload: object) -> str:
    return urlencode({"payload": json.dumps(payload)})


@PAYLOADS
@given(body=event_bodies(wrong_types=False))
def test_any_event_of_slacks_shape_is_answered_without_error(wsgi, body):
    assert wsgi.signed(json.dumps(body), "application/json") in ANSWERS


@PAYLOADS
@given(data=st.data())
def test_any_slash_command_form_is_answered_without_error(wsgi, data):
    form = data.draw(command_forms(wsgi.standin.hook_url("commands/T111/1/prop")))
    assert wsgi.signed(form, "application/x-www-form-urlencoded") in ANSWERS


@PAYLOADS
@given(data=st.data())
def test_any_block_actions_payload_of_slacks_shape_is_answered_without_error(wsgi, data):
    payload = data.draw(action_payloads(wsgi.standin.hook_url("actions/T111/1/prop"), wrong_types=False))
    assert wsgi.signed(form_payload(payload), "application/x-www-form-urlencoded") in ANSWERS


@PAYLOADS
@given(data=st.data())
def test_any_message_shortcut_payload_is_answered_without_error(wsgi, data):
    payload = data.draw(shortcut_payloads(wsgi.standin.hook_url("shortcuts/T111/1/prop")))
    assert wsgi.signed(form_payload(payload), "application/x-www-form-urlencoded") in ANSWERS


# No shrinking while they fail (the explicit examples are already minimal), and fewer examples: with
# any field of any type, some listeners fail right after their ack() and wait out Bolt's 3 s.
FIRST_FAILURE_ONLY = settings(PAYLOADS, max_examples=100, phases=[Phase.explicit, Phase.generate])


@FIRST_FAILURE_ONLY
@given(body=event_bodies(wrong_types=True))
@example(body=event_callback(None))
@example(body={"type": "event_callback", "user": 5})
def test_any_signed_event_whatever_its_field_types_is_answered_without_error(wsgi, body):
    assert wsgi.signed(json.dumps(body), "application/json") in ANSWERS


@FIRST_FAILURE_ONLY
@given(data=st.data())
@example(data=None)
def test_any_signed_block_actions_whatever_its_field_types_is_answered_without_error(wsgi, data):
    hook = wsgi.standin.hook_url("actions/T111/1/prop")
    if data is None:  # the explicit example: Slack's payload, but the action has no action_id
        payload = {"type": "block_actions", "actions": [{"block_id": "share", "value": "x"}], "response_url": hook}
    else:
        payload = data.draw(action_payloads(hook, wrong_types=True))
    assert wsgi.signed(form_payload(payload), "application/x-www-form-urlencoded") in ANSWERS


@FIRST_FAILURE_ONLY
@given(
    body=st.one_of(
        event_bodies(wrong_types=True).map(lambda b: json.dumps(b).encode()),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200),
    ),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"]),
)
@example(body=b'{"team": 5}', content_type="application/json")
@example(body=b"[1, 2]", content_type="application/json")
@example(body=b"{not json", content_type="application/json")
def test_anything_not_signed_by_slack_is_refused_without_error(wsgi, body, content_type):
    headers = signed_headers("not-the-signing-secret", body.decode("utf-8", "replace"))
    # 401 (or 400) means Bolt refused it before any listener, so nothing can be posted for it.
    assert wsgi.post(body, content_type, headers) in {400, 401}


# -- the matrix modal, submitted ---------------------------------------------------------------------

MATRIX_VIEW = USE_CASES.open_matrix("hybrid", channel=CHANNEL_ID).view
DUTY_BLOCKS = [b["block_id"] for b in MATRIX_VIEW["blocks"] if b["type"] == "input"]
IDS = st.sampled_from(["us-ind", "eu-ctr", "uk", "other", "sponsor", "cro", "shared", "vendor", "investigator", ""])


def view_submissions(wrong_types: bool) -> st.SearchStrategy:
    """The matrix modal submitted with any choice of regions and holders (known ids or not), any
    private_metadata, and, when `wrong_types`, state entries of any JSON shape."""
    values = json_values if wrong_types else (IDS | safe_text)

    @st.composite
    def state(draw) -> dict:
        out: dict = {}
        for block_id in draw(st.lists(st.sampled_from(DUTY_BLOCKS), unique=True, max_size=10)):
            chosen = draw(st.lists(values, max_size=3))
            out[block_id] = {
                "regions": {"type": "checkboxes", "selected_options": [{"value": v} for v in chosen]},
                "holder": {"type": "static_select", "selected_option": {"value": chosen[0] if chosen else None}},
            }
            if wrong_types and draw(st.booleans()):
                out[block_id] = draw(json_values)
        return {"values": out}

    metadata = st.sampled_from([MATRIX_VIEW["private_metadata"], "", "c=<!here>;p=everything", "p=hybrid"]) | safe_text

    @st.composite
    def payload(draw) -> dict:
        view = {**MATRIX_VIEW, "id": "V1", "state": draw(state()), "private_metadata": draw(metadata)}
        base = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": USER_ID, "team_id": TEAM_ID},
            "api_app_id": API_APP_ID,
            "trigger_id": "1.1.abc",
            "view": view,
        }
        return draw(mutated(base, safe_text, fixed=frozenset({"type", "view"})))

    return payload()


@PAYLOADS
@given(payload=view_submissions(wrong_types=False))
def test_any_matrix_modal_submission_is_acknowledged(wsgi, payload):
    assert wsgi.signed(form_payload(payload), "application/x-www-form-urlencoded") == 200


@FIRST_FAILURE_ONLY
@given(payload=view_submissions(wrong_types=True))
def test_any_matrix_modal_state_whatever_its_shape_is_acknowledged(wsgi, payload):
    assert wsgi.signed(form_payload(payload), "application/x-www-form-urlencoded") == 200
