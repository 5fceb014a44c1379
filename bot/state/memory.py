"""State kept in this process only: the offline CLI's (it answers one person and keeps nothing)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.domain import UNANSWERED
from bot.state import Pending, Question, Report, Vote, clean_question


class MemoryState:
    """Claims and journal in dicts; lost when the process ends (so nothing is left for a sweeper)."""

    where = "memory"

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or time.time
        self._lock = threading.Lock()
        self._claims: set[str] = set()
        self._questions: list[dict] = []
        self._deliveries: dict[str, int] = {}
        self._votes: dict[tuple, dict] = {}

    # -- DeliveryClaims ----------------------------------------------------------------------------

    def claim(self, key: str) -> bool:
        with self._lock:
            if key in self._claims:
                return False
            self._claims.add(key)
            return True

    def accept(self, pending: Pending) -> bool:
        return self.claim(pending.key)

    def answered(self, key: str) -> None:
        pass

    def release(self, key: str, *, failed: bool = False) -> None:
        pass

    def heartbeat(self) -> None:
        pass

    def take_over(self, grace: float, limit: int = 20) -> list[Pending]:
        return []  # one process: no other worker's questions to take

    def healthy(self) -> bool:
        return True

    def close(self) -> None:
        pass

    # -- Journal -----------------------------------------------------------------------------------

    def record_question(self, question: Question) -> int | None:
        delivery = question.delivery
        with self._lock:
            if delivery and delivery in self._deliveries:
                return self._deliveries[delivery]
            record: dict = {"id": len(self._questions) + 1, "at": self._clock(), **question._asdict()}
            record.update(surface=str(question.surface), status=str(question.status))
            record["question"] = clean_question(question.question)
            self._questions.append(record)
            if delivery:
                self._deliveries[delivery] = record["id"]
            return record["id"]

    def record_feedback(self, vote: Vote) -> None:
        key = (vote.question_id, vote.user) if vote.question_id and vote.user else (object(),)
        with self._lock:
            self._votes[key] = {**vote._asdict(), "at": self._clock()}

    def report(self, since: float, until: float, top: int = 10, *, team: str | None = None) -> Report:
        def kept(record: dict) -> bool:
            return since <= record["at"] < until and (not team or team in (record["team"], record["enterprise"]))

        with self._lock:
            rows = [q for q in self._questions if kept(q)]
            votes = [v for v in self._votes.values() if kept(v)]
        by_status: dict[str, int] = {}
        unanswered: dict[str, int] = {}
        for q in rows:
            by_status[q["status"]] = by_status.get(q["status"], 0) + 1
            if q["status"] in UNANSWERED:
                key = q["question"].lower().rstrip("?!. ")
                unanswered[key] = unanswered.get(key, 0) + 1
        tally: dict[str, list[int]] = {}
        for v in votes:
            tally.setdefault(v["entry"], [0, 0])[0 if not v["helpful"] else 1] += 1
        return Report(
            since,
            until,
            len(rows),
            by_status,
            sorted(unanswered.items(), key=lambda kv: -kv[1])[:top],
            sorted(((e, bad, good) for e, (bad, good) in tally.items()), key=lambda t: (-t[1], t[2], t[0]))[:top],
            [(q["at"], q["surface"], q["question"], q["status"], q["entry"], q["score"], q["revision"]) for q in rows],
        )

    def purge(self, *, before: float | None = None, user: str | None = None) -> int:
        def doomed(record: dict) -> bool:
            return (before is not None and record["at"] < before) or (user is not None and record["user"] == user)

        with self._lock:
            kept = [q for q in self._questions if not doomed(q)]
            removed = len(self._questions) - len(kept)
            self._questions = kept
            votes = {k: v for k, v in self._votes.items() if not doomed(v)}
            removed += len(self._votes) - len(votes)
            self._votes = votes
        return removed
