"""State in an SQLite file: delivery claims, every question with its outcome, and feedback votes.

SQLite in WAL mode lets several gunicorn workers share one file safely; a claim is a single
INSERT OR IGNORE, so two workers racing on one Slack retry cannot both win. If the file can't be
written (read-only or full disk, a lock held too long) the store logs and carries on: claims move to
memory, records are dropped, answers never stop; the disk is tried again after a short rest. Nothing
is stored of a message beyond the question itself.

The clock, the pause between retries and the connection factory are parameters, so tests drive them
rather than patch this module.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from bot.domain import UNANSWERED
from bot.state import Report, clean_question

log = logging.getLogger(__name__)

CLAIM_TTL_SECONDS = 24 * 3600  # Slack retries within minutes; a day is ample
DISK_RETRY_SECONDS = 30.0  # after a failure, how long the disk rests before it is tried again
WAL_ATTEMPTS = 40  # about 8 s of retries in all, within the 10 s busy timeout the connection waits anyway
_MEMORY_LIMIT = 10_000

# Version 0 is the first release's schema; each step upgrades a file from the version before it.
SCHEMA_V0 = """
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    surface TEXT NOT NULL,          -- mention, dm, button, checklist
    question TEXT NOT NULL,         -- the question only: mentions, links and channels removed
    status TEXT NOT NULL,           -- answered, clarify, fallback, help
    entry TEXT,                     -- the entry (or checklist) answered with
    score REAL
);
CREATE INDEX IF NOT EXISTS questions_at ON questions (at);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    question_id INTEGER,
    entry TEXT NOT NULL,
    helpful INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_at ON feedback (at);
"""
MIGRATIONS = [
    # 1: who asked and voted (for purge on request, one vote per person), which workspace, and which
    # knowledge revision produced the answer.
    """
    ALTER TABLE questions ADD COLUMN user TEXT NOT NULL DEFAULT '';
    ALTER TABLE questions ADD COLUMN team TEXT NOT NULL DEFAULT '';
    ALTER TABLE questions ADD COLUMN revision TEXT NOT NULL DEFAULT '';
    ALTER TABLE feedback ADD COLUMN user TEXT NOT NULL DEFAULT '';
    CREATE INDEX IF NOT EXISTS questions_user ON questions (user);
    CREATE UNIQUE INDEX IF NOT EXISTS feedback_one_per_person ON feedback (question_id, user)
        WHERE question_id IS NOT NULL AND user != '';
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _open(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=10, isolation_level=None)


