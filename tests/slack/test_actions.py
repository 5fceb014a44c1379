"""Buttons, the App Home tab and the question records, end to end: signed requests in (events, slash
commands, `block_actions` clicks), what Slack would show out (chat.postMessage, response_url posts,
views.publish), and what curators see afterwards in `cro-bot report`."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys

import pytest

from bot.buttons import (
    ASK_ENTRY,
    FEEDBACK_BLOCK,
    FEEDBACK_HELPFUL,
    FEEDBACK_NOT_HELPFUL,
    FEEDBACK_VOTE,
    SHARE_CHECKLIST,
    parse_vote,
)
from bot.render import answer_text
from tests.slack.test_events import block_text
from tests.support.slack_requests import (
    CHANNEL_ID,
    DM_CHANNEL_ID,
    USER_ID,
    app_home_opened,
    app_mention,
    block_actions,
    direct_message,
    find_button,
    new_ts,
)


def buttons(blocks: list[dict], block_id: str) -> list[dict]:
    [block] = [b for b in blocks if b.get("block_id") == block_id]
    assert block["type"] == "actions"
    return block["elements"]


def action_ids(blocks: list[dict]) -> set[str]:
    return {e.get("action_id") for b in blocks if b.get("type") == "actions" for e in b["elements"]}


def feedback_value(post) -> tuple[int, str]:
    """(question record id, entry id) that the answer's (native) feedback buttons refer to."""
    _, element = find_button(post.body["blocks"], FEEDBACK_VOTE)
    ref, helpful = parse_vote(element["positive_button"]["value"])
    assert helpful and parse_vote(element["negative_button"]["value"]) == (ref, False)
    assert ref.question_id is not None, f"the feedback buttons name the stored question: {element}"
    return ref.question_id, ref.entry_id


