"""The bot's state on disk (SQLite): answered-message claims, every question with its outcome, and
feedback votes, so curators can see what people ask and what the bot missed.

SQLite in WAL mode lets several gunicorn workers share one file safely; a claim is a single
INSERT OR IGNORE, so two workers racing on one Slack retry cannot both win. If the file can't be
written (read-only or full disk, a lock held too long) the store logs and carries on: claims move to
memory, records are dropped, answers never stop; the disk is tried again after a short rest. Nothing
is stored of a message beyond the question itself.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger(__name__)

CLAIM_TTL_SECONDS = 24 * 3600  # Slack retries within minutes; a day is ample
DISK_RETRY_SECONDS = 30.0  # after a failure, how long the disk rests before it is tried again
QUESTION_MAX_CHARS = 500
WAL_ATTEMPTS = 40  # about 8 s of retries in all, within the 10 s busy timeout the connection waits anyway
_pause = time.sleep  # bound here: tests replace `time` in this module with a fake clock
_MEMORY_LIMIT = 10_000
_SLACK_MARKUP = re.compile(r"<[^>]*>")

SCHEMA = """
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


class Report(NamedTuple):
    since: float
    until: float
    asked: int
    by_status: dict[str, int]
    unanswered: list[tuple[str, int]]  # most frequent questions not answered (clarify or fallback)
    votes: list[tuple[str, int, int]]  # (entry, not helpful, helpful), most "not helpful" first
    rows: list[tuple]  # every question in the period: (at, surface, question, status, entry, score)


def clean_question(text: str) -> str:
    """What is kept of a message: the question's words, without Slack markup, briefly."""
    return " ".join(_SLACK_MARKUP.sub(" ", text).split())[:QUESTION_MAX_CHARS]


def _enable_wal(conn: sqlite3.Connection) -> None:
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
            _pause(0.01 * (attempt + 1))


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._memory: OrderedDict[str, float] = OrderedDict()
        self._memory_only = self.path == ":memory:"
        self._disk_down_until = 0.0
        if not self._memory_only:
            try:
                self._connection()
            except sqlite3.Error as exc:
                self._degrade(exc)

    @property
    def _disk_usable(self) -> bool:
        return not self._memory_only and time.monotonic() >= self._disk_down_until

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            _enable_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
            self._local.conn = conn
        return conn

    def _degrade(self, exc: Exception) -> None:
        if self._disk_usable:
            log.warning(
                "state store %s unusable (%s); answering without it, trying again in %.0f s",
                self.path,
                exc,
                DISK_RETRY_SECONDS,
            )
        self._disk_down_until = time.monotonic() + DISK_RETRY_SECONDS
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

    def claim(self, key: str) -> bool:
        """True the first time `key` is claimed (by any worker sharing the file), False after."""
        now = time.time()
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

    def record_question(self, surface: str, question: str, status: str, entry: str | None, score: float) -> int | None:
        """Store one question and its outcome; its id (for feedback), or None if not stored."""
        return self._write(
            "INSERT INTO questions (at, surface, question, status, entry, score) VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), surface, clean_question(question), status, entry, score),
        )

    def record_feedback(self, question_id: int | None, entry: str, helpful: bool) -> None:
        self._write(
            "INSERT INTO feedback (at, question_id, entry, helpful) VALUES (?, ?, ?, ?)",
            (time.time(), question_id, entry, int(helpful)),
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
        unanswered = conn.execute(
            # one row per question however it was cased or ended ("what is an ORM?", "What is an ORM")
            "SELECT rtrim(lower(question), '?!. ') AS q, count(*) AS n FROM questions WHERE at >= ? AND at < ? "
            "AND status IN ('clarify', 'fallback') GROUP BY q ORDER BY n DESC, max(at) DESC LIMIT ?",
            (*period, top),
        ).fetchall()
        votes = conn.execute(
            "SELECT entry, sum(helpful = 0) AS bad, sum(helpful = 1) AS good FROM feedback "
            "WHERE at >= ? AND at < ? GROUP BY entry ORDER BY bad DESC, good ASC, entry LIMIT ?",
            (*period, top),
        ).fetchall()
        return Report(since, until, len(rows), by_status, unanswered, votes, rows)
