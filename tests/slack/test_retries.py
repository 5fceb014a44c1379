"""One answer per request, however often Slack delivers it: event retries arriving together, a slash
command or a button click delivered twice, and the same event racing through two gunicorn workers.

Each test ends by proving the app is still answering *new* requests, so "no second answer" cannot
pass merely because the repeat was slow to arrive.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.buttons import ASK_ENTRY, FEEDBACK_VOTE, SHARE_CHECKLIST
from tests.support.processes import WebProcess, free_port, start_web
from tests.support.slack_requests import (
    FORM,
    JSON,
    SlackSender,
    app_mention,
    assert_nothing_more_posted,
    block_actions,
    event_callback,
    new_event_id,
    post,
    posted_message,
    signed_headers,
    slash_command_fields,
)
from tests.support.slack_standin import SlackStandIn

SIGNING_SECRET = "retries-test-signing-secret-91c4"


def all_at_once(*sends: Callable[[], object]) -> list:
    """Run `sends` in parallel threads, released together by a barrier; their results in order."""
    start = threading.Barrier(len(sends))

    def released(send: Callable[[], object]) -> object:
        start.wait(timeout=10)
        return send()

    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        return [f.result() for f in [pool.submit(released, send) for send in sends]]


# -- events ----------------------------------------------------------------------------------------


def test_event_and_its_retries_arriving_in_parallel_give_one_answer(served):
    mention = app_mention("what is an ARO?")
    event_id = new_event_id()

    responses = all_at_once(
        *(
            lambda n=n: served.sender.event(mention, event_id=event_id, retry_num=n)
            for n in (None, 1, 2, 3, None, 1, 2, 3)
        )
    )

    assert [r.status for r in responses] == [200] * 8, "a non-2xx answer makes Slack retry again"
    [answer] = served.standin.wait_for("chat.postMessage", 1, timeout=10)
    assert answer.body["thread_ts"] == mention["ts"]
    served.assert_nothing_more_posted(already=1)


# -- slash commands --------------------------------------------------------------------------------


def test_slash_command_delivered_twice_sends_one_checklist(served):
    # The same invocation (one trigger_id, one response_url), delivered twice at once.
    body = urlencode(slash_command_fields("monitoring", served.standin.hook_url("commands/T111/1/twice")))

    acks = all_at_once(lambda: served.sender.signed(body, FORM), lambda: served.sender.signed(body, FORM))

    assert [a.status for a in acks] == [200, 200], "both deliveries are acknowledged"
    # A new invocation (its own trigger_id) is answered: the app is serving, and the repeat, had it
    # been answered, would be in by now.
    assert served.sender.command("monitoring", served.standin.hook_url("commands/T111/2/next")).status == 200
    hooks = served.standin.wait_for("/hooks/", 2, timeout=10)
    served.standin.assert_count_stays("/hooks/", 2, within=0.3)
    assert sorted(h.path for h in hooks) == ["/hooks/commands/T111/1/twice", "/hooks/commands/T111/2/next"]
    assert all("Checklist:" in h.body["text"] for h in hooks)


# -- button clicks ---------------------------------------------------------------------------------


def ask(served, question: str = "what is an ARO?"):
    already = len(served.posts())
    assert served.sender.event(app_mention(question)).status == 200
    return served.standin.wait_for("chat.postMessage", already + 1, timeout=10)[already]


def test_related_question_click_delivered_twice_is_answered_once(served):
    answer = ask(served)
    payload = block_actions(
        f"{ASK_ENTRY}:0", response_url=served.standin.hook_url("actions/T111/1/a"), message=posted_message(answer)
    )

    acks = all_at_once(lambda: served.sender.action(payload), lambda: served.sender.action(payload))

    assert [a.status for a in acks] == [200, 200]
    posts = served.standin.wait_for("chat.postMessage", 2, timeout=10)
    assert posts[1].body["thread_ts"] == answer.body["thread_ts"], "the chosen entry, in the same thread"
    served.assert_nothing_more_posted(already=2)


def test_feedback_click_delivered_twice_counts_one_vote(served):
    answer = ask(served)
    payload = block_actions(
        FEEDBACK_VOTE, response_url=served.standin.hook_url("actions/T111/2/f"), message=posted_message(answer)
    )

    acks = all_at_once(lambda: served.sender.action(payload), lambda: served.sender.action(payload))

    assert [a.status for a in acks] == [200, 200]
    served.standin.wait_for("/hooks/", 1, timeout=10)
    served.assert_nothing_more_posted(already=1)  # by now the repeat would have been handled too
    [thanks] = served.standin.assert_count_stays("/hooks/", 1, within=0.1)
    assert thanks.body["response_type"] == "ephemeral", "one thank-you, to the voter alone"
    with sqlite3.connect(served.settings.state_db) as conn:
        assert conn.execute("SELECT count(*) FROM feedback").fetchone() == (1,)


def test_share_click_delivered_twice_shares_the_checklist_once(served):
    assert served.sender.command("monitoring", served.standin.hook_url("commands/T111/3/c")).status == 200
    [private] = served.standin.wait_for("/hooks/", 1, timeout=10)
    payload = block_actions(
        SHARE_CHECKLIST,
        response_url=served.standin.hook_url("actions/T111/3/s"),
        blocks=private.body["blocks"],
        is_ephemeral=True,
    )

    acks = all_at_once(lambda: served.sender.action(payload), lambda: served.sender.action(payload))

    assert [a.status for a in acks] == [200, 200]
    served.standin.wait_for("/hooks/", 3, timeout=10)  # the checklist in the channel, then the private note
    served.assert_nothing_more_posted()
    hooks = served.standin.assert_count_stays("/hooks/", 3, within=0.1)
    shared = [h for h in hooks if h.body.get("response_type") == "in_channel"]
    assert len(shared) == 1, "the channel sees the checklist once"


# -- across gunicorn workers -------------------------------------------------------------------


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[WebProcess, SlackStandIn]]:
    """The Procfile's web: process (gunicorn, two workers), as test_procfile_web starts it, with the
    worker's process id in each access-log line so a test can tell which worker took a request."""
    workdir = tmp_path / "run"
    workdir.mkdir()
    port = free_port()
    with SlackStandIn() as standin:
        served = start_web(
            workdir,
            {
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": standin.api_url,
                "STATE_DB": str(workdir / "state.sqlite3"),
                "PORT": str(port),
                "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port} --access-logformat 'worker=%(p)s %(r)s %(s)s'",
            },
        )
        served = replace(served, base_url=f"http://127.0.0.1:{port}")
        try:
            yield served, standin
        finally:
            served.stop()