def db_rows(served, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(served.settings.state_db) as conn:
        return conn.execute(sql, params).fetchall()


def clarify_question(use_cases, options: int = 2) -> str:
    """A question the real knowledge base answers with "did you mean" and `options` or more buttons (1:
    exactly one), found rather than assumed."""
    candidates = [
        "hybrid",
        "sites",
        "responsibility",
        "outsourcing",
        "data",
        "monitoring visits",
        "our CRA keeps going on about the monitoring visit report, who writes it",
        "sponsor wants us to keep the essential docs, for how long",
        "vendor qualification - who does it",
        "who checks the CRO is any good before we sign",
        "is the TMF ours or the CROs",
    ]
    for question in candidates:
        result = use_cases.router.route(question)
        count = len(result.suggestions)
        if result.status == "clarify" and (count == 1 if options == 1 else count >= options):
            return question
    raise AssertionError(f"none of {candidates} gets that clarify reply any more; add a candidate that does")


# -- the answer's blocks ---------------------------------------------------------------------------


def test_answer_to_a_mention_shows_sources_related_questions_and_feedback_buttons(served):
    kb = served.use_cases.kb
    entry = kb.entries["aro-definition"]
    assert entry.related, "this test needs an entry with related questions"

    post = served.ask(app_mention("what is an ARO?"))

    assert entry.answer in post.body["text"], "the text (notifications, old clients) still carries the answer"
    blocks = post.body["blocks"]
    assert blocks[0]["type"] == "section" and blocks[0]["text"]["text"] == entry.answer
    contexts = [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]
    sources = [c for c in contexts if c.startswith("Sources:")]
    assert len(sources) == 1
    for citation in entry.sources:
        assert kb.sources[citation.source_id].label in sources[0]

    related = buttons(blocks, "related")
    expected = [e for e in entry.related if e in kb.entries][:3]
    assert [b["value"] for b in related] == expected
    assert [b["text"]["text"] for b in related] == [kb.entries[e].title[:75] for e in expected]
    assert all(b["action_id"].startswith(f"{ASK_ENTRY}:") for b in related)
    assert len({b["action_id"] for b in related}) == len(related), "Slack refuses duplicate action_ids"

    [feedback] = [b for b in blocks if b.get("block_id") == FEEDBACK_BLOCK]
    assert feedback["type"] == "context_actions", "Slack's native feedback buttons"
    assert [e["type"] for e in feedback["elements"]] == ["feedback_buttons"]
    assert not {FEEDBACK_HELPFUL, FEEDBACK_NOT_HELPFUL} & action_ids(blocks), "not the classic ones as well"
    question_id, entry_id = feedback_value(post)
    assert entry_id == "aro-definition"
    [(question, status, stored_entry)] = db_rows(
        served, "SELECT question, status, entry FROM questions WHERE id = ?", (question_id,)
    )
    assert (question, status, stored_entry) == ("what is an ARO?", "answered", "aro-definition")


# -- related and did-you-mean buttons --------------------------------------------------------------


def test_related_question_button_answers_that_entry_in_the_same_thread(served):
    kb = served.use_cases.kb
    mention = app_mention("what is an ARO?")
    post = served.ask(mention)
    assert post.body["thread_ts"] == mention["ts"]
    _, button = find_button(post.body["blocks"], f"{ASK_ENTRY}:1")

    response, hook = served.click(post, f"{ASK_ENTRY}:1")

    assert response.status == 200
    _, answer = served.standin.wait_for("chat.postMessage", 2)
    related = kb.entries[button["value"]]
    assert answer.body["channel"] == CHANNEL_ID
    assert answer.body["thread_ts"] == mention["ts"], "answered in the thread the button was in"
    assert answer_text(related, kb) in answer.body["text"]
    assert feedback_value(answer)[1] == related.id, "the new answer can be voted on too"
    assert served.standin.calls(hook) == [], "a public answer, not a private reply"
    served.assert_nothing_more_posted(already=2)


def test_related_question_button_in_a_dm_answers_in_the_persons_thread(served):
    kb = served.use_cases.kb
    dm = direct_message("what is an ARO?")
    post = served.ask(dm)
    assert post.body["thread_ts"] == dm["ts"]
    _, button = find_button(post.body["blocks"], f"{ASK_ENTRY}:0")

    assert served.click(post, f"{ASK_ENTRY}:0", channel=DM_CHANNEL_ID)[0].status == 200

    _, answer = served.standin.wait_for("chat.postMessage", 2)
    assert answer.body["channel"] == DM_CHANNEL_ID
    assert answer.body["thread_ts"] == dm["ts"], "the answer stays in the person's thread"
    assert answer_text(kb.entries[button["value"]], kb) in answer.body["text"]


def test_related_question_button_in_a_dm_thread_answers_in_that_thread(served):
    parent_ts = new_ts()
    post = served.ask(direct_message("what is an ARO?", thread_ts=parent_ts))
    assert post.body["thread_ts"] == parent_ts

    served.click(post, f"{ASK_ENTRY}:0", channel=DM_CHANNEL_ID)

    _, answer = served.standin.wait_for("chat.postMessage", 2)
    assert answer.body["channel"] == DM_CHANNEL_ID
    assert answer.body["thread_ts"] == parent_ts


def test_did_you_mean_buttons_answer_the_chosen_entry_in_the_same_thread(served):
    kb = served.use_cases.kb
    question = clarify_question(served.use_cases)
    suggestions = served.use_cases.router.route(question).suggestions
    mention = app_mention(question)

    post = served.ask(mention)

    assert "Did you mean" in post.body["text"]
    options = buttons(post.body["blocks"], "clarify")
    assert [b["value"] for b in options] == [s.entry_id for s in suggestions][:3]
    assert FEEDBACK_HELPFUL not in action_ids(post.body["blocks"]), "nothing to vote on yet"
    chosen = options[-1]  # not simply the best guess

    assert served.click(post, chosen["action_id"])[0].status == 200

    _, answer = served.standin.wait_for("chat.postMessage", 2)
    assert answer.body["channel"] == CHANNEL_ID
    assert answer.body["thread_ts"] == mention["ts"]
    assert answer_text(kb.entries[chosen["value"]], kb) in answer.body["text"]


def test_one_likely_entry_is_offered_alone_and_its_button_answers(served):
    kb = served.use_cases.kb
    question = clarify_question(served.use_cases, options=1)
    (suggestion,) = served.use_cases.router.route(question).suggestions
    mention = app_mention(question)

    post = served.ask(mention)

    assert post.body["text"].startswith(kb.messages.text("clarify_one").replace("*", ""))
    assert "ask your study's regulatory lead or quality team" in post.body["text"], "somewhere to go if not"
    (option,) = buttons(post.body["blocks"], "clarify")
    assert option["value"] == suggestion.entry_id
    assert served.click(post, option["action_id"])[0].status == 200
    _, answer = served.standin.wait_for("chat.postMessage", 2)
    assert answer.body["thread_ts"] == mention["ts"]
    assert answer_text(kb.entries[suggestion.entry_id], kb) in answer.body["text"]


# -- feedback --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pressed", "helpful", "verdict"),
    [("positive", 1, "marked this answer helpful"), ("negative", 0, "marked this answer not helpful")],
    ids=["helpful", "not helpful"],
)
def test_feedback_thanks_only_the_voter_and_stores_the_vote(served, pressed, helpful, verdict):
    post = served.ask(app_mention("what is an ARO?"))
    question_id, entry_id = feedback_value(post)

    response, hook = served.click(post, FEEDBACK_VOTE, pressed=pressed)

    assert response.status == 200
    [reply] = served.standin.wait_for(hook, 1)
    body = reply.body
    assert body["response_type"] == "ephemeral", "only the voter sees the thank-you"
    assert body["replace_original"] is False, "the answer and its buttons stay as they were for everyone else"
    shown = block_text(body["blocks"])
    assert "Thanks for the feedback" in shown and verdict + "." in shown

    assert db_rows(served, "SELECT question_id, entry, helpful, user FROM feedback") == [
        (question_id, entry_id, helpful, USER_ID)
    ]
    served.standin.assert_count_stays(hook, 1, within=0.2)
    served.assert_nothing_more_posted(already=1)


