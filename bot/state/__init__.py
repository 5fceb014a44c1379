"""The bot's state behind two small interfaces, as slack_sdk keeps installations behind its stores:

- `DeliveryClaims`: "has this Slack delivery been handled already?" (Slack retries; several workers and
  instances), and for questions, the durable record of each accepted question until it is answered;
- `Journal`: every question with its outcome, and the feedback votes, for `cro-bot report`.

Backends: `sql.SqlState` on SQLAlchemy Core, one implementation for an SQLite file (`sqlite.SqliteState`,
the default, shared by the workers of one machine) and PostgreSQL (`postgres.PostgresState`, shared by
instances behind a load balancer; DATABASE_URL selects it); and `memory.MemoryState` (the offline CLI,
which keeps nothing). `open_state` picks one from settings. The SQL backends are imported only when
opened, so the offline `cro-bot ask` never loads SQLAlchemy.

Everything stored is keyed by workspace: the Slack team and, on Enterprise Grid, the enterprise the
request came from (empty offline).
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
    # every question in the period: (at, surface, question, status, entry, score, knowledge revision)
    rows: list[tuple]


class Pending(NamedTuple):
    """A person's question accepted for answering: what the claim records before Slack gets its ack,
    and all a worker needs to answer it if the one that accepted it dies. `question` is the message's
    text as received while in this process; the store keeps it cleaned (`clean_question`), no more of
    the message than the journal keeps, so a question taken over is answered from its cleaned words."""

    key: str  # the delivery key (bot/slack/listeners/base.py delivery_key)
    team: str
    enterprise: str
    user: str
    surface: str  # mention, dm
    channel: str
    thread_ts: str | None  # where the answer goes (None: the conversation itself)
    question: str


class DeliveryClaims(Protocol):
    def claim(self, key: str) -> bool:
        """True the first time `key` is claimed (by any worker or instance sharing the state), False
        after. For what is answered at once (commands, clicks)."""
        ...

    def accept(self, pending: Pending) -> bool:
        """Record a question durably as accepted by this worker; True the first time its key is
        accepted or claimed, False for a repeat (a Slack retry, another instance's copy)."""
        ...

    def answered(self, key: str) -> None:
        """The reply to an accepted question has been posted: nobody answers it again."""
        ...

    def release(self, key: str, *, failed: bool = False) -> None:
        """This worker could not answer: let a sweeper try again (or, `failed`, give up on it)."""
        ...

    def heartbeat(self) -> None:
        """This worker is alive: keep its accepted questions its own (and write what was queued)."""
        ...

    def take_over(self, grace: float, limit: int = 20) -> list[Pending]:
        """Accepted questions whose worker has shown no heartbeat for `grace` seconds, now this
        worker's (atomically: each goes to one taker)."""
        ...

    def healthy(self) -> bool:
        """Whether the store answers right now (for /healthz)."""
        ...


class Question(NamedTuple):
    """One question asked and what became of it, as the journal keeps it."""

    surface: str  # mention, dm, button, checklist, ...
    question: str  # as typed (the journal keeps it cleaned: no markup, briefly)
    status: str  # answered, clarify, fallback, help
    entry: str | None  # the entry (or checklist) answered with
    score: float
    user: str = ""
    team: str = ""
    enterprise: str = ""
    revision: str = ""  # the knowledge revision that produced the answer
    delivery: str = ""  # the Slack delivery it answers, if any (one record per delivery)


class Vote(NamedTuple):
    """One person's 👍 or 👎 on one answer."""

    question_id: int | None  # the journal record of the question answered (None: not stored)
    entry: str
    helpful: bool
    user: str = ""
    team: str = ""
    enterprise: str = ""


class Journal(Protocol):
    where: str  # what to name in messages: the file, the database, or "memory"

    def record_question(self, question: Question) -> int | None:
        """Store one question (cleaned) and its outcome; its record id, or None if not stored yet.
        A `delivery` key already recorded keeps its one record (a question answered twice is
        journalled once)."""
        ...

    def record_feedback(self, vote: Vote) -> None:
        """One person's vote on one answer; a second vote by the same person on it replaces the first."""
        ...

    def report(self, since: float, until: float, top: int = 10, *, team: str | None = None) -> Report:
        """The period's questions and votes; `team` (a team or enterprise id) keeps that workspace's."""
        ...

    def purge(self, *, before: float | None = None, user: str | None = None) -> int:
        """Delete questions and votes older than `before`, or all of `user`'s (claims go with them);
        how many questions and votes were deleted."""
        ...


class State(NamedTuple):
    claims: DeliveryClaims
    journal: Journal


def clean_question(text: str) -> str:
    """What is kept of a message: the question's words, without Slack markup (link labels too), briefly."""
    from bot.routing.text import strip_slack_markup

    return " ".join(strip_slack_markup(text).split())[:QUESTION_MAX_CHARS]


def open_state(state_db: str, *, database_url: str = "", clock: Callable[[], float] | None = None) -> State:
    """The state the settings name: `database_url` (postgresql://...) when set; else `state_db`, where
    ":memory:" keeps it in this process only and anything else is an SQLite file."""
    if database_url:
        from bot.state.postgres import PostgresState

        postgres = PostgresState(database_url, clock=clock)
        return State(postgres, postgres)
    if state_db == ":memory:":
        from bot.state.memory import MemoryState

        memory = MemoryState(clock=clock)
        return State(memory, memory)
    from bot.state.sqlite import SqliteState

    sqlite = SqliteState(state_db, clock=clock)
    return State(sqlite, sqlite)
