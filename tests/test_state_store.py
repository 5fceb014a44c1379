"""The state store on both backends, an SQLite file and a PostgreSQL database (a real server started
by the tests): first-wins claims shared by workers and instances, accepted questions that outlive the
worker that accepted them, durable records, the report's arithmetic and its workspace filter,
retention and purges. The clock is passed in, never patched."""

from __future__ import annotations

import io
import threading
from collections import Counter

import pytest

from bot.reporting import write_text
from bot.state import QUESTION_MAX_CHARS, Pending, Question, Vote
from bot.state.sql import MAX_ATTEMPTS
from tests.support.stores import Clock

GRACE = 10.0


@pytest.fixture
def clock() -> Clock:
    return Clock()


def pending(n: int = 1, *, team: str = "T1", enterprise: str = "", user: str = "U1", text: str = "") -> Pending:
    """A mention accepted for answering: the n-th of a burst."""
    question = text or f"<@UBOT> what is an ARO? ({n})"
    return Pending(
        f"msg:C1:1700000000.{n:06d}", team, enterprise, user, "mention", "C1", f"1700000000.{n:06d}", question
    )


def stored_claim(store, key: str) -> dict:
    from sqlalchemy import select

    from bot.state.schema import claims

    with store.engine.connect() as conn:
        return dict(conn.execute(select(claims).where(claims.c.key == key)).one()._mapping)


# -- claims ----------------------------------------------------------------------------------------


def test_a_claim_is_won_once_even_by_another_store_on_the_same_database(stores):
    first, second = stores.open(), stores.open()

    assert first.claim("msg:C1:1.1") is True
    assert second.claim("msg:C1:1.1") is False, "a second worker must not answer the same message"
    assert first.claim("msg:C1:1.1") is False
    assert second.claim("msg:C1:2.2") is True
    assert first.claim("msg:C1:2.2") is False


def test_claims_race_across_threads_and_stores_with_exactly_one_winner_per_key(stores):
    shared = stores.open()
    keys = [f"msg:C1:{n}.000100" for n in range(50)]
    wins: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def worker(index: int) -> None:
        # Half the threads share one Store (one connection each), half open their own, as workers do.
        store = shared if index % 2 else stores.open()
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
    stored = shared.record_question(Question("dm", "still on disk?", "fallback", None, 0.0))
    assert stored is not None, "contention must not push the store into memory-only mode"


def test_claims_and_records_survive_reopening(stores, clock):
    before = stores.open(clock)
    assert before.claim("msg:D1:1.1")
    asked = Question("dm", "what is an ARO?", "answered", "aro-definition", 100.0, revision="57dee1ac2524")
    question_id = before.record_question(asked)
    before.record_feedback(Vote(question_id, "aro-definition", True))

    after = stores.open(clock)

    assert after.claim("msg:D1:1.1") is False, "a restart must not answer a retried message again"
    report = after.report(clock.now - 1, clock.now + 1)
    assert report.asked == 1
    assert report.rows == [(clock.now, "dm", "what is an ARO?", "answered", "aro-definition", 100.0, "57dee1ac2524")]
    assert report.votes == [("aro-definition", 0, 1)]


def test_record_question_returns_increasing_ids_for_feedback(stores):
    store = stores.open()
    first = store.record_question(Question("mention", "what is a CRO?", "answered", "cro-definition", 100.0))
    second = store.record_question(Question("mention", "what is an ORM", "fallback", None, 0.0))
    assert isinstance(first, int) and isinstance(second, int) and second > first


def test_report_counts_rates_unanswered_and_votes_within_the_period_only(stores, clock):
    store = stores.open(clock)
    day = 86400.0
    start = clock.now

    clock.now = start - 2 * day  # before the period
    store.record_question(Question("mention", "what is an ORM", "fallback", None, 0.0))
    old = store.record_question(Question("dm", "what is a CRO?", "answered", "cro-definition", 100.0))
    store.record_feedback(Vote(old, "cro-definition", False))

    clock.now = start + 10
    store.record_question(Question("mention", "what is an ARO?", "answered", "aro-definition", 100.0))
    clock.now = start + 20
    store.record_question(Question("dm", "What is an ORM", "fallback", None, 0.0))
    clock.now = start + 30
    store.record_question(Question("mention", "what is an orm", "fallback", None, 0.0))
    clock.now = start + 40
    store.record_question(Question("mention", "hybrid", "clarify", None, 72.0))
    clock.now = start + 50
    sdv = store.record_question(Question("button", "SDV", "answered", "sdv-definition", 100.0))
    store.record_feedback(Vote(sdv, "sdv-definition", False))
    store.record_feedback(Vote(sdv, "sdv-definition", False))
    store.record_feedback(Vote(sdv, "sdv-definition", True))
    store.record_feedback(Vote(None, "aro-definition", True))
    store.record_question(Question("checklist", "monitoring", "answered", "monitoring", 0.0))

    clock.now = start + 2 * day  # after the period
    store.record_question(Question("mention", "hybrid", "clarify", None, 72.0))
    store.record_feedback(Vote(None, "aro-definition", False))

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


