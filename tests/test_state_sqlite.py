"""What only the SQLite file does (tests/test_state_store.py has what both backends do): upgrading the
files earlier releases wrote, and carrying on (without raising) when the file cannot be used. The
clock is passed in, never patched."""

from __future__ import annotations

import os
import sqlite3

import pytest

from bot.state import QUESTION_MAX_CHARS, Question, Vote, clean_question
from bot.state.schema import SCHEMA_VERSION
from bot.state.sqlite import DISK_RETRY_SECONDS, SqliteState
from tests.support.stores import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock(1_750_000_000.0)


def store_on(path, clock: Clock | None = None) -> SqliteState:
    """A store on `path`, on the test's clock when it has one."""
    if clock is None:
        return SqliteState(path)
    return SqliteState(path, clock=clock.time, monotonic=clock.monotonic)


# -- when the file cannot be used ------------------------------------------------------------------


def unusable_paths(tmp_path):
    directory = tmp_path / "a-directory"
    directory.mkdir()
    not_a_database = tmp_path / "garbage.sqlite3"
    not_a_database.write_bytes(b"this is not an SQLite database, just some bytes\n" * 200)
    return {
        "a directory": directory,
        "a missing folder": tmp_path / "missing" / "state.sqlite3",
        "not a database": not_a_database,
    }


@pytest.mark.parametrize("which", ["a directory", "a missing folder", "not a database"])
def test_an_unusable_path_degrades_to_memory_without_raising(tmp_path, which, caplog):
    path = unusable_paths(tmp_path)[which]

    store = store_on(path)

    assert store.record_question(Question("dm", "what is an ARO?", "answered", "aro-definition", 100.0)) is None
    store.record_feedback(Vote(None, "aro-definition", True))  # dropped, without raising
    assert store.claim("msg:D1:1.1") is True, "claims still work, in memory"
    assert store.claim("msg:D1:1.1") is False
    assert store.claim("msg:D1:2.2") is True
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "unusable" in r.getMessage()]
    assert len(warnings) == 1, "one warning, not one per message"


def test_a_file_in_a_read_only_folder_degrades_without_raising(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as a user (root) whom chmod does not stop")
        store = store_on(folder / "state.sqlite3")
        assert store.record_question(Question("dm", "what is an ARO?", "answered", "aro-definition", 100.0)) is None
        assert store.claim("k") is True
        assert store.claim("k") is False
    finally:
        folder.chmod(0o755)


# -- what is kept of a message ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("<@U0BOT123> what is an ARO?", "what is an ARO?"),
        ("<@U0BOT123|cro-bot>   what   is\na CRO?", "what is a CRO?"),
        ("ask <#C0123ABC|clinical-ops> about <!here> SDV", "ask about SDV"),
        ("see <https://evil.example/x|click me> for TORO", "see for TORO"),
        ("<mailto:pat@example.org|pat@example.org> sponsor duties", "sponsor duties"),
    ],
)
def test_clean_question_strips_slack_markup(raw, kept):
    assert clean_question(raw) == kept


def test_clean_question_caps_the_length():
    cleaned = clean_question("why " * 1000)
    assert len(cleaned) == QUESTION_MAX_CHARS
    assert cleaned.startswith("why why")


def test_a_disk_failure_is_retried_after_a_rest(tmp_path, clock):
    store = store_on(tmp_path / "state.sqlite3", clock)
    store._degrade(sqlite3.OperationalError("database is locked"))
    assert store.record_question(Question("dm", "what is an ARO", "answered", "aro-definition", 100.0)) is None
    assert store.claim("k") is True  # claimed in memory meanwhile
    clock.now += DISK_RETRY_SECONDS + 1
    assert store.record_question(Question("dm", "what is an ARO", "answered", "aro-definition", 100.0)) is not None
    assert store.claim("k") is False  # the memory claim still counts once the disk is back


# -- votes, retention and purges -------------------------------------------------------------------


