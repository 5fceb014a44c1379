"""The state's tables, for SQLite and PostgreSQL alike, and how a database reaches this version.

A new database gets the tables below (`metadata.create_all`) and is stamped with SCHEMA_VERSION. An
older one is upgraded one step at a time, in one transaction that one process holds at a time (SQLite:
BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so workers starting together upgrade it once. The
version lives where each dialect keeps it best: SQLite's `PRAGMA user_version` (what the first releases
wrote), PostgreSQL's one-row `cro_bot_schema` table.

Versions: 0 is the first release's SQLite file; 1 added who asked, the workspace and the knowledge
revision; 2 made claims the durable record of an accepted question (where to answer, its owner and
heartbeat) and keyed everything by team and enterprise. PostgreSQL support began at 2, so the steps
below 2 exist in SQLite's dialect only; a later step must give both (a `Step` per dialect).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    inspect,
    text,
)

SCHEMA_VERSION = 2
ADVISORY_LOCK = 0x6372_6F62  # "crob": the PostgreSQL advisory lock that serialises upgrades

metadata = MetaData()
_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite's rowid alias must be spelled INTEGER


def _text(name: str, default: str = "") -> Column:
    return Column(name, Text, nullable=False, server_default=default)


claims = Table(
    "claims",
    metadata,
    Column("key", Text, primary_key=True),  # the delivery key: msg:CHANNEL:TS, cmd:TRIGGER, act:...
    Column("at", Float, nullable=False),  # when first accepted or claimed
    _text("team"),
    _text("enterprise"),
    _text("user"),
    _text("surface"),
    _text("channel"),
    Column("thread_ts", Text),
    _text("question"),  # the cleaned question while it waits for its answer; emptied once answered
    _text("state", "answered"),  # accepted (waiting for its answer), answered, failed
    _text("owner"),  # the worker answering it
    Column("heartbeat", Float, nullable=False, server_default=text("0")),  # its owner's last sign of life
    Column("attempts", Integer, nullable=False, server_default=text("0")),
)
Index("claims_waiting", claims.c.state, claims.c.heartbeat)
Index("claims_at", claims.c.at)
Index("claims_owner", claims.c.owner)

questions = Table(
    "questions",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("surface", Text, nullable=False),  # mention, dm, button, checklist
    Column("question", Text, nullable=False),  # the question only: mentions, links and channels removed
    Column("status", Text, nullable=False),  # answered, clarify, fallback, help
    Column("entry", Text),  # the entry (or checklist) answered with
    Column("score", Float),
    _text("user"),
    _text("team"),
    _text("revision"),
    _text("enterprise"),
    _text("delivery"),  # the Slack delivery it answered, so answering it again records nothing new
    sqlite_autoincrement=True,
)
Index("questions_at", questions.c.at)
Index("questions_user", questions.c.user)
Index("questions_team", questions.c.team)
Index(
    "questions_one_per_delivery",
    questions.c.delivery,
    unique=True,
    sqlite_where=questions.c.delivery != "",
    postgresql_where=questions.c.delivery != "",
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("question_id", _ID),
    Column("entry", Text, nullable=False),
    Column("helpful", Integer, nullable=False),
    _text("user"),
    _text("team"),
    _text("enterprise"),
    sqlite_autoincrement=True,
)
Index("feedback_at", feedback.c.at)
ONE_VOTE_PER_PERSON = and_(feedback.c.question_id.is_not(None), feedback.c.user != "")
Index(
    "feedback_one_per_person",
    feedback.c.question_id,
    feedback.c.user,
    unique=True,
    sqlite_where=ONE_VOTE_PER_PERSON,
    postgresql_where=ONE_VOTE_PER_PERSON,
)

# -- upgrades --------------------------------------------------------------------------------------

Step = dict[str, str]  # dialect name -> the statements of one step, separated by ";"

SQLITE_V0 = """
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, surface TEXT NOT NULL, question TEXT NOT NULL,
    status TEXT NOT NULL, entry TEXT, score REAL
);
CREATE INDEX IF NOT EXISTS questions_at ON questions (at);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, question_id INTEGER, entry TEXT NOT NULL,
    helpful INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_at ON feedback (at);
