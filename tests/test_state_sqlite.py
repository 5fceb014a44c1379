"""The SQLite state on its own: first-wins claims shared by workers, durable records, the report's
arithmetic, retention and purges, upgrading an older file, and carrying on (without raising) when
the file cannot be used. The clock is passed in, never patched."""

from __future__ import annotations

import io
import os
import sqlite3
import threading
from collections import Counter

import pytest

from bot.reporting import write_text
from bot.state import QUESTION_MAX_CHARS, clean_question
from bot.state.sqlite import DISK_RETRY_SECONDS, SqliteState


class Clock:
    """Wall and monotonic time for a store, so records land at chosen moments."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(1_750_000_000.0)


def store_on(path, clock: Clock | None = None) -> SqliteState:
    """A store on `path`, on the test's clock when it has one."""
    if clock is None:
        return SqliteState(path)
    return SqliteState(path, clock=clock.time, monotonic=clock.monotonic)


# -- claims ----------------------------------------------------------------------------------------


def test_a_claim_is_won_once_even_by_another_store_on_the_same_file(tmp_path):
    path = tmp_path / "state.sqlite3"
    first, second = store_on(path), store_on(path)

    assert first.claim("msg:C1:1.1") is True
    assert second.claim("msg:C1:1.1") is False, "a second worker must not answer the same message"
    assert first.claim("msg:C1:1.1") is False
    assert second.claim("msg:C1:2.2") is True
    assert first.claim("msg:C1:2.2") is False


def test_claims_race_across_threads_and_stores_with_exactly_one_winner_per_key(tmp_path):
    path = tmp_path / "state.sqlite3"
    shared = store_on(path)
    keys = [f"msg:C1:{n}.000100" for n in range(50)]
    wins: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(index: int) -> None:
        # Half the threads share one Store (one connection each), half open their own, as workers do.
        store = shared if index % 2 else store_on(path)
        try:
            start.wait()
            for key in keys:
                if store.claim(key):
                    with lock:
                        wins[key] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert wins == Counter(dict.fromkeys(keys, 1)), "every key won exactly once"
    stored = shared.record_question("dm", "still on disk?", "fallback", None, 0.0)
    assert stored is not None, "contention must not push the store into memory-only mode"


def test_claims_and_records_survive_reopening(tmp_path, clock):
    path = tmp_path / "state.sqlite3"
    before = store_on(path, clock)
    assert before.claim("msg:D1:1.1")
    question_id = before.record_question("dm", "what is an ARO?", "answered", "aro-definition", 100.0)
    before.record_feedback(question_id, "aro-definition", True)

    after = store_on(path, clock)

    assert after.claim("msg:D1:1.1") is False, "a restart must not answer a retried message again"
    report = after.report(clock.now - 1, clock.now + 1)
    assert report.asked == 1
    assert report.rows == [(clock.now, "dm", "what is an ARO?", "answered", "aro-definition", 100.0)]
    assert report.votes == [("aro-definition", 0, 1)]


def test_record_question_returns_increasing_ids_for_feedback(tmp_path):
    store = store_on(tmp_path / "state.sqlite3")
    first = store.record_question("mention", "what is a CRO?", "answered", "cro-definition", 100.0)
    second = store.record_question("mention", "what is an ORM", "fallback", None, 0.0)
    assert isinstance(first, int) and isinstance(second, int) and second > first


# -- the report ------------------------------------------------------------------------------------


def test_report_counts_rates_unanswered_and_votes_within_the_period_only(tmp_path, clock):
    store = store_on(tmp_path / "state.sqlite3", clock)
    day = 86400.0
    start = clock.now

    clock.now = start - 2 * day  # before the period
    store.record_question("mention", "what is an ORM", "fallback", None, 0.0)
    old = store.record_question("dm", "what is a CRO?", "answered", "cro-definition", 100.0)
    store.record_feedback(old, "cro-definition", False)

    clock.now = start + 10
    store.record_question("mention", "what is an ARO?", "answered", "aro-definition", 100.0)
    clock.now = start + 20
    store.record_question("dm", "What is an ORM", "fallback", None, 0.0)
    clock.now = start + 30
    store.record_question("mention", "what is an orm", "fallback", None, 0.0)
    clock.now = start + 40
    store.record_question("mention", "hybrid", "clarify", None, 72.0)
    clock.now = start + 50
    sdv = store.record_question("button", "SDV", "answered", "sdv-definition", 100.0)
    store.record_feedback(sdv, "sdv-definition", False)
    store.record_feedback(sdv, "sdv-definition", False)
    store.record_feedback(sdv, "sdv-definition", True)
    store.record_feedback(None, "aro-definition", True)
    store.record_question("checklist", "monitoring", "answered", "monitoring", 0.0)

    clock.now = start + 2 * day  # after the period
    store.record_question("mention", "hybrid", "clarify", None, 72.0)
    store.record_feedback(None, "aro-definition", False)

    report = store.report(start, start + day)

    assert report.asked == 6
    assert report.by_status == {"answered": 3, "fallback": 2, "clarify": 1}
    assert report.unanswered == [("what is an orm", 2), ("hybrid", 1)], "grouped ignoring case, most frequent first"
    assert report.votes == [("sdv-definition", 2, 1), ("aro-definition", 0, 1)]
    assert [row[0] for row in report.rows] == sorted(row[0] for row in report.rows)
    assert {row[2] for row in report.rows} >= {"what is an ARO?", "SDV", "monitoring"}
    assert "what is a CRO?" not in {row[2] for row in report.rows}, "records before the period are left out"

    out = io.StringIO()
    write_text(report, store, out)
    text = out.getvalue()
    assert "questions asked: 6" in text
    assert "answered 3 (50%)" in text and "fallback 2 (33%)" in text and "clarify 1 (17%)" in text
    assert "help 0 (0%)" in text
    assert text.index("what is an orm") < text.index("hybrid")
    assert text.index("sdv-definition") < text.index("aro-definition")


