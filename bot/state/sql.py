"""The state in an SQL database, through SQLAlchemy Core: one implementation for an SQLite file and for
PostgreSQL (the dialect's own parts, connecting and keeping the schema version, are in sqlite.py,
postgres.py and schema.py).

- A claim is one INSERT ... ON CONFLICT DO NOTHING on the delivery key, so two workers or instances
  racing on one Slack retry cannot both win. An accepted question's claim is its durable record until
  it is answered: where to answer, the cleaned question, its owner and the owner's heartbeat. A
  sweeper takes over questions whose owner has been silent for a grace period, atomically (one
  UPDATE ... WHERE state = 'accepted' AND heartbeat < stale ... RETURNING), so each goes to one taker.
- The journal keeps each question once per delivery (a question answered again after a take-over
  keeps its first record) and one vote per person and answer.
- When the database refuses (PostgreSQL restarting, a full or read-only disk, a lock held too long),
  answers never stop: a claim keeps trying for a moment (`Outage.retry_for`, within Slack's 3 s for
  the ack), then is taken in memory; writes are queued in memory, in order, and written once the
  database answers again (claims, marks and a question with its delivery key are idempotent, so one
  written twice, its first commit's answer lost with the connection, is harmless). The database is
  left to rest for `Outage.rest` seconds after a failure. One warning per outage; what is queued,
  written late, or could not be written at all (the queue full, or the process stopping) is logged as
  a count. Log lines name the database and the failure's type, never a statement's parameters,
  which hold user text.

The clock, the pause between retries and the engine are parameters, so tests drive them rather than
patch this module.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import secrets
import socket
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, and_, bindparam, case, delete, func, or_, select, text, update
from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError, SQLAlchemyError

from bot.domain import UNANSWERED
from bot.state import Pending, Question, Report, Vote, clean_question
from bot.state.schema import claims, feedback, migrate, questions

CLAIM_TTL_SECONDS = 24 * 3600  # Slack retries within minutes; a day is ample for answered claims
PRUNE_EVERY_SECONDS = 600.0
MAX_ATTEMPTS = 3  # takes-over of one question before it is given up (and logged)
QUEUE_LIMIT = 10_000
FLUSH_BATCH = 200
# Waiting out a lock another process holds (SQLite): first pause, longest pause, and for how long in all.
BUSY_FIRST_PAUSE = 0.0005
BUSY_LAST_PAUSE = 0.005
BUSY_WAIT_SECONDS = 10.0
_MEMORY_LIMIT = 10_000
# The partial unique indexes ON CONFLICT names, spelled out: with a bound parameter in their WHERE,
# PostgreSQL cannot match the index once psycopg has prepared the statement (it does after 5 runs).
NOT_EMPTY_DELIVERY = text("delivery != ''")
ONE_VOTE_PER_PERSON = text("question_id IS NOT NULL AND \"user\" != ''")


class Outage(NamedTuple):
    """How the store rides out a database that refuses."""

    retry_for: float  # seconds a claim keeps trying before it is taken in memory instead
    rest: float  # seconds the database is left alone after a failure


class Unavailable(Exception):
    """The database refused, and has been set to rest."""


def reason(exc: BaseException) -> str:
    """A failure as a log line may show it: the driver's error type and its first line (the driver's
    own message carries no statement parameters; SQLAlchemy's wrapper would quote them)."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [""])[0][:200]
    return f"{type(orig).__name__}: {first}" if first else type(orig).__name__