def test_report_of_an_empty_period_says_none(stores, clock):
    store = stores.open(clock)
    store.record_question(Question("mention", "what is an ORM", "fallback", None, 0.0))

    report = store.report(clock.now + 1, clock.now + 100)

    assert (report.asked, report.by_status, report.unanswered, report.votes, report.rows) == (0, {}, [], [], [])
    out = io.StringIO()
    write_text(report, store, out)
    assert "questions asked: 0" in out.getvalue() and "(none)" in out.getvalue()
    assert "(no votes)" in out.getvalue()


def test_stored_question_is_cleaned(stores, clock):
    store = stores.open(clock)
    store.record_question(
        Question("mention", "<@UBOT> what is <https://x.example|this> CRO?" + "!" * 900, "fallback", None, 0)
    )
    [row] = store.report(clock.now - 1, clock.now + 1).rows
    assert "<" not in row[2] and row[2].startswith("what is CRO?")
    assert len(row[2]) == QUESTION_MAX_CHARS


def test_unanswered_questions_group_regardless_of_case_and_end_punctuation(stores):
    store = stores.open()
    for question in ("what is an ORM?", "what is an ORM", "What is an ORM ?!"):
        store.record_question(Question("dm", question, "fallback", None, 0.0))
    assert store.report(0, 4_000_000_000).unanswered == [("what is an orm", 3)]


def test_a_second_vote_by_the_same_person_replaces_the_first(stores):
    store = stores.open()
    question = store.record_question(
        Question("mention", "what is an ARO?", "answered", "aro-definition", 90.0, user="U1")
    )

    store.record_feedback(Vote(question, "aro-definition", True, user="U1"))
    store.record_feedback(Vote(question, "aro-definition", False, user="U1"))  # changed their mind
    store.record_feedback(Vote(question, "aro-definition", True, user="U2"))

    assert store.report(0, 4_000_000_000).votes == [("aro-definition", 1, 1)]


def test_purge_removes_what_is_older_than_the_retention_period_only(stores, clock):
    store = stores.open(clock)
    old = store.record_question(Question("dm", "an old question", "answered", "aro-definition", 90.0, user="U1"))
    store.record_feedback(Vote(old, "aro-definition", True, user="U1"))
    clock.now += 181 * 86400
    store.record_question(Question("dm", "a recent question", "answered", "cro-definition", 90.0, user="U1"))

    removed = store.purge(before=clock.now - 180 * 86400)

    assert removed == 2, "the old question and its vote"
    assert [row[2] for row in store.report(0, 4_000_000_000).rows] == ["a recent question"]


def test_purge_of_one_person_removes_all_their_records_and_nobody_elses(stores):
    store = stores.open()
    mine = store.record_question(Question("dm", "my question", "answered", "aro-definition", 90.0, user="U1"))
    store.record_feedback(Vote(mine, "aro-definition", False, user="U1"))
    theirs = store.record_question(Question("dm", "their question", "answered", "aro-definition", 90.0, user="U2"))
    store.record_feedback(Vote(theirs, "aro-definition", True, user="U2"))

    assert store.purge(user="U1") == 2

    report = store.report(0, 4_000_000_000)
    assert [row[2] for row in report.rows] == ["their question"]
    assert report.votes == [("aro-definition", 0, 1)]


# -- accepted questions ----------------------------------------------------------------------------


def test_an_accepted_question_is_accepted_once_and_blocks_a_plain_claim_too(stores, clock):
    first, second = stores.open(clock), stores.open(clock)

    assert first.accept(pending(1)) is True
    assert second.accept(pending(1)) is False, "Slack's retry reaching another instance is not answered again"
    assert second.claim(pending(1).key) is False
    record = stored_claim(first, pending(1).key)
    assert record["state"] == "accepted" and record["owner"] == first.owner
    assert (record["team"], record["channel"], record["thread_ts"]) == ("T1", "C1", pending(1).thread_ts)
    assert record["question"] == "what is an ARO? (1)", "cleaned as the journal keeps it: no mention, no markup"


def test_an_answered_question_keeps_no_text_and_is_never_taken_over(stores, clock):
    worker, sweeper = stores.open(clock), stores.open(clock)
    worker.accept(pending(1))

    worker.answered(pending(1).key)
    clock.now += GRACE * 10

    assert sweeper.take_over(GRACE) == []
    record = stored_claim(worker, pending(1).key)
    assert record["state"] == "answered" and record["question"] == ""


def test_a_question_whose_worker_went_silent_is_taken_over_after_the_grace_period_only(stores, clock):
    dead, alive = stores.open(clock), stores.open(clock)
    dead.accept(pending(1))

    clock.now += GRACE - 1
    assert alive.take_over(GRACE) == [], "a worker may still be answering within the grace period"
    clock.now += 2
    [taken] = alive.take_over(GRACE)

    assert taken == pending(1)._replace(question="what is an ARO? (1)")
    assert stored_claim(alive, taken.key)["owner"] == alive.owner
    assert alive.take_over(GRACE) == [], "taken once"


