"""The Slack app on whichever store is configured (an SQLite file or PostgreSQL, a real server): a
question left by a worker that died is answered by another's sweeper, once; what is stored is keyed
by the workspace the request came from (Enterprise Grid, Slack Connect); `cro-bot report --team` and
`purge` read the PostgreSQL store; `/healthz` says when the store is down, and answers go on."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time

from sqlalchemy import select

from bot.slack.client import web_client
from bot.slack.installations import client_for_one_workspace
from bot.slack.listeners.events.questions import question_in
from bot.slack.sweeper import Sweeper
from bot.state import State
from bot.state.schema import claims, questions
from tests.support.serving import served_app
from tests.support.slack_requests import app_mention, event_callback
from tests.support.slack_standin import TEAM_ID


def stored(store, *columns) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(select(*columns))]


def test_a_question_left_by_a_dead_worker_is_answered_once_by_another_workers_sweeper(stores, standin, tmp_path):
    dead, alive = stores.open(owner="dead-worker"), stores.open()
    mention = app_mention("what is an ARO?")
    pending = question_in(event_callback(mention))
    assert dead.accept(pending), "accepted, acked ... and then its worker was killed"

    with served_app(standin, tmp_path / "unused.sqlite3", state=State(alive, alive)) as app:
        sweeper = Sweeper(app.use_cases, alive, client_for_one_workspace(web_client(app.settings)), grace=0.5)
        sweeper.period = 0.1
        sweeper.start()
        try:
            [post] = standin.wait_for("chat.postMessage", 1, timeout=10)
            standin.assert_count_stays("chat.postMessage", 1, within=0.5)
        finally:
            sweeper.stop()

    assert post.body["channel"] == mention["channel"] and post.body["thread_ts"] == mention["ts"]
    assert app.use_cases.kb.entries["aro-definition"].answer in post.body["text"]
    assert stored(alive, claims.c.state, claims.c.owner, claims.c.question) == [("answered", alive.owner, "")]
    assert stored(alive, questions.c.question, questions.c.team, questions.c.delivery) == [
        ("what is an ARO?", TEAM_ID, pending.key)
    ]


def grid_event(question: str, *, enterprise: str, team: str, shared_from: str | None = None) -> dict:
    """A mention in an Enterprise Grid workspace reached by an org-wide install; `shared_from`: the
    message was written in a Slack Connect channel by someone of that other organisation's team."""
    body = event_callback(app_mention(question), team_id=team)
    body["enterprise_id"] = enterprise
    body["authorizations"][0].update(enterprise_id=enterprise, team_id=team, is_enterprise_install=True)
    if shared_from:
        body["is_ext_shared_channel"] = True
        body["event"]["team"] = body["event"]["user_team"] = shared_from
        body["team_id"] = shared_from  # the envelope names the sender's side; the installation is ours
    return body


def test_records_are_keyed_by_the_enterprise_and_team_the_request_came_from(stores, standin, tmp_path):
    store = stores.open()
    with served_app(standin, tmp_path / "unused.sqlite3", state=State(store, store)) as app:
        assert app.sender.envelope(grid_event("what is an ARO?", enterprise="E1", team="T2")).status == 200
        shared = grid_event("what is a CRO?", enterprise="E1", team="T3", shared_from="T999")
        assert app.sender.envelope(shared).status == 200
        standin.wait_for("chat.postMessage", 2, timeout=10)

    rows = sorted(stored(store, questions.c.question, questions.c.enterprise, questions.c.team))
    assert rows == [("what is a CRO?", "E1", "T3"), ("what is an ARO?", "E1", "T2")]
    assert {row[1:] for row in stored(store, claims.c.key, claims.c.enterprise, claims.c.team)} == {
        ("E1", "T2"),
        ("E1", "T3"),
    }
    assert [row[2] for row in store.report(0, 4_000_000_000, team="E1").rows] != []
    assert [row[2] for row in store.report(0, 4_000_000_000, team="T3").rows] == ["what is a CRO?"]


def cro_bot(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "STATE_DB", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60, env={**clean, **env}, cwd=cwd
    )


def test_report_and_purge_read_the_postgresql_store(database_url, standin, tmp_path):
    from bot.state.postgres import PostgresState

    store = PostgresState(database_url, pool_size=2)
    with served_app(standin, tmp_path / "unused.sqlite3", state=State(store, store)) as app:
        assert app.sender.event(app_mention("what is an ORM")).status == 200
        assert app.sender.envelope(grid_event("what is an ARO?", enterprise="E1", team="T2")).status == 200
        standin.wait_for("chat.postMessage", 2, timeout=10)
    env = {"DATABASE_URL": database_url, "STATE_DB": str(tmp_path / "absent.sqlite3")}

    everyone = cro_bot("report", env=env, cwd=tmp_path)
    ours = cro_bot("report", "--team", TEAM_ID, env=env, cwd=tmp_path)
    theirs = cro_bot("report", "--team", "E1", "--csv", env=env, cwd=tmp_path)
    purged = cro_bot("purge", "--user", "U222", env=env, cwd=tmp_path)

    assert everyone.returncode == 0, everyone.stderr
    assert "questions asked: 2" in everyone.stdout and "postgresql://postgres@127.0.0.1" in everyone.stdout
    assert "questions asked: 1" in ours.stdout and "what is an orm" in ours.stdout
    assert f"workspace {TEAM_ID}" in ours.stdout
    assert "what is an ARO?" in theirs.stdout and "ORM" not in theirs.stdout
    assert purged.returncode == 0 and "deleted 2 records of U222" in purged.stdout
    assert store.report(0, 4_000_000_000).asked == 0
    store.close()


def test_report_says_so_when_the_database_cannot_be_reached(tmp_path):
    run = cro_bot("report", env={"DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:9/none"}, cwd=tmp_path)
    assert run.returncode == 2
    assert "cannot be reached" in run.stderr and "secret" not in run.stderr


def test_health_says_the_store_is_down_and_answers_go_on(postgres, database_url, standin, tmp_path, caplog):
    from bot.state.postgres import PostgresState

    caplog.set_level(logging.INFO)
    store = PostgresState(database_url, pool_size=2)
    with served_app(standin, tmp_path / "unused.sqlite3", state=State(store, store)) as app:
        assert app.sender.get("/healthz").json()["store"] == "ok"
        postgres.stop()
        try:
            health = app.sender.get("/healthz")
            assert health.status == 200, "a load balancer keeps the instance: it still answers"
            assert health.json()["store"] == "down"
            assert app.sender.event(app_mention("what is an ARO?")).status == 200
            [post] = standin.wait_for("chat.postMessage", 1, timeout=10)
            assert "academic" in post.body["text"].lower()
        finally:
            postgres.resume()
        deadline = time.monotonic() + 10
        while app.sender.get("/healthz").json()["store"] != "ok":
            assert time.monotonic() < deadline, "the store is back: so is its health"
            time.sleep(0.1)
        store.heartbeat()  # as the sweeper does: what was queued is written
    assert [row[2] for row in store.report(0, 4_000_000_000).rows] == ["what is an ARO?"]
    assert "unusable" in caplog.text and "what is an ARO" not in caplog.text, "the outage is logged, the text not"
    store.close()
