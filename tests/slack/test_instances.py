"""Several instances, and instances failing: the Procfile's `web:` process, started as production
starts it (gunicorn, its workers), on a real PostgreSQL server or the SQLite file, under bursts of
signed mentions (tests/support/bursts.py) with Slack's retries spread over the instances.

- Two instances on one PostgreSQL: every question answered exactly once and journalled once.
- PostgreSQL restarting mid-burst: no answer lost or doubled; the journal complete (or the gap logged).
- A worker killed with SIGKILL mid-burst (SQLite and PostgreSQL): every mention Slack had its 200 for
  is answered within the grace period, by a sweeper; a duplicate only for a post in flight at the kill.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from bot.state.postgres import engine_url
from bot.state.schema import claims, questions
from tests.slack.test_procfile_web import WebProcess, start_web
from tests.support.bursts import Burst, kill_9, wait_answered, worker_pids
from tests.support.slack_requests import SlackSender
from tests.support.slack_standin import Scripted, SlackStandIn

SIGNING_SECRET = "instances-test-signing-secret-3d9a"
BOLT_LISTENER_THREADS = 5  # Bolt's default listener executor: at most this many answers are being posted at once
GRACE = 2.0  # CLAIM_GRACE_SECONDS for these tests: a dead worker's questions are taken over this soon


@contextlib.contextmanager
def instances(tmp_path: Path, standin: SlackStandIn, count: int, store: dict[str, str]) -> Iterator[list[WebProcess]]:
    """`count` web: processes sharing `store` (DATABASE_URL or STATE_DB), each healthy before use."""
    started: list[WebProcess] = []
    try:
        for n in range(count):
            workdir = tmp_path / f"instance-{n}"
            workdir.mkdir()
            env = {
                "SLACK_BOT_TOKEN": "xoxb-test",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": standin.api_url,
                "CLAIM_GRACE_SECONDS": str(GRACE),
                **store,
            }
            started.append(start_web(workdir, env))
        for web in started:
            health = web.wait_healthy()
            assert health["store"] == "ok", health
        yield started
    finally:
        for web in started:
            if web.process.poll() is None:
                with contextlib.suppress(AssertionError):
                    web.terminate(timeout=10)
            web.kill_group()


def sender(web: WebProcess) -> SlackSender:
    return SlackSender(web.base_url, SIGNING_SECRET)


def journal(url: str) -> tuple[int, int, int]:
    """(questions recorded, distinct deliveries among them, claims still waiting for an answer)."""
    engine = create_engine(url if url.startswith("sqlite") else engine_url(url))
    try:
        with engine.connect() as conn:
            recorded = conn.execute(select(func.count()).select_from(questions)).scalar_one()
            deliveries = conn.execute(select(func.count(func.distinct(questions.c.delivery)))).scalar_one()
            waiting = conn.execute(
                select(func.count()).select_from(claims).where(claims.c.state == "accepted")
            ).scalar_one()
        return recorded, deliveries, waiting
    finally:
        engine.dispose()


def logs(webs: list[WebProcess]) -> str:
    return "\n".join(web.log() for web in webs)


def test_two_instances_on_one_postgresql_answer_each_question_once(database_url, standin, tmp_path):
    burst = Burst.of(120, tag="two")
    with instances(tmp_path, standin, 2, {"DATABASE_URL": database_url}) as webs:
        # Every mention to one instance, every third also (at once) as Slack's retry to the other.
        burst.send([sender(web) for web in webs], concurrency=12, retry_every=3)

        tally = wait_answered(burst, standin, timeout=30)
        standin.assert_count_stays("chat.postMessage", len(burst.mentions), within=0.5)
        assert "Traceback" not in logs(webs), logs(webs)

    assert tally.unacked == [] and tally.lost == []
    assert tally.duplicated == {}, f"{len(tally.duplicated)} mentions answered more than once"
    assert journal(database_url) == (120, 120, 0), "journalled once each, nothing left waiting"


def test_postgresql_restarting_mid_burst_loses_no_answer_and_doubles_one_only_if_claims_left_it(
    postgres, database_url, standin, tmp_path
):
    burst = Burst.of(150, tag="restart")
    restarted = threading.Event()
    down_for: list[float] = []

    def restart_once_under_way(sent: int) -> None:
        if sent == 60 and not restarted.is_set():
            restarted.set()
            started = time.monotonic()
            postgres.restart()  # every connection dropped; the server back in a fraction of a second
            down_for.append(time.monotonic() - started)

    with instances(tmp_path, standin, 2, {"DATABASE_URL": database_url}) as webs:
        burst.send([sender(web) for web in webs], concurrency=12, retry_every=3, between=restart_once_under_way)
        assert restarted.is_set()
        wait_answered(burst, standin, timeout=30)
        # After an outage longer than the claim's retry window, sweepers may still take over claims
        # written late from the queues: wait until they too are done.
        quiet = 0.5 if down_for[0] < 1.0 else GRACE * 2
        posts = -1
        while posts != (posts := len(standin.calls("chat.postMessage"))):
            time.sleep(quiet)
        tally = burst.tally(standin.calls("chat.postMessage"))
        extra = sum(tally.duplicated.values())
        standin.assert_count_stays("chat.postMessage", len(burst.mentions) + extra, within=0.5)

        def journal_settled() -> bool:
            recorded, _, waiting = journal(database_url)
            return recorded == 150 and waiting == 0

        settled = wait_for(journal_settled, timeout=GRACE * 5)  # written from each worker's queue
        text = logs(webs)

    assert tally.unacked == [] and tally.lost == [], f"lost {tally.lost}, unacked {tally.unacked}"
    # A restart well inside a claim's retry window (1.5 s) doubles nothing. One that outlasts it (on a
    # loaded machine) sends claims to each process's memory, where a retry reaching the other instance
    # is not seen: the documented at-least-once window, which must then have been logged.
    if down_for[0] < 1.0:
        assert tally.duplicated == {}, f"{extra} extra answers after a {down_for[0]:.2f} s restart"
    elif tally.duplicated:
        assert "taking claims in this process" in text, f"{extra} extra answers, with no claim taken off the store"
    recorded, deliveries, waiting = journal(database_url)
    assert recorded == deliveries, "no question journalled twice"
    assert settled or "could not be written" in text, f"journal has {recorded} of 150 and no gap logged"
    assert "what is" not in text, "no user text in the logs"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_worker_killed_mid_burst_leaves_no_acked_question_unanswered(backend, request, standin, tmp_path):
    if backend == "postgresql":
        url = request.getfixturevalue("database_url")
        store = {"DATABASE_URL": url}
    else:
        url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
        store = {"STATE_DB": str(tmp_path / "state.sqlite3")}
    burst = Burst.of(200, tag=f"kill{backend}")
    killed: list[int] = []
    killed_at: list[float] = []
    left: list[int] = []  # questions the killed worker had accepted and not answered

    with instances(tmp_path, standin, 1, store) as [web]:
        master = web.process.pid
        workers = worker_pids(master)
        assert len(workers) == 2, workers

        def kill_one_under_way(sent: int) -> None:
            if sent == 70 and not killed:
                killed.append(workers[0])
                killed_at.append(time.monotonic())
                kill_9(workers[0])  # mid-burst: acked mentions queued in it, answers being posted
                left.append(left_by(url, workers[0]))

        # Slack a little slow to take each post (20 ms), so the workers have questions waiting when one dies.
        standin.script("chat.postMessage", *[Scripted(delay=0.02) for _ in range(400)])
        burst.send([sender(web)], concurrency=16, between=kill_one_under_way)
        burst.retry_unacked(sender(web))  # Slack retries what got no 200 (the dead worker's connections)
        tally = wait_answered(burst, standin, timeout=GRACE * 4 + 10)
        text = web.log()

    assert killed, "the kill happened"
    assert tally.unacked == [], "Slack's retries reach the surviving worker"
    assert tally.lost == [], f"{len(tally.lost)} acked mentions never answered"
    # At least once: the only duplicates are posts Slack had taken just before the kill, before the dead
    # worker could mark them answered (chat.postMessage has no idempotency key).
    in_flight = {index: first_answer(burst, standin, index) - killed_at[0] for index in tally.duplicated}
    # In flight: Slack took the post at most half a second before the kill (its 20 ms, the answer's way
    # back and the mark, on two saturated cores) and the dead worker had not marked it yet.
    assert all(-0.5 < offset < 0.1 for offset in in_flight.values()), f"duplicates not in flight: {in_flight}"
    assert sum(tally.duplicated.values()) <= BOLT_LISTENER_THREADS, "at most one per post under way"
    if left[0]:
        assert "took over" in text, f"the dead worker left {left[0]}: a sweeper answered them"
    recorded, deliveries, waiting = journal(url)
    assert recorded == deliveries <= 200 and waiting == 0


def left_by(url: str, pid: int) -> int:
    """How many questions the worker with process id `pid` had accepted and not marked answered (a
    claim's owner is host:pid:tag)."""
    engine = create_engine(url if url.startswith("sqlite") else engine_url(url))
    try:
        with engine.connect() as conn:
            owners = conn.execute(select(claims.c.owner).where(claims.c.state == "accepted")).scalars()
            return sum(1 for owner in owners if owner.split(":")[1:2] == [str(pid)])
    finally:
        engine.dispose()


def first_answer(burst: Burst, standin: SlackStandIn, index: int) -> float:
    """When the stand-in took the first chat.postMessage answering mention `index`."""
    mention = burst.mentions[index]
    return min(
        c.at
        for c in standin.calls("chat.postMessage")
        if (c.body.get("channel"), c.body.get("thread_ts")) == (mention["channel"], mention["ts"])
    )


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