def test_a_second_click_changes_the_vote_and_each_person_votes_once(served):
    post = served.ask(app_mention("what is an ARO?"))
    question_id, entry_id = feedback_value(post)

    for pressed, user in (("positive", USER_ID), ("negative", USER_ID), ("positive", "U333")):
        _, hook = served.click(post, FEEDBACK_VOTE, user=user, pressed=pressed)
        served.standin.wait_for(hook, 1)

    votes = db_rows(served, "SELECT user, helpful FROM feedback WHERE question_id = ? ORDER BY user", (question_id,))
    assert votes == [("U222", 0), ("U333", 1)], "the first voter changed their mind; the second voted once"


# -- sharing a checklist ---------------------------------------------------------------------------


def test_checklist_can_be_shared_in_the_channel_from_its_private_reply(served):
    checklist = served.use_cases.kb.checklists["monitoring"]
    command_url, command_hook = served.new_hook()
    assert served.sender.command("monitoring", command_url).status == 200
    [private] = served.standin.wait_for(command_hook, 1)
    assert private.body["response_type"] == "ephemeral"
    _, share = find_button(private.body["blocks"], SHARE_CHECKLIST)
    assert share["text"]["text"] == "Share in channel"

    # An ephemeral message is not in the payload: Slack sends only its container.
    url, hook = served.new_hook()
    payload = block_actions(SHARE_CHECKLIST, response_url=url, blocks=private.body["blocks"], is_ephemeral=True)
    assert "message" not in payload
    assert served.sender.action(payload).status == 200

    sent = served.standin.wait_for(hook, 2)
    served.standin.assert_count_stays(hook, 2, within=0.2)
    [public] = [c.body for c in sent if c.body.get("response_type") == "in_channel"]
    [confirmation] = [c.body for c in sent if c.body.get("replace_original") is True]
    assert public.get("replace_original") is False, "the checklist is a new message, not the private one"
    assert checklist.title in public["text"] and checklist.items[0].text in public["text"]
    assert served.use_cases.kb.messages.text("not_advice") in public["text"]
    assert SHARE_CHECKLIST not in action_ids(public.get("blocks") or []), "no share button on the shared copy"
    assert "Shared" in confirmation["text"] and checklist.title in confirmation["text"]
    assert confirmation.get("response_type") != "in_channel"
    assert served.posts() == [], "everything goes through the response_url"


# -- stale buttons ---------------------------------------------------------------------------------


STALE = {
    "related question": (f"{ASK_ENTRY}:0", "retired-entry"),
    "feedback": (FEEDBACK_VOTE, "-1:retired-entry"),
    "feedback value the bot never wrote": (FEEDBACK_VOTE, "negative_feedback"),
}


@pytest.mark.parametrize(("action_id", "value"), STALE.values(), ids=STALE.keys())
def test_button_naming_an_entry_that_is_gone_gets_a_polite_private_reply(served, action_id, value):
    post = served.ask(app_mention("what is an ARO?"))

    response, hook = served.click(post, action_id, value=value)

    assert response.status == 200
    [reply] = served.standin.wait_for(hook, 1)
    assert reply.body["response_type"] == "ephemeral"
    assert reply.body.get("replace_original") is False, "the original answer stays as it was"
    assert "no longer in my knowledge base" in reply.body["text"]
    assert "Traceback" not in reply.body["text"]
    assert db_rows(served, "SELECT * FROM feedback") == [], "no vote for an entry that does not exist"
    served.assert_nothing_more_posted(already=1)


def test_share_button_naming_a_checklist_that_is_gone_gets_a_polite_private_reply(served):
    blocks = [
        {
            "type": "actions",
            "block_id": "share",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Share in channel"},
                    "action_id": SHARE_CHECKLIST,
                    "value": "retired-checklist",
                }
            ],
        }
    ]
    url, hook = served.new_hook()

    response = served.sender.action(block_actions(SHARE_CHECKLIST, response_url=url, blocks=blocks, is_ephemeral=True))

    assert response.status == 200
    [reply] = served.standin.wait_for(hook, 1)
    assert reply.body["response_type"] == "ephemeral"
    assert "no longer in my knowledge base" in reply.body["text"]
    served.standin.assert_count_stays(hook, 1, within=0.2)
    served.assert_nothing_more_posted()


