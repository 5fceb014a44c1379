"""State in PostgreSQL (DATABASE_URL=postgresql://...), shared by every instance behind a load balancer,
through the one SQL implementation in sql.py, with psycopg 3 as the driver.

A restart of the server is ridden out: the first statement on a connection that died with it fails,
and SQLAlchemy then replaces every connection of the pool (no pre-ping: a round trip before each
statement costs more at the ack than it saves); a claim keeps trying for 1.5 s (a fast restart is over by then, and
Slack's 3 s for the ack are not spent); after that, claims are taken in memory and writes are queued
until the server answers, tried again every 2 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot.state.sql import Outage, SqlState

OUTAGE = Outage(retry_for=1.5, rest=2.0)
CONNECT_TIMEOUT_SECONDS = 2  # libpq's least; a server that does not answer at all costs this much
STATEMENT_TIMEOUT_MS = 5000  # no statement of ours takes a fraction of this; a stuck one must not hold a thread


def engine_url(url: str) -> str:
    """`postgres://` and `postgresql://` (what platforms hand out) as SQLAlchemy's psycopg 3 URL."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError("DATABASE_URL must start with postgresql://")


def shown(url: str) -> str:
    """The URL as messages may show it: no password."""
    return make_url(engine_url(url)).set(drivername="postgresql").render_as_string(hide_password=True)


class PostgresState(SqlState):
    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], float] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        pause: Callable[[float], None] = time.sleep,
        owner: str | None = None,
        pool_size: int = 20,
    ) -> None:
        import psycopg

        engine = create_engine(
            engine_url(url),
            # Enough for every thread that writes (gunicorn's, Bolt's listeners', the sweeper): a
            # connection beyond the pool is closed when returned, and a new PostgreSQL connection per
            # request cost a hundred milliseconds and more at the ack under load (measured).
            pool_size=pool_size,
            max_overflow=10,
            pool_timeout=5,
            connect_args={
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
                "application_name": "cro-bot",
            },
        )
        super().__init__(
            engine,
            shown(url),
            errors=(psycopg.Error,),
            outage=OUTAGE,
            clock=clock,
            monotonic=monotonic,
            pause=pause,
            owner=owner,
        )
