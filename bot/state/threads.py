"""Which entry each Slack thread was last answered with, so a follow-up there ("and in the EU?") is
read on that thread's topic (bot/routing/followup.py).

Only ids are kept: the workspace, channel and thread timestamps, and the entry id; never a word of
what anyone wrote. A thread nobody has followed up on for THREAD_TTL_DAYS is forgotten.

Backends: `MemoryThreads` (the CLI, tests, a state kept in memory) and `SqliteThreads`, a table of its
own in the state file (shared by the workers of one machine, as the claims are). A disk that refuses
is logged and forgotten about: the follow-up is then routed on its own, which is always safe.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, Protocol

log = logging.getLogger(__name__)

THREAD_TTL_DAYS = 30
_MEMORY_LIMIT = 10_000
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS thread_entries ("
    " team TEXT NOT NULL, channel TEXT NOT NULL, thread_ts TEXT NOT NULL,"
    " entry TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (team, channel, thread_ts))"
)


class ThreadKey(NamedTuple):
    team: str
    channel: str
    thread_ts: str


class ThreadMemory(Protocol):
    def get(self, key: ThreadKey) -> str | None:
        """The entry id the thread was last answered with, or None."""
        ...

    def put(self, key: ThreadKey, entry_id: str) -> None:
        """Remember that the thread was just answered with `entry_id`."""
        ...


class MemoryThreads:
    """The last entry per thread in this process, the oldest forgotten first past a limit."""

    def __init__(self, *, clock: Callable[[], float] = time.time, limit: int = _MEMORY_LIMIT) -> None:
        self._clock = clock
        self._limit = limit
        self._lock = threading.Lock()
        self._entries: OrderedDict[ThreadKey, tuple[str, float]] = OrderedDict()

    def get(self, key: ThreadKey) -> str | None:
        with self._lock:
            found = self._entries.get(key)
        if found is None or found[1] < self._clock() - THREAD_TTL_DAYS * 86400:
            return None
        return found[0]

    def put(self, key: ThreadKey, entry_id: str) -> None:
        with self._lock:
            self._entries[key] = (entry_id, self._clock())
            self._entries.move_to_end(key)
            while len(self._entries) > self._limit:
                self._entries.popitem(last=False)


class SqliteThreads:
    """The last entry per thread in the state file, table `thread_entries` (one connection per thread)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = str(path)
        self._clock = clock
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute(_SCHEMA)
            self._local.conn = conn
        return conn

    def _refused(self, exc: sqlite3.Error) -> None:
        log.warning("thread memory in %s unusable (%s); follow-ups are routed on their own", self.path, exc)
        self._local.conn = None

    def get(self, key: ThreadKey) -> str | None:
        try:
            row = (
                self._connection()
                .execute(
                    "SELECT entry FROM thread_entries WHERE team = ? AND channel = ? AND thread_ts = ? AND at >= ?",
                    (*key, self._clock() - THREAD_TTL_DAYS * 86400),
                )
                .fetchone()
            )
        except sqlite3.Error as exc:
            self._refused(exc)
            return None
        return row[0] if row else None

    def put(self, key: ThreadKey, entry_id: str) -> None:
        now = self._clock()
        try:
            conn = self._connection()
            conn.execute(
                "INSERT INTO thread_entries (team, channel, thread_ts, entry, at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (team, channel, thread_ts) DO UPDATE SET entry = excluded.entry, at = excluded.at",
                (*key, entry_id, now),
            )
            if int(now) % 97 == 0:  # now and then, forget threads nobody came back to
                conn.execute("DELETE FROM thread_entries WHERE at < ?", (now - THREAD_TTL_DAYS * 86400,))
        except sqlite3.Error as exc:
            self._refused(exc)


def open_threads(state_db: str, *, clock: Callable[[], float] = time.time) -> ThreadMemory:
    """The thread memory beside the state named by STATE_DB (":memory:": in this process only)."""
    if state_db == ":memory:":
        return MemoryThreads(clock=clock)
    return SqliteThreads(state_db, clock=clock)
