"""State in an SQLite file (the default: no server to run), through the one SQL implementation in sql.py.

SQLite in WAL mode lets several gunicorn workers share one file safely. If the file can't be written
(read-only or full disk, a lock held too long) the store logs and carries on: claims move to memory,
writes wait in memory, answers never stop; the disk is tried again after a 30 s rest. The connection
factory is a parameter, so tests hand in connections that fail as a full or read-only disk does.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.pool import QueuePool

from bot.state.sql import CLAIM_TTL_SECONDS, Outage, SqlState

__all__ = ["CLAIM_TTL_SECONDS", "DISK_RETRY_SECONDS", "SqliteState"]

DISK_RETRY_SECONDS = 30.0  # after a failure, how long the disk rests before it is tried again
WAL_ATTEMPTS = 40  # about 8 s of retries in all, within the 10 s busy timeout the connection waits anyway
# A claim does not wait on a failing disk: the connection's 10 s busy timeout already waits out locks.
OUTAGE = Outage(retry_for=0.0, rest=DISK_RETRY_SECONDS)
POOL_SIZE = 20


def _open(path: str) -> sqlite3.Connection:
    # check_same_thread off: the pool hands a connection to one thread at a time, not always the same one.
    # No busy timeout: SQLite's own waits for a lock in steps growing to 100 ms, and with the claim taken
    # before the ack that put 150-300 ms on the ack's p99 when two workers wrote at once (measured,
    # benchmarks/load_slack.py); SqlState waits in steps of at most 5 ms instead (is_busy below).
    return sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)


def is_busy(exc: BaseException) -> bool:
    """The file is locked by another writer for now (not full, not read-only, not broken)."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and ("locked" in str(orig) or "busy" in str(orig))


class SqliteState(SqlState):
    """`DeliveryClaims` and `Journal` on one SQLite file."""

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], float] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        pause: Callable[[float], None] = time.sleep,
        connect: Callable[[str], sqlite3.Connection] = _open,
        owner: str | None = None,
    ) -> None:
        self.path = str(path)
        engine = create_engine(
            "sqlite://",
            creator=lambda: connect(self.path),
            poolclass=QueuePool,  # not the SingletonThreadPool SQLite's URL would pick without a file name
            # Enough for every thread that writes (gunicorn's, Bolt's listeners', the sweeper): a
            # connection beyond the pool is closed when returned, and opening one per request cost
            # tens of milliseconds at the ack under load (measured).
            pool_size=POOL_SIZE,
            max_overflow=10,
        )

        @event.listens_for(engine, "connect")
        def prepare(dbapi_connection, _record) -> None:
            enable_wal(dbapi_connection, pause)
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        super().__init__(
            engine,
            self.path,
            errors=(sqlite3.Error,),
            outage=OUTAGE,
            clock=clock,
            monotonic=monotonic,
            pause=pause,
            owner=owner,
            busy=is_busy,
        )


def enable_wal(conn: sqlite3.Connection, pause: Callable[[float], None]) -> None:
    """Switch the file to WAL. On a new file this needs an exclusive lock, and when several workers
    start together SQLite refuses all but one at once ("database is locked") instead of waiting out
    the busy timeout; the losers used to run on without the disk (records dropped, claims only in
    their own memory, so a retried message could be answered twice). So try again for a while."""
    for attempt in range(WAL_ATTEMPTS):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == WAL_ATTEMPTS - 1:
                raise
            pause(0.01 * (attempt + 1))