def test_a_live_worker_keeps_its_questions_by_its_heartbeat(stores, clock):
    slow, rival = stores.open(clock), stores.open(clock)
    slow.accept(pending(1))
    for _ in range(5):
        clock.now += GRACE / 2
        slow.heartbeat()  # still answering it (Slack slow to take the post)
        assert rival.take_over(GRACE) == []


def test_rival_sweepers_racing_take_each_question_exactly_once(stores, clock):
    dead = stores.open(clock)
    for n in range(40):
        dead.accept(pending(n))
    clock.now += GRACE + 1
    sweepers = [stores.open(clock) for _ in range(4)]
    taken: Counter[str] = Counter()
    lock, start = threading.Lock(), threading.Barrier(len(sweepers))

    def sweep(store) -> None:
        start.wait()
        while True:
            batch = store.take_over(GRACE, limit=5)
            if not batch:
                return
            with lock:
                taken.update(p.key for p in batch)

    threads = [threading.Thread(target=sweep, args=(s,)) for s in sweepers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert taken == Counter({pending(n).key: 1 for n in range(40)})


def test_a_released_question_is_taken_at_once_and_a_failed_one_never(stores, clock):
    worker, sweeper = stores.open(clock), stores.open(clock)
    worker.accept(pending(1))
    worker.accept(pending(2))

    worker.release(pending(1).key)  # Slack could not be reached: let anyone try again
    worker.release(pending(2).key, failed=True)  # Slack refused for good (channel gone)

    assert [p.key for p in sweeper.take_over(GRACE)] == [pending(1).key]
    assert stored_claim(worker, pending(2).key)["question"] == "", "a question given up keeps no text"


def test_a_question_nobody_manages_to_answer_is_given_up_after_its_attempts(stores, clock, caplog):
    store = stores.open(clock)
    store.accept(pending(1))
    for _ in range(MAX_ATTEMPTS):
        clock.now += GRACE + 1
        assert len(store.take_over(GRACE)) == 1  # taken, then its taker dies too

    clock.now += GRACE + 1
    assert store.take_over(GRACE) == []
    assert stored_claim(store, pending(1).key)["state"] == "failed"
    assert "gave up on a question" in caplog.text


def test_a_delivery_answered_twice_is_journalled_once(stores):
    store = stores.open()
    first = store.record_question(
        Question("mention", "what is an ARO?", "answered", "aro-definition", 90.0, delivery="msg:C1:1.1")
    )
    again = store.record_question(
        Question("mention", "what is an ARO?", "answered", "aro-definition", 90.0, delivery="msg:C1:1.1")
    )
    other = store.record_question(
        Question("mention", "what is an ARO?", "answered", "aro-definition", 90.0, delivery="msg:C1:2.2")
    )

    assert first == again != other
    assert store.report(0, 4_000_000_000).asked == 2


def test_the_store_says_it_is_healthy(stores):
    assert stores.open().healthy() is True


# -- workspaces ------------------------------------------------------------------------------------


def test_a_report_for_one_team_or_enterprise_counts_only_that_workspace(stores):
    store = stores.open()
    store.record_question(Question("dm", "what is an ARO?", "answered", "aro-definition", 90.0, team="T1"))
    store.record_question(Question("dm", "what is an ORM", "fallback", None, 0.0, team="T2", enterprise="E1"))
    store.record_question(
        Question("dm", "what is a CRO?", "answered", "cro-definition", 90.0, team="T3", enterprise="E1")
    )
    store.record_feedback(Vote(None, "aro-definition", False, team="T1"))
    store.record_feedback(Vote(None, "cro-definition", True, team="T3", enterprise="E1"))

    t1 = store.report(0, 4_000_000_000, team="T1")
    org = store.report(0, 4_000_000_000, team="E1")

    assert [row[2] for row in t1.rows] == ["what is an ARO?"]
    assert t1.votes == [("aro-definition", 1, 0)]
    assert sorted(row[2] for row in org.rows) == ["what is a CRO?", "what is an ORM"]
    assert org.unanswered == [("what is an orm", 1)]
    assert org.votes == [("cro-definition", 0, 1)]
    assert store.report(0, 4_000_000_000).asked == 3


def test_purge_takes_a_persons_claims_and_old_claims_with_their_records(stores, clock):
    store = stores.open(clock)
    store.accept(pending(1, user="U1"))
    store.accept(pending(2, user="U2"))
    clock.now += 200 * 86400
    store.accept(pending(3, user="U2"))

    store.purge(user="U1")
    store.purge(before=clock.now - 180 * 86400)

    from sqlalchemy import select

    from bot.state.schema import claims

    with store.engine.connect() as conn:
        assert conn.execute(select(claims.c.key)).scalars().all() == [pending(3).key]
