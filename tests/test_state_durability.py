"""The state file under stress: workers killed mid-write, several processes writing at once, a full
disk and a read-only file.

- A worker killed with SIGKILL loses nothing it reported written, and the file stays sound
  (`PRAGMA integrity_check`).
- Processes writing at once (as gunicorn workers do, all starting on a fresh file) lose no record,
  and each claim key is won by exactly one of them, so a retried Slack message is answered once.
- A full disk or a read-only file degrades: record_question returns None, claims still answer (in
  memory), nothing raises, one warning is logged, and people still get their answers in Slack.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.state import Question, State, Vote
from bot.state.sqlite import SqliteState as Store
from tests.support.serving import served_app
from tests.support.slack_requests import direct_message, find_button, posted_message
from tests.support.slack_standin import SlackStandIn

REPO = Path(__file__).resolve().parent.parent


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def stored_ids(path: Path) -> set[int]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM questions")}


def stored_questions(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT question FROM questions")}


def python(code: str, *args: str, **popen) -> subprocess.Popen:
    """A separate Python process running `code` with the repository importable."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env, text=True, **popen)


# -- killed mid-write ------------------------------------------------------------------------------

WRITER = """
    import sys
    from bot.state import Question
    from bot.state.sqlite import SqliteState as Store

    store = Store(sys.argv[1])
    round_ = sys.argv[2]
    n = 0
    while True:
        asked = Question("dm", f"{round_} question {n}", "answered", "cro-definition", 90.0)
        question_id = store.record_question(asked)
        won = store.claim(f"msg:D1:{round_}.{n}")
        print(question_id, int(won), flush=True)  # written, then said so
        n += 1
"""


def write_until_killed(path: Path, round_: str, at_least: int) -> list[tuple[int, str]]:
    """Start a writer, SIGKILL it once it has reported `at_least` writes; every (id, claim key) it reported."""
    writer = python(WRITER, str(path), round_, stdout=subprocess.PIPE)
    reported: list[tuple[int, str]] = []
    try:
        deadline = time.monotonic() + 30
        while len(reported) < at_least and time.monotonic() < deadline:
            line = writer.stdout.readline()
            if not line.endswith("\n"):
                break
            reported.append(parse_report(line, round_, len(reported)))
        os.kill(writer.pid, signal.SIGKILL)  # mid-way: it is writing its next record right now
        rest = writer.stdout.read()  # what it printed before dying was written before it was printed
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait(timeout=10)
        writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    for line in rest.splitlines(keepends=True):
        if line.endswith("\n"):  # a line cut short by the kill reported nothing
            reported.append(parse_report(line, round_, len(reported)))
    assert len(reported) >= at_least, "the writer did not get going"
    return reported


def parse_report(line: str, round_: str, n: int) -> tuple[int, str]:
    question_id, won = line.split()
    assert question_id != "None", f"the writer could not write record {n}"
    assert won == "1", f"the writer could not claim its key {n}"
    return int(question_id), f"msg:D1:{round_}.{n}"


def test_records_reported_written_survive_kill_9_and_the_file_stays_sound(tmp_path):
    path = tmp_path / "state.sqlite3"

    first = write_until_killed(path, "one", at_least=150)
    second = write_until_killed(path, "two", at_least=150)  # a restarted worker carries on, killed again

    assert integrity(path) == "ok"
    ids = [question_id for question_id, _ in first + second]
    assert len(set(ids)) == len(ids), "no id handed out twice"
    missing = set(ids) - stored_ids(path)
    assert not missing, f"{len(missing)} records reported written were lost"
    reopened = Store(path)
    assert all(reopened.claim(key) is False for _, key in first + second), "a claim taken before the kill holds"
    assert reopened.record_question(Question("dm", "after the kills", "fallback", None, 0.0)) > max(ids)
    assert integrity(path) == "ok"


# -- several processes at once ---------------------------------------------------------------------