"""
STEPS: list[Step] = [
    # 0 -> 1: who asked and voted (for purge on request, one vote per person), which workspace, and
    # which knowledge revision produced the answer.
    {
        "sqlite": """
        ALTER TABLE questions ADD COLUMN user TEXT NOT NULL DEFAULT '';
        ALTER TABLE questions ADD COLUMN team TEXT NOT NULL DEFAULT '';
        ALTER TABLE questions ADD COLUMN revision TEXT NOT NULL DEFAULT '';
        ALTER TABLE feedback ADD COLUMN user TEXT NOT NULL DEFAULT '';
        CREATE INDEX IF NOT EXISTS questions_user ON questions (user);
        CREATE UNIQUE INDEX IF NOT EXISTS feedback_one_per_person ON feedback (question_id, user)
            WHERE question_id IS NOT NULL AND user != '';
        """
    },
    # 1 -> 2: a claim records the question it accepted until it is answered (a claim from before
    # this version was answered already); everything is keyed by enterprise as well as team; a
    # question knows the delivery it answered.
    {
        "sqlite": """
        ALTER TABLE claims ADD COLUMN team TEXT NOT NULL DEFAULT '';
        ALTER TABLE claims ADD COLUMN enterprise TEXT NOT NULL DEFAULT '';
        ALTER TABLE claims ADD COLUMN user TEXT NOT NULL DEFAULT '';
        ALTER TABLE claims ADD COLUMN surface TEXT NOT NULL DEFAULT '';
        ALTER TABLE claims ADD COLUMN channel TEXT NOT NULL DEFAULT '';
        ALTER TABLE claims ADD COLUMN thread_ts TEXT;
        ALTER TABLE claims ADD COLUMN question TEXT NOT NULL DEFAULT '';
        ALTER TABLE claims ADD COLUMN state TEXT NOT NULL DEFAULT 'answered';
        ALTER TABLE claims ADD COLUMN owner TEXT NOT NULL DEFAULT '';
        ALTER TABLE claims ADD COLUMN heartbeat FLOAT NOT NULL DEFAULT 0;
        ALTER TABLE claims ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX claims_waiting ON claims (state, heartbeat);
        CREATE INDEX claims_at ON claims (at);
        CREATE INDEX claims_owner ON claims (owner);
        ALTER TABLE questions ADD COLUMN enterprise TEXT NOT NULL DEFAULT '';
        ALTER TABLE questions ADD COLUMN delivery TEXT NOT NULL DEFAULT '';
        CREATE INDEX questions_team ON questions (team);
        CREATE UNIQUE INDEX questions_one_per_delivery ON questions (delivery) WHERE delivery != '';
        ALTER TABLE feedback ADD COLUMN team TEXT NOT NULL DEFAULT '';
        ALTER TABLE feedback ADD COLUMN enterprise TEXT NOT NULL DEFAULT '';
        """
    },
]
if len(STEPS) != SCHEMA_VERSION:  # a new version needs its step, and a step its version
    raise RuntimeError("schema.STEPS and SCHEMA_VERSION disagree")


def _run(conn: Connection, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            conn.exec_driver_sql(statement)


# -- where each dialect keeps its version ----------------------------------------------------------


def _sqlite_version(conn: Connection) -> int:
    return conn.exec_driver_sql("PRAGMA user_version").scalar_one()


def _set_sqlite_version(conn: Connection, version: int) -> None:
    conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")


def _postgres_version(conn: Connection) -> int:
    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS cro_bot_schema (version INTEGER NOT NULL)")
    return conn.exec_driver_sql("SELECT max(version) FROM cro_bot_schema").scalar_one() or 0


def _set_postgres_version(conn: Connection, version: int) -> None:
    conn.exec_driver_sql("DELETE FROM cro_bot_schema")
    conn.execute(text("INSERT INTO cro_bot_schema (version) VALUES (:version)"), {"version": version})


VERSIONS: dict[str, tuple[Callable[[Connection], int], Callable[[Connection, int], None]]] = {
    "sqlite": (_sqlite_version, _set_sqlite_version),
    "postgresql": (_postgres_version, _set_postgres_version),
}


def _lock(conn: Connection) -> None:
    """Hold the upgrade to this process until the transaction ends."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the driver runs in autocommit: this is the transaction
    else:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})")


def current_version(conn: Connection) -> int:
    return VERSIONS[conn.dialect.name][0](conn)


def migrate(conn: Connection) -> int:
    """Create the schema, or upgrade an older database to this version, in one transaction; the
    version found before (a new database: 0)."""
    dialect = conn.dialect.name
    read, write = VERSIONS[dialect]
    if dialect == "sqlite" and read(conn) == SCHEMA_VERSION:
        conn.commit()
        return SCHEMA_VERSION  # the common case, without taking the write lock
    _lock(conn)
    try:
        found = read(conn)
        if found == 0 and not inspect(conn).has_table("questions"):
            metadata.create_all(conn)
        elif found < SCHEMA_VERSION:
            if dialect == "sqlite" and found == 0:
                _run(conn, SQLITE_V0)
            for step in STEPS[found:]:
                if dialect not in step:
                    raise RuntimeError(f"no upgrade from schema version {found} for {dialect}")
                _run(conn, step[dialect])
        elif found > SCHEMA_VERSION:
            raise RuntimeError(f"the database has schema version {found}, newer than this cro-bot's {SCHEMA_VERSION}")
        if found != SCHEMA_VERSION:
            write(conn, SCHEMA_VERSION)
        conn.commit()
        return found
    except BaseException:
        conn.rollback()
        raise