def test_report_of_an_empty_period_says_none(tmp_path, clock):
    store = store_on(tmp_path / "state.sqlite3", clock)
    store.record_question("mention", "what is an ORM", "fallback", None, 0.0)

    report = store.report(clock.now + 1, clock.now + 100)

    assert (report.asked, report.by_status, report.unanswered, report.votes, report.rows) == (0, {}, [], [], [])
    out = io.StringIO()
    write_text(report, store, out)
    assert "questions asked: 0" in out.getvalue() and "(none)" in out.getvalue()
    assert "(no votes)" in out.getvalue()


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

    assert store.record_question("dm", "what is an ARO?", "answered", "aro-definition", 100.0) is None
    store.record_feedback(None, "aro-definition", True)  # dropped, without raising
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
        assert store.record_question("dm", "what is an ARO?", "answered", "aro-definition", 100.0) is None
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


def test_stored_question_is_cleaned(tmp_path, clock):
    store = store_on(tmp_path / "state.sqlite3", clock)
    store.record_question("mention", "<@UBOT> what is <https://x.example|this> CRO?" + "!" * 900, "fallback", None, 0)
    [row] = store.report(clock.now - 1, clock.now + 1).rows
    assert "<" not in row[2] and row[2].startswith("what is CRO?")
    assert len(row[2]) == QUESTION_MAX_CHARS


def test_a_disk_failure_is_retried_after_a_rest(tmp_path, clock):
    store = store_on(tmp_path / "state.sqlite3", clock)
    store._degrade(sqlite3.OperationalError("database is locked"))
    assert store.record_question("dm", "what is an ARO", "answered", "aro-definition", 100.0) is None
    assert store.claim("k") is True  # claimed in memory meanwhile
    clock.now += DISK_RETRY_SECONDS + 1
    assert store.record_question("dm", "what is an ARO", "answered", "aro-definition", 100.0) is not None
    assert store.claim("k") is False  # the memory claim still counts once the disk is back


def test_unanswered_questions_group_regardless_of_case_and_end_punctuation(tmp_path):
    store = store_on(tmp_path / "state.sqlite3")
    for question in ("what is an ORM?", "what is an ORM", "What is an ORM ?!"):
        store.record_question("dm", question, "fallback", None, 0.0)
    assert store.report(0, 4_000_000_000).unanswered == [("what is an orm", 3)]


# -- votes, retention and purges -------------------------------------------------------------------


def test_a_second_vote_by_the_same_person_replaces_the_first(tmp_path):
    store = store_on(tmp_path / "state.sqlite3")
    question = store.record_question("mention", "what is an ARO?", "answered", "aro-definition", 90.0, user="U1")

    store.record_feedback(question, "aro-definition", True, user="U1")
    store.record_feedback(question, "aro-definition", False, user="U1")  # changed their mind
    store.record_feedback(question, "aro-definition", True, user="U2")

    assert store.report(0, 4_000_000_000).votes == [("aro-definition", 1, 1)]


def test_purge_removes_what_is_older_than_the_retention_period_only(tmp_path, clock):
    store = store_on(tmp_path / "state.sqlite3", clock)
    old = store.record_question("dm", "an old question", "answered", "aro-definition", 90.0, user="U1")
    store.record_feedback(old, "aro-definition", True, user="U1")
    clock.now += 181 * 86400
    store.record_question("dm", "a recent question", "answered", "cro-definition", 90.0, user="U1")

    removed = store.purge(before=clock.now - 180 * 86400)

    assert removed == 2, "the old question and its vote"
    assert [row[2] for row in store.report(0, 4_000_000_000).rows] == ["a recent question"]


def test_purge_of_one_person_removes_all_their_records_and_nobody_elses(tmp_path):
    store = store_on(tmp_path / "state.sqlite3")
    mine = store.record_question("dm", "my question", "answered", "aro-definition", 90.0, user="U1")
    store.record_feedback(mine, "aro-definition", False, user="U1")
    theirs = store.record_question("dm", "their question", "answered", "aro-definition", 90.0, user="U2")
    store.record_feedback(theirs, "aro-definition", True, user="U2")

    assert store.purge(user="U1") == 2

    report = store.report(0, 4_000_000_000)
    assert [row[2] for row in report.rows] == ["their question"]
    assert report.votes == [("aro-definition", 0, 1)]


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
    new = store.record_question("dm", "after the upgrade", "fallback", None, 0.0, user="U1", revision="abc")
    assert new == 2
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT user, revision FROM questions WHERE id = 2").fetchone() == ("U1", "abc")
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