EVENTS_ACCESS = re.compile(r"worker=<?(\d+)>? POST /slack/events ")


def test_same_event_sent_six_times_at_once_to_two_gunicorn_workers_is_answered_once(web):
    process, standin = web
    process.wait_healthy()
    sender = SlackSender(process.base_url, SIGNING_SECRET)

    # Identical bytes, identically signed, six times at once: whichever worker takes each copy, the
    # state file they share lets exactly one of them answer. Repeated with a fresh event until a burst
    # has verifiably been spread over both workers (the kernel decides who accepts a connection).
    spread = False
    for _burst in range(5):
        mention = app_mention("what is an ARO?")
        body = json.dumps(event_callback(mention))
        headers = signed_headers(SIGNING_SECRET, body)
        seen = len(EVENTS_ACCESS.findall(process.log()))
        already = len(standin.calls("chat.postMessage"))

        responses = all_at_once(*(lambda b=body, h=headers: post(sender.url, b, JSON, h) for _ in range(6)))

        assert [r.status for r in responses] == [200] * 6, process.log()
        standin.wait_for("chat.postMessage", already + 1, timeout=10)
        assert_nothing_more_posted(sender, standin, already=already + 1)
        answers = [c for c in standin.calls("chat.postMessage") if c.body.get("thread_ts") == mention["ts"]]
        assert len(answers) == 1, f"{len(answers)} answers to one mention"
        workers = set(EVENTS_ACCESS.findall(process.log())[seen : seen + 6])
        if len(workers) > 1:
            spread = True
            break
    assert spread, "no burst reached both workers:\n" + process.log()