CONCURRENT_WORKER = """
    import json, os, sys, time
    from bot.state import Question
    from bot.state.sqlite import SqliteState as Store

    path, name, go, count, keys = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    print("ready", flush=True)
    while not os.path.exists(go):  # all start at the same moment, on a file none has created yet
        pass  # spin, not sleep: waking from a sleep would spread the start
    store = Store(path)
    ids, wins = [], []
    for n in range(count):
        ids.append(store.record_question(Question("dm", f"{name} question {n}", "answered", None, 1.0)))
        key = f"msg:C1:{n % keys}"
        if store.claim(key):
            wins.append(key)
    print(json.dumps({"ids": ids, "wins": wins}), flush=True)
"""


def run_concurrently(tmp_path: Path, path: Path, processes: int, count: int, keys: int) -> list[dict]:
    go = tmp_path / f"go-{path.name}"
    workers = [
        python(CONCURRENT_WORKER, str(path), f"p{i}", str(go), str(count), str(keys), stdout=subprocess.PIPE)
        for i in range(processes)
    ]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready"
        go.touch()
        results = []
        for worker in workers:
            out, _ = worker.communicate(timeout=60)
            assert worker.returncode == 0
            results.append(json.loads(out))
        return results
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)


@pytest.mark.parametrize("round_", range(3))
def test_processes_writing_at_once_lose_nothing_and_win_each_claim_once(tmp_path, round_):
    # As gunicorn workers start: all on a file none has created yet. Their race to switch it to WAL is
    # narrow (on two CPUs a round hits it now and then), so three rounds; the test after this one
    # makes that race certain.
    path = tmp_path / "state.sqlite3"
    processes, count, keys = 4, 200, 50

    results = run_concurrently(tmp_path, path, processes, count, keys)

    ids = [question_id for result in results for question_id in result["ids"]]
    assert None not in ids, f"{ids.count(None)} of {len(ids)} records were dropped (the store left the disk)"
    assert len(set(ids)) == processes * count
    assert stored_ids(path) == set(ids)
    wins = Counter(key for result in results for key in result["wins"])
    assert wins == Counter({f"msg:C1:{k}": 1 for k in range(keys)}), "each key won exactly once, by one process"
    assert integrity(path) == "ok"


class FlakyConnection:
    """A connection whose first `failures` attempts to switch to WAL fail as SQLite fails them when
    another process is switching the same new file at that moment."""

    def __init__(self, conn: sqlite3.Connection, failures: int) -> None:
        self._conn, self._failures = conn, failures

    def execute(self, sql: str, *args):
        if sql == "PRAGMA journal_mode=WAL" and self._failures:
            self._failures -= 1
            raise sqlite3.OperationalError("database is locked")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._conn, name)


def test_a_new_file_busy_being_switched_to_wal_is_waited_for_not_given_up(tmp_path, caplog):
    """The race the rounds above look for, made certain: the first attempts find the file locked."""

    def connect(path: str):
        return FlakyConnection(sqlite3.connect(path, timeout=10, isolation_level=None), failures=3)

    store = Store(tmp_path / "state.sqlite3", connect=connect)

    assert store.record_question(Question("dm", "what is an ARO?", "answered", "aro-definition", 100.0)) is not None
    assert not [r for r in caplog.records if "unusable" in r.getMessage()]


# -- a full disk and a read-only file --------------------------------------------------------------

_unique = itertools.count()


FILL = (
    ("INSERT INTO questions (at, surface, question, status) VALUES (0, 'fill', ?, 'fill')", False),
    ("INSERT INTO claims (key, at) VALUES (?, 0)", True),
    ("INSERT INTO feedback (at, entry, helpful) VALUES (0, ?, 0)", False),
)


