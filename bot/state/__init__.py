"""The bot's state behind two small interfaces, as slack_sdk keeps installations behind its stores:

- `DeliveryClaims`: "has this Slack delivery been handled already?" (Slack retries; several workers);
- `Journal`: every question with its outcome, and the feedback votes, for `cro-bot report`.

Backends: `sqlite.SqliteState` (the default, a file shared by the workers of one machine) and
`memory.MemoryState` (the offline CLI, which keeps nothing). `open_state` picks one from settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, Protocol

QUESTION_MAX_CHARS = 500


class Report(NamedTuple):
    since: float
    until: float
    asked: int
    by_status: dict[str, int]
    unanswered: list[tuple[str, int]]  # most frequent questions not answered (clarify or fallback)
    votes: list[tuple[str, int, int]]  # (entry, not helpful, helpful), most "not helpful" first
    rows: list[tuple]  # every question in the period: (at, surface, question, status, entry, score)


class DeliveryClaims(Protocol):
    def claim(self, key: str) -> bool:
        """True the first time `key` is claimed (by any worker sharing the state), False after."""
        ...


class Journal(Protocol):
    where: str  # what to name in messages: the file, or "memory"

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
        """Store one question (cleaned) and its outcome; its record id, or None if not stored."""
        ...

    def record_feedback(self, question_id: int | None, entry: str, helpful: bool, *, user: str = "") -> None:
        """One person's vote on one answer; a second vote by the same person on it replaces the first."""
        ...

    def report(self, since: float, until: float, top: int = 10) -> Report: ...

    def purge(self, *, before: float | None = None, user: str | None = None) -> int:
        """Delete questions and votes older than `before`, or all of `user`'s; how many were deleted."""
        ...


class State(NamedTuple):
    claims: DeliveryClaims
    journal: Journal


def clean_question(text: str) -> str:
    """What is kept of a message: the question's words, without Slack markup (link labels too), briefly."""
    from bot.routing.text import strip_slack_markup

    return " ".join(strip_slack_markup(text).split())[:QUESTION_MAX_CHARS]


def open_state(state_db: str, *, clock: Callable[[], float] | None = None) -> State:
    """The state for `state_db`: ":memory:" keeps it in this process only; anything else is an SQLite file."""
    if state_db == ":memory:":
        from bot.state.memory import MemoryState

        memory = MemoryState(clock=clock)
        return State(memory, memory)
    from bot.state.sqlite import SqliteState

    sqlite = SqliteState(state_db, clock=clock)
    return State(sqlite, sqlite)