FIRST_RELEASE_SCHEMA = """
CREATE TABLE claims (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE TABLE questions (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, surface TEXT NOT NULL,
    question TEXT NOT NULL, status TEXT NOT NULL, entry TEXT, score REAL);
CREATE INDEX questions_at ON questions (at);
CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, question_id INTEGER,
    entry TEXT NOT NULL, helpful INTEGER NOT NULL);
CREATE INDEX feedback_at ON feedback (at);
INSERT INTO claims VALUES ('msg:C1:1.1', 1750000000);
INSERT INTO questions (at, surface, question, status, entry, score)
    VALUES (1750000000, 'dm', 'asked before the upgrade', 'answered', 'aro-definition', 90);
INSERT INTO feedback (at, question_id, entry, helpful) VALUES (1750000000, 1, 'aro-definition', 1);
"""


def test_a_file_from_the_first_release_is_upgraded_keeping_its_records(tmp_path):
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(FIRST_RELEASE_SCHEMA)

    store = store_on(path)

    assert store.claim("msg:C1:1.1") is False, "a claim taken before the upgrade still holds"
    report = store.report(0, 4_000_000_000)
    assert [row[2] for row in report.rows] == ["asked before the upgrade"]
    assert report.votes == [("aro-definition", 0, 1)]
    new = store.record_question(Question("dm", "after the upgrade", "fallback", None, 0.0, user="U1", revision="abc"))
    assert new == 2
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT user, revision FROM questions WHERE id = 2").fetchone() == ("U1", "abc")
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert schema_of(path) == schema_of(new_file(tmp_path)), "upgraded, the file is as a new one"


SECOND_RELEASE_STEP = """
ALTER TABLE questions ADD COLUMN user TEXT NOT NULL DEFAULT '';
ALTER TABLE questions ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE questions ADD COLUMN revision TEXT NOT NULL DEFAULT '';
ALTER TABLE feedback ADD COLUMN user TEXT NOT NULL DEFAULT '';
CREATE INDEX questions_user ON questions (user);
CREATE UNIQUE INDEX feedback_one_per_person ON feedback (question_id, user)
    WHERE question_id IS NOT NULL AND user != '';
INSERT INTO questions (at, surface, question, status, entry, score, user, team)
    VALUES (1750000100, 'mention', 'asked in the second release', 'fallback', NULL, 0, 'U7', 'T7');
PRAGMA user_version = 1;
"""


def new_file(tmp_path) -> str:
    path = tmp_path / "new.sqlite3"
    SqliteState(path).close()
    return path


def schema_of(path) -> dict:
    """Each table's columns (name, not-null, default) and its indexes (name, unique, columns, where)."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        schema = {}
        for table in sorted(t for t in tables if t != "sqlite_sequence"):
            columns = set()
            for _, name, _type, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})"):
                # a primary key is never null, whether or not its DDL says so
                columns.add((name, bool(notnull or pk), None if default is None else str(default).strip("'"), pk))
            indexes = set()
            for _, name, unique, *_ in conn.execute(f"PRAGMA index_list({table})"):
                cols = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({name})"))
                sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0] or ""
                where = " ".join(sql.partition(" WHERE ")[2].replace('"', "").split())
                indexes.add((name, unique, cols, where))
            schema[table] = (columns, indexes)
        return schema


def test_a_file_from_the_second_release_is_upgraded_and_its_old_claims_count_as_answered(tmp_path, clock):
    path = tmp_path / "state.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(FIRST_RELEASE_SCHEMA + SECOND_RELEASE_STEP)

    store = store_on(path, clock)

    assert store.take_over(grace=0) == [], "a claim from before durable claims was answered already"
    assert store.claim("msg:C1:1.1") is False
    [row] = store.report(1750000099, 1750000101, team="T7").rows
    assert row[2] == "asked in the second release"
    assert schema_of(path) == schema_of(new_file(tmp_path))
