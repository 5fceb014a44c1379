"""The bot's small state on disk (SQLite): which Slack messages have been answered already.

SQLite in WAL mode lets several gunicorn workers share one file safely; a claim is a single
INSERT OR IGNORE, so two workers racing on one Slack retry cannot both win. If the file can't be
written (read-only or full disk) the store logs once and keeps claims in memory, so answers go on.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)

CLAIM_TTL_SECONDS = 24 * 3600  # Slack retries within minutes; a day is ample
_MEMORY_LIMIT = 10_000


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._memory: OrderedDict[str, float] = OrderedDict()
        self._degraded = self.path == ":memory:"
        if not self._degraded:
            try:
                self._connection()
            except sqlite3.Error as exc:
                self._degrade(exc)

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, at REAL NOT NULL)")
            self._local.conn = conn
        return conn

    def _degrade(self, exc: Exception) -> None:
        if not self._degraded:
            log.warning("state store %s unusable (%s); keeping state in memory", self.path, exc)
        self._degraded = True

    def claim(self, key: str) -> bool:
        """True the first time `key` is claimed (by any worker sharing the file), False after."""
        now = time.time()
        if not self._degraded:
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