class SqliteState:
    """`DeliveryClaims` and `Journal` on one SQLite file (one connection per thread)."""

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], float] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        pause: Callable[[float], None] = time.sleep,
        connect: Callable[[str], sqlite3.Connection] = _open,
    ) -> None:
        self.path = str(path)
        self.where = self.path
        self._clock = clock or time.time
        self._monotonic = monotonic
        self._pause = pause
        self._connect = connect
        self._local = threading.local()
        self._lock = threading.Lock()
        self._memory: OrderedDict[str, float] = OrderedDict()
        self._disk_down_until = 0.0
        try:
            self._connection()
        except sqlite3.Error as exc:
            self._degrade(exc)

    # -- connections -------------------------------------------------------------------------------

    @property
    def _disk_usable(self) -> bool:
        return self._monotonic() >= self._disk_down_until

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect(self.path)
            self._enable_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate(conn)
            self._local.conn = conn
        return conn

    def _enable_wal(self, conn: sqlite3.Connection) -> None:
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
                self._pause(0.01 * (attempt + 1))

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        """Create the schema, or upgrade an older file to this version, in one transaction."""
        if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")  # one worker upgrades; the others wait, then find it done
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                for statement in SCHEMA_V0.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _degrade(self, exc: Exception) -> None:
        if self._disk_usable:
            log.warning(
                "state store %s unusable (%s); answering without it, trying again in %.0f s",
                self.path,
                exc,
                DISK_RETRY_SECONDS,
            )
        self._disk_down_until = self._monotonic() + DISK_RETRY_SECONDS
        self._local.conn = None  # reconnect from scratch next time

    def _write(self, sql: str, params: tuple) -> int | None:
        """Run one write; None (with a warning) when the disk refuses it."""
        if not self._disk_usable:
            return None
        try:
            return self._connection().execute(sql, params).lastrowid
        except sqlite3.Error as exc:
            self._degrade(exc)
            return None

    # -- DeliveryClaims ----------------------------------------------------------------------------

    def claim(self, key: str) -> bool:
        now = self._clock()
        with self._lock:
            if key in self._memory:  # claimed while the disk was resting
                return False
        if self._disk_usable:
            try:
                conn = self._connection()
                inserted = conn.execute("INSERT OR IGNORE INTO claims (key, at) VALUES (?, ?)", (key, now)).rowcount
                if inserted and int(now) % 97 == 0:  # now and then, forget claims nobody will retry
                    conn.execute("DELETE FROM claims WHERE at < ?", (now - CLAIM_TTL_SECONDS,))
                return bool(inserted)
            except sqlite3.Error as exc:
                self._degrade(exc)
        with self._lock:
            if key in self._memory:
                return False
            self._memory[key] = now
            while len(self._memory) > _MEMORY_LIMIT:
                self._memory.popitem(last=False)
            return True

    # -- Journal -----------------------------------------------------------------------------------

    def record_question(
        self,
        surface: str,
        question: str,
        status: str,
        entry: str | None,
        score: float,
        *,
        user: str = "",
        team: str = "",
        revision: str = "",
    ) -> int | None:
        return self._write(
            "INSERT INTO questions (at, surface, question, status, entry, score, user, team, revision) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self._clock(), str(surface), clean_question(question), str(status), entry, score, user, team, revision),
        )

    def record_feedback(self, question_id: int | None, entry: str, helpful: bool, *, user: str = "") -> None:
        self._write(
            "INSERT INTO feedback (at, question_id, entry, helpful, user) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (question_id, user) WHERE question_id IS NOT NULL AND user != '' "
            "DO UPDATE SET helpful = excluded.helpful, at = excluded.at",
            (self._clock(), question_id, entry, int(helpful), user),
        )

    def report(self, since: float, until: float, top: int = 10) -> Report:
        conn = self._connection()
        period = (since, until)
        rows = conn.execute(
            "SELECT at, surface, question, status, entry, score FROM questions WHERE at >= ? AND at < ? ORDER BY at",
            period,
        ).fetchall()
        by_status: dict[str, int] = {}
        for row in rows:
            by_status[row[3]] = by_status.get(row[3], 0) + 1
        statuses = ", ".join("?" for _ in UNANSWERED)  # placeholders only: no value enters the SQL text
        unanswered = conn.execute(
            # one row per question however it was cased or ended ("what is an ORM?", "What is an ORM")
            "SELECT rtrim(lower(question), '?!. ') AS q, count(*) AS n FROM questions WHERE at >= ? AND at < ? "  # noqa: S608
            f"AND status IN ({statuses}) GROUP BY q ORDER BY n DESC, max(at) DESC LIMIT ?",
            (*period, *UNANSWERED, top),
        ).fetchall()
        votes = conn.execute(
            "SELECT entry, sum(helpful = 0) AS bad, sum(helpful = 1) AS good FROM feedback "
            "WHERE at >= ? AND at < ? GROUP BY entry ORDER BY bad DESC, good ASC, entry LIMIT ?",
            (*period, top),
        ).fetchall()
        return Report(since, until, len(rows), by_status, unanswered, votes, rows)

    def purge(self, *, before: float | None = None, user: str | None = None) -> int:
        conn = self._connection()
        removed = 0
        for table in ("feedback", "questions"):
            if before is not None:
                removed += conn.execute(f"DELETE FROM {table} WHERE at < ?", (before,)).rowcount  # noqa: S608
            if user is not None:
                removed += conn.execute(f"DELETE FROM {table} WHERE user = ?", (user,)).rowcount  # noqa: S608
        return removed