def new_owner() -> str:
    """This process's name on the claims it takes: host, pid and a random tag (pids are reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class SqlState:
    """`DeliveryClaims` and `Journal` on one database (SQLAlchemy's pool gives each thread its own
    connection for as long as it needs it)."""

    def __init__(
        self,
        engine: Engine,
        where: str,
        *,
        errors: tuple[type[BaseException], ...] = (),
        outage: Outage,
        clock: Callable[[], float] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        pause: Callable[[float], None] = time.sleep,
        owner: str | None = None,
        busy: Callable[[BaseException], bool] | None = None,
    ) -> None:
        self.engine = engine
        self.where = where
        self._busy = busy
        self.owner = owner or new_owner()
        self.outage = outage
        self._errors: tuple[type[BaseException], ...] = (SQLAlchemyError, *errors)
        self._clock = clock or time.time
        self._monotonic = monotonic
        self._pause = pause
        self._log = logging.getLogger(type(self).__module__)
        self._sql = Statements(_insert_for(engine.dialect.name))
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._memory: OrderedDict[str, float] = OrderedDict()  # claims taken while the database rested
        self._queue: deque[tuple[str, Callable[[Connection], Any]]] = deque()
        self._down_until = 0.0
        self._failing = False
        self._claiming_here = False  # claims taken in this process during the current outage
        self._migrated = False
        self._pruned_at = 0.0
        try:
            self._transaction(lambda conn: None)  # the schema now, waiting out a lock another worker holds
        except self._errors as exc:
            self._degrade(exc)

    # -- connections -------------------------------------------------------------------------------

    @property
    def _usable(self) -> bool:
        return self._monotonic() >= self._down_until

    def _ensure_schema(self) -> None:
        if not self._migrated:
            with self.engine.connect() as conn:
                migrate(conn)
            self._migrated = True

    def _failed(self, exc: BaseException) -> None:
        """One warning per outage, however many calls meet it."""
        if not self._failing:
            self._failing = True
            self._log.warning(
                "state store %s unusable (%s); answering without it, trying again in %.0f s",
                self.where,
                reason(exc),
                self.outage.rest,
            )

    def _degrade(self, exc: BaseException) -> None:
        """The database refused: leave it alone for `Outage.rest` seconds (claims in memory meanwhile)."""
        self._failed(exc)
        self._down_until = self._monotonic() + self.outage.rest

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            self._claiming_here = False
            self._log.info("state store %s answers again", self.where)

    def _transaction(self, work: Callable[[Connection], Any]) -> Any:
        """`work`, each statement its own transaction: every write here is one statement (or, for the
        heartbeat, statements that stand alone), and in autocommit PostgreSQL needs one round trip for
        it, not three (BEGIN, the statement, COMMIT). Each round trip hands the GIL away and waits to
        get it back from the threads routing answers: at the ack, under load, that wait was most of the
        latency (measured, benchmarks/load_slack.py)."""
        deadline, delay = 0.0, BUSY_FIRST_PAUSE
        while True:
            try:
                self._ensure_schema()
                with self._autocommit.connect() as conn:
                    result = work(conn)
                break
            except self._errors as exc:
                # Another process holds the write lock for a moment (SQLite): try again soon, and for
                # as long as the lock could sensibly be held, before calling the database unusable.
                if self._busy is None or not self._busy(exc):
                    raise
                now = time.monotonic()  # real time: how long a lock is held is no test's clock
                deadline = deadline or now + BUSY_WAIT_SECONDS
                if now > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, BUSY_LAST_PAUSE)
        self._recovered()
        return result

    def _run(self, work: Callable[[Connection], Any]) -> Any:
        """`work` in one transaction, once (after what was queued); Unavailable if the database refuses.

        A refusal puts the database to rest only when claims do not wait for it (SQLite: a full or
        read-only disk stays so for a while); where they do (PostgreSQL), one dropped connection says
        little about the next, and only a claim that waited in vain puts it to rest."""
        if not self._usable:
            raise Unavailable
        try:
            if self._queue:
                self._flush()
            return self._transaction(work)
        except self._errors as exc:
            if self.outage.retry_for:
                self._failed(exc)
            else:
                self._degrade(exc)
            raise Unavailable from None

    def _run_soon(self, work: Callable[[Connection], Any]) -> Any:
        """`work`, trying again for up to `Outage.retry_for` seconds (a restarting server); Unavailable,
        and the database put to rest, if it still refuses."""
        if not self._usable:
            raise Unavailable
        deadline = self._monotonic() + self.outage.retry_for
        delay = 0.05
        while True:
            try:
                return self._transaction(work)
            except self._errors as exc:
                if self._monotonic() + delay > deadline:
                    self._degrade(exc)
                    raise Unavailable from None
            self._pause(delay)
            delay = min(delay * 2, 0.4)

    def _write(self, what: str, work: Callable[[Connection], Any]) -> Any:
        """Run a write now, or queue it (in order) for when the database answers again; None if queued."""
        try:
            return self._run(work)
        except Unavailable:
            self._enqueue(what, work)
            return None

    def _enqueue(self, what: str, work: Callable[[Connection], Any]) -> None:
        with self._lock:
            if len(self._queue) >= QUEUE_LIMIT:
                dropped, _ = self._queue.popleft()
                self._log.error(
                    "state store %s down too long: a queued %s could not be written (queue full)", self.where, dropped
                )
            self._queue.append((what, work))

    def _flush(self) -> None:
        """Write what was queued, oldest first, a batch per transaction; raises (keeping the rest) if the
        database refuses. A write it rejects for what it is rather than for being down (it cannot
        succeed later either) is logged and dropped, so it cannot hold up the others for ever."""
        if not self._flushing.acquire(blocking=False):
            return  # another thread is writing the queue
        written, size = 0, FLUSH_BATCH
        try:
            while True:
                with self._lock:
                    batch = list(itertools.islice(self._queue, size))
                if not batch:
                    break
                try:
                    with self.engine.begin() as conn:
                        for _, work in batch:
                            work(conn)
                except DatabaseError as exc:
                    if isinstance(exc, OperationalError | InterfaceError):
                        raise  # down: keep everything for later
                    if len(batch) > 1:
                        size = 1  # one at a time, to find the write it refuses
                        continue
                    what = batch[0][0]
                    self._log.error("state store %s refused a queued %s (%s); dropped", self.where, what, reason(exc))
                    with self._lock:
                        self._queue.popleft()
                    size = FLUSH_BATCH
                    continue
                with self._lock:
                    for _ in batch:
                        self._queue.popleft()
                written += len(batch)
        finally:
            self._flushing.release()
            if written:
                self._log.info("state store %s: wrote %d records queued while it was down", self.where, written)

    def pending_writes(self) -> int:
        with self._lock:
            return len(self._queue)

    def close(self) -> None:
        """Write what is still queued (if the database answers), say what could not be, let go."""
        if self._queue:
            try:
                self._flush()
            except self._errors as exc:
                self._failed(exc)
        left = self.pending_writes()
        if left:
            self._log.error("state store %s: %d queued records could not be written before exit", self.where, left)
        self.engine.dispose()

    def healthy(self) -> bool:
        try:
            self._run(lambda conn: conn.exec_driver_sql("SELECT 1"))
        except Unavailable:
            return False
        return True

    # -- DeliveryClaims ----------------------------------------------------------------------------

    def _remembered(self, key: str) -> bool:
        with self._lock:
            return key in self._memory

    def _remember(self, key: str, now: float) -> bool:
        """Claim `key` in memory while the database rests; True if nobody here had it."""
        with self._lock:
            if key in self._memory:
                return False
            self._memory[key] = now
            while len(self._memory) > _MEMORY_LIMIT:
                self._memory.popitem(last=False)
            first, self._claiming_here = not self._claiming_here, True
        if first:  # once per outage (the outage itself was a warning): why a retry may be answered twice
            self._log.info(
                "state store %s: taking claims in this process until it answers; a retry that reaches "
                "another instance meanwhile may be answered twice",
                self.where,
            )
        return True

    def _insert_claim(self, values: dict) -> Callable[[Connection], bool]:
        # RETURNING rather than rowcount, which psycopg leaves at -1 for this statement
        return lambda conn: conn.execute(self._sql.insert_claim, values).first() is not None

    def claim(self, key: str) -> bool:
        if self._remembered(key):  # claimed while the database was resting
            return False
        now = self._clock()
        values: dict[str, Any] = dict.fromkeys(
            ("team", "enterprise", "user", "surface", "channel", "question", "owner"), ""
        )
        values.update(key=key, at=now, thread_ts=None, state="answered", heartbeat=now, attempts=0)
        insert = self._insert_claim(values)
        try:
            return self._run_soon(insert)
        except Unavailable:
            if not self._remember(key, now):
                return False
            self._enqueue("claim", insert)
            return True

    def accept(self, pending: Pending) -> bool:
        if self._remembered(pending.key):
            return False
        now = self._clock()
        values: dict[str, Any] = pending._asdict()
        values.update(question=clean_question(pending.question), at=now, state="accepted")
        values.update(owner=self.owner, heartbeat=now, attempts=0)
        insert = self._insert_claim(values)
        try:
            return self._run_soon(insert)
        except Unavailable:
            if not self._remember(pending.key, now):
                return False
            self._enqueue("claim", insert)
            return True

    def answered(self, key: str) -> None:
        # The text goes as soon as the answer is out: the journal keeps the question, the claim needn't.
        values = {"b_key": key, "b_owner": self.owner, "b_now": self._clock()}
        self._write("answered mark", lambda conn: conn.execute(self._sql.mark_answered, values))

    def release(self, key: str, *, failed: bool = False) -> None:
        values: dict[str, Any] = {"state": "failed", "question": ""} if failed else {"heartbeat": 0.0}
        statement = update(claims).where(claims.c.key == key, claims.c.state == "accepted").values(**values)
        self._write("release", lambda conn: conn.execute(statement))

    def heartbeat(self) -> None:
        now = self._clock()
        mine = update(claims).where(claims.c.owner == self.owner, claims.c.state == "accepted").values(heartbeat=now)

        def beat(conn: Connection) -> None:
            conn.execute(mine)
            if now - self._pruned_at >= PRUNE_EVERY_SECONDS:  # forget answered claims nobody will retry
                conn.execute(delete(claims).where(claims.c.state != "accepted", claims.c.at < now - CLAIM_TTL_SECONDS))
                self._pruned_at = now

        with contextlib.suppress(Unavailable):  # the next beat tries again
            self._run(beat)

    def take_over(self, grace: float, limit: int = 20) -> list[Pending]:
        now = self._clock()
        stale = and_(claims.c.state == "accepted", claims.c.heartbeat < now - grace)
        waiting = select(claims.c.key).where(stale).order_by(claims.c.at).limit(limit).scalar_subquery()
        statement = (
            update(claims)
            .where(claims.c.key.in_(waiting), stale)  # stale again: a rival taker may have moved it meanwhile
            .values(owner=self.owner, heartbeat=now, attempts=claims.c.attempts + 1)
            .returning(*(claims.c[name] for name in Pending._fields), claims.c.attempts)
        )
        try:
            rows = self._run(lambda conn: conn.execute(statement).all())
        except Unavailable:
            return []
        taken = []
        for row in rows:
            if row.attempts > MAX_ATTEMPTS:
                self._log.error("gave up on a question after %d attempts to answer it", MAX_ATTEMPTS)
                self.release(row.key, failed=True)
            else:
                taken.append(Pending(*row[: len(Pending._fields)]))
        return taken

    # -- Journal -----------------------------------------------------------------------------------

    def record_question(self, question: Question) -> int | None:
        values = {**question._asdict(), "at": self._clock(), "question": clean_question(question.question)}
        values.update(surface=str(question.surface), status=str(question.status))
        # with a delivery, answered again (a take-over) keeps the first record and hands back its id
        statement = self._sql.insert_delivered_question if question.delivery else self._sql.insert_question
        return self._write("question", lambda conn: conn.execute(statement, values).scalar_one())

    def record_feedback(self, vote: Vote) -> None:
        values = {**vote._asdict(), "at": self._clock(), "helpful": int(vote.helpful)}
        self._write("vote", lambda conn: conn.execute(self._sql.insert_vote, values))

    def report(self, since: float, until: float, top: int = 10, *, team: str | None = None) -> Report:
        def in_period(table):
            where = [table.c.at >= since, table.c.at < until]
            if team:
                where.append(or_(table.c.team == team, table.c.enterprise == team))
            return where

        q = questions.c
        # one row per question however it was cased or ended ("what is an ORM?", "What is an ORM")
        said = func.rtrim(func.lower(q.question), "?!. ").label("q")
        n = func.count().label("n")
        bad = func.sum(case((feedback.c.helpful == 0, 1), else_=0)).label("bad")
        good = func.sum(case((feedback.c.helpful == 1, 1), else_=0)).label("good")
        self._ensure_schema()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(q.at, q.surface, q.question, q.status, q.entry, q.score, q.revision)
                .where(*in_period(questions))
                .order_by(q.at, q.id)
            ).all()
            unanswered = conn.execute(
                select(said, n)
                .where(*in_period(questions), q.status.in_([str(s) for s in UNANSWERED]))
                .group_by(said)
                .order_by(n.desc(), func.max(q.at).desc())
                .limit(top)
            ).all()
            votes = conn.execute(
                select(feedback.c.entry, bad, good)
                .where(*in_period(feedback))
                .group_by(feedback.c.entry)
                .order_by(bad.desc(), good.asc(), feedback.c.entry)
                .limit(top)
            ).all()
        by_status: dict[str, int] = {}
        for row in rows:
            by_status[row.status] = by_status.get(row.status, 0) + 1
        return Report(
            since,
            until,
            len(rows),
            by_status,
            [(text, int(count)) for text, count in unanswered],
            [(entry, int(b), int(g)) for entry, b, g in votes],
            [tuple(row) for row in rows],
        )

    def purge(self, *, before: float | None = None, user: str | None = None) -> int:
        def doomed(table):
            conditions = []
            if before is not None:
                conditions.append(table.c.at < before)
            if user is not None:
                conditions.append(table.c.user == user)
            return or_(*conditions)

        if before is None and user is None:
            return 0
        self._ensure_schema()
        with self.engine.begin() as conn:
            removed = 0
            for table in (feedback, questions):
                removed += conn.execute(delete(table).where(doomed(table))).rowcount
            conn.execute(delete(claims).where(doomed(claims)))  # what claims kept goes with them
        return removed


class Statements:
    """The statements every answer runs, built once per store and executed with their values: building
    and caching a statement per call cost more than the database round trip (measured, PostgreSQL)."""

    def __init__(self, insert: Callable) -> None:
        self.insert_claim = insert(claims).on_conflict_do_nothing(index_elements=["key"]).returning(claims.c.key)
        self.mark_answered = (
            update(claims)
            .where(claims.c.key == bindparam("b_key"))
            .values(state="answered", question="", owner=bindparam("b_owner"), heartbeat=bindparam("b_now"))
        )
        self.insert_question = insert(questions).returning(questions.c.id)
        self.insert_delivered_question = (
            insert(questions)
            .on_conflict_do_update(
                index_elements=["delivery"], index_where=NOT_EMPTY_DELIVERY, set_={"at": questions.c.at}
            )
            .returning(questions.c.id)
        )
        vote = insert(feedback)
        self.insert_vote = vote.on_conflict_do_update(
            index_elements=["question_id", "user"],
            index_where=ONE_VOTE_PER_PERSON,
            set_={"helpful": vote.excluded.helpful, "at": vote.excluded.at},
        )


def _insert_for(dialect: str) -> Callable:
    """The dialect's INSERT, which has ON CONFLICT (both spell it alike)."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if dialect == "postgresql" else sqlite.insert
