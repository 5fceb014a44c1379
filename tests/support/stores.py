"""Stores for the state tests, on either backend: an SQLite file or a PostgreSQL database (a real server,
tests/support/postgres.py). `Stores` opens any number of stores on one database, as workers and
instances share it; the clock is the test's, never patched::

    stores = Stores.sqlite(tmp_path / "state.sqlite3")   # or Stores.postgres(database_url)
    first, second = stores.open(clock), stores.open(clock)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.state.sql import SqlState

KINDS = ("sqlite", "postgresql")


class Clock:
    """Wall and monotonic time for a store, so records land at chosen moments."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


@dataclass
class Stores:
    kind: str
    target: str  # the file's path, or the database's URL
    opened: list[SqlState] = field(default_factory=list)

    @classmethod
    def sqlite(cls, path: Path) -> Stores:
        return cls("sqlite", str(path))

    @classmethod
    def postgres(cls, url: str) -> Stores:
        return cls("postgresql", url)

    def open(self, clock: Clock | None = None, **options: Any) -> SqlState:
        if clock is not None:
            options.update(clock=clock.time, monotonic=clock.monotonic)
        if self.kind == "sqlite":
            from bot.state.sqlite import SqliteState

            store: SqlState = SqliteState(self.target, **options)
        else:
            from bot.state.postgres import PostgresState

            store = PostgresState(self.target, pool_size=2, **options)
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            store.engine.dispose()
        self.opened.clear()