# -- App Home --------------------------------------------------------------------------------------


def test_opening_the_home_tab_publishes_the_home_view_for_that_user(served):
    kb = served.use_cases.kb

    assert served.sender.event(app_home_opened(user=USER_ID)).status == 200

    [publish] = served.standin.wait_for("views.publish", 1)
    assert publish.token == "xoxb-test"
    assert publish.body["user_id"] == USER_ID
    view = publish.body["view"]
    assert view["type"] == "home"
    assert 0 < len(view["blocks"]) <= 100
    shown = block_text(view["blocks"])
    for checklist_id, checklist in kb.checklists.items():
        assert f"`{checklist_id}`" in shown and checklist.title in shown
    assert served.use_cases.kb.messages.text("not_advice") in shown
    assert "/cro-checklist" in shown
    served.standin.assert_count_stays("views.publish", 1, within=0.2)


def test_opening_the_messages_tab_publishes_no_home_view(served):
    assert served.sender.event(app_home_opened(user=USER_ID, tab="messages")).status == 200
    # A Home tab opened afterwards by someone else proves the app is handling events.
    assert served.sender.event(app_home_opened(user="U333")).status == 200

    [publish] = served.standin.wait_for("views.publish", 1)
    assert publish.body["user_id"] == "U333"
    served.standin.assert_count_stays("views.publish", 1, within=0.3)
    # (the Messages tab's own welcome: tests/slack/test_agent_view.py)


# -- the records curators read ---------------------------------------------------------------------


def cro_bot_report(served, cwd, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STATE_DB", "KNOWLEDGE_DIR"))}
    env["STATE_DB"] = str(served.settings.state_db)
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
    )


def section(lines: list[str], heading: str) -> list[str]:
    """The indented lines under the report heading that starts with `heading`."""
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        body.append(line.strip())
    return body


def test_every_answered_question_and_vote_reaches_the_report(served, tmp_path):
    kb = served.use_cases.kb
    mention = served.ask(app_mention("what is an ARO?"))
    dm = served.ask(direct_message("what is a CRO?"))
    _, related = find_button(mention.body["blocks"], f"{ASK_ENTRY}:0")
    served.click(mention, f"{ASK_ENTRY}:0")
    served.standin.wait_for("chat.postMessage", 3)
    off_topic = served.ask(app_mention("what is an ORM"))
    assert "don't have" in off_topic.body["text"]
    _, voted_entry = feedback_value(dm)
    _, vote_hook = served.click(dm, FEEDBACK_VOTE, channel=DM_CHANNEL_ID, pressed="negative")
    served.standin.wait_for(vote_hook, 1)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()

    run = cro_bot_report(served, cwd)

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    asked = next(line for line in lines if line.startswith("questions asked:"))
    assert int(asked.split(":")[1]) == 4
    assert "answered 3 (75%)" in run.stdout and "fallback 1 (25%)" in run.stdout
    unanswered = section(lines, "most frequent unanswered")
    assert unanswered and unanswered[0].split(None, 1) == ["1", "what is an orm"]
    assert not any("aro" in line or "cro" in line for line in unanswered), "answered questions are not listed"
    not_helpful = section(lines, 'entries with the most "not helpful"')
    assert not_helpful[0].split() == ["1", "/", "0", voted_entry]

    run_csv = cro_bot_report(served, cwd, "--csv")

    assert run_csv.returncode == 0, run_csv.stderr
    rows = list(csv.DictReader(io.StringIO(run_csv.stdout)))
    assert len(rows) >= 3
    by_surface = {r["surface"]: r for r in rows}
    assert by_surface["mention"]["status"] in ("answered", "fallback")
    assert by_surface["dm"]["question"] == "what is a CRO?" and by_surface["dm"]["status"] == "answered"
    assert by_surface["dm"]["entry"] == voted_entry
    assert by_surface["dm"]["knowledge_revision"] == kb.revision, "each answer names the knowledge that gave it"
    assert by_surface["button"]["entry"] == related["value"] and by_surface["button"]["status"] == "answered"
    assert by_surface["button"]["question"] == kb.entries[related["value"]].title
    assert {(r["question"], r["status"]) for r in rows if r["surface"] == "mention"} == {
        ("what is an ARO?", "answered"),
        ("what is an ORM", "fallback"),
    }

    stored = [q for (q,) in db_rows(served, "SELECT question FROM questions")]
    assert len(stored) == 4
    assert not any("<@" in q or "<" in q for q in stored), stored
