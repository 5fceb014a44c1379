"""What only the PostgreSQL store does: workers of several instances creating the schema at once, and
riding out the server restarting or being down, with the session's real server stopped and started
under it (tests/support/postgres.py). tests/test_state_store.py has what both backends do."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from sqlalchemy import func, select

from bot.state import Question
from bot.state.postgres import OUTAGE, PostgresState, shown
from bot.state.schema import SCHEMA_VERSION, claims, questions


def count(store: PostgresState, table) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_instances_starting_together_on_a_new_database_create_its_schema_once(database_url):
    opened: list[PostgresState] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_one() -> None:
        try:
            start.wait()
            opened.append(PostgresState(database_url, pool_size=1))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert all(store.healthy() for store in opened)
    with opened[0].engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version FROM cro_bot_schema").scalars().all() == [SCHEMA_VERSION]
    for store in opened:
        store.close()


def test_messages_name_the_database_without_its_password():
    assert shown("postgresql://bot:s3cret@db.internal:5432/crobot") == "postgresql://bot:***@db.internal:5432/crobot"


def caught_up(store: PostgresState, timeout: float = 10.0) -> None:
    """Beat as each worker's sweeper does every few seconds, until what was queued is written."""
    deadline = time.monotonic() + timeout
    while True:
        store.heartbeat()
        if store.pending_writes() == 0:
            return
        assert time.monotonic() < deadline, f"{store.pending_writes()} writes still queued after {timeout} s"
        time.sleep(0.1)


@pytest.fixture
def store(database_url):
    opened = PostgresState(database_url, pool_size=4)
    yield opened
    opened.close()


def test_a_restart_mid_burst_loses_no_claim_and_no_record(postgres, store, caplog):
    """Writers keep claiming and recording while the server restarts under them: every call returns,
    each key is won once, and every record reaches the database (late, from the queue, if need be)."""
    caplog.set_level(logging.INFO, logger="bot.state.postgres")
    stop = threading.Event()
    won: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(name: str) -> None:
        n = 0
        try:
            while not stop.is_set() or n < 20:
                key = f"msg:C1:{name}.{n}"
                if store.claim(key):
                    with lock:
                        won.append(key)
                store.record_question(Question("mention", f"question {name} {n}", "answered", None, 90.0, delivery=key))
                n += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # the burst is under way
    postgres.restart()
    time.sleep(0.3)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    caught_up(store)

    assert not errors, errors
    assert len(won) == len(set(won)), "no key won twice"
    assert count(store, questions) == len(won), "every question recorded, once"
    assert count(store, claims) == len(won)


def test_a_server_that_stays_down_is_answered_around_then_caught_up_with(postgres, store, caplog):
    caplog.set_level(logging.INFO, logger="bot.state.postgres")
    store.claim("msg:C1:before")
    postgres.stop()
    try:
        started = time.monotonic()
        assert store.claim("msg:C1:during") is True, "claims go on, in memory"
        waited = time.monotonic() - started
        assert waited < OUTAGE.retry_for + 1, "within Slack's 3 s for the ack"
        assert store.claim("msg:C1:during") is False, "and still only once"
        assert store.claim("msg:C1:before") is True, "(a claim from before is not in memory: the risk of an outage)"
        assert store.record_question(Question("dm", "asked while down", "answered", "aro-definition", 90.0)) is None
        store.answered("msg:C1:during")
        assert store.healthy() is False
        assert store.pending_writes() == 4
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "unusable" in r.getMessage()]
        assert len(warnings) == 1, "one warning for the outage"
    finally:
        postgres.resume()

    caught_up(store)  # once the store's rest is over

    assert store.healthy() is True
    with store.engine.connect() as conn:
        keys = set(conn.execute(select(claims.c.key)).scalars())
        asked = conn.execute(select(questions.c.question)).scalars().all()
    assert keys == {"msg:C1:before", "msg:C1:during"}
    assert asked == ["asked while down"]
    assert "wrote 4 records queued while it was down" in caplog.text