def full_disk_connection(path: str) -> sqlite3.Connection:
    """A connection to a file on a disk with no room left: it may not grow the file past its present
    size (PRAGMA max_page_count), and the free space inside it is filled first, as on a full disk."""
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    for sql, unique in FILL:
        for size in (400, 40, 1):
            try:
                while True:
                    conn.execute(sql, (f"{next(_unique)}-{'x' * size}" if unique else "x" * size,))
            except sqlite3.OperationalError as exc:
                assert "full" in str(exc)
    return conn


def read_only_connection(path: str) -> sqlite3.Connection:
    """The file opened as SQLite opens a file it may not write (a chmod 0444 file, which root, who
    runs these tests in CI containers, would write anyway)."""
    return sqlite3.connect(f"file:{path}?mode=ro", timeout=10, isolation_level=None, uri=True)


def existing_file(tmp_path: Path) -> Path:
    path = tmp_path / "state.sqlite3"
    seed = Store(path)
    assert seed.record_question(Question("dm", "from before", "answered", "aro-definition", 100.0)) is not None
    del seed  # its connection closes with it
    return path


def full_disk_store(tmp_path: Path) -> Store:
    return Store(existing_file(tmp_path), connect=full_disk_connection)


def read_only_store(tmp_path: Path) -> Store:
    return Store(existing_file(tmp_path), connect=read_only_connection)


def chmod_read_only_store(tmp_path: Path) -> Store:
    path = existing_file(tmp_path)
    for file in tmp_path.glob("state.sqlite3*"):
        file.chmod(0o444)
    if os.access(path, os.W_OK):
        pytest.skip("running as a user (root) whom chmod does not stop; 'read-only file' covers it")
    return Store(path)


DEGRADED = {"full disk": full_disk_store, "read-only file": read_only_store, "chmod 0444": chmod_read_only_store}


def unusable_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "bot.state.sqlite" and r.levelno == logging.WARNING and "unusable" in r.message
    ]


@pytest.mark.parametrize("which", list(DEGRADED))
def test_a_store_that_cannot_write_degrades_without_raising(tmp_path, caplog, which):
    caplog.set_level(logging.WARNING, logger="bot.state.sqlite")
    store = DEGRADED[which](tmp_path)

    assert store.record_question(Question("dm", "what is an ARO?", "answered", "aro-definition", 100.0)) is None
    store.record_feedback(Vote(None, "aro-definition", True))  # dropped, without raising
    assert store.claim("msg:D1:1.1") is True, "claims still answer"
    assert store.claim("msg:D1:1.1") is False, "and still only once"
    assert store.claim("msg:D1:2.2") is True
    assert (
        store.record_question(Question("mention", "who is the sponsor?", "answered", "sponsor-definition", 90.0))
        is None
    )
    assert len(unusable_warnings(caplog)) == 1, "one warning, not one per message"
    kept = stored_questions(tmp_path / "state.sqlite3")
    assert "from before" in kept, "what was there before is still there"
    assert not {"what is an ARO?", "who is the sponsor?"} & kept


@pytest.mark.parametrize("which", ["full disk", "read-only file"])
def test_people_still_get_answers_in_slack_when_the_store_cannot_write(tmp_path, caplog, which):
    caplog.set_level(logging.WARNING, logger="bot.state.sqlite")
    store = DEGRADED[which](tmp_path)
    with SlackStandIn() as standin, served_app(standin, tmp_path / "x", state=State(store, store)) as app:
        dm = direct_message("what is an ARO?")

        assert app.sender.event(dm).status == 200
        assert app.sender.event(dm, retry_num=1).status == 200  # Slack retries: answered once still

        [post] = standin.wait_for("chat.postMessage", 1, timeout=10)
        answer = app.use_cases.kb.entries["aro-definition"].answer
        assert answer in post.body["text"]
        _, votes = find_button(posted_message(post)["blocks"], "feedback_vote")
        assert votes["positive_button"]["value"] == "+:aro-definition", "no record id, but the vote names the entry"
        standin.assert_count_stays("chat.postMessage", 1, within=0.3)
    assert unusable_warnings(caplog), "the failure is logged"
