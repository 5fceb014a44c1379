"""The last entry per thread (bot/state/threads.py), in memory and in the state file."""

from __future__ import annotations

import sqlite3

import pytest

from bot.state.threads import THREAD_TTL_DAYS, MemoryThreads, SqliteThreads, ThreadKey, open_threads

THREAD = ThreadKey("T111", "C111", "1700000000.000100")
OTHER = ThreadKey("T111", "C111", "1700000000.000200")


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "sqlite"])
def memory_and_clock(request, tmp_path):
    clock = Clock()
    if request.param == "memory":
        return MemoryThreads(clock=clock), clock
    return SqliteThreads(tmp_path / "state.sqlite3", clock=clock), clock


def test_a_thread_remembers_its_last_answer_only(memory_and_clock):
    threads, _ = memory_and_clock
    assert threads.get(THREAD) is None

    threads.put(THREAD, "toro")
    threads.put(THREAD, "toro-non-us-trials")

    assert threads.get(THREAD) == "toro-non-us-trials"
    assert threads.get(OTHER) is None, "each thread has its own topic"
    assert threads.get(THREAD._replace(team="T222")) is None, "and each workspace"


def test_a_thread_left_alone_for_the_ttl_is_forgotten(memory_and_clock):
    threads, clock = memory_and_clock
    threads.put(THREAD, "toro")

    clock.now += THREAD_TTL_DAYS * 86400 + 1

    assert threads.get(THREAD) is None


def test_workers_sharing_the_state_file_share_the_threads(tmp_path):
    path = tmp_path / "state.sqlite3"
    SqliteThreads(path).put(THREAD, "toro")

    assert SqliteThreads(path).get(THREAD) == "toro"
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT team, channel, thread_ts, entry FROM thread_entries").fetchall() == [
            (*THREAD, "toro")
        ], "only ids are kept, never what anyone wrote"


def test_a_state_file_that_cannot_be_opened_forgets_rather_than_fails(tmp_path):
    threads = SqliteThreads(tmp_path)  # a directory: SQLite cannot open it

    threads.put(THREAD, "toro")

    assert threads.get(THREAD) is None


def test_memory_keeps_the_latest_threads_past_its_limit():
    threads = MemoryThreads(limit=2)
    for n in range(3):
        threads.put(THREAD._replace(thread_ts=str(n)), f"e{n}")

    assert [threads.get(THREAD._replace(thread_ts=str(n))) for n in range(3)] == [None, "e1", "e2"]


def test_open_threads_follows_state_db(tmp_path):
    assert isinstance(open_threads(":memory:"), MemoryThreads)
    assert isinstance(open_threads(str(tmp_path / "s.sqlite3")), SqliteThreads)
