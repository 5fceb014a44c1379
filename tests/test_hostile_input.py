"""Hostile text typed at the bot, end to end through the real Bolt app served over HTTP.

Every case in HOSTILE is sent as a channel mention, as a direct message and as a `/cro-checklist`
topic. Whatever it is, the person gets exactly one polite reply (the help, a fallback, a "did you
mean" or a curated answer) and nothing they typed can make the bot broadcast (`<!channel>`,
`<!here>`, `<!everyone>`), ping someone (`<@U0123ABC>`), link to a foreign site (`evil.example`) or
flip the direction of the bot's own text (U+202E). An unknown checklist topic is echoed, but escaped:
shown as text, never as Slack markup.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Iterator

import pytest

from bot.render import render_help, shown_answer
from bot.use_cases import UseCases
from tests.support.serving import Served, served_app
from tests.support.slack_requests import app_mention, direct_message
from tests.support.slack_standin import BOT_USER_ID, SlackStandIn

# -- the cases -------------------------------------------------------------------------------------

HELP, ANY = "help", "any"  # expected reply: the help; or any polite reply (help, fallback, clarify, answer)

# (case, the whole message text, the reply expected to a mention or DM: HELP, ANY or an entry id)
HOSTILE: list[tuple[str, str, str]] = [
    ("40 KB of text", "what is a CRO? " * 2731, "cro-definition"),
    (
        "40 KB of broadcasts, mentions and links",
        "<!channel> <!here> <!everyone> <@U0123ABC> <https://evil.example|docs> <#C123|general> what is a CRO? " * 405,
        ANY,
    ),
    ("empty", "", HELP),
    ("only a bot mention", f"<@{BOT_USER_ID}>", HELP),
    ("only emoji", ":wave: :tada:", HELP),
    (
        "right-to-left text with zero-width characters",
        "\u200fما هو\u200b CRO؟ \u202eמה זה\u200b CRO?\u202c what is a\u200b CRO\u200f?",
        "cro-definition",
    ),
    ("right-to-left override only", "\u202e\u200b\u200f", HELP),
    ("a code block", "```what is a CRO?\n<!channel> rm -rf /```", ANY),
    ("<!channel>", "<!channel> what is a CRO?", "cro-definition"),
    ("<!here>", "<!here>", HELP),
    ("<!everyone>", "<!everyone> what is an ARO?", "aro-definition"),
    ("a mention of someone else", "<@U0123ABC> what is an ARO?", "aro-definition"),
    (
        "a disguised link next to a real question",
        "<https://evil.example|docs> what is source data verification?",
        "sdv-definition",
    ),
    ("a channel link", "<#C123|general> what is a CRO?", "cro-definition"),
]
CASE_IDS = [case for case, _, _ in HOSTILE]

# Never in anything the bot posts: the knowledge base contains none of these (checked below).
FORBIDDEN = ("<!channel>", "<!here>", "<!everyone>", "<!", "<@U0123ABC>", "<@", "<#C123", "evil.example", "\u202e")

FALLBACK_START = "Sorry, I don't have a curated answer for that"
CLARIFY_STARTS = ("I have more than one answer that could fit.", "I'm not sure I can answer that.")


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[Served]:
    """One app for the whole module: every test posts into its own channel, so none sees another's."""
    with SlackStandIn() as standin, served_app(standin, tmp_path_factory.mktemp("hostile") / "state.sqlite3") as served:
        yield served


# -- what a polite, safe reply looks like ----------------------------------------------------------


def posted_text(text: str, blocks: list[dict] | None) -> str:
    return text + "\n" + json.dumps(blocks or [], ensure_ascii=False)


def assert_safe(posted: str) -> None:
    for forbidden in FORBIDDEN:
        assert forbidden not in posted, f"the reply carries {forbidden!r}: {posted[:500]!r}"


def reply_kind(text: str, use_cases: UseCases) -> str:
    """help, fallback, clarify or the id of the entry answered; AssertionError if it is none of them."""
    if text == render_help(use_cases.kb).text:
        return HELP
    if text.startswith(FALLBACK_START):
        return "fallback"
    if text.startswith(CLARIFY_STARTS):
        return "clarify"
    for entry in use_cases.kb.entries.values():
        if text.startswith(shown_answer(entry, use_cases.kb, use_cases.escalation_contact)):
            return entry.id
    raise AssertionError(f"not a reply the bot knows how to give: {text[:300]!r}")


def channel_for(prefix: str, case: str) -> str:
    return prefix + f"{CASE_IDS.index(case):03d}HOSTILE"


def test_the_knowledge_base_itself_contains_nothing_forbidden(app):
    """So a forbidden string in a reply can only have come from what the person typed."""
    kb = app.use_cases.kb
    texts = [e.answer for e in kb.entries.values()] + [e.title for e in kb.entries.values()]
    texts += [f"{s.label} {s.url}" for s in kb.sources.values()]
    texts += [i.text for c in kb.checklists.values() for i in (*c.items, c.closing)]
    assert_safe("\n".join(texts))


