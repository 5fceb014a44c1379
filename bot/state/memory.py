"""State kept in this process only: the offline CLI's (it answers one person and keeps nothing)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from bot.domain import UNANSWERED
from bot.state import Report, clean_question


class MemoryState:
    """Claims and journal in dicts; lost when the process ends."""

    where = "memory"

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock or time.time
        self._lock = threading.Lock()
        self._claims: set[str] = set()
        self._questions: list[dict] = []
        self._votes: dict[tuple, dict] = {}

    def claim(self, key: str) -> bool:
        with self._lock:
            if key in self._claims:
                return False
            self._claims.add(key)
            return True

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
        with self._lock:
            question_id = len(self._questions) + 1
            self._questions.append(
                {
                    "id": question_id,
                    "at": self._clock(),
                    "surface": str(surface),
                    "question": clean_question(question),
                    "status": str(status),
                    "entry": entry,
                    "score": score,
                    "user": user,
                    "team": team,
                    "revision": revision,
                }
            )
            return question_id

    def record_feedback(self, question_id: int | None, entry: str, helpful: bool, *, user: str = "") -> None:
        key = (question_id, user) if question_id and user else (object(),)
        with self._lock:
            self._votes[key] = {"at": self._clock(), "entry": entry, "helpful": helpful, "user": user}

    def report(self, since: float, until: float, top: int = 10) -> Report:
        with self._lock:
            rows = [q for q in self._questions if since <= q["at"] < until]
            votes = [v for v in self._votes.values() if since <= v["at"] < until]
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
            [(q["at"], q["surface"], q["question"], q["status"], q["entry"], q["score"]) for q in rows],
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