def test_the_table_really_is_hostile():
    """Each case carries what it claims to: guards the table against a careless edit."""
    texts = dict((case, text) for case, text, _ in HOSTILE)
    assert len(texts["40 KB of text"].encode()) >= 40_000
    assert len(texts["40 KB of broadcasts, mentions and links"].encode()) >= 40_000
    for markup in ("<!channel>", "<!here>", "<!everyone>", "<@U0123ABC>", "evil.example", "<#C123|general>"):
        assert any(markup in text for text in texts.values()), markup
    rtl = texts["right-to-left text with zero-width characters"]
    assert {"\u200b", "\u200f", "\u202e"} <= set(rtl)
    directions = {unicodedata.bidirectional(c) for c in rtl}
    assert {"AL", "R"} <= directions, "Arabic and Hebrew letters"


# -- mentions and direct messages ------------------------------------------------------------------


def mention_event(text: str, channel: str) -> dict:
    # A mention always carries the bot's own mention; "only a bot mention" is exactly that.
    bot = f"<@{BOT_USER_ID}>"
    if text.startswith(bot):
        return app_mention(text, channel=channel, mention=False)
    return app_mention(text, channel=channel)


@pytest.mark.parametrize(("case", "text", "expected"), HOSTILE, ids=CASE_IDS)
@pytest.mark.parametrize("surface", ["mention", "dm"])
def test_hostile_message_gets_one_polite_safe_reply(app, surface, case, text, expected):
    if surface == "mention":
        channel = channel_for("C", case)
        event = mention_event(text, channel)
    else:
        channel = channel_for("D", case)
        event = direct_message(text, channel=channel)

    response = app.sender.event(event)

    assert response.status == 200
    [post] = wait_for_posts_in(app.standin, channel, 1)
    assert post.body.get("thread_ts") == event["ts"], "in the message's thread (a DM's too: the agent view)"
    text_posted, blocks = post.body["text"], post.body.get("blocks")
    assert text_posted.strip(), "the person gets a reply they can read"
    assert isinstance(blocks, list) and blocks
    assert_safe(posted_text(text_posted, blocks))
    kind = reply_kind(text_posted, app.use_cases)
    if expected == ANY:
        assert kind in ({HELP, "fallback", "clarify"} | set(app.use_cases.kb.entries))
    else:
        assert kind == expected, f"{case}: expected {expected}, got {kind}"
    assert_still_one_post_in(app.standin, channel)


def _posts_in(standin: SlackStandIn, channel: str) -> list:
    posts = standin.calls("chat.postMessage")
    return [c for c in posts if isinstance(c.body, dict) and c.body.get("channel") == channel]


def wait_for_posts_in(standin: SlackStandIn, channel: str, count: int, timeout: float = 10.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _posts_in(standin, channel)
        if len(found) >= count:
            return found
        time.sleep(0.02)
    raise AssertionError(f"expected {count} post(s) in {channel}, got {len(_posts_in(standin, channel))}")


def assert_still_one_post_in(standin: SlackStandIn, channel: str, within: float = 0.1) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert len(_posts_in(standin, channel)) == 1, "exactly one reply per message"
        time.sleep(0.02)


# -- /cro-checklist --------------------------------------------------------------------------------

ECHO = re.compile(r"I have no checklist for “(.*?)”\.", re.DOTALL)


@pytest.mark.parametrize(("case", "text", "expected"), HOSTILE, ids=CASE_IDS)
def test_hostile_checklist_topic_is_answered_privately_and_echoed_escaped(app, case, text, expected):
    hook = f"commands/T111/{CASE_IDS.index(case)}/hostile"
    response_url = app.standin.hook_url(hook)

    ack = app.sender.command(text, response_url)

    assert ack.status == 200
    path = "/hooks/" + hook
    [reply] = wait_for_hooks(app.standin, path)
    body = reply.body
    assert body["response_type"] == "ephemeral"
    assert body["text"].strip()
    posted = posted_text(body["text"], body.get("blocks"))
    for forbidden in ("<!channel>", "<!here>", "<!everyone>", "<!", "<@", "<#C123", "<https://evil", "\u202e"):
        assert forbidden not in posted, f"{forbidden!r} in {posted[:500]!r}"
    echoed = ECHO.search(body["text"])
    if echoed:  # an unknown topic is named back to the person, as plain text
        shown = echoed.group(1)
        assert "<" not in shown and ">" not in shown
        assert not [c for c in shown if unicodedata.category(c) in ("Cf", "Cc")], "no invisible or bidi characters"
        plain = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        assert len(plain) <= 80, "a long topic is cut short"
        visible = " ".join("".join(c for c in text if unicodedata.category(c) != "Cf").split())
        if "<" in visible[:60]:
            assert "&lt;" in shown, "markup the person typed is shown as text"
        assert plain.rstrip("…") and visible.startswith(plain.rstrip("…")), "the echo is what they typed"
    else:
        assert body["text"].startswith(("*Checklist:", "*Hi! I answer questions")), body["text"][:200]
    assert_still_one_hook(app.standin, path)


def wait_for_hooks(standin: SlackStandIn, path: str, timeout: float = 10.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = standin.calls(path)
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"nothing was sent to {path}")


def assert_still_one_hook(standin: SlackStandIn, path: str, within: float = 0.1) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert len(standin.calls(path)) == 1, "exactly one reply per command"
        time.sleep(0.02)
